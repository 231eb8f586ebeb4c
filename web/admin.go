package web

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/ttlcache"
)

// AdminRechecker answers whether a user still holds the sfzoom Admin
// permission set, without the user's own token (sfzoom's integration
// connection to the org asks). Every request of an admin session goes through
// it, via a short cache, so a removed permission set takes effect within
// AdminMaxAge on sessions already open.
type AdminRechecker interface {
	RecheckAdmin(ctx context.Context, u *sfzoom.User) (bool, error)
}

// AdminMaxAge is the longest an admin decision is trusted: removing the sfzoom
// Admin permission set takes effect within it, on new opens and on open
// sessions alike.
const AdminMaxAge = 60 * time.Second

// Defaults of the admin cache: answers live half of AdminMaxAge, so that a
// cached answer plus one in-flight check stays within it.
const (
	defaultAdminCacheTTL  = AdminMaxAge / 2
	defaultAdminCacheSize = 10000
)

// newAdminCache caches admin answers per org and user for ttl (default and
// upper bound: half of AdminMaxAge), bounded in size.
func newAdminCache(ttl time.Duration, now func() time.Time) *ttlcache.Cache[bool] {
	if ttl <= 0 || ttl > AdminMaxAge {
		ttl = defaultAdminCacheTTL
	}
	return ttlcache.New[bool](defaultAdminCacheSize, ttl, now)
}

// adminAnswer returns the cached answer for u or calls fetch once for all
// concurrent callers. Errors are not cached.
func (h *canvasHandler) adminAnswer(ctx context.Context, u *sfzoom.User, fetch func(ctx context.Context) (bool, error)) (bool, error) {
	return h.admins.Load(ctx, u.OrgID+"/"+u.UserID, func(ctx context.Context) (bool, error) {
		// The call outlives a caller that gives up: others may wait on it.
		return fetch(context.WithoutCancel(ctx))
	})
}

// errAdminUnconfirmed marks a session whose admin flag could not be
// re-confirmed (Salesforce not connected or unreachable) once the open-time
// check was older than AdminMaxAge.
var errAdminUnconfirmed = errors.New("web: admin permission could not be re-confirmed")

const ctxKeyAdminUnconfirmed = "sfzoom.admin_unconfirmed"

// isBootstrap reports whether u is listed in SFZOOM_ADMIN_USER_IDS.
func (h *canvasHandler) isBootstrap(u *sfzoom.User) bool {
	return slices.ContainsFunc(h.opts.BootstrapAdmins, func(entry string) bool {
		// ORGID:USERID binds the entry to one org (a sandbox copy keeps
		// production's user ids); a bare user id matches in any org.
		org, user, bound := strings.Cut(entry, ":")
		if !bound {
			return sameSFID(entry, u.UserID)
		}
		return sameSFID(org, u.OrgID) && sameSFID(user, u.UserID)
	})
}

// isAdmin decides at Canvas open, with the user's own token on the verified
// instance host, through the cache.
func (h *canvasHandler) isAdmin(ctx context.Context, u *sfzoom.User, token string) bool {
	if h.isBootstrap(u) {
		return true
	}
	if h.opts.Admins == nil {
		return false
	}
	ok, err := h.adminAnswer(ctx, u, func(ctx context.Context) (bool, error) {
		return h.opts.Admins.IsAdmin(ctx, u, token)
	})
	if err != nil {
		// Fail closed: the user still gets the rep's pages.
		h.s.log.WarnContext(ctx, "admin check failed", "org_id", u.OrgID, "user_id", u.UserID, "err", err.Error())
		return false
	}
	return ok
}

// stillAdmin re-checks an admin session on every request through the
// cache. A session opened less than AdminMaxAge ago keeps its open-time
// answer when the re-check cannot be made; an older one loses admin rights
// until the page is reloaded (and c gets errAdminUnconfirmed for the
// message).
func (h *canvasHandler) stillAdmin(ctx context.Context, u *sfzoom.User, issuedAt time.Time) (bool, error) {
	if h.isBootstrap(u) {
		return true, nil
	}
	fresh := h.s.now().Sub(issuedAt) < AdminMaxAge
	if h.opts.AdminRecheck == nil {
		if fresh {
			return true, nil
		}
		return false, errAdminUnconfirmed
	}
	ok, err := h.adminAnswer(ctx, u, func(ctx context.Context) (bool, error) {
		return h.opts.AdminRecheck.RecheckAdmin(ctx, u)
	})
	if err != nil {
		h.s.log.WarnContext(ctx, "admin re-check failed", "org_id", u.OrgID, "user_id", u.UserID, "err", err.Error())
		if fresh {
			return true, nil
		}
		return false, errAdminUnconfirmed
	}
	return ok, nil
}

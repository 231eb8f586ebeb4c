package web

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
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

// adminCache caches admin answers per org and user for a short TTL, bounded
// in size, and coalesces concurrent misses for the same user into one call
// to Salesforce.
type adminCache struct {
	ttl time.Duration
	max int
	now func() time.Time

	mu sync.Mutex
	m  map[string]adminEntry
	sf singleflight.Group
}

type adminEntry struct {
	admin bool
	until time.Time
}

func newAdminCache(ttl time.Duration, max int, now func() time.Time) *adminCache {
	if ttl <= 0 || ttl > AdminMaxAge {
		ttl = defaultAdminCacheTTL
	}
	if max <= 0 {
		max = defaultAdminCacheSize
	}
	return &adminCache{ttl: ttl, max: max, now: now, m: map[string]adminEntry{}}
}

// get returns the cached answer for u or calls fetch once for all concurrent
// callers. Errors are not cached.
func (c *adminCache) get(ctx context.Context, u *sfzoom.User, fetch func(ctx context.Context) (bool, error)) (bool, error) {
	key := u.OrgID + "/" + u.UserID
	c.mu.Lock()
	e, ok := c.m[key]
	c.mu.Unlock()
	if ok && c.now().Before(e.until) {
		return e.admin, nil
	}
	v, err, _ := c.sf.Do(key, func() (any, error) {
		// The call outlives a caller that gives up: others may wait on it.
		admin, err := fetch(context.WithoutCancel(ctx))
		if err != nil {
			return false, err
		}
		c.put(key, admin)
		return admin, nil
	})
	if err != nil {
		return false, err
	}
	return v.(bool), nil
}

func (c *adminCache) put(key string, admin bool) {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		for k, e := range c.m {
			if !now.Before(e.until) {
				delete(c.m, k)
			}
		}
		for k := range c.m { // still full: drop arbitrary entries
			if len(c.m) < c.max {
				break
			}
			delete(c.m, k)
		}
	}
	c.m[key] = adminEntry{admin: admin, until: now.Add(c.ttl)}
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
	ok, err := h.admins.get(ctx, u, func(ctx context.Context) (bool, error) {
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
	ok, err := h.admins.get(ctx, u, func(ctx context.Context) (bool, error) {
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

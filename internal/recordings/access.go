package recordings

import (
	"context"
	"fmt"
	"time"

	"github.com/sfzoom/sfzoom/internal/ttlcache"
)

// AccessFunc reports whether a Salesforce user can read a record, asking
// Salesforce (UserRecordAccess through the org's integration connection).
type AccessFunc func(ctx context.Context, orgID, userID, recordID string) (bool, error)

// AccessCache remembers AccessFunc answers for a short time, so the many
// Range requests of one playback cost one Salesforce call. Grants and
// denials are both cached; errors are not. Concurrent misses for the same
// key share one call.
type AccessCache struct {
	check AccessFunc
	cache *ttlcache.Cache[bool]
}

// maxAccessEntries bounds the cache (least recently used answers go first).
const maxAccessEntries = 50_000

// NewAccessCache caches check's answers for ttl (0 disables caching). now is
// the clock (nil: time.Now).
func NewAccessCache(check AccessFunc, ttl time.Duration, now func() time.Time) *AccessCache {
	return &AccessCache{check: check, cache: ttlcache.New[bool](maxAccessEntries, ttl, now)}
}

// CanRead reports whether userID of orgID can read recordID.
//
// Errors: those of the AccessFunc (EUNAUTHORIZED when the integration
// connection needs reconnecting, EUNAVAILABLE, ERATELIMIT, …).
func (a *AccessCache) CanRead(ctx context.Context, orgID, userID, recordID string) (bool, error) {
	return a.cache.Load(ctx, userPrefix(orgID, userID)+recordID, func(ctx context.Context) (bool, error) {
		ok, err := a.check(ctx, orgID, userID, recordID)
		if err != nil {
			return false, fmt.Errorf("recordings: access check: %w", err)
		}
		return ok, nil
	})
}

// Forget drops every cached answer for a user (e.g. after sharing changes).
func (a *AccessCache) Forget(orgID, userID string) {
	a.cache.RemovePrefix(userPrefix(orgID, userID))
}

// userPrefix starts the cache keys of a user's answers; Salesforce ids hold
// no NUL.
func userPrefix(orgID, userID string) string { return orgID + "\x00" + userID + "\x00" }

package recordings

import (
	"context"
	"fmt"
	"sync"
	"time"
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
	ttl   time.Duration
	now   func() time.Time

	mu      sync.Mutex
	entries map[accessKey]accessEntry
	flights map[accessKey]*accessFlight
}

type accessKey struct{ org, user, record string }

type accessEntry struct {
	ok      bool
	expires time.Time
}

type accessFlight struct {
	done chan struct{}
	ok   bool
	err  error
}

// maxAccessEntries bounds the cache; expired entries are swept when reached.
const maxAccessEntries = 50_000

// NewAccessCache caches check's answers for ttl (0 disables caching). now is
// the clock (nil: time.Now).
func NewAccessCache(check AccessFunc, ttl time.Duration, now func() time.Time) *AccessCache {
	if now == nil {
		now = time.Now
	}
	return &AccessCache{check: check, ttl: ttl, now: now,
		entries: map[accessKey]accessEntry{}, flights: map[accessKey]*accessFlight{}}
}

// CanRead reports whether userID of orgID can read recordID.
//
// Errors: those of the AccessFunc (EUNAUTHORIZED when the integration
// connection needs reconnecting, EUNAVAILABLE, ERATELIMIT, …).
func (a *AccessCache) CanRead(ctx context.Context, orgID, userID, recordID string) (bool, error) {
	k := accessKey{orgID, userID, recordID}
	a.mu.Lock()
	if e, ok := a.entries[k]; ok && a.now().Before(e.expires) {
		a.mu.Unlock()
		return e.ok, nil
	}
	if f := a.flights[k]; f != nil {
		a.mu.Unlock()
		select {
		case <-f.done:
			return f.ok, f.err
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
	f := &accessFlight{done: make(chan struct{})}
	a.flights[k] = f
	a.mu.Unlock()

	f.ok, f.err = a.check(ctx, orgID, userID, recordID)
	if f.err != nil {
		f.err = fmt.Errorf("recordings: access check: %w", f.err)
	}
	a.mu.Lock()
	delete(a.flights, k)
	if f.err == nil && a.ttl > 0 {
		if len(a.entries) >= maxAccessEntries {
			now := a.now()
			for key, e := range a.entries {
				if !now.Before(e.expires) {
					delete(a.entries, key)
				}
			}
		}
		a.entries[k] = accessEntry{ok: f.ok, expires: a.now().Add(a.ttl)}
	}
	a.mu.Unlock()
	close(f.done)
	return f.ok, f.err
}

// Forget drops every cached answer for a user (e.g. after sharing changes).
func (a *AccessCache) Forget(orgID, userID string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for k := range a.entries {
		if k.org == orgID && k.user == userID {
			delete(a.entries, k)
		}
	}
}

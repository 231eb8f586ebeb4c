// Package ttlcache is a bounded in-memory cache whose entries expire, with
// concurrent misses for one key coalesced into one load.
//
// Memory is held by hashicorp's expirable LRU (bounded, least recently used
// evicted first, expired entries dropped on wall-clock time); freshness is
// judged on an injected clock as well, so tests move time instead of
// sleeping. Loads are shared with golang.org/x/sync/singleflight.
package ttlcache

import (
	"context"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
	"golang.org/x/sync/singleflight"
)

// minSweepTTL is the shortest wall-clock TTL handed to the LRU, whose
// sweeper panics on one under 100ns; shorter TTLs still expire on time in Get.
const minSweepTTL = time.Second

// Cache maps string keys to values of type V for a TTL. It is safe for
// concurrent use. The zero Cache is not usable; call New.
type Cache[V any] struct {
	lru   *expirable.LRU[string, entry[V]]
	ttl   time.Duration
	now   func() time.Time
	group singleflight.Group
}

type entry[V any] struct {
	v       V
	expires time.Time
}

// New returns a cache of at most size entries (size <= 0 means 1) that keeps
// each for ttl on the clock now (nil: time.Now). A ttl <= 0 caches nothing:
// Add is a no-op and every Load calls its function.
func New[V any](size int, ttl time.Duration, now func() time.Time) *Cache[V] {
	if size <= 0 {
		size = 1
	}
	if now == nil {
		now = time.Now
	}
	c := &Cache[V]{ttl: ttl, now: now}
	if ttl > 0 {
		// The LRU's own wall-clock TTL only frees memory; Get decides
		// freshness on the injected clock. Its sweeper ticks every
		// hundredth of that TTL, which must be positive.
		c.lru = expirable.NewLRU[string, entry[V]](size, nil, max(ttl, minSweepTTL))
	}
	return c
}

// Get returns the unexpired value for key.
func (c *Cache[V]) Get(key string) (V, bool) {
	var zero V
	if c.lru == nil {
		return zero, false
	}
	e, ok := c.lru.Get(key)
	if !ok {
		return zero, false
	}
	if !c.now().Before(e.expires) {
		c.lru.Remove(key)
		return zero, false
	}
	return e.v, true
}

// Add stores v under key for the cache's TTL.
func (c *Cache[V]) Add(key string, v V) { c.AddTTL(key, v, c.ttl) }

// AddTTL stores v under key for ttl, which is capped at the cache's TTL; a
// ttl <= 0 stores nothing.
func (c *Cache[V]) AddTTL(key string, v V, ttl time.Duration) {
	if c.lru == nil || ttl <= 0 {
		return
	}
	c.lru.Add(key, entry[V]{v: v, expires: c.now().Add(min(ttl, c.ttl))})
}

// Remove drops key.
func (c *Cache[V]) Remove(key string) {
	if c.lru != nil {
		c.lru.Remove(key)
	}
}

// RemovePrefix drops every key that starts with prefix.
func (c *Cache[V]) RemovePrefix(prefix string) {
	if c.lru == nil {
		return
	}
	for _, k := range c.lru.Keys() {
		if strings.HasPrefix(k, prefix) {
			c.lru.Remove(k)
		}
	}
}

// Len returns the number of entries held, expired ones included until they
// are dropped.
func (c *Cache[V]) Len() int {
	if c.lru == nil {
		return 0
	}
	return c.lru.Len()
}

// Load returns the cached value for key, or calls load once for all
// concurrent callers missing the same key and caches its value when it
// succeeds (errors are not cached). load runs with the context of the caller
// that started it, and that caller waits for it; another caller whose
// context ends while it waits returns the context's error, and the load goes
// on for the others.
func (c *Cache[V]) Load(ctx context.Context, key string, load func(ctx context.Context) (V, error)) (V, error) {
	return c.LoadTTL(ctx, key, func(ctx context.Context) (V, time.Duration, error) {
		v, err := load(ctx)
		return v, c.ttl, err
	})
}

// LoadTTL is Load for a load that says how long its value is kept (see
// AddTTL).
func (c *Cache[V]) LoadTTL(ctx context.Context, key string, load func(ctx context.Context) (V, time.Duration, error)) (V, error) {
	if v, ok := c.Get(key); ok {
		return v, nil
	}
	// The caller whose call runs load waits for it (load sees the same
	// context and answers for itself); the others may leave early.
	var leader atomic.Bool
	ch := c.group.DoChan(key, func() (any, error) {
		leader.Store(true)
		v, ttl, err := load(ctx)
		if err == nil {
			c.AddTTL(key, v, ttl)
		}
		return v, err
	})
	select {
	case r := <-ch:
		return result[V](r)
	case <-ctx.Done():
		if leader.Load() {
			return result[V](<-ch)
		}
		var zero V
		return zero, ctx.Err()
	}
}

func result[V any](r singleflight.Result) (V, error) {
	v, _ := r.Val.(V)
	return v, r.Err
}

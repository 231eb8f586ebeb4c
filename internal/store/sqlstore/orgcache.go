package sqlstore

import (
	"slices"
	"sync"
	"time"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/ttlcache"
)

// The org cache answers UpsertOrg's "would this change anything?" read
// (docs/performance.md). Every Canvas open upserts its org, and that read
// was the largest part of an open's handler CPU (a read transaction: three
// round trips on Postgres). The cache holds the stored org for a short TTL,
// bounded in size; an upsert that differs from the cached org (a new name,
// a newly verified instance URL) still reads and writes the database, so
// the cache only ever skips a write that would change nothing. Every write
// of an org through this store drops its entry, and a read that raced with
// such a write is not cached (orgCache.gen). Another replica's write is
// seen by UpsertOrg's returned org within orgCacheTTL.
const (
	orgCacheSize = 1024
	orgCacheTTL  = 30 * time.Second
)

type orgCache struct {
	c  *ttlcache.Cache[sfzoom.Org]
	mu sync.Mutex
	// gen counts org writes: a read adds what it read only if no write
	// began since it started, so it never puts back what a write replaced.
	gen uint64
}

func newOrgCache(now func() time.Time) *orgCache {
	return &orgCache{c: ttlcache.New[sfzoom.Org](orgCacheSize, orgCacheTTL, now)}
}

// get returns a copy of the cached org id.
func (c *orgCache) get(id string) (*sfzoom.Org, bool) {
	o, ok := c.c.Get(id)
	if !ok {
		return nil, false
	}
	return copyOrg(&o), true
}

// generation returns the count of org writes, to pass to add.
func (c *orgCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// add caches o, read from the database after generation returned at; a
// write since then may have replaced it, and then it is not cached.
func (c *orgCache) add(o *sfzoom.Org, at uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == at {
		c.c.Add(o.ID, *copyOrg(o))
	}
}

// written drops id: call it before and after writing the org.
func (c *orgCache) written(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.c.Remove(id)
}

// copyOrg copies o, so no caller shares the cached settings' slice.
func copyOrg(o *sfzoom.Org) *sfzoom.Org {
	cp := *o
	cp.Settings.InternalDomains = slices.Clone(o.Settings.InternalDomains)
	return &cp
}

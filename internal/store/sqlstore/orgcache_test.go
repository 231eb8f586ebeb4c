package sqlstore

import (
	"testing"
	"time"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// TestOrgCacheSkipsReadsRacingAWrite: an org read before a write of that
// org finished is not cached, so the cache never puts back what the write
// replaced (UpsertOrg and UpdateOrgSettings call written before and after).
func TestOrgCacheSkipsReadsRacingAWrite(t *testing.T) {
	now := time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)
	o := &sfzoom.Org{ID: "00D1", Name: "Acme", Settings: sfzoom.OrgSettings{InternalDomains: []string{"acme.com"}}}
	tests := []struct {
		name   string
		writes int // org writes between the read's start and its add
		cached bool
	}{
		{name: "NoWrite", writes: 0, cached: true},
		{name: "WriteBegan", writes: 1, cached: false},
		{name: "WriteEnded", writes: 2, cached: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newOrgCache(func() time.Time { return now })
			at := c.generation()
			for range tt.writes {
				c.written(o.ID)
			}
			c.add(o, at)
			if _, ok := c.get(o.ID); ok != tt.cached {
				t.Fatalf("cached after %d writes = %v, want %v", tt.writes, ok, tt.cached)
			}
		})
	}
}

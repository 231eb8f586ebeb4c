package ttlcache_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sfzoom/sfzoom/internal/ttlcache"
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestExpiryOnInjectedClock(t *testing.T) {
	clk := &clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	c := ttlcache.New[int](10, time.Minute, clk.Now)
	c.Add("a", 1)
	c.AddTTL("short", 2, 10*time.Second)
	c.AddTTL("capped", 3, time.Hour) // capped at the cache's minute
	if v, ok := c.Get("a"); !ok || v != 1 {
		t.Fatalf("Get(a) = %v, %v; want 1, true", v, ok)
	}
	clk.Advance(10 * time.Second)
	if _, ok := c.Get("short"); ok {
		t.Error("Get(short) hit after its 10s TTL")
	}
	clk.Advance(49 * time.Second)
	if _, ok := c.Get("a"); !ok {
		t.Error("Get(a) missed before its TTL")
	}
	clk.Advance(time.Second)
	for _, k := range []string{"a", "capped"} {
		if _, ok := c.Get(k); ok {
			t.Errorf("Get(%s) hit after the cache's TTL", k)
		}
	}
}

// A TTL shorter than the LRU's sweep granularity (100ns) still caches, and
// expires on the injected clock.
func TestTinyTTL(t *testing.T) {
	clk := &clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	c := ttlcache.New[int](10, time.Nanosecond, clk.Now)
	c.Add("a", 1)
	if v, ok := c.Get("a"); !ok || v != 1 {
		t.Fatalf("Get(a) = %v, %v; want 1, true", v, ok)
	}
	clk.Advance(time.Nanosecond)
	if _, ok := c.Get("a"); ok {
		t.Error("Get(a) hit after its 1ns TTL")
	}
}

func TestBounded(t *testing.T) {
	c := ttlcache.New[int](2, time.Minute, nil)
	c.Add("a", 1)
	c.Add("b", 2)
	c.Get("a") // a is now the most recently used
	c.Add("c", 3)
	if c.Len() != 2 {
		t.Errorf("Len() = %d, want 2", c.Len())
	}
	if _, ok := c.Get("b"); ok {
		t.Error("the least recently used entry was kept past the bound")
	}
	for _, k := range []string{"a", "c"} {
		if _, ok := c.Get(k); !ok {
			t.Errorf("Get(%s) missed", k)
		}
	}
}

func TestZeroTTLCachesNothing(t *testing.T) {
	c := ttlcache.New[int](10, 0, nil)
	c.Add("a", 1)
	if _, ok := c.Get("a"); ok {
		t.Error("a zero-TTL cache kept an entry")
	}
	var calls int
	for range 2 {
		if _, err := c.Load(context.Background(), "a", func(context.Context) (int, error) { calls++; return 1, nil }); err != nil {
			t.Fatal(err)
		}
	}
	if calls != 2 {
		t.Errorf("load called %d times, want 2", calls)
	}
}

func TestRemovePrefix(t *testing.T) {
	c := ttlcache.New[int](10, time.Minute, nil)
	c.Add("org\x00alice\x00r1", 1)
	c.Add("org\x00alice\x00r2", 2)
	c.Add("org\x00alicia\x00r1", 3)
	c.RemovePrefix("org\x00alice\x00")
	if c.Len() != 1 {
		t.Errorf("Len() after RemovePrefix = %d, want 1", c.Len())
	}
	if _, ok := c.Get("org\x00alicia\x00r1"); !ok {
		t.Error("RemovePrefix dropped another user's entry")
	}
}

func TestLoadCoalescesAndCachesSuccessOnly(t *testing.T) {
	c := ttlcache.New[int](10, time.Minute, nil)
	var calls atomic.Int32
	release := make(chan struct{})
	load := func(context.Context) (int, error) {
		calls.Add(1)
		<-release
		return 42, nil
	}
	var wg sync.WaitGroup
	results := make(chan int, 8)
	for range 8 {
		wg.Go(func() {
			v, err := c.Load(context.Background(), "k", load)
			if err != nil {
				t.Error(err)
			}
			results <- v
		})
	}
	// Let every caller reach the flight before it lands.
	for calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	close(release)
	wg.Wait()
	close(results)
	for v := range results {
		if v != 42 {
			t.Errorf("Load = %d, want 42", v)
		}
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("load called %d times for 8 concurrent misses, want 1", n)
	}

	boom := errors.New("boom")
	if _, err := c.Load(context.Background(), "e", func(context.Context) (int, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Fatalf("Load(failing) = %v, want %v", err, boom)
	}
	if _, ok := c.Get("e"); ok {
		t.Error("an error was cached")
	}
}

func TestLoadFollowerLeavesOnCancel(t *testing.T) {
	c := ttlcache.New[int](10, time.Minute, nil)
	started, release := make(chan struct{}), make(chan struct{})
	leaderDone := make(chan int)
	go func() {
		v, _ := c.Load(context.Background(), "k", func(context.Context) (int, error) {
			close(started)
			<-release
			return 7, nil
		})
		leaderDone <- v
	}()
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Load(ctx, "k", func(context.Context) (int, error) { return 0, nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("follower Load with a cancelled context = %v, want context.Canceled", err)
	}
	close(release)
	if v := <-leaderDone; v != 7 {
		t.Errorf("leader Load = %d, want 7", v)
	}
	if v, ok := c.Get("k"); !ok || v != 7 {
		t.Errorf("Get(k) after the load = %v, %v; want 7, true", v, ok)
	}
}

package integrations

import (
	"errors"
	"testing"
)

// TestCachedClient: a connection's client is built once and then reused;
// a build that fails is not cached, so the next call builds again; each
// connection id has its own client.
func TestCachedClient(t *testing.T) {
	i := New(Options{})
	cache := map[int64]*struct{ n int }{}
	builds := 0
	fail := errors.New("token source unavailable")
	build := func(err error) func() (*struct{ n int }, error) {
		return func() (*struct{ n int }, error) {
			builds++
			if err != nil {
				return nil, err
			}
			return &struct{ n int }{builds}, nil
		}
	}

	if c, err := cachedClient(i, cache, 7, build(fail)); !errors.Is(err, fail) || c != nil {
		t.Fatalf("failed build = %v, %v; want nil and the build's error", c, err)
	}
	first, err := cachedClient(i, cache, 7, build(nil))
	if err != nil || first == nil {
		t.Fatalf("build after a failed one = %v, %v; want a client (the failure was not cached)", first, err)
	}
	again, err := cachedClient(i, cache, 7, build(fail))
	if err != nil || again != first {
		t.Fatalf("second call = %p, %v; want the cached client %p without building", again, err, first)
	}
	other, err := cachedClient(i, cache, 8, build(nil))
	if err != nil || other == first {
		t.Fatalf("another connection = %p, %v; want its own client, not %p", other, err, first)
	}
	if builds != 3 {
		t.Errorf("builds = %d, want 3 (failed, first, other connection)", builds)
	}
}

package tokens_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/tokens"
)

// TestRefreshLeaseOutlivesTokenRequest: the refresh lease is at least twice
// the token request timeout (defaults 60 s and 15 s), a configuration that
// breaks this is refused, and the timeout holds even when the HTTP client
// has none, so a lease never expires under an in-flight refresh (issue 19:
// a 30 s lease equal to a 30 s client timeout let a slow answer burn the
// rotating refresh token).
func TestRefreshLeaseOutlivesTokenRequest(t *testing.T) {
	keys := testKeys(t, "k1")
	v, err := tokens.NewVault(newMemStore(), keys)
	if err != nil {
		t.Fatal(err)
	}
	timeout, lease := v.RefreshLimits()
	if timeout != tokens.DefaultTokenTimeout || lease != tokens.DefaultLeaseTTL {
		t.Errorf("defaults = timeout %s, lease %s; want %s and %s", timeout, lease, tokens.DefaultTokenTimeout, tokens.DefaultLeaseTTL)
	}
	if lease < 2*timeout || timeout <= 0 {
		t.Errorf("default lease %s is not at least twice the token timeout %s", lease, timeout)
	}
	for _, tt := range []struct{ lease, timeout time.Duration }{
		{30 * time.Second, 30 * time.Second}, // the configuration of issue 19
		{20 * time.Second, 15 * time.Second},
		{time.Minute, 0},
	} {
		_, err := tokens.NewVault(newMemStore(), keys, tokens.WithLease(tt.lease, time.Millisecond), tokens.WithTokenTimeout(tt.timeout))
		if err == nil || !strings.Contains(err.Error(), "at least twice the token request timeout") {
			t.Errorf("NewVault(lease %s, timeout %s) error = %v, want a refusal naming the rule", tt.lease, tt.timeout, err)
		}
	}

	// The token endpoint hangs; the client (httptest's) has no timeout of
	// its own: the request still ends at the token timeout.
	st, ids := newMem(t, sfzoom.ProviderZoomS2S)
	e := newEnv(t, st, false)
	release := make(chan struct{})
	defer close(release)
	e.srv.onToken = func(*http.Request) { <-release }
	s := e.s2s(e.vault(t, tokens.WithTokenTimeout(100*time.Millisecond)), ids[0])
	start := time.Now()
	_, err = s.Token(context.Background())
	if sfzoom.ErrorCode(err) != sfzoom.EUNAVAILABLE {
		t.Errorf("Token() with a hanging endpoint = %v, want EUNAVAILABLE", err)
	}
	if d := time.Since(start); d > 1500*time.Millisecond {
		t.Errorf("Token() with a hanging endpoint took %s, want about the 100 ms token timeout", d)
	}
}

// TestZoomUserLostRefreshResponse: Zoom rotates the refresh token but its
// answer arrives after the token timeout. The attempt fails as unavailable
// (the connection stays active); the next one gets invalid_grant, finds
// nothing newer in the vault and the connection needs reconnecting. Zoom
// documents no grace period for the previous refresh token
// (https://devforum.zoom.us/t/how-to-protect-against-losing-refresh-token-response/10375).
func TestZoomUserLostRefreshResponse(t *testing.T) {
	ctx := context.Background()
	st, ids := newMem(t, sfzoom.ProviderZoomUser)
	e := newEnv(t, st, false)
	z := e.zoomUser(e.vault(t, tokens.WithTokenTimeout(100*time.Millisecond)))
	e.connectZoomUser(t, z, ids[0])
	e.clock.Advance(2 * time.Hour)

	gaveUp := make(chan struct{})
	var once sync.Once
	e.srv.onToken = func(*http.Request) { once.Do(func() { <-gaveUp }) } // answers after the client left
	if _, err := z.Token(ctx, ids[0]); sfzoom.ErrorCode(err) != sfzoom.EUNAVAILABLE {
		t.Fatalf("Token() with a lost answer = %v, want EUNAVAILABLE", err)
	}
	close(gaveUp)
	for e.srv.count("refresh_token") == 0 { // Zoom handles the request and rotates
		time.Sleep(time.Millisecond)
	}
	if c, _ := st.FindConnectionByID(ctx, ids[0]); c.Status != sfzoom.ConnectionActive {
		t.Fatalf("status after a lost answer = %q, want active", c.Status)
	}

	e.clock.Advance(time.Minute) // past the failure backoff
	_, err := z.Token(ctx, ids[0])
	if sfzoom.ErrorCode(err) != sfzoom.EUNAUTHORIZED || !strings.HasPrefix(sfzoom.ErrorMessage(err), "Zoom needs reconnecting: ") {
		t.Fatalf("Token() after the lost answer = %v, want EUNAUTHORIZED \"Zoom needs reconnecting: …\"", err)
	}
	if c, _ := st.FindConnectionByID(ctx, ids[0]); c.Status != sfzoom.ConnectionReconnect {
		t.Errorf("status = %q, want %q", c.Status, sfzoom.ConnectionReconnect)
	}
	if n := e.srv.count("refresh_token"); n != 2 {
		t.Errorf("refresh requests = %d, want 2", n)
	}
}

// TestZoomUserInvalidGrantUsesNewerStoredToken: a replica is paused between
// reading the refresh token under its lease and sending it; its lease
// expires and another replica refreshes and stores. The paused replica's
// request gets invalid_grant; it re-reads the vault, finds the newer token
// and uses it instead of declaring the grant dead.
func TestZoomUserInvalidGrantUsesNewerStoredToken(t *testing.T) {
	ctx := context.Background()
	st, ids := newMem(t, sfzoom.ProviderZoomUser)
	e := newEnv(t, st, false)
	st.(*memStore).now = e.clock.Now // leases expire on the test clock
	a, b := e.zoomUser(e.vault(t)), e.zoomUser(e.vault(t))
	e.connectZoomUser(t, a, ids[0])
	e.clock.Advance(2 * time.Hour)

	var first atomic.Bool
	var fromB string
	var errB error
	e.srv.onToken = func(*http.Request) {
		if !first.CompareAndSwap(false, true) {
			return // b's request
		}
		// a's request, held on its way to Zoom.
		e.clock.Advance(10 * time.Second) // a's 5 s lease expires
		tok, err := b.Token(ctx, ids[0])
		if err == nil {
			fromB = tok.AccessToken
		}
		errB = err
	}
	tok, err := a.Token(ctx, ids[0])
	if errB != nil {
		t.Fatalf("replica b's refresh: %v", errB)
	}
	if err != nil {
		t.Fatalf("Token() after invalid_grant with a newer stored token = %v, want b's token", err)
	}
	if tok.AccessToken != fromB || !e.srv.validAccess(tok.AccessToken) {
		t.Errorf("a got a different or invalid token, want the one b stored")
	}
	if c, _ := st.FindConnectionByID(ctx, ids[0]); c.Status != sfzoom.ConnectionActive {
		t.Errorf("status = %q, want active", c.Status)
	}
	if n := e.srv.count("refresh_token"); n != 2 {
		t.Errorf("refresh requests = %d, want 2 (b's, and a's refused one)", n)
	}
	if !strings.Contains(e.logs.String(), "spent by another attempt") {
		t.Errorf("no log line says the newer stored token was used:\n%s", e.logs.String())
	}
}

// TestZoomUserDisconnectDuringRefresh: a disconnect that arrives while the
// same replica is refreshing waits for the refresh (the in-process
// per-connection lock; the store lease is re-entrant for its holder) and
// revokes the token the refresh produced, so no live grant is left at Zoom.
func TestZoomUserDisconnectDuringRefresh(t *testing.T) {
	ctx := context.Background()
	st, ids := newMem(t, sfzoom.ProviderZoomUser)
	e := newEnv(t, st, false)
	z := e.zoomUser(e.vault(t))
	e.connectZoomUser(t, z, ids[0])
	e.clock.Advance(2 * time.Hour)

	inFlight, revoked := make(chan struct{}), make(chan struct{})
	var once sync.Once
	e.srv.onToken = func(*http.Request) {
		once.Do(func() {
			close(inFlight)
			// Without the lock the disconnect finishes meanwhile; with it,
			// it waits for this refresh, so give up waiting after a bound.
			select {
			case <-revoked:
			case <-time.After(500 * time.Millisecond):
			}
		})
	}
	done := make(chan error, 1)
	go func() {
		_, err := z.Token(ctx, ids[0])
		done <- err
	}()
	<-inFlight
	if err := z.Revoke(ctx, ids[0]); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	close(revoked)
	<-done
	if n := e.srv.count("refresh_token"); n != 1 {
		t.Fatalf("refresh requests = %d, want 1", n)
	}
	if at := e.srv.lastAccess(); e.srv.validAccess(at) {
		t.Errorf("the access token the refresh produced is still live at Zoom after the disconnect")
	}
	if _, err := st.FindConnectionByID(ctx, ids[0]); sfzoom.ErrorCode(err) != sfzoom.ENOTFOUND {
		t.Errorf("connection after disconnect: %v, want ENOTFOUND", err)
	}
}

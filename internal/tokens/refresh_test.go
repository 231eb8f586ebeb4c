package tokens_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

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

// racingStore is a store where, while armed, another writer without the
// lease re-saves the stored token just before each of our writes: the row
// gets a new version but keeps its refresh token, so every compare-and-swap
// of ours conflicts.
type racingStore struct {
	testStore
	armed atomic.Bool
}

func (s *racingStore) SaveToken(ctx context.Context, rec *sfzoom.TokenRecord, expect int64) error {
	if s.armed.Load() {
		cur, err := s.testStore.LoadToken(ctx, rec.ConnectionID)
		if err != nil {
			return err
		}
		if err := s.testStore.SaveToken(ctx, cur, cur.Version); err != nil {
			return err
		}
	}
	return s.testStore.SaveToken(ctx, rec, expect)
}

// TestRenewedTokenNotStored: a token the vendor issued whose five writes all
// conflict was never stored, so it is not handed out: the public entry point
// answers ECONFLICT saying what happened and what to do, nothing logs the
// token as renewed, an error is logged (with a rotating grant, saying the
// connection may need reconnecting), nothing is cached, and the next call
// asks the vendor again. Before the fix the unsaved token was returned,
// cached and logged as renewed, and the single-use Zoom refresh token it
// carried was lost (docs/zoom-api.md §5.2: the previous one stops working).
func TestRenewedTokenNotStored(t *testing.T) {
	type entry func(context.Context) (*oauth2.Token, error)
	cases := []struct {
		name       string
		provider   string
		salesforce bool
		rotating   bool
		// start connects id through v and makes its token need renewing.
		// It returns the stale access token, the entry point that renews and
		// the one to call afterwards.
		start func(t *testing.T, e *env, v *tokens.Vault, id int64) (stale string, renew, next entry)
		// nextCode is the next call's error code once writes succeed again.
		nextCode string
	}{
		{
			name: "ZoomUser", provider: sfzoom.ProviderZoomUser, rotating: true,
			start: func(t *testing.T, e *env, v *tokens.Vault, id int64) (string, entry, entry) {
				z := e.zoomUser(v)
				e.connectZoomUser(t, z, id)
				e.clock.Advance(2 * time.Hour)
				tok := func(ctx context.Context) (*oauth2.Token, error) { return z.Token(ctx, id) }
				return e.srv.lastAccess(), tok, tok
			},
			// The unsaved answer carried the only live refresh token.
			nextCode: sfzoom.EUNAUTHORIZED,
		},
		{
			name: "Salesforce", provider: sfzoom.ProviderSalesforce, salesforce: true, rotating: true,
			start: func(t *testing.T, e *env, v *tokens.Vault, id int64) (string, entry, entry) {
				s := e.salesforce(v, id)
				old := connectSalesforce(t, e, s)
				refresh := func(ctx context.Context) (*oauth2.Token, error) { return s.Refresh(ctx, old.AccessToken) }
				return old.AccessToken, refresh, s.Token
			},
		},
		{
			name: "ZoomS2S", provider: sfzoom.ProviderZoomS2S,
			start: func(t *testing.T, e *env, v *tokens.Vault, id int64) (string, entry, entry) {
				z := e.s2s(v, id)
				old, err := z.Token(context.Background())
				if err != nil {
					t.Fatalf("first Token(): %v", err)
				}
				e.clock.Advance(2 * time.Hour)
				return old.AccessToken, z.Token, z.Token
			},
		},
	}
	for storeName, newStore := range stores() {
		for _, tc := range cases {
			t.Run(storeName+"/"+tc.name, func(t *testing.T) {
				ctx := context.Background()
				inner, ids := newStore(t, tc.provider)
				st := &racingStore{testStore: inner}
				e := newEnv(t, st, tc.salesforce)
				vendor := func() int { return e.srv.count("refresh_token") + e.srv.count("account_credentials") }
				stale, renew, next := tc.start(t, e, e.vault(t), ids[0])

				st.armed.Store(true)
				logsFrom, asked := len(e.logs.String()), vendor()
				tok, err := renew(ctx)
				logs := e.logs.String()[logsFrom:]
				if vendor() != asked+1 {
					t.Fatalf("token requests = %d, want %d (one renewal)", vendor(), asked+1)
				}
				unsaved := e.srv.lastAccess()
				if sfzoom.ErrorCode(err) != sfzoom.ECONFLICT || tok != nil {
					t.Fatalf("renewal whose writes all conflict = %v, %v; want no token and ECONFLICT", tok, err)
				}
				msg := sfzoom.ErrorMessage(err)
				vendorName := "Zoom"
				if tc.salesforce {
					vendorName = "Salesforce"
				}
				for _, want := range []string{"The new " + vendorName + " token could not be saved", "Try again"} {
					if !strings.Contains(msg, want) {
						t.Errorf("message %q does not say %q", msg, want)
					}
				}
				if strings.Contains(msg, "tokens:") || strings.Contains(msg, "version") {
					t.Errorf("message %q is not user-facing", msg)
				}
				if tc.rotating != strings.Contains(msg, "reconnect") {
					t.Errorf("message %q: mentions reconnecting = %v, want %v (rotating grant)", msg, !tc.rotating, tc.rotating)
				}
				if strings.Contains(logs, "tokens: token renewed") {
					t.Errorf("an unsaved token was logged as renewed:\n%s", logs)
				}
				if !strings.Contains(logs, `level=ERROR msg="tokens: new token could not be stored"`) {
					t.Errorf("no error logged for the unsaved token:\n%s", logs)
				}
				if tc.rotating != strings.Contains(logs, "may need reconnecting") {
					t.Errorf("log says the connection may need reconnecting = %v, want %v:\n%s", !tc.rotating, tc.rotating, logs)
				}

				// Nothing was cached: the next call asks the vendor again and
				// never hands out the unsaved or the stale token.
				st.armed.Store(false)
				tok, err = next(ctx)
				if vendor() != asked+2 {
					t.Errorf("token requests after the unsaved renewal = %d, want %d (the next call asks again)", vendor(), asked+2)
				}
				if sfzoom.ErrorCode(err) != tc.nextCode {
					t.Fatalf("next call = %v, want code %q", err, tc.nextCode)
				}
				switch {
				case tok == nil:
				case tok.AccessToken == unsaved:
					t.Errorf("next call returned the token that was never stored")
				case tok.AccessToken == stale:
					t.Errorf("next call returned the stale (expired or rejected) token")
				case !e.srv.validAccess(tok.AccessToken):
					t.Errorf("next call returned a token the vendor does not know")
				}
				assertNoSecrets(t, e, ids...)
			})
		}
	}
}

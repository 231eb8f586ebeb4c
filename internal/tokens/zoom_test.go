package tokens_test

import (
	"context"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/oauth2"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/tokens"
)

// newStoreFunc opens a fresh store holding one connection per provider and
// returns their ids.
type newStoreFunc func(t *testing.T, providers ...string) (testStore, []int64)

func newMem(t *testing.T, providers ...string) (testStore, []int64) {
	st := newMemStore()
	var ids []int64
	for i, p := range providers {
		st.addConnection(int64(i+1), p)
		ids = append(ids, int64(i+1))
	}
	return st, ids
}

// stores lists the backends the concurrency tests run against.
func stores() map[string]newStoreFunc {
	m := map[string]newStoreFunc{"Mem": newMem}
	for name, f := range realStores() {
		m[name] = f
	}
	return m
}

// callConcurrently calls fn n times at once, spread over the instances.
func callConcurrently[T any](n int, instances []T, fn func(T) (*oauth2.Token, error)) ([]*oauth2.Token, []error) {
	toks := make([]*oauth2.Token, n)
	errs := make([]error, n)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range n {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			toks[i], errs[i] = fn(instances[i%len(instances)])
		}()
	}
	start.Done()
	done.Wait()
	return toks, errs
}

func TestZoomS2S(t *testing.T) {
	for name, newStore := range stores() {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st, ids := newStore(t, sfzoom.ProviderZoomS2S)
			e := newEnv(t, st, false)
			e.srv.delay = 20 * time.Millisecond
			a, b := e.s2s(e.vault(t), ids[0]), e.s2s(e.vault(t), ids[0])

			// 50 goroutines over two replicas: exactly one token request.
			toks, errs := callConcurrently(50, []*tokens.ZoomS2S{a, b}, func(z *tokens.ZoomS2S) (*oauth2.Token, error) { return z.Token(ctx) })
			for i, err := range errs {
				if err != nil {
					t.Fatalf("Token() #%d error = %v", i, err)
				}
				if toks[i].AccessToken != toks[0].AccessToken || !e.srv.validAccess(toks[i].AccessToken) {
					t.Fatalf("Token() #%d returned a different or invalid token", i)
				}
			}
			if n := e.srv.count("account_credentials"); n != 1 {
				t.Errorf("account_credentials requests = %d, want 1", n)
			}
			form := e.srv.forms[0]
			if got, want := form["account_id"], []string{"Wk9PTV9BQ0NPVU5UX0lE"}; !cmp.Equal(got, want) {
				t.Errorf("account_id = %v, want %v", got, want)
			}
			if _, ok := form["client_secret"]; ok {
				t.Errorf("client_secret sent in the body; Zoom wants Basic auth")
			}
			if got := toks[0].Extra("api_url"); got != "https://api.zoom.us" {
				t.Errorf("Extra(api_url) = %v, want https://api.zoom.us", got)
			}

			// A third replica reads the stored token instead of fetching.
			if _, err := e.s2s(e.vault(t), ids[0]).Token(ctx); err != nil {
				t.Fatal(err)
			}
			if n := e.srv.count("account_credentials"); n != 1 {
				t.Errorf("account_credentials requests after a new replica started = %d, want 1", n)
			}
			// Within 60 s of expiry the token is renewed, once.
			e.clock.Advance(3600*time.Second - 30*time.Second)
			_, errs = callConcurrently(20, []*tokens.ZoomS2S{a, b}, func(z *tokens.ZoomS2S) (*oauth2.Token, error) { return z.Token(ctx) })
			for _, err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			if n := e.srv.count("account_credentials"); n != 2 {
				t.Errorf("account_credentials requests after expiry = %d, want 2", n)
			}
			assertNoSecrets(t, e, ids...)
		})
	}
}

func TestZoomS2SClient(t *testing.T) {
	st, ids := newMem(t, sfzoom.ProviderZoomS2S)
	e := newEnv(t, st, false)
	var gotAuth string
	api := httptest.NewServer(authRecorder(func(auth string) { gotAuth = auth }))
	t.Cleanup(api.Close)
	z := e.s2s(e.vault(t), ids[0])
	resp, err := z.Client(context.Background()).Get(api.URL + "/v2/users/me")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	tok, _ := z.Token(context.Background())
	if want := "Bearer " + tok.AccessToken; gotAuth != want {
		t.Errorf("Authorization = %q, want %q", gotAuth, want)
	}
}

func TestZoomUserAuthCodeURL(t *testing.T) {
	st, _ := newMem(t)
	e := newEnv(t, st, false)
	z := e.zoomUser(e.vault(t))
	verifier := tokens.GenerateVerifier()
	u, err := url.Parse(z.AuthCodeURL("state-123", verifier))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Path != "/oauth/authorize" || q.Get("response_type") != "code" || q.Get("state") != "state-123" ||
		q.Get("client_id") != e.srv.clientID || q.Get("code_challenge_method") != "S256" ||
		q.Get("code_challenge") != oauth2.S256ChallengeFromVerifier(verifier) {
		t.Errorf("AuthCodeURL() = %s, want /oauth/authorize with code, state, client_id and an S256 challenge", u)
	}
	if strings.Contains(u.String(), verifier) {
		t.Errorf("AuthCodeURL() contains the PKCE verifier")
	}
}

func TestZoomUserExchange(t *testing.T) {
	ctx := tokens.WithActor(context.Background(), "005000000000001AAA", "connect Zoom")
	st, ids := newMem(t, sfzoom.ProviderZoomUser)
	e := newEnv(t, st, false)
	z := e.zoomUser(e.vault(t))

	e.srv.addCode("good-code", "good-verifier-good-verifier-good-verifier-1")
	if _, err := z.Exchange(ctx, ids[0], "good-code", "wrong-verifier-wrong-verifier-wrong-verifier"); sfzoom.ErrorCode(err) != sfzoom.EUNAUTHORIZED {
		t.Errorf("Exchange(wrong verifier) code = %q (%v), want %q", sfzoom.ErrorCode(err), err, sfzoom.EUNAUTHORIZED)
	}
	e.srv.addCode("good-code", "good-verifier-good-verifier-good-verifier-1")
	tok, err := z.Exchange(ctx, ids[0], "good-code", "good-verifier-good-verifier-good-verifier-1")
	if err != nil {
		t.Fatalf("Exchange() error = %v", err)
	}
	if tok.RefreshToken != "" {
		t.Errorf("Exchange() exposes the refresh token to callers")
	}
	got, err := e.zoomUser(e.vault(t)).Token(ctx, ids[0])
	if err != nil || got.AccessToken != tok.AccessToken {
		t.Errorf("Token() from another replica = %v, %v; want the exchanged token", got, err)
	}
	if n := e.srv.count("refresh_token"); n != 0 {
		t.Errorf("refresh requests = %d, want 0", n)
	}
	rows, _ := st.FindTokenAudit(ctx, ids[0], 100)
	var actions []string
	for _, a := range rows {
		actions = append(actions, a.Action)
		if a.Actor != "005000000000001AAA" || !strings.HasPrefix(a.Reason, "connect Zoom") {
			t.Errorf("audit row = %+v, want actor and reason from WithActor", a)
		}
	}
	if want := []string{tokens.ActionRead, tokens.ActionWrite}; !cmp.Equal(actions, want) {
		t.Errorf("audit actions (newest first) = %v, want %v", actions, want)
	}
	assertNoSecrets(t, e, ids...)
}

// TestZoomUserRotationRace: Zoom refresh tokens rotate and the previous one
// dies at once ("The latest refresh token must always be used", devsupport
// KB 360060332931; docs/zoom-api.md §5.2). 50 goroutines on two replicas sharing
// one store refresh at once: exactly one refresh reaches the endpoint and
// every caller gets a working token.
func TestZoomUserRotationRace(t *testing.T) {
	for name, newStore := range stores() {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st, ids := newStore(t, sfzoom.ProviderZoomUser)
			e := newEnv(t, st, false)
			e.srv.delay = 20 * time.Millisecond
			a, b := e.zoomUser(e.vault(t)), e.zoomUser(e.vault(t))
			e.connectZoomUser(t, a, ids[0])

			for round := 1; round <= 3; round++ {
				e.clock.Advance(2 * time.Hour)
				toks, errs := callConcurrently(50, []*tokens.ZoomUser{a, b}, func(z *tokens.ZoomUser) (*oauth2.Token, error) { return z.Token(ctx, ids[0]) })
				for i, err := range errs {
					if err != nil {
						t.Fatalf("round %d: Token() #%d error = %v", round, i, err)
					}
					if toks[i].AccessToken != toks[0].AccessToken || !e.srv.validAccess(toks[i].AccessToken) {
						t.Fatalf("round %d: Token() #%d returned a different or invalid token", round, i)
					}
				}
				// Each round proves the stored refresh token was the live one.
				if n := e.srv.count("refresh_token"); n != round {
					t.Fatalf("round %d: refresh requests = %d, want %d", round, n, round)
				}
			}
			c, err := st.FindConnectionByID(ctx, ids[0])
			if err != nil || c.Status != sfzoom.ConnectionActive {
				t.Errorf("connection = %+v, %v; want status active", c, err)
			}
			assertNoSecrets(t, e, ids...)
		})
	}
}

func TestZoomUserInvalidGrant(t *testing.T) {
	for name, newStore := range stores() {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st, ids := newStore(t, sfzoom.ProviderZoomUser)
			e := newEnv(t, st, false)
			a, b := e.zoomUser(e.vault(t)), e.zoomUser(e.vault(t))
			e.connectZoomUser(t, a, ids[0])

			// Zoom invalidates the refresh token (a re-authorisation elsewhere,
			// an admin revocation).
			e.srv.mu.Lock()
			clear(e.srv.refresh)
			e.srv.mu.Unlock()
			e.clock.Advance(2 * time.Hour)

			_, errs := callConcurrently(20, []*tokens.ZoomUser{a, b}, func(z *tokens.ZoomUser) (*oauth2.Token, error) { return z.Token(ctx, ids[0]) })
			for i, err := range errs {
				if sfzoom.ErrorCode(err) != sfzoom.EUNAUTHORIZED || !strings.HasPrefix(sfzoom.ErrorMessage(err), "Zoom needs reconnecting: ") {
					t.Fatalf("Token() #%d error = %v, want EUNAUTHORIZED \"Zoom needs reconnecting: …\"", i, err)
				}
			}
			c, err := st.FindConnectionByID(ctx, ids[0])
			if err != nil || c.Status != sfzoom.ConnectionReconnect {
				t.Errorf("connection = %+v, %v; want status %q", c, err, sfzoom.ConnectionReconnect)
			}
			// No retry loop: later calls, on any replica, ask Zoom nothing.
			for _, z := range []*tokens.ZoomUser{a, b, e.zoomUser(e.vault(t))} {
				for range 3 {
					if _, err := z.Token(ctx, ids[0]); sfzoom.ErrorCode(err) != sfzoom.EUNAUTHORIZED {
						t.Errorf("Token() after invalid_grant error = %v, want EUNAUTHORIZED", err)
					}
				}
			}
			if n := e.srv.count("refresh_token"); n != 1 {
				t.Errorf("refresh requests = %d, want exactly 1", n)
			}

			// Reconnecting clears the state.
			e.connectZoomUser(t, b, ids[0])
			if _, err := a.Token(ctx, ids[0]); err != nil {
				t.Errorf("Token() after reconnect error = %v", err)
			}
			c, _ = st.FindConnectionByID(ctx, ids[0])
			if c.Status != sfzoom.ConnectionActive {
				t.Errorf("status after reconnect = %q, want %q", c.Status, sfzoom.ConnectionActive)
			}
			assertNoSecrets(t, e, ids...)
		})
	}
}

func TestZoomUserNotConnected(t *testing.T) {
	st, ids := newMem(t, sfzoom.ProviderZoomUser)
	e := newEnv(t, st, false)
	_, err := e.zoomUser(e.vault(t)).Token(context.Background(), ids[0])
	if sfzoom.ErrorCode(err) != sfzoom.EUNAUTHORIZED {
		t.Errorf("Token() error = %v, want EUNAUTHORIZED", err)
	}
	if n := e.srv.count("refresh_token"); n != 0 {
		t.Errorf("refresh requests = %d, want 0", n)
	}
}

func TestZoomUserRevoke(t *testing.T) {
	ctx := tokens.WithActor(context.Background(), "005000000000001AAA", "disconnect Zoom")
	st, ids := newMem(t, sfzoom.ProviderZoomUser)
	e := newEnv(t, st, false)
	z := e.zoomUser(e.vault(t))
	e.connectZoomUser(t, z, ids[0])
	tok, err := z.Token(ctx, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := z.Revoke(ctx, ids[0]); err != nil {
		t.Fatalf("Revoke() error = %v", err)
	}
	if n := e.srv.count("revoke"); n != 1 {
		t.Errorf("revoke requests = %d, want 1", n)
	}
	if got := e.srv.forms[len(e.srv.forms)-1]["token"]; !cmp.Equal(got, []string{tok.AccessToken}) {
		t.Errorf("revoke sent token=%v, want the access token", got)
	}
	if e.srv.validAccess(tok.AccessToken) {
		t.Errorf("access token still valid at Zoom after Revoke")
	}
	if _, err := st.FindConnectionByID(ctx, ids[0]); sfzoom.ErrorCode(err) != sfzoom.ENOTFOUND {
		t.Errorf("FindConnectionByID after Revoke error = %v, want ENOTFOUND", err)
	}
	if _, err := z.Token(ctx, ids[0]); err == nil {
		t.Errorf("Token() after Revoke error = nil, want an error")
	}
	rows, _ := st.FindTokenAudit(ctx, ids[0], 1)
	if len(rows) != 1 || rows[0].Action != tokens.ActionRevoke || rows[0].Actor != "005000000000001AAA" {
		t.Errorf("last audit row = %+v, want a revoke by the rep", rows)
	}
	assertNoSecrets(t, e, ids...)
}

// A failing token endpoint is not hammered: within the failure backoff
// callers get the remembered error (Zoom may disable apps with a high error
// ratio, docs/zoom-api.md §4 "using-zoom-apis").
func TestZoomS2SFailureBackoff(t *testing.T) {
	ctx := context.Background()
	st, ids := newMem(t, sfzoom.ProviderZoomS2S)
	e := newEnv(t, st, false)
	z := tokens.NewZoomS2S(e.vault(t), tokens.S2SConfig{ConnectionID: ids[0], AccountID: "acct", ClientID: e.srv.clientID, ClientSecret: "wrong", OAuthURL: e.srv.URL})
	for range 10 {
		if _, err := z.Token(ctx); sfzoom.ErrorCode(err) != sfzoom.EUNAVAILABLE {
			t.Fatalf("Token() error = %v, want EUNAVAILABLE", err)
		}
	}
	if n := e.srv.count("account_credentials"); n != 1 {
		t.Errorf("token requests within the backoff = %d, want 1", n)
	}
	e.clock.Advance(6 * time.Second)
	_, _ = z.Token(ctx)
	if n := e.srv.count("account_credentials"); n != 2 {
		t.Errorf("token requests after the backoff = %d, want 2", n)
	}
}

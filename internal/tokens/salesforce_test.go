package tokens_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/tokens"
)

func connectSalesforce(t *testing.T, e *env, s *tokens.Salesforce) *oauth2.Token {
	t.Helper()
	verifier := tokens.GenerateVerifier()
	e.srv.addCode("sf-code", verifier)
	tok, err := s.Exchange(context.Background(), "sf-code", verifier, "00D000000000001")
	if err != nil {
		t.Fatalf("Exchange() error = %v", err)
	}
	return tok
}

func TestSalesforceToken(t *testing.T) {
	ctx := context.Background()
	st, ids := newMem(t, sfzoom.ProviderSalesforce)
	e := newEnv(t, st, true)
	s := e.salesforce(e.vault(t), ids[0])
	tok := connectSalesforce(t, e, s)

	// Salesforce sends no expires_in (docs/salesforce-api.md §2.1): no expiry, so
	// no proactive refresh however much time passes.
	if !tok.Expiry.IsZero() {
		t.Errorf("Exchange() expiry = %v, want zero", tok.Expiry)
	}
	e.clock.Advance(48 * time.Hour)
	got, err := e.salesforce(e.vault(t), ids[0]).Token(ctx)
	if err != nil || got.AccessToken != tok.AccessToken {
		t.Fatalf("Token() = %v, %v; want the stored token", got, err)
	}
	if n := e.srv.count("refresh_token"); n != 0 {
		t.Errorf("refresh requests = %d, want 0", n)
	}
	// instance_url travels with the token, from the store.
	u, err := e.salesforce(e.vault(t), ids[0]).InstanceURL(ctx)
	if err != nil || u != "https://acme.my.salesforce.com" {
		t.Errorf("InstanceURL() = %q, %v; want https://acme.my.salesforce.com", u, err)
	}
	if got := got.Extra("id"); got != "https://login.salesforce.com/id/00D000000000001EAA/005000000000001AAA" {
		t.Errorf("Extra(id) = %v", got)
	}
	// Salesforce takes client credentials in the form body.
	if got := e.srv.forms[0].Get("client_id"); got != e.srv.clientID {
		t.Errorf("client_id in form = %q, want %q", got, e.srv.clientID)
	}
}

// On 401 INVALID_SESSION_ID the Salesforce client calls Refresh with the
// rejected token; many callers on two replicas cause one refresh
// (docs/salesforce-api.md pitfall 3: refresh once, retry once).
func TestSalesforceRefreshOnInvalidSession(t *testing.T) {
	for _, rotate := range []bool{false, true} {
		name := "NoRotation"
		if rotate {
			name = "Rotation"
		}
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st, ids := newMem(t, sfzoom.ProviderSalesforce)
			e := newEnv(t, st, true)
			e.srv.rotate = rotate
			e.srv.delay = 10 * time.Millisecond
			a, b := e.salesforce(e.vault(t), ids[0]), e.salesforce(e.vault(t), ids[0])
			old := connectSalesforce(t, e, a)
			if _, err := b.Token(ctx); err != nil { // b caches the old token too
				t.Fatal(err)
			}

			for round := 1; round <= 2; round++ {
				toks, errs := callConcurrently(30, []*tokens.Salesforce{a, b}, func(s *tokens.Salesforce) (*oauth2.Token, error) {
					return s.Refresh(ctx, old.AccessToken)
				})
				for i, err := range errs {
					if err != nil {
						t.Fatalf("round %d: Refresh() #%d error = %v", round, i, err)
					}
					if toks[i].AccessToken == old.AccessToken || toks[i].AccessToken != toks[0].AccessToken || !e.srv.validAccess(toks[i].AccessToken) {
						t.Fatalf("round %d: Refresh() #%d did not return the one new token", round, i)
					}
					if toks[i].Extra("instance_url") != "https://acme.my.salesforce.com" {
						t.Fatalf("round %d: instance_url lost on refresh", round)
					}
				}
				if n := e.srv.count("refresh_token"); n != round {
					t.Fatalf("round %d: refresh requests = %d, want %d", round, n, round)
				}
				// A late report of the already replaced token changes nothing.
				if _, err := b.Refresh(ctx, old.AccessToken); err != nil {
					t.Fatal(err)
				}
				if n := e.srv.count("refresh_token"); n != round {
					t.Fatalf("round %d: refresh requests after a stale report = %d, want %d", round, n, round)
				}
				old = toks[0]
			}
		})
	}
}

func TestSalesforceSessionTTL(t *testing.T) {
	ctx := context.Background()
	st, ids := newMem(t, sfzoom.ProviderSalesforce)
	e := newEnv(t, st, true)
	cfg := tokens.SalesforceConfig{ConnectionID: ids[0], ClientID: e.srv.clientID, ClientSecret: e.srv.clientSecret, LoginURL: e.srv.URL, SessionTTL: 2 * time.Hour}
	s := tokens.NewSalesforce(e.vault(t), cfg)
	before := time.Now().Truncate(time.Millisecond)
	tok := connectSalesforce(t, e, s)
	// issued_at is epoch milliseconds in a string (docs/salesforce-api.md §2.1);
	// with a session TTL the expiry is issued_at + TTL.
	if lo, hi := before.Add(2*time.Hour), time.Now().Add(2*time.Hour); tok.Expiry.Before(lo) || tok.Expiry.After(hi) {
		t.Fatalf("Exchange() expiry = %v, want issued_at+2h in [%v, %v]", tok.Expiry, lo, hi)
	}
	e.clock.Advance(3 * time.Hour)
	for range 3 {
		if _, err := s.Token(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := e.srv.count("refresh_token"); n != 1 {
		t.Errorf("refresh requests = %d, want 1", n)
	}
}

func TestSalesforceInvalidGrant(t *testing.T) {
	ctx := context.Background()
	st, ids := newMem(t, sfzoom.ProviderSalesforce)
	e := newEnv(t, st, true)
	s := e.salesforce(e.vault(t), ids[0])
	old := connectSalesforce(t, e, s)
	e.srv.mu.Lock()
	clear(e.srv.refresh)
	e.srv.mu.Unlock()
	for range 3 {
		_, err := s.Refresh(ctx, old.AccessToken)
		if sfzoom.ErrorCode(err) != sfzoom.EUNAUTHORIZED || !strings.HasPrefix(sfzoom.ErrorMessage(err), "Salesforce needs reconnecting: ") {
			t.Fatalf("Refresh() error = %v, want EUNAUTHORIZED \"Salesforce needs reconnecting: …\"", err)
		}
	}
	if n := e.srv.count("refresh_token"); n != 1 {
		t.Errorf("refresh requests = %d, want 1", n)
	}
	c, _ := st.FindConnectionByID(ctx, ids[0])
	if c.Status != sfzoom.ConnectionReconnect {
		t.Errorf("status = %q, want %q", c.Status, sfzoom.ConnectionReconnect)
	}
	assertNoSecrets(t, e, ids...)
}

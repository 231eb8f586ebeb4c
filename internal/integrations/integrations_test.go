package integrations_test

import (
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sfzoom/sfzoom/internal/backend"
	"github.com/sfzoom/sfzoom/internal/integrations"
	"github.com/sfzoom/sfzoom/internal/salesforce"
	"github.com/sfzoom/sfzoom/internal/salesforce/salesforcetest"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/tokens"
	"github.com/sfzoom/sfzoom/internal/zoom/zoomtest"
)

type env struct {
	be   *backend.Backend
	sf   *salesforcetest.Server
	zoom *zoomtest.Server
	in   *integrations.Integrations
	demo salesforcetest.Demo
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{}
	be, err := backend.Open(ctx, backend.Options{DatabaseURL: "sqlite:" + filepath.Join(t.TempDir(), "db.sqlite")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { be.Close() })
	e.be = be
	e.sf = salesforcetest.NewServer(salesforcetest.WithConnectedApp("sf-client", "sf-secret"))
	t.Cleanup(e.sf.Close)
	e.demo = e.sf.SeedDemo()
	e.zoom = zoomtest.NewServer(zoomtest.WithCredentials("z-client", "z-secret", "z-account"))
	t.Cleanup(e.zoom.Close)
	key, _ := tokens.NewKey("k1", make([]byte, 32))
	vault, err := tokens.NewVault(be.Store, []tokens.Key{key})
	if err != nil {
		t.Fatal(err)
	}
	e.in = integrations.New(integrations.Options{
		Store: be.Store, Vault: vault, ZoomAuthMode: integrations.ZoomAuthS2S,
		ZoomAccountID: "z-account", ZoomClientID: "z-client", ZoomClientSecret: "z-secret",
		ZoomAPIURL: e.zoom.APIURL(), ZoomOAuthURL: e.zoom.URL(),
		SalesforceClientID: "sf-client", SalesforceClientSecret: "sf-secret", SalesforceLoginURL: e.sf.URL(),
		BackgroundBudget: 0.8, PublicURL: "https://sfzoom.example.com",
	})
	return e
}

// approve plays the admin clicking Allow on the fake org's consent page.
func (e *env) approve(t *testing.T, authURL string) string {
	t.Helper()
	u, _ := url.Parse(authURL)
	form := url.Values{"decision": {"allow"}, "user_id": {e.demo.AdminID}}
	for k, v := range u.Query() {
		form.Set(k, v[0])
	}
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.PostForm(e.sf.URL()+"/services/oauth2/authorize", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if loc == nil || loc.Query().Get("code") == "" {
		t.Fatalf("no code from the fake org: %s", resp.Header.Get("Location"))
	}
	return loc.Query().Get("code")
}

func TestSalesforceConnectUseDisconnect(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	org := e.demo.OrgID
	if _, err := e.in.Salesforce(ctx, org); sfzoom.ErrorCode(err) != sfzoom.EUNAUTHORIZED || !strings.Contains(sfzoom.ErrorMessage(err), "Connect Salesforce") {
		t.Fatalf("Salesforce before connecting = %v, want EUNAUTHORIZED telling the admin to connect", err)
	}
	verifier := tokens.GenerateVerifier()
	authURL := e.in.SalesforceAuthURL("state-1", verifier)
	if !strings.Contains(authURL, "code_challenge=") || !strings.Contains(authURL, "redirect_uri="+url.QueryEscape("https://sfzoom.example.com"+integrations.SalesforceCallbackPath)) {
		t.Fatalf("auth URL lacks PKCE or the callback: %s", authURL)
	}
	c, err := e.in.ConnectSalesforce(ctx, org, e.approve(t, authURL), verifier)
	if err != nil {
		t.Fatalf("ConnectSalesforce: %v", err)
	}
	if c.Status != sfzoom.ConnectionActive {
		t.Errorf("connection status = %q", c.Status)
	}
	sf, err := e.in.Salesforce(ctx, org)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := e.in.Salesforce(ctx, org); err != nil || again != sf {
		t.Errorf("Salesforce again = %p, %v; want the same cached client %p", again, err, sf)
	}
	recs, err := sf.Query(ctx, salesforce.Select(salesforce.FieldID).From(salesforce.ObjectOpportunity))
	if err != nil || len(recs) != len(e.demo.OpportunityIDs) {
		t.Fatalf("query with the integration connection = %d records, %v", len(recs), err)
	}

	if err := e.in.DisconnectSalesforce(ctx, org); err != nil {
		t.Fatalf("DisconnectSalesforce: %v", err)
	}
	revoked := 0
	for _, r := range e.sf.Requests() {
		if r.Method == http.MethodPost && r.Path == "/services/oauth2/revoke" {
			revoked++
		}
	}
	if revoked != 1 {
		t.Errorf("revoke calls at Salesforce = %d, want 1", revoked)
	}
	if _, err := e.be.Store.FindConnection(ctx, org, sfzoom.ProviderSalesforce, "integration"); sfzoom.ErrorCode(err) != sfzoom.ENOTFOUND {
		t.Errorf("connection after disconnect: %v, want ENOTFOUND", err)
	}
	if _, err := e.in.Salesforce(ctx, org); sfzoom.ErrorCode(err) != sfzoom.EUNAUTHORIZED {
		t.Errorf("Salesforce after disconnect = %v, want EUNAUTHORIZED", err)
	}
}

// TestSalesforceConnectOtherOrgRefused: an admin of one org completing the
// connect flow signed in to another org (a forwarded Connect link, or a
// browser logged in to a sandbox) connects nothing: the grant is revoked at
// Salesforce and never stored, and the message says what to do.
func TestSalesforceConnectOtherOrgRefused(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	other := "00Dxx0000009ZZZEA2"
	verifier := tokens.GenerateVerifier()
	_, err := e.in.ConnectSalesforce(ctx, other, e.approve(t, e.in.SalesforceAuthURL("state-1", verifier)), verifier)
	if sfzoom.ErrorCode(err) != sfzoom.EFORBIDDEN || !strings.Contains(sfzoom.ErrorMessage(err), "different Salesforce org") {
		t.Fatalf("ConnectSalesforce for another org = %v, want EFORBIDDEN naming the org mix-up", err)
	}
	revoked := 0
	for _, r := range e.sf.Requests() {
		if r.Method == http.MethodPost && r.Path == "/services/oauth2/revoke" {
			revoked++
		}
	}
	if revoked != 1 {
		t.Errorf("revoke calls at Salesforce = %d, want 1 (the refused grant)", revoked)
	}
	if _, err := e.in.Salesforce(ctx, other); sfzoom.ErrorCode(err) != sfzoom.EUNAUTHORIZED {
		t.Errorf("Salesforce for the other org after the refused connect = %v, want EUNAUTHORIZED", err)
	}
	// The 15-character form of the right org id is the same org.
	verifier = tokens.GenerateVerifier()
	if _, err := e.in.ConnectSalesforce(ctx, e.demo.OrgID[:15], e.approve(t, e.in.SalesforceAuthURL("state-2", verifier)), verifier); err != nil {
		t.Fatalf("ConnectSalesforce with the 15-character org id: %v", err)
	}
}

func TestZoomAccountServerToServer(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.zoom.AddUser(zoomtest.User{Email: "riley.chen@acme-demo.com", FirstName: "Riley", LastName: "Chen", Type: 2})
	for range 3 {
		zc, err := e.in.Zoom(ctx, e.demo.OrgID, e.demo.RepID)
		if err != nil {
			t.Fatal(err)
		}
		u, err := zc.User(ctx, "riley.chen@acme-demo.com")
		if err != nil || u.Email != "riley.chen@acme-demo.com" {
			t.Fatalf("User = %+v, %v", u, err)
		}
	}
	if n := e.zoom.TokenRequests("account_credentials"); n != 1 {
		t.Errorf("account_credentials token requests = %d, want 1 (cached)", n)
	}
	// The account-wide connection row holds the encrypted token.
	conns, err := e.be.Store.FindConnections(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range conns {
		found = found || c.Provider == sfzoom.ProviderZoomS2S
	}
	if !found {
		t.Error("no zoom_s2s connection stored")
	}
}

func TestZoomUserModeNeedsConnection(t *testing.T) {
	e := newEnv(t)
	in := integrations.New(integrations.Options{Store: e.be.Store, ZoomAuthMode: integrations.ZoomAuthUser})
	_, err := in.Zoom(context.Background(), e.demo.OrgID, e.demo.RepID)
	if sfzoom.ErrorCode(err) != sfzoom.EUNAUTHORIZED || !strings.Contains(sfzoom.ErrorMessage(err), "Connect your Zoom account") {
		t.Errorf("Zoom in user mode without a connection = %v, want EUNAUTHORIZED asking the rep to connect", err)
	}
}

// approveZoom plays a person signed in to Zoom as zoomEmail clicking Allow
// on the fake Zoom's consent page, and returns the authorization code.
func approveZoom(t *testing.T, z *zoomtest.Server, authURL, zoomEmail string) string {
	t.Helper()
	u, _ := url.Parse(authURL)
	form := url.Values{"approve": {"1"}, "zoom_user": {zoomEmail}}
	for k, v := range u.Query() {
		form.Set(k, v[0])
	}
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.PostForm(z.AuthorizeURL(), form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if loc == nil || loc.Query().Get("code") == "" {
		t.Fatalf("no code from the fake Zoom: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query().Get("code")
}

// TestZoomUserConnectProvesIdentity: a rep's Zoom connection is kept only
// when the Zoom account that granted it (GET /users/me) has the rep's
// Salesforce email or the admin-set User.Zoom_Email__c. Any other account
// (a forwarded Connect link completed by someone else, a shared laptop
// signed in to another Zoom) is refused: the grant is revoked at Zoom and
// nothing is stored.
func TestZoomUserConnectProvesIdentity(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	org := e.demo.OrgID
	verifier := tokens.GenerateVerifier()
	if _, err := e.in.ConnectSalesforce(ctx, org, e.approve(t, e.in.SalesforceAuthURL("s", verifier)), verifier); err != nil {
		t.Fatalf("ConnectSalesforce: %v", err)
	}
	for _, email := range []string{"riley.chen@acme-demo.com", "sam@zoom.acme-demo.com", "sam.oneil@acme-demo.com", "mallory@acme-demo.com"} {
		e.zoom.AddUser(zoomtest.User{Email: email, FirstName: "Z", LastName: email, Type: 2})
	}
	key, _ := tokens.NewKey("k1", make([]byte, 32))
	vault, err := tokens.NewVault(e.be.Store, []tokens.Key{key})
	if err != nil {
		t.Fatal(err)
	}
	in := integrations.New(integrations.Options{
		Store: e.be.Store, Vault: vault, ZoomAuthMode: integrations.ZoomAuthUser,
		ZoomClientID: "z-client", ZoomClientSecret: "z-secret", ZoomAPIURL: e.zoom.APIURL(), ZoomOAuthURL: e.zoom.URL(),
		SalesforceClientID: "sf-client", SalesforceClientSecret: "sf-secret", SalesforceLoginURL: e.sf.URL(),
		PublicURL: "https://sfzoom.example.com",
	})
	forbidden := "which is not your Salesforce email"
	tests := []struct {
		name, sfUser, sessionEmail, zoomEmail string
		wantErr                               string // "" for connected
	}{
		{"OwnEmail", e.demo.RepID, "riley.chen@acme-demo.com", "riley.chen@acme-demo.com", ""},
		{"OwnEmailOtherCase", e.demo.RepID, "Riley.Chen@acme-demo.com", "riley.chen@acme-demo.com", ""},
		// Sam's Zoom login differs from his Salesforce email; an admin set
		// it as his Zoom_Email__c, which reps cannot edit.
		{"AdminOverride", e.demo.OverrideRepID, "sam.oneil@acme-demo.com", "sam@zoom.acme-demo.com", ""},
		{"AnotherPerson", e.demo.RepID, "riley.chen@acme-demo.com", "mallory@acme-demo.com", forbidden},
		{"ColleagueWithOverride", e.demo.RepID, "riley.chen@acme-demo.com", "sam@zoom.acme-demo.com", forbidden},
		// Without a session email, the User record in Salesforce decides.
		{"NoSessionEmail", e.demo.AdminID, "", "mallory@acme-demo.com", forbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			revokes := e.zoom.Requests()["POST /oauth/revoke"]
			before, _ := e.be.Store.FindConnection(ctx, org, sfzoom.ProviderZoomUser, tt.sfUser)
			all, _ := e.be.Store.ListTokens(ctx)
			tokensBefore := len(all)
			v := tokens.GenerateVerifier()
			code := approveZoom(t, e.zoom, in.ZoomAuthURL("state-"+tt.name, v), tt.zoomEmail)
			c, err := in.ConnectZoomUser(ctx, org, tt.sfUser, tt.sessionEmail, code, v)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ConnectZoomUser = %v, want connected", err)
				}
				if c.Status != sfzoom.ConnectionActive || !strings.EqualFold(c.Detail, "Connected as "+tt.zoomEmail+".") {
					t.Fatalf("connection = %+v, want active, connected as %s", c, tt.zoomEmail)
				}
				if n := e.zoom.Requests()["POST /oauth/revoke"] - revokes; n != 0 {
					t.Errorf("revocations = %d, want 0", n)
				}
				return
			}
			if sfzoom.ErrorCode(err) != sfzoom.EFORBIDDEN || !strings.Contains(sfzoom.ErrorMessage(err), tt.wantErr) ||
				!strings.Contains(sfzoom.ErrorMessage(err), tt.zoomEmail) {
				t.Fatalf("ConnectZoomUser = %v (%q), want EFORBIDDEN naming %s", err, sfzoom.ErrorMessage(err), tt.zoomEmail)
			}
			if n := e.zoom.Requests()["POST /oauth/revoke"] - revokes; n != 1 {
				t.Errorf("revocations at Zoom = %d, want 1 (the refused grant given back)", n)
			}
			// Nothing stored: no new connection, and an earlier one (the
			// rep's own) is untouched.
			after, _ := e.be.Store.FindConnection(ctx, org, sfzoom.ProviderZoomUser, tt.sfUser)
			if (before == nil) != (after == nil) || (after != nil && (after.Detail != before.Detail || !after.UpdatedAt.Equal(before.UpdatedAt))) {
				t.Errorf("a refused grant changed the connection: before %+v, after %+v", before, after)
			}
			if before == nil {
				if recs, _ := e.be.Store.ListTokens(ctx); len(recs) != tokensBefore {
					t.Errorf("a refused grant stored a token: %d tokens, want %d", len(recs), tokensBefore)
				}
			}
		})
	}
}

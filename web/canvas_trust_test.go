package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sfzoom/sfzoom/internal/appsession"
	"github.com/sfzoom/sfzoom/internal/canvas"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/web"
)

const orgB = "00Dxx0000009ZZZEA2"

// yesSalesforce is a fake "Salesforce" that says yes to everything: any
// token is alive, belongs to whoever the path names, and is an admin.
type yesSalesforce struct {
	*httptest.Server
	calls atomic.Int64
}

func newYesSalesforce(t *testing.T) *yesSalesforce {
	t.Helper()
	y := &yesSalesforce{}
	y.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		y.calls.Add(1)
		parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/id/"), "/")
		if len(parts) != 2 {
			parts = []string{orgA, userA}
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"asserted_user":true,"organization_id":%q,"user_id":%q,"totalSize":1,"done":true,"records":[{"Id":"0Pa"}]}`, parts[0], parts[1])
	}))
	t.Cleanup(y.Close)
	return y
}

// adminSpy is an AdminChecker that says yes and records the host it was
// asked to call.
type adminSpy struct {
	mu    sync.Mutex
	hosts []string
}

func (a *adminSpy) IsAdmin(_ context.Context, u *sfzoom.User, _ string) (bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.hosts = append(a.hosts, u.InstanceURL)
	return true, nil
}

func newCanvasServer(t *testing.T, opts web.CanvasOptions) (*web.Server, *fakeOrgs) {
	t.Helper()
	codec, err := appsession.NewCodec([][]byte{testKey()})
	if err != nil {
		t.Fatal(err)
	}
	orgs := &fakeOrgs{}
	opts.Sessions, opts.Orgs = codec, orgs
	opts.Pages = []web.Pages{shellPages{}}
	srv, err := web.NewServer(web.Options{Store: fakeStore{}, PublicURL: &url.URL{Scheme: "https", Host: "sfzoom.example.com"}, Canvas: &opts})
	if err != nil {
		t.Fatal(err)
	}
	return srv, orgs
}

// signFor signs a payload naming org and pointing at instanceURL.
func signFor(t *testing.T, org, instanceURL, secret string) string {
	t.Helper()
	b, _ := json.Marshal(map[string]any{
		"algorithm": "HMACSHA256", "userId": userA,
		"client": map[string]any{"oauthToken": "00Dxx!tok", "instanceUrl": instanceURL},
		"context": map[string]any{
			"user":         map[string]any{"userId": userA, "fullName": "Mallory"},
			"organization": map[string]any{"organizationId": org, "name": "Acme"},
		},
	})
	return canvas.Sign(b, []byte(secret))
}

func post(srv *web.Server, sr string) *httptest.ResponseRecorder {
	form := url.Values{"signed_request": {sr}}
	req := httptest.NewRequest(http.MethodPost, "/canvas", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, req)
	return rec
}

// TestCanvas_SignedRequestCannotChooseWhoVouches is the attack from issue
// 12: a request signed with a valid consumer secret points at a "Salesforce"
// that says yes to everything. It is refused before any request reaches
// that host, no session is issued and the org's instance URL is not written.
// The same holds for a request naming org A signed with org B's secret, even
// when the host is one the app would otherwise trust.
func TestCanvas_SignedRequestCannotChooseWhoVouches(t *testing.T) {
	yes := newYesSalesforce(t)
	bound := func(org, key string) canvas.Secret {
		s, err := canvas.BindSecret(org, []byte(key))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	secrets := []canvas.Secret{bound(orgA, "secret-a"), bound(orgB, "secret-b")}
	tests := []struct {
		name     string
		policy   canvas.InstancePolicy
		sr       string
		status   int
		wantText string
	}{
		{name: "LocalYesHost", sr: signFor(t, orgA, yes.URL, "secret-a"), status: http.StatusForbidden, wantText: "does not trust"},
		{name: "PlainHTTPSalesforceLookalike", sr: signFor(t, orgA, "http://acme.my.salesforce.com", "secret-a"), status: http.StatusForbidden},
		{name: "OtherHTTPSHost", sr: signFor(t, orgA, "https://salesforce.evil.example", "secret-a"), status: http.StatusForbidden},
		{name: "OtherOrgsSecret", policy: canvas.InstancePolicy{DevOrigins: []string{yes.URL}},
			sr: signFor(t, orgA, yes.URL, "secret-b"), status: http.StatusUnauthorized, wantText: "different Salesforce org"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			admins := &adminSpy{}
			srv, orgs := newCanvasServer(t, web.CanvasOptions{
				ConsumerSecrets: secrets, Instances: tt.policy, Admins: admins,
				TokenChecker: canvas.NewTokenChecker(yes.Client(), canvas.WithInstancePolicy(tt.policy)),
			})
			before := yes.calls.Load()
			rec := post(srv, tt.sr)
			if rec.Code != tt.status {
				t.Fatalf("POST /canvas = %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			if tt.wantText != "" && !strings.Contains(rec.Body.String(), tt.wantText) {
				t.Errorf("page does not say %q: %s", tt.wantText, rec.Body)
			}
			if n := yes.calls.Load() - before; n != 0 {
				t.Errorf("the yes-host got %d requests, want 0", n)
			}
			if rec.Header().Get("Location") != "" || strings.Contains(rec.Header().Get("Set-Cookie"), "sfzoom_session") {
				t.Error("a session was issued")
			}
			if len(orgs.orgs) != 0 || len(admins.hosts) != 0 {
				t.Errorf("orgs written %v, admin checks %v; want none", orgs.orgs, admins.hosts)
			}
		})
	}
}

// TestCanvas_VerifiedHostIsStoredAndAsked: on a legitimate open the org's
// instance URL is stored, and the admin check asked, only at the host the
// identity URL answered from; with the replay guard off nothing unverified is
// stored.
func TestCanvas_VerifiedHostIsStoredAndAsked(t *testing.T) {
	yes := newYesSalesforce(t)
	policy := canvas.InstancePolicy{DevOrigins: []string{yes.URL}}
	admins := &adminSpy{}
	srv, orgs := newCanvasServer(t, web.CanvasOptions{
		ConsumerSecrets: canvas.UnboundSecrets([]byte(testSecret)), Instances: policy, Admins: admins,
		TokenChecker: canvas.NewTokenChecker(yes.Client(), canvas.WithInstancePolicy(policy)),
	})
	rec := post(srv, signFor(t, orgA, yes.URL+"/", testSecret))
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("POST /canvas = %d: %s", rec.Code, rec.Body)
	}
	if got := orgs.orgs[orgA].InstanceURL; got != yes.URL {
		t.Errorf("stored instance URL = %q, want %q", got, yes.URL)
	}
	if len(admins.hosts) != 1 || admins.hosts[0] != yes.URL {
		t.Errorf("admin check hosts = %v, want [%s]", admins.hosts, yes.URL)
	}

	noGuard, orgs2 := newCanvasServer(t, web.CanvasOptions{ConsumerSecrets: canvas.UnboundSecrets([]byte(testSecret))})
	if rec := post(noGuard, signFor(t, orgA, "https://acme.my.salesforce.com", testSecret)); rec.Code != http.StatusSeeOther {
		t.Fatalf("POST /canvas without the replay guard = %d", rec.Code)
	}
	if got := orgs2.orgs[orgA].InstanceURL; got != "" {
		t.Errorf("without the replay guard the instance URL %q was written; want nothing unverified", got)
	}
}

// TestCanvas_SalesforceUnreachableOrRefusing (issue 18): an unreachable or
// slow Salesforce gets a page saying Salesforce could not be reached; a token
// Salesforce refuses always reads as an expired session to reload.
func TestCanvas_SalesforceUnreachableOrRefusing(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(release) })
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain;charset=UTF-8")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, "Bad_OAuth_Token")
	}))
	t.Cleanup(refusing.Close)
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "Service Unavailable", http.StatusServiceUnavailable)
	}))
	t.Cleanup(down.Close)

	tests := []struct {
		name, host string
		status     int
		want       []string
	}{
		{"Unreachable", closed.URL, http.StatusBadGateway, []string{"Salesforce could not be reached", "status.salesforce.com"}},
		{"Slow", slow.URL, http.StatusBadGateway, []string{"Salesforce could not be reached"}},
		{"ServerError", down.URL, http.StatusBadGateway, []string{"Salesforce could not be reached"}},
		{"TokenRefused", refusing.URL, http.StatusUnauthorized, []string{canvas.MsgSessionExpired}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			policy := canvas.InstancePolicy{DevOrigins: []string{tt.host}}
			srv, _ := newCanvasServer(t, web.CanvasOptions{
				ConsumerSecrets: canvas.UnboundSecrets([]byte(testSecret)), Instances: policy,
				TokenChecker: canvas.NewTokenChecker(http.DefaultClient, canvas.WithInstancePolicy(policy), canvas.WithCheckTimeout(200*time.Millisecond)),
			})
			rec := post(srv, signFor(t, orgA, tt.host, testSecret))
			if rec.Code != tt.status {
				t.Fatalf("POST /canvas = %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			for _, w := range tt.want {
				if !strings.Contains(rec.Body.String(), w) {
					t.Errorf("page lacks %q: %s", w, rec.Body)
				}
			}
			if strings.Contains(rec.Body.String(), "sfzoom is temporarily unavailable") {
				t.Error("the page blames sfzoom for Salesforce's outage")
			}
			if expired := rec.Header().Get("X-Sfzoom-Session-Expired") == "1"; expired != (tt.status == http.StatusUnauthorized) {
				t.Errorf("X-Sfzoom-Session-Expired = %v for status %d", expired, rec.Code)
			}
		})
	}
}

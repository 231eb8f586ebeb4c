package web_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/sfzoom/sfzoom/internal/appsession"
	"github.com/sfzoom/sfzoom/internal/canvas"
	"github.com/sfzoom/sfzoom/internal/httpretry/retrytest"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/web"
)

// whoamiPages answers whether the request's session is an admin one.
type whoamiPages struct{}

func (whoamiPages) Register(g *echo.Group, h *web.Helpers) {
	g.GET("/whoami", func(c echo.Context) error {
		if h.Session(c).IsAdmin {
			return c.String(http.StatusOK, "admin")
		}
		return c.String(http.StatusOK, "rep")
	})
}

// permSet is Salesforce's answer to "does this user hold sfzoom Admin?",
// for the open-time check and the re-check alike.
type permSet struct {
	admin   atomic.Bool
	err     atomic.Value // error
	calls   atomic.Int64
	release chan struct{} // when set, calls wait for it
}

func (p *permSet) answer(ctx context.Context) (bool, error) {
	p.calls.Add(1)
	if p.release != nil {
		<-p.release
	}
	if err, _ := p.err.Load().(error); err != nil {
		return false, err
	}
	return p.admin.Load(), nil
}

func (p *permSet) IsAdmin(ctx context.Context, _ *sfzoom.User, _ string) (bool, error) {
	return p.answer(ctx)
}

func (p *permSet) RecheckAdmin(ctx context.Context, _ *sfzoom.User) (bool, error) {
	return p.answer(ctx)
}

type adminHarness struct {
	srv   *web.Server
	clock *retrytest.Clock
}

func newAdminHarness(t *testing.T, p *permSet) *adminHarness {
	t.Helper()
	codec, err := appsession.NewCodec([][]byte{testKey()})
	if err != nil {
		t.Fatal(err)
	}
	clock := retrytest.NewClock(time.Now())
	srv, err := web.NewServer(web.Options{
		Store: fakeStore{}, Now: clock.Now, PublicURL: &url.URL{Scheme: "https", Host: "sfzoom.example.com"},
		Canvas: &web.CanvasOptions{
			ConsumerSecrets: canvas.UnboundSecrets([]byte(testSecret)), Sessions: codec, Orgs: &fakeOrgs{},
			Admins: p, AdminRecheck: p,
			Pages: []web.Pages{whoamiPages{}}, Settings: &web.SettingsPages{},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return &adminHarness{srv: srv, clock: clock}
}

// open posts a signed request and returns the session token.
func (h *adminHarness) open(t *testing.T) string {
	t.Helper()
	rec := post(h.srv, signFor(t, orgA, "https://acme.my.salesforce.com", testSecret))
	loc, err := url.Parse(rec.Header().Get("Location"))
	if rec.Code != http.StatusSeeOther || err != nil {
		t.Fatalf("POST /canvas = %d %s", rec.Code, rec.Body)
	}
	return loc.Query().Get("_s")
}

func (h *adminHarness) get(t *testing.T, path, tok string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path+"?_s="+url.QueryEscape(tok), nil)
	rec := httptest.NewRecorder()
	h.srv.Handler().ServeHTTP(rec, req)
	return rec
}

// TestAdmin_RemovedPermissionSetTakesEffectWithin60s: an admin session is
// re-checked on every request through a short cache, so removing the sfzoom
// Admin permission set demotes open sessions and new opens within
// web.AdminMaxAge (not the session's two hours).
func TestAdmin_RemovedPermissionSetTakesEffectWithin60s(t *testing.T) {
	p := &permSet{}
	p.admin.Store(true)
	h := newAdminHarness(t, p)
	tok := h.open(t)
	if got := h.get(t, "/app/whoami", tok).Body.String(); got != "admin" {
		t.Fatalf("fresh admin session reads as %q", got)
	}
	calls := p.calls.Load()
	for range 5 { // cached: no call per request
		h.get(t, "/app/whoami", tok)
	}
	if n := p.calls.Load() - calls; n != 0 {
		t.Errorf("%d Salesforce calls for 5 requests within the cache TTL, want 0", n)
	}

	p.admin.Store(false) // the admin removes the permission set
	h.clock.Add(web.AdminMaxAge)
	if got := h.get(t, "/app/whoami", tok).Body.String(); got != "rep" {
		t.Errorf("%v after the permission set was removed, the open session still reads as %q", web.AdminMaxAge, got)
	}
	if rec := h.get(t, "/app/settings", tok); rec.Code != http.StatusForbidden {
		t.Errorf("GET /app/settings after removal = %d, want 403", rec.Code)
	}
	if got := h.get(t, "/app/whoami", h.open(t)).Body.String(); got != "rep" {
		t.Errorf("a new open after removal reads as %q", got)
	}
}

// TestAdmin_ConcurrentRechecksCoalesce: many requests of an admin session
// arriving together while the cache is cold make one call to Salesforce.
func TestAdmin_ConcurrentRechecksCoalesce(t *testing.T) {
	p := &permSet{}
	p.admin.Store(true)
	h := newAdminHarness(t, p)
	tok := h.open(t)
	h.clock.Add(web.AdminMaxAge) // the open-time answer has expired
	p.release = make(chan struct{})
	before := p.calls.Load()
	var wg sync.WaitGroup
	results := make([]string, 20)
	for i := range results {
		wg.Go(func() { results[i] = h.get(t, "/app/whoami", tok).Body.String() })
	}
	deadline := time.Now().Add(5 * time.Second)
	for p.calls.Load() == before && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	close(p.release)
	wg.Wait()
	if n := p.calls.Load() - before; n != 1 {
		t.Errorf("%d Salesforce calls for 20 concurrent requests, want 1", n)
	}
	for i, r := range results {
		if r != "admin" {
			t.Errorf("request %d read as %q", i, r)
		}
	}
}

// TestAdmin_UnconfirmedAfterMaxAge: when the re-check cannot be made
// (Salesforce not connected, or down), a session keeps its open-time answer
// only for web.AdminMaxAge, then is told to reload.
func TestAdmin_UnconfirmedAfterMaxAge(t *testing.T) {
	p := &permSet{}
	p.admin.Store(true)
	h := newAdminHarness(t, p)
	tok := h.open(t)
	p.err.Store(errors.New("salesforce is not connected yet"))
	h.clock.Add(web.AdminMaxAge / 2)
	if got := h.get(t, "/app/whoami", tok).Body.String(); got != "admin" {
		t.Errorf("within %v of the open, a failed re-check demoted the session (%q)", web.AdminMaxAge, got)
	}
	h.clock.Add(web.AdminMaxAge)
	rec := h.get(t, "/app/settings", tok)
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "could not re-confirm") {
		t.Errorf("GET /app/settings with an unconfirmable admin = %d %s, want 403 asking to reload", rec.Code, rec.Body)
	}
}

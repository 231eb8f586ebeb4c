package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/sfzoom/sfzoom/internal/appsession"
	"github.com/sfzoom/sfzoom/internal/backend"
	"github.com/sfzoom/sfzoom/internal/canvas"
	"github.com/sfzoom/sfzoom/internal/httpretry/retrytest"
	"github.com/sfzoom/sfzoom/internal/integrations"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/tokens"
	"github.com/sfzoom/sfzoom/internal/zoom/zoomtest"
	"github.com/sfzoom/sfzoom/web"
)

// refreshSpy remembers the refresh tokens the fake Zoom hands out, so a test
// can use one up elsewhere (as a second device or a leaked copy would) and
// make sfzoom's next refresh fail with invalid_grant.
type refreshSpy struct {
	mu       sync.Mutex
	refreshs []string
}

func (s *refreshSpy) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil || !strings.HasSuffix(r.URL.Path, "/oauth/token") {
		return resp, err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	var tok struct {
		RefreshToken string `json:"refresh_token"`
	}
	if json.Unmarshal(b, &tok) == nil && tok.RefreshToken != "" {
		s.mu.Lock()
		s.refreshs = append(s.refreshs, tok.RefreshToken)
		s.mu.Unlock()
	}
	return resp, nil
}

func (s *refreshSpy) last() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.refreshs) == 0 {
		return ""
	}
	return s.refreshs[len(s.refreshs)-1]
}

// zoomUserEnv runs sfzoom in Zoom "user" mode: the real integrations, vault
// and SQLite store against the fake Zoom, with the home page's Connect Zoom
// box, the OAuth popups and the admin settings.
type zoomUserEnv struct {
	srv   *web.Server
	codec *appsession.Codec
	zoom  *zoomtest.Server
	be    *backend.Backend
	in    *integrations.Integrations
	spy   *refreshSpy
	clock *retrytest.Clock
	zuser zoomtest.User
	// emails are the sessions' Salesforce emails by user (default: the
	// Zoom user's, so the identity check passes).
	emails map[string]string
}

const publicBase = "https://sfzoom.example.com"

func newZoomUserEnv(t *testing.T) *zoomUserEnv {
	t.Helper()
	ctx := context.Background()
	e := &zoomUserEnv{spy: &refreshSpy{}, clock: retrytest.NewClock(time.Now())}
	be, err := backend.Open(ctx, backend.Options{DatabaseURL: "sqlite:" + filepath.Join(t.TempDir(), "t.db")})
	if err != nil {
		t.Fatalf("backend.Open: %v", err)
	}
	t.Cleanup(func() { be.Close() })
	e.be = be
	e.zoom = zoomtest.NewServer(zoomtest.WithSeed(11))
	t.Cleanup(e.zoom.Close)
	e.zuser = e.zoom.AddUser(zoomtest.User{Email: "riley.chen@acme-demo.com", FirstName: "Riley", LastName: "Chen", Type: 2})
	e.zoom.SetAutoApprove(true)

	key, err := tokens.NewKey("k1", bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	vault, err := tokens.NewVault(be.Store, []tokens.Key{key}, tokens.WithHTTPClient(&http.Client{Transport: e.spy}))
	if err != nil {
		t.Fatal(err)
	}
	e.in = integrations.New(integrations.Options{
		Store: be.Store, Vault: vault, ZoomAuthMode: integrations.ZoomAuthUser,
		ZoomClientID: zoomtest.DefaultClientID, ZoomClientSecret: zoomtest.DefaultClientSecret,
		ZoomAPIURL: e.zoom.APIURL(), ZoomOAuthURL: e.zoom.URL(), PublicURL: publicBase,
	})
	if e.codec, err = appsession.NewCodec([][]byte{make([]byte, 32)}); err != nil {
		t.Fatal(err)
	}
	oauth := &web.OAuth{Key: []byte("0123456789abcdef0123456789abcdef"), Salesforce: &fakeConnector{}, Zoom: e.in}
	orgs := &fakeOrgStore{org: sfzoom.Org{ID: tOrg}}
	sched := &fakeScheduler{now: time.Now(), byKey: map[string]*sfzoom.Meeting{}}
	e.srv, err = web.NewServer(web.Options{
		Store: fakeStore{}, PublicURL: &url.URL{Scheme: "https", Host: "sfzoom.example.com"}, Now: e.clock.Now,
		OAuth: oauth,
		Canvas: &web.CanvasOptions{
			ConsumerSecrets: canvas.UnboundSecrets([]byte(testSecret)), Sessions: e.codec, Orgs: orgs,
			Scheduling: &web.SchedulingPages{Scheduler: sched, Orgs: orgs,
				Zoom: &web.ZoomUserConnection{OAuth: oauth, Connections: be.Store, Disconnect: e.in.DisconnectZoomUser}},
			Settings: &web.SettingsPages{Users: &fakeUserAdmin{}, Orgs: orgs, Connections: be.Store, OAuth: oauth,
				DisconnectSalesforce: func(context.Context, string) error { return nil }, Health: fakeHealth{}, Setup: &fakeSetup{}, ZoomMode: integrations.ZoomAuthUser},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *zoomUserEnv) do(t *testing.T, method, target, user string, admin bool) (*httptest.ResponseRecorder, *goquery.Document) {
	t.Helper()
	email := e.zuser.Email
	if em, ok := e.emails[user]; ok {
		email = em
	}
	tok, s, err := e.codec.Encode(appsession.Session{OrgID: tOrg, UserID: user, Name: "Riley", Email: email, TimeZone: "UTC", IsAdmin: admin, ExpiresAt: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(method, target, nil)
	req.Header.Set("X-Sfzoom-Session", tok)
	req.Header.Set("X-CSRF-Token", e.codec.CSRFToken(s))
	req.Header.Set("HX-Request", "true")
	rec := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(rec, req)
	doc, _ := goquery.NewDocumentFromReader(strings.NewReader(rec.Body.String()))
	return rec, doc
}

// popup requests a popup page (a top-level window: no session header).
func (e *zoomUserEnv) popup(t *testing.T, target string, cookies []*http.Cookie) (*httptest.ResponseRecorder, *goquery.Document) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(rec, req)
	doc, _ := goquery.NewDocumentFromReader(strings.NewReader(rec.Body.String()))
	return rec, doc
}

// start opens the home page's Connect Zoom popup and follows it to the fake
// Zoom's (auto-approving) authorize page. It returns the callback path with
// Zoom's code and state, the state cookie, and the authorize URL.
func (e *zoomUserEnv) start(t *testing.T, user string) (callback string, cookies []*http.Cookie, authorize *url.URL) {
	t.Helper()
	_, doc := e.do(t, http.MethodGet, "/app/home", user, false)
	href, ok := doc.Find(`[data-testid="zoom-connect"]`).Attr("href")
	if !ok {
		t.Fatalf("home page has no Connect Zoom link:\n%s", doc.Text())
	}
	rec, _ := e.popup(t, href, nil)
	if rec.Code != http.StatusFound {
		t.Fatalf("start = %d\n%s", rec.Code, rec.Body)
	}
	authorize, _ = url.Parse(rec.Header().Get("Location"))
	cookies = rec.Result().Cookies()
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(authorize.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound || !strings.HasPrefix(back.String(), publicBase+integrations.ZoomCallbackPath) {
		t.Fatalf("fake Zoom authorize = %d → %q", resp.StatusCode, back)
	}
	return back.RequestURI(), cookies, authorize
}

func popupResult(doc *goquery.Document) (result, title string) {
	result, _ = doc.Find(`[data-testid="popup-done"]`).Attr("data-sfzoom-popup-result")
	return result, strings.TrimSpace(doc.Find(`[data-testid="alert"] h2`).Text())
}

func TestZoomUserConnect_Flow(t *testing.T) {
	e := newZoomUserEnv(t)
	ctx := context.Background()
	callback, cookies, authorize := e.start(t, tRep)
	q := authorize.Query()
	if !strings.HasPrefix(authorize.String(), e.zoom.AuthorizeURL()) || q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256" ||
		q.Get("redirect_uri") != publicBase+integrations.ZoomCallbackPath || q.Get("state") == "" {
		t.Fatalf("authorize URL %s: want the fake Zoom with state, an S256 PKCE challenge and the callback", authorize)
	}
	if len(cookies) != 1 || !cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteLaxMode {
		t.Fatalf("state cookie = %+v", cookies)
	}

	rec, doc := e.popup(t, callback, cookies)
	res, title := popupResult(doc)
	if rec.Code != http.StatusOK || res != "ok" || title != "Zoom is connected" {
		t.Fatalf("callback = %d result %q title %q\n%s", rec.Code, res, title, rec.Body)
	}
	if rec.Header().Get("X-Frame-Options") != "DENY" {
		t.Errorf("the popup page is frameable")
	}
	// The fake Zoom checks code_verifier against the challenge: one exchange.
	if n := e.zoom.TokenRequests("authorization_code"); n != 1 {
		t.Errorf("code exchanges = %d, want 1", n)
	}

	// The connection is stored, active, and its token is encrypted.
	conn, err := e.be.Store.FindConnection(ctx, tOrg, sfzoom.ProviderZoomUser, tRep)
	if err != nil || conn.Status != sfzoom.ConnectionActive {
		t.Fatalf("connection = %+v, %v", conn, err)
	}
	tr, err := e.be.Store.LoadToken(ctx, conn.ID)
	if err != nil {
		t.Fatalf("LoadToken: %v", err)
	}
	refresh := e.spy.last()
	if tr.KeyID != "k1" || len(tr.Ciphertext) == 0 || refresh == "" || bytes.Contains(tr.Ciphertext, []byte(refresh)) || bytes.Contains(tr.Ciphertext, []byte("eyJ")) {
		t.Fatalf("stored token: key %q, %d bytes; want ciphertext without the token in clear", tr.KeyID, len(tr.Ciphertext))
	}
	// The token acts as the Zoom user who approved.
	zc, err := e.in.Zoom(ctx, tOrg, tRep)
	if err != nil {
		t.Fatal(err)
	}
	me, err := zc.User(ctx, "me")
	if err != nil || me.ID != e.zuser.ID {
		t.Fatalf("Zoom user via the stored token = %+v, %v; want %s", me, err, e.zuser.ID)
	}

	// The home page now offers Disconnect; it revokes at Zoom.
	_, doc = e.do(t, http.MethodGet, "/app/home", tRep, false)
	if doc.Find(`[data-testid="zoom-disconnect"]`).Length() != 1 {
		t.Fatalf("home page after connecting: no Disconnect Zoom\n%s", doc.Text())
	}
	// It says which Zoom account is connected, so a rep notices a Connect
	// link that someone else completed with their own Zoom.
	if got := doc.Find(`[data-testid="zoom-connected-as"]`).Text(); !strings.Contains(got, "Connected as "+e.zuser.Email+".") {
		t.Errorf("home page connected-as = %q, want the Zoom account %s", got, e.zuser.Email)
	}
	rec, doc = e.do(t, http.MethodPost, "/app/zoom/disconnect", tRep, false)
	if rec.Code != http.StatusOK || doc.Find(`[data-testid="zoom-connect"]`).Length() != 1 {
		t.Fatalf("disconnect = %d\n%s", rec.Code, rec.Body)
	}
	if n := e.zoom.Requests()["POST /oauth/revoke"]; n != 1 {
		t.Errorf("revocations at Zoom = %d, want 1", n)
	}
	if _, err := e.be.Store.FindConnection(ctx, tOrg, sfzoom.ProviderZoomUser, tRep); sfzoom.ErrorCode(err) != sfzoom.ENOTFOUND {
		t.Errorf("connection after disconnect: %v, want ENOTFOUND", err)
	}
	if _, err := zc.User(ctx, "me"); err == nil {
		t.Errorf("the revoked token still works at Zoom")
	}
	if _, err := e.in.Zoom(ctx, tOrg, tRep); sfzoom.ErrorCode(err) != sfzoom.EUNAUTHORIZED {
		t.Errorf("Zoom client after disconnect: %v, want EUNAUTHORIZED (connect first)", err)
	}
}

func TestZoomUserConnect_BadCallback(t *testing.T) {
	tests := []struct {
		name   string
		mangle func(e *zoomUserEnv, callback string, cookies []*http.Cookie) (string, []*http.Cookie)
		msg    string
	}{
		{"WrongState", func(_ *zoomUserEnv, cb string, ck []*http.Cookie) (string, []*http.Cookie) {
			u, _ := url.Parse(cb)
			q := u.Query()
			q.Set("state", "forged-state")
			u.RawQuery = q.Encode()
			return u.RequestURI(), ck
		}, "did not match this sign-in"},
		{"Expired", func(e *zoomUserEnv, cb string, ck []*http.Cookie) (string, []*http.Cookie) {
			e.clock.Add(16 * time.Minute)
			return cb, ck
		}, "The sign-in took too long"},
		{"NoCookie", func(_ *zoomUserEnv, cb string, _ []*http.Cookie) (string, []*http.Cookie) {
			return cb, nil
		}, "cookies may be blocked"},
		{"TamperedCookie", func(_ *zoomUserEnv, cb string, ck []*http.Cookie) (string, []*http.Cookie) {
			c := *ck[0]
			c.Value = "x" + c.Value
			return cb, []*http.Cookie{&c}
		}, "The sign-in took too long"},
		{"Denied", func(_ *zoomUserEnv, cb string, ck []*http.Cookie) (string, []*http.Cookie) {
			u, _ := url.Parse(cb)
			q := u.Query()
			q.Del("code")
			q.Set("error", "access_denied")
			u.RawQuery = q.Encode()
			return u.RequestURI(), ck
		}, "Zoom did not allow the connection (access_denied)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newZoomUserEnv(t)
			cb, ck, _ := e.start(t, tRep)
			cb, ck = tt.mangle(e, cb, ck)
			rec, doc := e.popup(t, cb, ck)
			res, title := popupResult(doc)
			if rec.Code != http.StatusBadRequest || res != "error" || title != "Zoom was not connected" || !strings.Contains(doc.Text(), tt.msg) {
				t.Fatalf("callback = %d result %q title %q; want 400 saying %q\n%s", rec.Code, res, title, tt.msg, doc.Text())
			}
			if !strings.Contains(doc.Text(), "Connect again") {
				t.Errorf("the page does not say what to do next:\n%s", doc.Text())
			}
			if n := e.zoom.TokenRequests("authorization_code"); n != 0 {
				t.Errorf("code exchanges = %d, want 0", n)
			}
			if _, err := e.be.Store.FindConnection(context.Background(), tOrg, sfzoom.ProviderZoomUser, tRep); sfzoom.ErrorCode(err) != sfzoom.ENOTFOUND {
				t.Errorf("a connection was stored: %v", err)
			}
		})
	}
}

// TestZoomUserConnect_InvalidGrant: Zoom refuses the stored refresh token;
// the rep's home page and the admin's Connections tab both say to
// reconnect Zoom, and no further token request is made.
func TestZoomUserConnect_InvalidGrant(t *testing.T) {
	e := newZoomUserEnv(t)
	ctx := context.Background()
	for _, user := range []string{tRep, tAdmin} {
		cb, ck, _ := e.start(t, user)
		if rec, doc := e.popup(t, cb, ck); rec.Code != http.StatusOK {
			t.Fatalf("connect %s = %d %s", user, rec.Code, doc.Text())
		}
		// The refresh token is used up elsewhere (Zoom rotates them), then
		// the access token expires: the next refresh gets invalid_grant.
		resp, err := http.PostForm(e.zoom.TokenURL(), url.Values{"grant_type": {"refresh_token"}, "refresh_token": {e.spy.last()},
			"client_id": {zoomtest.DefaultClientID}, "client_secret": {zoomtest.DefaultClientSecret}})
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("use up the refresh token: %v %v", resp.Status, err)
		}
		resp.Body.Close()
	}
	e.zoom.ExpireTokens()
	for _, user := range []string{tRep, tAdmin} {
		zc, err := e.in.Zoom(ctx, tOrg, user)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := zc.User(ctx, "me"); sfzoom.ErrorCode(err) != sfzoom.EUNAUTHORIZED {
			t.Fatalf("Zoom call with a refused refresh token = %v, want EUNAUTHORIZED", err)
		}
		conn, err := e.be.Store.FindConnection(ctx, tOrg, sfzoom.ProviderZoomUser, user)
		if err != nil || conn.Status != sfzoom.ConnectionReconnect {
			t.Fatalf("connection of %s = %+v, %v; want reconnect_required", user, conn, err)
		}
	}
	refreshes := e.zoom.TokenRequests("refresh_token")

	_, doc := e.do(t, http.MethodGet, "/app/home", tRep, false)
	box := doc.Find(`[data-testid="zoom-connection"]`)
	if !strings.Contains(box.Text(), "Reconnect Zoom") || box.Find(`[data-testid="zoom-connect"]`).Length() != 1 {
		t.Errorf("home page Zoom box = %q; want it to say Reconnect Zoom with a Connect button", strings.Join(strings.Fields(box.Text()), " "))
	}

	_, doc = e.do(t, http.MethodGet, "/app/settings?tab=connections", tAdmin, true)
	row := doc.Find(`[data-testid="connection-zoom"]`)
	text := strings.Join(strings.Fields(row.Text()), " ")
	for _, want := range []string{"Reconnect needed", "Reconnect Zoom", "1 rep must reconnect Zoom"} {
		if !strings.Contains(text, want) {
			t.Errorf("Connections tab Zoom row lacks %q: %q", want, text)
		}
	}
	if row.Find(`[data-testid="connect"]`).Length() != 1 {
		t.Errorf("Connections tab Zoom row has no Connect button")
	}
	// Once refused, nobody asks Zoom again until a person reconnects.
	if zc, err := e.in.Zoom(ctx, tOrg, tRep); err == nil {
		zc.User(ctx, "me")
	}
	if n := e.zoom.TokenRequests("refresh_token"); n != refreshes {
		t.Errorf("refresh requests after invalid_grant: %d more", n-refreshes)
	}
}

// TestZoomUserConnect_ProvesIdentity: the Connect Zoom popup keeps only the
// rep's own Zoom account. A link completed with someone else's Zoom (a
// forwarded link, a shared browser) is refused with a plain message, the
// grant is revoked at Zoom and nothing is stored; the same answer replayed
// is refused before any code exchange.
func TestZoomUserConnect_ProvesIdentity(t *testing.T) {
	e := newZoomUserEnv(t)
	ctx := context.Background()
	e.emails = map[string]string{tRep: "jordan.lee@acme-demo.com"} // the fake Zoom approves as Riley

	cb, ck, _ := e.start(t, tRep)
	rec, doc := e.popup(t, cb, ck)
	res, title := popupResult(doc)
	want := "You signed in to Zoom as " + e.zuser.Email + ", which is not your Salesforce email"
	if rec.Code != http.StatusBadRequest || res != "error" || title != "Zoom was not connected" || !strings.Contains(doc.Text(), want) {
		t.Fatalf("callback with another person's Zoom = %d %q %q; want 400 saying %q\n%s", rec.Code, res, title, want, doc.Text())
	}
	if n := e.zoom.Requests()["POST /oauth/revoke"]; n != 1 {
		t.Errorf("revocations at Zoom = %d, want 1", n)
	}
	if _, err := e.be.Store.FindConnection(ctx, tOrg, sfzoom.ProviderZoomUser, tRep); sfzoom.ErrorCode(err) != sfzoom.ENOTFOUND {
		t.Errorf("a refused grant was stored: %v", err)
	}

	// The rep's own Zoom connects; replaying that answer is refused.
	delete(e.emails, tRep)
	cb, ck, _ = e.start(t, tRep)
	if rec, doc := e.popup(t, cb, ck); rec.Code != http.StatusOK {
		t.Fatalf("own Zoom = %d\n%s", rec.Code, doc.Text())
	}
	exchanges := e.zoom.TokenRequests("authorization_code")
	rec, doc = e.popup(t, cb, ck)
	if res, _ := popupResult(doc); rec.Code != http.StatusBadRequest || res != "error" || !strings.Contains(doc.Text(), "This sign-in was already used") {
		t.Fatalf("replayed callback = %d %q\n%s", rec.Code, res, doc.Text())
	}
	if n := e.zoom.TokenRequests("authorization_code"); n != exchanges {
		t.Errorf("a replayed callback exchanged the code again (%d exchanges, want %d)", n, exchanges)
	}
}

package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/sfzoom/sfzoom/internal/appsession"
	"github.com/sfzoom/sfzoom/internal/canvas"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/web"
)

const (
	testSecret = "test-consumer-secret"
	orgA       = "00Dxx0000001gPFEAY"
	userA      = "005xx000001SwiUAAS"
	oppID      = "006xx000004TmiQAAS"
)

type fakeOrgs struct {
	mu   sync.Mutex
	orgs map[string]*sfzoom.Org
}

func (f *fakeOrgs) UpsertOrg(_ context.Context, o *sfzoom.Org) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.orgs == nil {
		f.orgs = map[string]*sfzoom.Org{}
	}
	f.orgs[o.ID] = o
	return nil
}

type fakeStore struct{ err error }

func (f fakeStore) Ping(context.Context) error            { return f.err }
func (f fakeStore) CheckMigrations(context.Context) error { return nil }
func (f fakeStore) CheckWrite(context.Context) error      { return nil }

type fakeChecker struct{ err error }

func (f fakeChecker) Check(context.Context, *canvas.Request) (canvas.Identity, error) {
	return canvas.Identity{}, f.err
}

type harness struct {
	srv   *web.Server
	codec *appsession.Codec
	orgs  *fakeOrgs
	now   time.Time
}

func newHarness(t testing.TB, checker web.TokenChecker) *harness {
	t.Helper()
	return newHarnessAdmins(t, checker, []string{"005xx000001Svk1"})
}

func newHarnessAdmins(t testing.TB, checker web.TokenChecker, admins []string) *harness {
	t.Helper()
	key := testKey()
	h := &harness{orgs: &fakeOrgs{}, now: time.Now()}
	codec, err := appsession.NewCodec([][]byte{key})
	if err != nil {
		t.Fatal(err)
	}
	h.codec = codec
	srv, err := web.NewServer(web.Options{
		Store:          fakeStore{},
		PublicURL:      &url.URL{Scheme: "https", Host: "sfzoom.example.com"},
		FrameAncestors: []string{"http://localhost:9999"},
		Canvas: &web.CanvasOptions{
			ConsumerSecrets: canvas.UnboundSecrets([]byte("old-secret"), []byte(testSecret)),
			Sessions:        codec,
			TokenChecker:    checker,
			Orgs:            h.orgs,
			BootstrapAdmins: admins,
			Pages:           []web.Pages{shellPages{}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	h.srv = srv
	return h
}

func signedRequest(t testing.TB, orgID, userID, recordID string) string {
	t.Helper()
	payload := map[string]any{
		"algorithm": "HMACSHA256", "issuedAt": nil, "userId": userID,
		"client": map[string]any{"oauthToken": "00Dxx!tok", "instanceUrl": "https://acme.my.salesforce.com",
			"targetOrigin": "https://acme.lightning.force.com", "instanceId": "09Hxx0000000001:"},
		"context": map[string]any{
			"user":         map[string]any{"userId": userID, "fullName": "Sam O'Neil", "timeZone": "Europe/Berlin", "locale": "de_DE"},
			"organization": map[string]any{"organizationId": orgID, "name": "Sam's S1 Test Org"},
			"environment": map[string]any{"displayLocation": "PageLayout", "parameters": map[string]any{},
				"record": map[string]any{"attributes": map[string]any{"type": "Opportunity"}, "Id": recordID}},
		},
	}
	if recordID == "" {
		payload["context"].(map[string]any)["environment"].(map[string]any)["record"] = map[string]any{}
	}
	b, _ := json.Marshal(payload)
	return canvas.Sign(b, []byte(testSecret))
}

func postCanvas(h *harness, sr string) *httptest.ResponseRecorder {
	form := url.Values{}
	if sr != "" {
		form.Set("signed_request", sr)
	}
	req := httptest.NewRequest(http.MethodPost, "/canvas", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.srv.Handler().ServeHTTP(rec, req)
	return rec
}

func TestCanvas_Errors(t *testing.T) {
	h := newHarness(t, nil)
	valid := signedRequest(t, orgA, userA, oppID)
	sig, payload, _ := strings.Cut(valid, ".")
	tests := []struct {
		name       string
		sr         string
		wantStatus int
		wantText   string
	}{
		{"Missing", "", http.StatusBadRequest, "Open sfzoom from a Salesforce record page"},
		{"NoDot", "abc", http.StatusBadRequest, "Open sfzoom from a Salesforce record page"},
		{"TamperedPayload", sig + "." + payload[:len(payload)-8] + "AAAAAAA=", http.StatusUnauthorized, "did not come from your Salesforce org"},
		{"WrongSecret", canvas.Sign([]byte(`{"algorithm":"HMACSHA256"}`), []byte("nope")), http.StatusUnauthorized, "did not come from your Salesforce org"},
		{"WrongAlgorithm", canvas.Sign([]byte(`{"algorithm":"HMACSHA1","userId":"`+userA+`"}`), []byte(testSecret)), http.StatusBadRequest, "could not read the request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := postCanvas(h, tt.sr)
			if rec.Code != tt.wantStatus {
				t.Fatalf("POST /canvas status = %d, want %d; body: %s", rec.Code, tt.wantStatus, rec.Body)
			}
			if !strings.Contains(rec.Body.String(), tt.wantText) {
				t.Errorf("POST /canvas body does not say %q:\n%s", tt.wantText, rec.Body)
			}
			if rec.Header().Get("Set-Cookie") != "" {
				t.Error("a rejected canvas request set a cookie")
			}
		})
	}
}

// TestCanvas_QueryStringRefused: the signed request is read from the POST
// body only; one in a query string (which proxies and browsers log) is
// refused as missing (docs/canvas.md §3).
func TestCanvas_QueryStringRefused(t *testing.T) {
	h := newHarness(t, nil)
	sr := signedRequest(t, orgA, userA, oppID)
	req := httptest.NewRequest(http.MethodPost, "/canvas?signed_request="+url.QueryEscape(sr), strings.NewReader(""))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.srv.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusBadRequest || rec.Header().Get("Set-Cookie") != "" {
		t.Fatalf("POST /canvas?signed_request= = %d (Set-Cookie %q), want 400 and no session", rec.Code, rec.Header().Get("Set-Cookie"))
	}
}

func TestCanvas_OKIssuesSessionAndRoutesToRecord(t *testing.T) {
	h := newHarness(t, nil)
	rec := postCanvas(h, signedRequest(t, orgA, userA, oppID))
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("POST /canvas status = %d, want 303; body %s", rec.Code, rec.Body)
	}
	loc, _ := url.Parse(rec.Header().Get("Location"))
	if loc.Path != "/app/records/Opportunity/"+oppID || loc.Query().Get("_s") == "" {
		t.Fatalf("Location = %q, want the record page carrying the session", loc)
	}
	cookie := rec.Header().Get("Set-Cookie")
	for _, attr := range []string{"sfzoom_session=", "Secure", "HttpOnly", "SameSite=None", "Partitioned"} {
		if !strings.Contains(cookie, attr) {
			t.Errorf("Set-Cookie %q lacks %s", cookie, attr)
		}
	}
	if got := h.orgs.orgs[orgA]; got == nil || got.Name != "Sam's S1 Test Org" {
		t.Errorf("org not recorded: %+v", got)
	}

	// The record page: framed only by Salesforce and configured origins.
	page := get(t, h, loc.String(), nil)
	if page.Code != http.StatusOK {
		t.Fatalf("GET record status = %d; body %s", page.Code, page.Body)
	}
	if xfo := page.Header().Get("X-Frame-Options"); xfo != "" {
		t.Errorf("app page sends X-Frame-Options %q; it would block the Salesforce iframe", xfo)
	}
	csp := page.Header().Get("Content-Security-Policy")
	for _, want := range []string{"frame-ancestors 'self' https://*.force.com", "https://*.salesforce.com", "https://*.visualforce.com",
		"https://*.salesforce-setup.com", "https://acme.my.salesforce.com", "http://localhost:9999", "default-src 'self'", "'nonce-"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP allows unsafe-inline: %q", csp)
	}
	doc, err := goquery.NewDocumentFromReader(page.Body)
	if err != nil {
		t.Fatal(err)
	}
	if doc.Find(`[data-testid="echo-form"] input[name="_s"]`).Length() != 1 || doc.Find(`[data-testid="echo-form"] input[name="_csrf"]`).Length() != 1 {
		t.Error("the form does not carry the session and CSRF tokens as hidden fields")
	}
	nonce := between(csp, "'nonce-", "'")
	doc.Find("script").Each(func(_ int, s *goquery.Selection) {
		if n, _ := s.Attr("nonce"); n != nonce {
			t.Errorf("script %v has nonce %q, want %q", s.AttrOr("src", "(inline)"), n, nonce)
		}
	})
}

func TestCanvas_NoRecordGoesHome(t *testing.T) {
	h := newHarness(t, nil)
	rec := postCanvas(h, signedRequest(t, orgA, userA, ""))
	loc, _ := url.Parse(rec.Header().Get("Location"))
	if rec.Code != http.StatusSeeOther || loc.Path != "/app/home" {
		t.Fatalf("POST /canvas = %d %q, want 303 to /app/home", rec.Code, loc)
	}
}

func TestCanvas_ReplayGuard(t *testing.T) {
	h := newHarness(t, fakeChecker{err: sfzoom.Errorf(sfzoom.EUNAUTHORIZED, canvas.MsgSessionExpired)})
	rec := postCanvas(h, signedRequest(t, orgA, userA, oppID))
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("POST /canvas with a dead token = %d, want 401", rec.Code)
	}
	if rec.Header().Get("X-Sfzoom-Session-Expired") == "" {
		t.Error("401 lacks X-Sfzoom-Session-Expired, so the page cannot ask Salesforce for a fresh signed request")
	}
}

func TestSession_CSRFAndIsolation(t *testing.T) {
	h := newHarness(t, nil)
	tokenA, sessA := mustSession(t, h, orgA, userA, oppID)
	tokenB, sessB := mustSession(t, h, "00Dxx0000002ABCEA2", "005xx000002XyzAAAA", oppID)
	tests := []struct {
		name       string
		session    string
		csrf       string
		carrier    string
		wantStatus int
	}{
		{"OKHeader", tokenA, h.codec.CSRFToken(sessA), "header", http.StatusOK},
		{"OKForm", tokenA, h.codec.CSRFToken(sessA), "form", http.StatusOK},
		{"OKCookieOnly", tokenA, h.codec.CSRFToken(sessA), "cookie", http.StatusOK},
		{"OKCookieSameOrigin", tokenA, h.codec.CSRFToken(sessA), "cookie-same-origin", http.StatusOK},
		// force.com is one site for every org, so a page of another org
		// framing the app must not ride on the partitioned cookie.
		{"CookieCrossSite", tokenA, h.codec.CSRFToken(sessA), "cookie-cross-site", http.StatusUnauthorized},
		{"CookieSameSiteOtherOrigin", tokenA, h.codec.CSRFToken(sessA), "cookie-same-site", http.StatusUnauthorized},
		{"NoCSRF", tokenA, "", "header", http.StatusForbidden},
		{"CSRFFromOtherOrgUser", tokenA, h.codec.CSRFToken(sessB), "form", http.StatusForbidden},
		{"OtherSessionWithOwnCSRF", tokenB, h.codec.CSRFToken(sessA), "header", http.StatusForbidden},
		{"NoSession", "", h.codec.CSRFToken(sessA), "form", http.StatusUnauthorized},
		{"TamperedSession", tokenA[:len(tokenA)-4] + "AAAA", h.codec.CSRFToken(sessA), "header", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := url.Values{"message": {"hello"}}
			req := httptest.NewRequest(http.MethodPost, "/app/echo", nil)
			switch tt.carrier {
			case "header":
				req.Header.Set("X-Sfzoom-Session", tt.session)
				req.Header.Set("X-CSRF-Token", tt.csrf)
			case "form":
				form.Set("_s", tt.session)
				form.Set("_csrf", tt.csrf)
			case "cookie", "cookie-same-origin", "cookie-cross-site", "cookie-same-site":
				req.AddCookie(&http.Cookie{Name: "sfzoom_session", Value: tt.session})
				form.Set("_csrf", tt.csrf)
				if site, ok := strings.CutPrefix(tt.carrier, "cookie-"); ok {
					req.Header.Set("Sec-Fetch-Site", site)
				}
			}
			req.Body = ioNopCloser(form.Encode())
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			rec := httptest.NewRecorder()
			h.srv.Handler().ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus {
				t.Fatalf("POST /app/echo = %d, want %d; body %s", rec.Code, tt.wantStatus, rec.Body)
			}
			if tt.wantStatus == http.StatusOK && !strings.Contains(rec.Body.String(), "Saved: hello") {
				t.Errorf("body = %s, want the saved message", rec.Body)
			}
		})
	}
	// A session opened on one record cannot be used to view another org's record page.
	other := get(t, h, "/app/records/Opportunity/006xx000004TmiQBBB?_s="+url.QueryEscape(tokenB), nil)
	if other.Code != http.StatusForbidden {
		t.Errorf("GET another record = %d, want 403", other.Code)
	}
}

func TestOperationalRoutes(t *testing.T) {
	h := newHarness(t, nil)
	rec := get(t, h, "/healthz", nil)
	if rec.Code != http.StatusOK || rec.Header().Get("X-Frame-Options") != "DENY" ||
		!strings.Contains(rec.Header().Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("GET /healthz = %d, headers %v; want 200 and not frameable", rec.Code, rec.Header())
	}
	if rec.Header().Get("X-Request-Id") == "" {
		t.Error("no X-Request-Id")
	}
	ready := get(t, h, "/readyz", nil)
	if ready.Code != http.StatusOK || !strings.Contains(ready.Body.String(), `"ready":true`) {
		t.Errorf("GET /readyz = %d %s", ready.Code, ready.Body)
	}
	m := get(t, h, "/metrics", nil)
	if !strings.Contains(m.Body.String(), `sfzoom_http_request_duration_seconds_count{method="GET",route="/healthz",status="200"} 1`) {
		t.Errorf("metrics lack the healthz observation:\n%s", m.Body)
	}
	nf := get(t, h, "/nope", map[string]string{"Accept": "application/json"})
	var body struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal(nf.Body.Bytes(), &body); nf.Code != 404 || err != nil || body.Error.Code != sfzoom.ENOTFOUND {
		t.Errorf("GET /nope (JSON) = %d %s", nf.Code, nf.Body)
	}
	html := get(t, h, "/nope", map[string]string{"Accept": "text/html"})
	if html.Code != 404 || !strings.Contains(html.Header().Get("Content-Type"), "text/html") {
		t.Errorf("GET /nope (HTML) = %d %s", html.Code, html.Header().Get("Content-Type"))
	}
	get405 := get(t, h, "/canvas", nil)
	if get405.Code != http.StatusBadRequest || !strings.Contains(get405.Body.String(), "runs inside Salesforce") {
		t.Errorf("GET /canvas = %d, want 400 explaining to open it from Salesforce", get405.Code)
	}
	// Its own advice, not the generic one about a form it doesn't have.
	if b := get405.Body.String(); !strings.Contains(b, "sfzoom is on the record page.") || strings.Contains(b, "form") {
		t.Errorf("GET /canvas advice:\n%s", b)
	}
}

func TestReadyz_DatabaseDown(t *testing.T) {
	srv, err := web.NewServer(web.Options{Store: fakeStore{err: sfzoom.Errorf(sfzoom.EUNAVAILABLE, "database unreachable")}})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "database unreachable") {
		t.Errorf("GET /readyz = %d %s, want 503 naming the database", rec.Code, rec.Body)
	}
	// A raw driver error (host, user, database name) stays in the log.
	srv, err = web.NewServer(web.Options{Store: fakeStore{err: errors.New("dial tcp db.internal:5432: password authentication failed for user sfzoom")}})
	if err != nil {
		t.Fatal(err)
	}
	rec = httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if rec.Code != http.StatusServiceUnavailable || strings.Contains(rec.Body.String(), "db.internal") || !strings.Contains(rec.Body.String(), `"name":"database"`) {
		t.Errorf("GET /readyz with a driver error = %d %s, want 503 naming the check but not the driver error", rec.Code, rec.Body)
	}
}

func BenchmarkCanvasRoundTrip(b *testing.B) {
	h := newHarness(b, nil)
	sr := signedRequest(b, orgA, userA, oppID)
	b.ReportAllocs()
	for b.Loop() {
		if rec := postCanvas(h, sr); rec.Code != http.StatusSeeOther {
			b.Fatalf("status %d", rec.Code)
		}
	}
}

func mustSession(t *testing.T, h *harness, org, user, record string) (string, appsession.Session) {
	t.Helper()
	tok, s, err := h.codec.Encode(appsession.Session{OrgID: org, UserID: user, RecordObject: "Opportunity", RecordID: record, ExpiresAt: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return tok, s
}

func get(t testing.TB, h *harness, target string, headers map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.srv.Handler().ServeHTTP(rec, req)
	return rec
}

func between(s, start, end string) string {
	_, after, ok := strings.Cut(s, start)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(after, end)
	return v
}

// TestSession_ExpiredPageOffersRepost: an expired session gets a 401 page
// that loads the org's Canvas SDK and offers to ask Salesforce for a fresh
// signed request, instead of a dead end.
func TestSession_ExpiredPageOffersRepost(t *testing.T) {
	h := newHarness(t, nil)
	clock := time.Now().Add(-2 * time.Hour) // the session was issued two hours ago
	codec, err := appsession.NewCodec([][]byte{testKey()}, appsession.WithClock(func() time.Time { return clock }))
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := codec.Encode(appsession.Session{OrgID: orgA, UserID: userA, RecordObject: "Opportunity", RecordID: oppID,
		InstanceURL: "https://acme.my.salesforce.com", TargetOrigin: "https://acme.lightning.force.com", InstanceID: "09Hxx0000000001:",
		ExpiresAt: clock.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	rec := get(t, h, "/app/records/Opportunity/"+oppID+"?_s="+url.QueryEscape(tok), nil)
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("GET with an expired session = %d, want 401", rec.Code)
	}
	doc, err := goquery.NewDocumentFromReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	if doc.Find(`[data-canvas-repost]`).Length() == 0 {
		t.Error("the expired-session page has no button asking Salesforce for a fresh signed request")
	}
	sdk := doc.Find(`script[src$="/canvas-all.js"]`).AttrOr("src", "")
	if !strings.HasPrefix(sdk, "https://acme.my.salesforce.com/canvas/sdk/js/") {
		t.Errorf("Canvas SDK script = %q, want the org's", sdk)
	}
	if !strings.Contains(rec.Header().Get("Content-Security-Policy"), "script-src 'self' 'nonce-") ||
		!strings.Contains(rec.Header().Get("Content-Security-Policy"), "https://acme.my.salesforce.com") {
		t.Errorf("CSP does not allow the org's SDK: %q", rec.Header().Get("Content-Security-Policy"))
	}
	if strings.Contains(rec.Body.String(), "Signed in as") {
		t.Error("the expired page presents the user as signed in")
	}
}

func testKey() []byte {
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i)
	}
	return key
}

// TestCanvas_BootstrapAdminBoundToOrg: an ORGID:USERID entry in
// SFZOOM_ADMIN_USER_IDS makes that user an admin in that org only (a sandbox
// copy of the org keeps the user's id); a bare user id matches in any org.
func TestCanvas_BootstrapAdminBoundToOrg(t *testing.T) {
	otherOrg := "00Dxx0000009ZZZEA2"
	tests := []struct {
		name   string
		admins []string
		org    string
		want   bool
	}{
		{"BoundSameOrg", []string{orgA + ":" + userA}, orgA, true},
		{"BoundSame15CharOrg", []string{orgA[:15] + ":" + userA[:15]}, orgA, true},
		{"BoundOtherOrg", []string{orgA + ":" + userA}, otherOrg, false},
		{"BareAnyOrg", []string{userA}, otherOrg, true},
		{"NotListed", []string{"005xx000001Svk1"}, orgA, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarnessAdmins(t, nil, tt.admins)
			rec := postCanvas(h, signedRequest(t, tt.org, userA, oppID))
			loc, err := url.Parse(rec.Header().Get("Location"))
			if rec.Code != http.StatusSeeOther || err != nil {
				t.Fatalf("POST /canvas = %d %s", rec.Code, rec.Body)
			}
			sess, err := h.codec.Decode(loc.Query().Get("_s"))
			if err != nil {
				t.Fatal(err)
			}
			if sess.IsAdmin != tt.want {
				t.Errorf("IsAdmin = %v, want %v", sess.IsAdmin, tt.want)
			}
		})
	}
}

package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

type fakeConnector struct {
	org, code, verifier string
}

func (f *fakeConnector) SalesforceAuthURL(state, verifier string) string {
	return "https://login.example/authorize?state=" + url.QueryEscape(state) + "&v=" + url.QueryEscape(verifier)
}

func (f *fakeConnector) ConnectSalesforce(_ context.Context, org, code, verifier string) (*sfzoom.Connection, error) {
	if code == "refused" {
		return nil, sfzoom.Errorf(sfzoom.EUNAUTHORIZED, "Salesforce refused the authorization code.")
	}
	f.org, f.code, f.verifier = org, code, verifier
	return &sfzoom.Connection{OrgID: org, Status: sfzoom.ConnectionActive}, nil
}

func (h *appHarness) connectLink(t *testing.T, admin bool) string {
	tok, csrf := h.session(t, tAdmin, admin)
	_, doc := h.do(t, http.MethodGet, "/app/settings?tab=connections", nil, tok, csrf, false)
	href, _ := doc.Find(`[data-testid="connection-salesforce"] a[data-popup]`).Attr("href")
	return href
}

func popup(t *testing.T, h *appHarness, target string, cookies []*http.Cookie) (*httptest.ResponseRecorder, *goquery.Document) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	h.srv.Handler().ServeHTTP(rec, req)
	doc, _ := goquery.NewDocumentFromReader(strings.NewReader(rec.Body.String()))
	return rec, doc
}

// startSalesforce opens a fresh Connect Salesforce popup and returns the
// state and verifier it sent to Salesforce and its state cookie.
func startSalesforce(t *testing.T, h *appHarness) (state, verifier string, cookies []*http.Cookie) {
	t.Helper()
	rec, _ := popup(t, h, h.connectLink(t, true), nil)
	if rec.Code != http.StatusFound {
		t.Fatalf("start = %d %s", rec.Code, rec.Body)
	}
	loc, _ := url.Parse(rec.Header().Get("Location"))
	state, verifier = loc.Query().Get("state"), loc.Query().Get("v")
	cookies = rec.Result().Cookies()
	if state == "" || verifier == "" || len(cookies) != 1 || !cookies[0].HttpOnly {
		t.Fatalf("start redirect %s, cookies %v", loc, cookies)
	}
	return state, verifier, cookies
}

func TestOAuth_SalesforceFlow(t *testing.T) {
	h := newAppHarness(t)
	state, verifier, cookies := startSalesforce(t, h)
	// A refused code uses up its sign-in, so it gets its own.
	refusedState, _, refusedCookies := startSalesforce(t, h)

	tests := []struct {
		name    string
		query   string
		cookies []*http.Cookie
		ok      bool
		title   string
	}{
		{"NoCookie", "?state=" + url.QueryEscape(state) + "&code=abc", nil, false, "Salesforce was not connected"},
		{"WrongState", "?state=forged&code=abc", cookies, false, "Salesforce was not connected"},
		{"Denied", "?state=" + url.QueryEscape(state) + "&error=access_denied", cookies, false, "Salesforce was not connected"},
		{"Refused", "?state=" + url.QueryEscape(refusedState) + "&code=refused", refusedCookies, false, "Salesforce was not connected"},
		{"OK", "?state=" + url.QueryEscape(state) + "&code=good-code", cookies, true, "Salesforce is connected"},
		// The same answer sent again (a replayed callback) is refused.
		{"Replayed", "?state=" + url.QueryEscape(state) + "&code=good-code", cookies, false, "Salesforce was not connected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, doc := popup(t, h, "/oauth/salesforce/callback"+tt.query, tt.cookies)
			res, _ := doc.Find(`[data-testid="popup-done"]`).Attr("data-sfzoom-popup-result")
			if (res == "ok") != tt.ok || strings.TrimSpace(doc.Find(`[data-testid="alert"] h2`).Text()) != tt.title {
				t.Fatalf("callback = %d result %q\n%s", rec.Code, res, rec.Body)
			}
			if tt.ok && (h.conn.org != tOrg || h.conn.code != "good-code" || h.conn.verifier != verifier) {
				t.Fatalf("ConnectSalesforce got org %q code %q verifier match %v", h.conn.org, h.conn.code, h.conn.verifier == verifier)
			}
			// Browsers ignore X-Frame-Options when the CSP names
			// frame-ancestors, so the CSP must forbid framing too.
			csp := rec.Header().Get("Content-Security-Policy")
			if rec.Header().Get("X-Frame-Options") != "DENY" || !strings.Contains(csp, "frame-ancestors 'none'") ||
				strings.Count(csp, "frame-ancestors") != 1 || !strings.Contains(csp, "'nonce-") {
				t.Fatalf("popup page is frameable or lost its nonce: CSP %q", csp)
			}
		})
	}
}

func TestOAuth_StartNeedsAdminAndValidTicket(t *testing.T) {
	h := newAppHarness(t)
	rec, doc := popup(t, h, h.connectLink(t, true)+"x", nil)
	if rec.Code != 400 || doc.Find(`[data-sfzoom-popup-result="error"]`).Length() != 1 {
		t.Fatalf("tampered ticket = %d", rec.Code)
	}
	rec, _ = popup(t, h, "/oauth/zoom/start?t="+url.QueryEscape(strings.TrimPrefix(h.connectLink(t, true), "/oauth/salesforce/start?t=")), nil)
	if rec.Code != 400 {
		t.Fatalf("ticket for another provider = %d, want 400", rec.Code)
	}
	// A connect link opens one sign-in: the same link again (forwarded, or
	// from the history) is refused and sets no state cookie.
	link := h.connectLink(t, true)
	if rec, _ := popup(t, h, link, nil); rec.Code != http.StatusFound {
		t.Fatalf("first use of a connect link = %d, want 302", rec.Code)
	}
	rec, doc = popup(t, h, link, nil)
	if rec.Code != 400 || strings.TrimSpace(doc.Find(`[data-testid="alert"] h2`).Text()) != "This connect link was already used" || len(rec.Result().Cookies()) != 0 {
		t.Fatalf("second use of a connect link = %d %q, cookies %v; want 400 already used", rec.Code, doc.Find(`[data-testid="alert"] h2`).Text(), rec.Result().Cookies())
	}
}

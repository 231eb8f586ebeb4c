package web_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/sfzoom/sfzoom/internal/canvas"
	"github.com/sfzoom/sfzoom/web"
)

// pageRequest is a signed request without a record whose canvas parameters
// are params (what the sfzoom Admin tab's force:canvasApp sends).
func pageRequest(t *testing.T, userID string, params any) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"algorithm": "HMACSHA256", "userId": userID,
		"client": map[string]any{"oauthToken": "00Dxx!tok", "instanceUrl": "https://acme.my.salesforce.com",
			"targetOrigin": "https://acme.lightning.force.com", "instanceId": "09Hxx0000000001:"},
		"context": map[string]any{
			"user":         map[string]any{"userId": userID, "fullName": "Sam O'Neil"},
			"organization": map[string]any{"organizationId": orgA, "name": "Acme"},
			"environment":  map[string]any{"displayLocation": "Aura", "parameters": params, "record": map[string]any{}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return canvas.Sign(b, []byte(testSecret))
}

// TestCanvas_PageParameterOpensSettings: {"page":"setup"} (the sfzoom Admin
// tab, the simulator's Setup link) opens the Setup checklist for an admin;
// a rep, an unknown page or no parameter opens Home.
func TestCanvas_PageParameterOpensSettings(t *testing.T) {
	const admin = "005xx000001Svk1AAC" // a bootstrap admin of newHarness
	tests := []struct {
		name   string
		user   string
		params any
		want   string
	}{
		{"AdminSetup", admin, map[string]any{"page": "setup"}, "/app/settings?tab=setup"},
		{"AdminSetupAsJSONString", admin, `{"page":"Setup"}`, "/app/settings?tab=setup"},
		{"AdminSettings", admin, map[string]any{"page": "settings"}, "/app/settings"},
		{"RepSetup", userA, map[string]any{"page": "setup"}, "/app/home"},
		{"AdminUnknownPage", admin, map[string]any{"page": "../evil"}, "/app/home"},
		{"AdminNoParameters", admin, map[string]any{}, "/app/home"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil)
			rec := postCanvas(h, pageRequest(t, tt.user, tt.params))
			loc, _ := url.Parse(rec.Header().Get("Location"))
			q := loc.Query()
			q.Del("_s")
			got := loc.Path
			if len(q) > 0 {
				got += "?" + q.Encode()
			}
			if rec.Code != http.StatusSeeOther || got != tt.want {
				t.Fatalf("POST /canvas = %d to %q, want 303 to %q", rec.Code, got, tt.want)
			}
		})
	}
}

// TestAdminEntry: the /admin address sfdx/README.md once promised answers
// with where the settings are, names no org, and cannot be framed.
func TestAdminEntry(t *testing.T) {
	srv, err := web.NewServer(web.Options{Store: fakeStore{}, AdminEntry: true})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/admin", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /admin = %d, want 200", rec.Code)
	}
	body := rec.Body.String()
	for _, want := range []string{"sfzoom Admin", "/lightning/n/sfzoom_Admin", "sfzoom Admin permission set"} {
		if !strings.Contains(body, want) {
			t.Errorf("/admin lacks %q", want)
		}
	}
	if xfo := rec.Header().Get("X-Frame-Options"); xfo == "" && !strings.Contains(rec.Header().Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("/admin can be framed: X-Frame-Options %q, CSP %q", xfo, rec.Header().Get("Content-Security-Policy"))
	}
}

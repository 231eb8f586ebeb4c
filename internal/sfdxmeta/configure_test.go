package sfdxmeta_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sfzoom/sfzoom/internal/sfdxmeta"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

const (
	ecaCanvasFile  = "force-app/main/default/extlClntAppCanvasSettings/Zoom_Canvas_canvas.ecaCanvas-meta.xml"
	ecaGlobalFile  = "force-app/main/default/extlClntAppGlobalOauthSets/Zoom_Canvas_glbl.ecaGlblOauth-meta.xml"
	ecaFile        = "force-app/main/default/externalClientApps/Zoom_Canvas.eca-meta.xml"
	connectedFile  = "legacy-connected-app/main/default/connectedApps/Zoom_Canvas.connectedApp-meta.xml"
	oauthScopeFile = "force-app/main/default/extlClntAppOauthSettings/Zoom_Canvas_oauth.ecaOauth-meta.xml"
)

func mustRead(tb testing.TB, dir, rel string) string {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

func TestConfigure(t *testing.T) {
	tests := []struct {
		name  string
		opts  sfdxmeta.ConfigOptions
		files map[string][]string // file → substrings it must contain afterwards
	}{
		{
			name: "Defaults",
			opts: sfdxmeta.ConfigOptions{PublicURL: "https://zoom.acme.example/"},
			files: map[string][]string{
				ecaCanvasFile: {"<canvasUrl>https://zoom.acme.example/canvas</canvasUrl>"},
				ecaGlobalFile: {"<callbackUrl>https://zoom.acme.example/oauth/salesforce/callback</callbackUrl>"},
				connectedFile: {"<canvasUrl>https://zoom.acme.example/canvas</canvasUrl>", "<callbackUrl>https://zoom.acme.example/oauth/salesforce/callback</callbackUrl>"},
				ecaFile:       {"<contactEmail>admin@example.com</contactEmail>"},
			},
		},
		{
			name: "AllOptions",
			opts: sfdxmeta.ConfigOptions{
				PublicURL:    "https://zoom.acme.example/sfzoom",
				CanvasPath:   "app/canvas",
				CallbackURLs: []string{"https://zoom.acme.example/cb?a=1&b=2", "http://localhost:8080/cb"},
				ContactEmail: "it@acme.example",
			},
			files: map[string][]string{
				ecaCanvasFile: {"<canvasUrl>https://zoom.acme.example/sfzoom/app/canvas</canvasUrl>"},
				ecaGlobalFile: {"<callbackUrl>https://zoom.acme.example/cb?a=1&amp;b=2\nhttp://localhost:8080/cb</callbackUrl>"},
				ecaFile:       {"<contactEmail>it@acme.example</contactEmail>"},
				connectedFile: {"<contactEmail>it@acme.example</contactEmail>", "<canvasUrl>https://zoom.acme.example/sfzoom/app/canvas</canvasUrl>"},
			},
		},
		{
			name: "LocalDevelopment",
			opts: sfdxmeta.ConfigOptions{PublicURL: "http://127.0.0.1:8080"},
			files: map[string][]string{
				ecaCanvasFile: {"<canvasUrl>http://127.0.0.1:8080/canvas</canvasUrl>"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := MustCopySFDX(t)
			before := mustRead(t, dir, oauthScopeFile)
			changed, err := sfdxmeta.Configure(dir, tt.opts)
			if err != nil {
				t.Fatalf("Configure() error = %v", err)
			}
			if len(changed) == 0 {
				t.Fatal("Configure() changed nothing")
			}
			for file, subs := range tt.files {
				got := mustRead(t, dir, file)
				for _, sub := range subs {
					if !strings.Contains(got, sub) {
						t.Errorf("%s does not contain %q:\n%s", file, sub, got)
					}
				}
				if strings.Contains(got, "sfzoom.example.com") {
					t.Errorf("%s still names the template host:\n%s", file, got)
				}
			}
			if got := mustRead(t, dir, oauthScopeFile); got != before {
				t.Errorf("Configure() touched %s", oauthScopeFile)
			}
			// The configured project still parses, and a second run changes nothing.
			if _, err := sfdxmeta.Parse(os.DirFS(dir)); err != nil {
				t.Errorf("Parse() after Configure() = %v", err)
			}
			again, err := sfdxmeta.Configure(dir, tt.opts)
			if err != nil || len(again) != 0 {
				t.Errorf("second Configure() = %v, %v; want no changes", again, err)
			}
		})
	}
}

func TestConfigureChangedFiles(t *testing.T) {
	dir := MustCopySFDX(t)
	changed, err := sfdxmeta.Configure(dir, sfdxmeta.ConfigOptions{PublicURL: "https://zoom.acme.example", ContactEmail: "it@acme.example"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{ecaFile, ecaCanvasFile, ecaGlobalFile, connectedFile}
	if diff := cmp.Diff(slices.Sorted(slices.Values(want)), changed); diff != "" {
		t.Errorf("Configure() changed (-want +got):\n%s", diff)
	}
}

func TestConfigureErrors(t *testing.T) {
	tests := []struct {
		name     string
		opts     sfdxmeta.ConfigOptions
		wantCode string
	}{
		{"ErrEmpty", sfdxmeta.ConfigOptions{}, sfzoom.EINVALID},
		{"ErrHTTP", sfdxmeta.ConfigOptions{PublicURL: "http://zoom.acme.example"}, sfzoom.EINVALID},
		{"ErrHTTPLookalike", sfdxmeta.ConfigOptions{PublicURL: "http://localhost.evil.example"}, sfzoom.EINVALID},
		{"ErrRelative", sfdxmeta.ConfigOptions{PublicURL: "zoom.acme.example"}, sfzoom.EINVALID},
		{"ErrFragment", sfdxmeta.ConfigOptions{PublicURL: "https://zoom.acme.example/#x"}, sfzoom.EINVALID},
		{"ErrUserInfo", sfdxmeta.ConfigOptions{PublicURL: "https://u:p@zoom.acme.example"}, sfzoom.EINVALID},
		{"ErrFTP", sfdxmeta.ConfigOptions{PublicURL: "ftp://zoom.acme.example"}, sfzoom.EINVALID},
		{"ErrCallback", sfdxmeta.ConfigOptions{PublicURL: "https://zoom.acme.example", CallbackURLs: []string{"http://zoom.acme.example/cb"}}, sfzoom.EINVALID},
		{"ErrEmail", sfdxmeta.ConfigOptions{PublicURL: "https://zoom.acme.example", ContactEmail: "IT <it@acme.example>"}, sfzoom.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := MustCopySFDX(t)
			before := mustRead(t, dir, ecaCanvasFile)
			changed, err := sfdxmeta.Configure(dir, tt.opts)
			if got := sfzoom.ErrorCode(err); got != tt.wantCode {
				t.Errorf("Configure(%+v) error = %v (code %q), want code %q", tt.opts, err, got, tt.wantCode)
			}
			if len(changed) != 0 || mustRead(t, dir, ecaCanvasFile) != before {
				t.Errorf("Configure(%+v) changed %v, want nothing written", tt.opts, changed)
			}
		})
	}
	t.Run("ErrNotAProject", func(t *testing.T) {
		_, err := sfdxmeta.Configure(t.TempDir(), sfdxmeta.ConfigOptions{PublicURL: "https://zoom.acme.example"})
		if got := sfzoom.ErrorCode(err); got != sfzoom.ENOTFOUND {
			t.Errorf("Configure(empty dir) error = %v, want code %q", err, sfzoom.ENOTFOUND)
		}
	})
}

func TestValidateURL(t *testing.T) {
	tests := []struct {
		raw string
		ok  bool
	}{
		{"https://sfzoom.example.com", true},
		{"https://sfzoom.example.com:8443/base", true},
		{"http://localhost:8080", true},
		{"http://LOCALHOST", true},
		{"http://127.0.0.1:8080", true},
		{"http://127.1.2.3", true},
		{"http://[::1]:8080", true},
		{"http://sfzoom.example.com", false},
		{"http://10.0.0.1", false},
		{"https://", false},
		{"/canvas", false},
		{"https://sfzoom.example.com/canvas#x", false},
		{"javascript:alert(1)", false},
		{"", false},
	}
	for _, tt := range tests {
		_, err := sfdxmeta.ValidateURL(tt.raw)
		if (err == nil) != tt.ok {
			t.Errorf("ValidateURL(%q) = %v, want ok=%v", tt.raw, err, tt.ok)
		}
	}
}

// TestOAuthScopes pins the scopes to api, id and refresh_token, spelled as the metadata enums want them
// (ConnectedAppOauthAccessScope, https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_connectedapp.htm:
// "Api" / "Basic" / "RefreshToken", not "api" / "id" / "refresh_token").
func TestOAuthScopes(t *testing.T) {
	dir := sfdxDir(t)
	if got := mustRead(t, dir, oauthScopeFile); !strings.Contains(got, "<commaSeparatedOauthScopes>Api,Basic,RefreshToken</commaSeparatedOauthScopes>") {
		t.Errorf("%s: scopes are not exactly Api,Basic,RefreshToken:\n%s", oauthScopeFile, got)
	}
	got := mustRead(t, dir, connectedFile)
	if n := strings.Count(got, "<scopes>"); n != 3 || !strings.Contains(got, "<scopes>Api</scopes>") || !strings.Contains(got, "<scopes>Basic</scopes>") || !strings.Contains(got, "<scopes>RefreshToken</scopes>") {
		t.Errorf("%s: scopes are not exactly Api, Basic and RefreshToken:\n%s", connectedFile, got)
	}
	for _, f := range []string{ecaGlobalFile, connectedFile} {
		if s := mustRead(t, dir, f); strings.Contains(s, "<consumerKey>") || strings.Contains(s, "<consumerSecret>") {
			t.Errorf("%s contains a consumer key or secret; the org generates them", f)
		}
	}
}

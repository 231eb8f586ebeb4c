package static_test

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/sfzoom/sfzoom/static"
)

func hash8(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:8]
}

func mustNew(tb testing.TB, fsys fs.FS) *static.Assets {
	tb.Helper()
	a, err := static.New(fsys)
	if err != nil {
		tb.Fatalf("New() error = %v", err)
	}
	return a
}

func testFS() fstest.MapFS {
	return fstest.MapFS{
		"css/app.css":             {Data: []byte("body{margin:0}")},
		"js/app.js":               {Data: []byte("console.log(1)")},
		"vendor/htmx/htmx.min.js": {Data: []byte("var htmx={}")},
		"vendor/slds/LICENSE.txt": {Data: []byte("BSD")},
		"img/logo.svg":            {Data: []byte("<svg></svg>")},
		"vendor/NOTICE":           {Data: []byte("no extension")},
	}
}

func TestAssetsPath(t *testing.T) {
	a := mustNew(t, testFS())
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"OK", "css/app.css", "/static/css/app." + hash8("body{margin:0}") + ".css"},
		{"LeadingSlash", "/css/app.css", "/static/css/app." + hash8("body{margin:0}") + ".css"},
		{"WithPrefix", "/static/css/app.css", "/static/css/app." + hash8("body{margin:0}") + ".css"},
		{"DottedName", "vendor/htmx/htmx.min.js", "/static/vendor/htmx/htmx.min." + hash8("var htmx={}") + ".js"},
		{"NoExtension", "vendor/NOTICE", "/static/vendor/NOTICE." + hash8("no extension")},
		{"Unknown", "css/missing.css", "/static/css/missing.css"},
		{"DotDot", "../../etc/passwd", "/static/etc/passwd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := a.Path(tt.in); got != tt.want {
				t.Errorf("Path(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// The hash must follow the content: a changed file gets a new URL.
func TestAssetsPathChangesWithContent(t *testing.T) {
	fs1 := testFS()
	fs2 := testFS()
	fs2["css/app.css"] = &fstest.MapFile{Data: []byte("body{margin:1px}")}
	p1 := mustNew(t, fs1).Path("css/app.css")
	p2 := mustNew(t, fs2).Path("css/app.css")
	if p1 == p2 {
		t.Errorf("Path(css/app.css) = %q for two different contents, want different URLs", p1)
	}
	if p3 := mustNew(t, testFS()).Path("css/app.css"); p3 != p1 {
		t.Errorf("Path(css/app.css) = %q, then %q for the same content, want stable URLs", p1, p3)
	}
}

func TestAssetsServeHTTP(t *testing.T) {
	a := mustNew(t, testFS())
	css := a.Path("css/app.css")
	stale := "/static/css/app.00000000.css"
	tests := []struct {
		name        string
		method      string
		path        string
		status      int
		body        string
		contentType string
		cache       string
	}{
		{"Hashed", "GET", css, 200, "body{margin:0}", "text/css; charset=utf-8", "public, max-age=31536000, immutable"},
		{"HashedNoPrefix", "GET", strings.TrimPrefix(css, "/static"), 200, "body{margin:0}", "text/css; charset=utf-8", "public, max-age=31536000, immutable"},
		{"HashedJS", "GET", a.Path("vendor/htmx/htmx.min.js"), 200, "var htmx={}", "text/javascript; charset=utf-8", "public, max-age=31536000, immutable"},
		{"HashedSVG", "GET", a.Path("img/logo.svg"), 200, "<svg></svg>", "image/svg+xml", "public, max-age=31536000, immutable"},
		{"HashedNoExtension", "GET", a.Path("vendor/NOTICE"), 200, "no extension", "text/plain; charset=utf-8", "public, max-age=31536000, immutable"},
		{"Unhashed", "GET", "/static/css/app.css", 200, "body{margin:0}", "text/css; charset=utf-8", "public, max-age=300"},
		{"UnhashedText", "GET", "/static/vendor/slds/LICENSE.txt", 200, "BSD", "text/plain; charset=utf-8", "public, max-age=300"},
		// A page rendered before a deploy asks for the old hash: serve the
		// current file but never mark it immutable under the old URL.
		{"StaleHash", "GET", stale, 200, "body{margin:0}", "text/css; charset=utf-8", "public, max-age=300"},
		{"Head", "HEAD", css, 200, "", "text/css; charset=utf-8", "public, max-age=31536000, immutable"},
		{"ErrNotFound", "GET", "/static/css/missing.css", 404, "", "", ""},
		{"ErrNotFoundHashed", "GET", "/static/css/missing.0123abcd.css", 404, "", "", ""},
		{"ErrDirectory", "GET", "/static/css/", 404, "", "", ""},
		{"ErrRoot", "GET", "/static/", 404, "", "", ""},
		{"ErrTraversal", "GET", "/static/../static.go", 404, "", "", ""},
		{"ErrMethod", "POST", css, 405, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			a.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
			res := rec.Result()
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != tt.status {
				t.Fatalf("%s %s: status = %d, want %d", tt.method, tt.path, res.StatusCode, tt.status)
			}
			if tt.status != 200 {
				if cc := res.Header.Get("Cache-Control"); strings.Contains(cc, "immutable") {
					t.Errorf("%s %s: Cache-Control = %q on an error, want no immutable", tt.method, tt.path, cc)
				}
				return
			}
			got := []string{string(body), res.Header.Get("Content-Type"), res.Header.Get("Cache-Control"), res.Header.Get("X-Content-Type-Options")}
			want := []string{tt.body, tt.contentType, tt.cache, "nosniff"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s %s: [body, Content-Type, Cache-Control, nosniff] mismatch (-want +got):\n%s", tt.method, tt.path, diff)
			}
		})
	}
}

func TestAssetsServeHTTPConditional(t *testing.T) {
	a := mustNew(t, testFS())
	css := a.Path("css/app.css")

	rec := httptest.NewRecorder()
	a.ServeHTTP(rec, httptest.NewRequest("GET", css, nil))
	etag := rec.Result().Header.Get("ETag")
	if etag == "" {
		t.Fatalf("GET %s: no ETag", css)
	}

	req := httptest.NewRequest("GET", css, nil)
	req.Header.Set("If-None-Match", etag)
	rec = httptest.NewRecorder()
	a.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotModified {
		t.Errorf("GET %s with If-None-Match %s: status = %d, want 304", css, etag, rec.Code)
	}

	req = httptest.NewRequest("GET", css, nil)
	req.Header.Set("Range", "bytes=0-3")
	rec = httptest.NewRecorder()
	a.ServeHTTP(rec, req)
	if rec.Code != http.StatusPartialContent || rec.Body.String() != "body" {
		t.Errorf("GET %s with Range bytes=0-3: %d %q, want 206 %q", css, rec.Code, rec.Body.String(), "body")
	}
}

// The embedded tree: every file the templates reference exists, gets a hashed
// URL, and is served with the right type.
func TestEmbedded(t *testing.T) {
	h := static.Handler()
	hashed := regexp.MustCompile(`^/static/[A-Za-z0-9/._-]+\.[0-9a-f]{8}(\.[a-z0-9]+)?$`)
	tests := []struct {
		name        string
		contentType string
		contains    string
	}{
		{"css/app.css", "text/css; charset=utf-8", ".sfzoom-shell"},
		{"js/app.js", "text/javascript; charset=utf-8", "htmx:configRequest"},
		{"img/sfzoom.svg", "image/svg+xml", "<svg"},
		{"vendor/htmx/htmx.min.js", "text/javascript; charset=utf-8", "2.0.11"},
		{"vendor/htmx/LICENSE", "text/plain; charset=utf-8", "Zero-Clause BSD"},
		{"vendor/slds/styles/salesforce-lightning-design-system.min.css", "text/css; charset=utf-8", "Lightning Design System 2.264.1"},
		{"vendor/slds/icons/utility-sprite.svg", "image/svg+xml", `id="copy"`},
		{"vendor/slds/LICENSE.txt", "text/plain; charset=utf-8", "Redistribution and use"},
		{"vendor/slds/icons/License-for-icons.txt", "text/plain; charset=utf-8", "Attribution-NoDerivatives 4.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := static.Path(tt.name)
			if !hashed.MatchString(p) {
				t.Fatalf("Path(%q) = %q, want a hashed /static/ URL", tt.name, p)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", p, nil))
			if rec.Code != 200 {
				t.Fatalf("GET %s: status = %d, want 200", p, rec.Code)
			}
			if got := rec.Header().Get("Content-Type"); got != tt.contentType {
				t.Errorf("GET %s: Content-Type = %q, want %q", p, got, tt.contentType)
			}
			if !strings.Contains(rec.Body.String(), tt.contains) {
				t.Errorf("GET %s: body does not contain %q", p, tt.contains)
			}
		})
	}
}

// The app's own assets must not contain inline handlers or eval-like
// constructs that the CSP would block.
func TestAppJSNoEval(t *testing.T) {
	b, err := fs.ReadFile(static.FS, "js/app.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"eval(", "new Function", ".innerHTML", ".outerHTML", "insertAdjacentHTML", "document.write"} {
		if strings.Contains(string(b), bad) {
			t.Errorf("js/app.js contains %q", bad)
		}
	}
}

func BenchmarkServeHTTP(b *testing.B) {
	h := static.Handler()
	p := static.Path("vendor/slds/styles/salesforce-lightning-design-system.min.css")
	req := httptest.NewRequest("GET", p, nil)
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
	}
}

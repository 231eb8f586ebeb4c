package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/sfzoom/sfzoom/internal/recordings"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/web"
)

// fakeMedia answers Serve like the proxy would, per token.
type fakeMedia struct{ tokens []string }

func (f *fakeMedia) Serve(w http.ResponseWriter, r *http.Request, token string) error {
	f.tokens = append(f.tokens, token)
	switch token {
	case "denied":
		return sfzoom.Errorf(sfzoom.EFORBIDDEN, "You no longer have access to the Salesforce record this meeting belongs to.")
	case "expired":
		return sfzoom.Errorf(sfzoom.EFORBIDDEN, "This recording link has expired. Reopen the record in Salesforce to get a fresh link.")
	case "range":
		w.Header().Set("Content-Range", "bytes */100")
		return &recordings.RangeError{Message: "The requested part of the recording is outside the file."}
	case "gone":
		return sfzoom.Errorf(sfzoom.ENOTFOUND, "This recording file no longer exists in Zoom.")
	}
	w.Header().Set("Content-Type", "video/mp4")
	w.Header().Set("Content-Range", "bytes 0-3/100")
	w.WriteHeader(http.StatusPartialContent)
	io.WriteString(w, "\x00\x00\x00\x18")
	return nil
}

func TestHandleRecordingMedia(t *testing.T) {
	fm := &fakeMedia{}
	srv, err := web.NewServer(web.Options{Media: &web.MediaRoutes{Proxy: fm}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name         string
		token        string
		method       string
		wantStatus   int
		wantText     string // in the HTML error page
		contentRange string
	}{
		{"OK", "good", http.MethodGet, http.StatusPartialContent, "", "bytes 0-3/100"},
		{"Denied", "denied", http.MethodGet, http.StatusForbidden, "no longer have access", ""},
		{"Expired", "expired", http.MethodGet, http.StatusForbidden, "expired", ""},
		{"RangeNotSatisfiable", "range", http.MethodGet, http.StatusRequestedRangeNotSatisfiable, "outside the file", "bytes */100"},
		{"Gone", "gone", http.MethodGet, http.StatusNotFound, "no longer exists", ""},
		{"TooLong", strings.Repeat("x", 3000), http.MethodGet, http.StatusForbidden, "malformed", ""},
		{"PostNotServed", "good", http.MethodPost, http.StatusNotFound, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			srv.Handler().ServeHTTP(rec, httptest.NewRequest(tt.method, "/media/"+tt.token, nil))
			if rec.Code != tt.wantStatus {
				t.Fatalf("%s /media/%s = %d, want %d; body %s", tt.method, tt.token, rec.Code, tt.wantStatus, rec.Body)
			}
			if tt.method != http.MethodGet {
				return
			}
			if got := rec.Header().Get("Content-Range"); got != tt.contentRange {
				t.Errorf("Content-Range = %q, want %q", got, tt.contentRange)
			}
			if rec.Header().Get("X-Frame-Options") == "" {
				t.Error("media responses must not be frameable")
			}
			if !strings.Contains(rec.Header().Get("Cache-Control"), "no-store") {
				t.Errorf("Cache-Control = %q, want no-store", rec.Header().Get("Cache-Control"))
			}
			if tt.wantText == "" {
				return
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("error Content-Type = %q, want an HTML page", ct)
			}
			doc, err := goquery.NewDocumentFromReader(rec.Body)
			if err != nil {
				t.Fatal(err)
			}
			if text := doc.Text(); !strings.Contains(text, tt.wantText) {
				t.Errorf("error page does not say why (%q): %s", tt.wantText, text)
			}
		})
	}
}

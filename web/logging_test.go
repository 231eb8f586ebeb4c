package web_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sfzoom/sfzoom/web"
)

// TestRequestLog_RedactsMediaCredential: a signed media URL's path is a
// bearer credential for its lifetime, so the request log keeps only its
// route; other paths are logged as they are.
func TestRequestLog_RedactsMediaCredential(t *testing.T) {
	var buf bytes.Buffer
	srv, err := web.NewServer(web.Options{Logger: slog.New(slog.NewJSONHandler(&buf, nil))})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/media/djF8SECRET-SIGNATURE-BYTES", "/some/other/path"} {
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p, nil))
	}
	logs := buf.String()
	if strings.Contains(logs, "SECRET-SIGNATURE") {
		t.Errorf("the media credential reached the log:\n%s", logs)
	}
	if !strings.Contains(logs, `"path":"/media/[redacted]"`) || !strings.Contains(logs, `"path":"/some/other/path"`) {
		t.Errorf("request log lines lack the expected paths:\n%s", logs)
	}
}

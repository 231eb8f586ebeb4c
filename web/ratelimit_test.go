package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/sfzoom/sfzoom/internal/appsession"
	"github.com/sfzoom/sfzoom/internal/canvas"
	"github.com/sfzoom/sfzoom/internal/httpretry/retrytest"
	"github.com/sfzoom/sfzoom/web"
)

// stubWebhook stands in for the Zoom webhook route.
type stubWebhook struct{}

func (stubWebhook) Register(e *echo.Echo, _ *web.Helpers) {
	e.POST(web.ZoomWebhookPath, func(c echo.Context) error { return c.NoContent(http.StatusOK) })
}

func newLimitedServer(t *testing.T, limits web.RateLimits) *web.Server {
	t.Helper()
	clock := retrytest.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)) // frozen: no refill
	codec, err := appsession.NewCodec([][]byte{testKey()})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := web.NewServer(web.Options{Store: fakeStore{}, Now: clock.Now, RateLimits: limits, Routes: []web.Routes{stubWebhook{}},
		Canvas: &web.CanvasOptions{ConsumerSecrets: canvas.UnboundSecrets([]byte(testSecret)), Sessions: codec, Orgs: &fakeOrgs{}}})
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

func send(srv *web.Server, method, path, remote, xff string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader("{}"))
	req.RemoteAddr = remote
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, req)
	return rec
}

func metrics(t *testing.T, srv *web.Server) string {
	t.Helper()
	rec := send(srv, http.MethodGet, "/metrics", "127.0.0.1:1", "")
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

// TestRateLimit_PerClientIP: POST /canvas and the Zoom webhook answer 429
// (with Retry-After and a metric) once one client IP is over its bucket;
// other clients are unaffected, and X-Forwarded-For counts only when a
// private-network proxy sent it.
func TestRateLimit_PerClientIP(t *testing.T) {
	srv := newLimitedServer(t, web.RateLimits{Canvas: web.RateLimit{Rate: 1, Burst: 3}, ZoomWebhook: web.RateLimit{Rate: 1, Burst: 5}})
	for _, tt := range []struct {
		path  string
		burst int
	}{{"/canvas", 3}, {web.ZoomWebhookPath, 5}} {
		for i := range tt.burst {
			if rec := send(srv, http.MethodPost, tt.path, "203.0.113.7:5000", ""); rec.Code == http.StatusTooManyRequests {
				t.Fatalf("POST %s #%d = 429 within the burst of %d", tt.path, i+1, tt.burst)
			}
		}
		rec := send(srv, http.MethodPost, tt.path, "203.0.113.7:5001", "")
		if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
			t.Errorf("POST %s over the burst = %d (Retry-After %q), want 429 with Retry-After", tt.path, rec.Code, rec.Header().Get("Retry-After"))
		}
		// A forged X-Forwarded-For from an internet client is ignored.
		if rec := send(srv, http.MethodPost, tt.path, "203.0.113.7:5002", "198.51.100.1"); rec.Code != http.StatusTooManyRequests {
			t.Errorf("POST %s with a forged X-Forwarded-For = %d, want 429", tt.path, rec.Code)
		}
		if rec := send(srv, http.MethodPost, tt.path, "203.0.113.8:5000", ""); rec.Code == http.StatusTooManyRequests {
			t.Errorf("POST %s from another client = 429", tt.path)
		}
		// Behind a private-network proxy each client has its own bucket.
		if rec := send(srv, http.MethodPost, tt.path, "10.0.0.2:443", "198.51.100.9"); rec.Code == http.StatusTooManyRequests {
			t.Errorf("POST %s from a new client behind the proxy = 429", tt.path)
		}
	}
	// GET /canvas and other routes have no limit.
	for range 10 {
		if rec := send(srv, http.MethodGet, "/healthz", "203.0.113.7:5000", ""); rec.Code != http.StatusOK {
			t.Fatalf("GET /healthz = %d", rec.Code)
		}
	}
	m := metrics(t, srv)
	for _, want := range []string{`sfzoom_http_rate_limited_total{route="/canvas"} 2`, `sfzoom_http_rate_limited_total{route="/webhooks/zoom"} 2`} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// TestRateLimit_DefaultsAbsorbZoomBursts: with the default limits, a burst
// of 500 webhook deliveries from one Zoom address at the same instant is
// accepted.
func TestRateLimit_DefaultsAbsorbZoomBursts(t *testing.T) {
	srv := newLimitedServer(t, web.RateLimits{})
	for i := range 500 {
		if rec := send(srv, http.MethodPost, web.ZoomWebhookPath, "170.114.0.10:443", ""); rec.Code != http.StatusOK {
			t.Fatalf("delivery #%d = %d, want 200", i+1, rec.Code)
		}
	}
}

// TestMetrics_MethodLabelBounded: made-up HTTP methods share one OTHER
// series instead of growing one per method.
func TestMetrics_MethodLabelBounded(t *testing.T) {
	srv := newLimitedServer(t, web.RateLimits{})
	for _, m := range []string{"FOO", "BAR", "X-EVIL-1", "X-EVIL-2"} {
		send(srv, m, "/healthz", "203.0.113.7:5000", "")
	}
	got := metrics(t, srv)
	if strings.Contains(got, "FOO") || strings.Contains(got, "X-EVIL") {
		t.Error("/metrics has a series per made-up method")
	}
	if !strings.Contains(got, `method="OTHER"`) {
		t.Error(`/metrics lacks method="OTHER"`)
	}
}

package web

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// salesforceFrameAncestors are the Salesforce domains that may frame the app
// (docs/canvas.md §4.2). A host wildcard matches subdomains at any depth.
var salesforceFrameAncestors = []string{
	"https://*.force.com",
	"https://*.salesforce.com",
	"https://*.lightning.force.com",
	"https://*.my.salesforce.com",
	"https://*.visualforce.com",
	"https://*.salesforce-setup.com",
}

const (
	ctxKeyNonce = "sfzoom.nonce"
)

type httpMetrics struct {
	duration *prometheus.HistogramVec
}

func newHTTPMetrics(reg prometheus.Registerer) (*httpMetrics, error) {
	m := &httpMetrics{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sfzoom_http_request_duration_seconds",
			Help:    "Duration of HTTP requests by route, method and status.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method", "status"}),
	}
	if err := reg.Register(m.duration); err != nil {
		return nil, fmt.Errorf("web: register metrics: %w", err)
	}
	return m, nil
}

// observe records the request duration and logs one line per request. Query
// strings are never logged: links carry the session token.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := s.now()
		err := next(c)
		if err != nil {
			c.Error(err) // render now so the status is known
		}
		status := c.Response().Status
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		s.metrics.duration.WithLabelValues(route, metricMethod(c.Request().Method), strconv.Itoa(status)).Observe(s.now().Sub(start).Seconds())
		if route != "/healthz" && route != "/metrics" {
			s.log.InfoContext(c.Request().Context(), "http request",
				"request_id", c.Response().Header().Get(echo.HeaderXRequestID),
				"method", c.Request().Method, "route", route, "path", logPath(c.Request().URL.Path),
				"status", status, "bytes", c.Response().Size,
				"duration_ms", float64(s.now().Sub(start).Microseconds())/1000)
		}
		return nil
	}
}

// recoverPanic turns a panic into an EINTERNAL error with a logged stack.
func (s *Server) recoverPanic(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				s.log.ErrorContext(c.Request().Context(), "panic in handler",
					"request_id", c.Response().Header().Get(echo.HeaderXRequestID),
					"route", c.Path(), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				err = sfzoom.Errorf(sfzoom.EINTERNAL, "Internal error. Please try again; if it keeps happening, tell your Salesforce admin.")
			}
		}()
		return next(c)
	}
}

// requestID sets X-Request-Id (keeping a sane incoming one from a proxy).
func requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Request().Header.Get(echo.HeaderXRequestID)
		if len(id) == 0 || len(id) > 64 || strings.ContainsFunc(id, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
			id = randomToken(12)
		}
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		return next(c)
	}
}

// commonHeaders are sent on every response.
func (s *Server) commonHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Content-Type-Options", "nosniff")
		// Links inside the app carry the session token; never leak it in Referer.
		h.Set("Referrer-Policy", "no-referrer")
		if s.opts.PublicURL != nil && s.opts.PublicURL.Scheme == "https" {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		return next(c)
	}
}

// notFrameable is for every route that is not an app page: webhooks, health,
// metrics, OAuth callbacks. Nothing may frame them.
func notFrameable(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
		h.Set("X-Frame-Options", "DENY")
		return next(c)
	}
}

// appPage sets the CSP of pages shown inside the Salesforce iframe: a strict
// default-src, scripts only from self (plus the org's canvas SDK) or with this
// request's nonce, and frame-ancestors limited to Salesforce, the org's own
// origin and configured extras. No X-Frame-Options: it would block the frame.
func (s *Server) appPage(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		nonce := randomToken(16)
		c.Set(ctxKeyNonce, nonce)
		c.Response().Before(func() {
			c.Response().Header().Set("Content-Security-Policy", s.appCSP(c, nonce))
		})
		return next(c)
	}
}

func (s *Server) appCSP(c echo.Context, nonce string) string {
	ancestors := append([]string{"'self'"}, salesforceFrameAncestors...)
	scripts := []string{"'self'", "'nonce-" + nonce + "'"}
	if origin := s.orgOrigin(c); origin != "" {
		ancestors = append(ancestors, origin)
		scripts = append(scripts, origin) // canvas-all.js is served by the org
	}
	ancestors = append(ancestors, s.opts.FrameAncestors...)
	return strings.Join([]string{
		"default-src 'self'",
		"script-src " + strings.Join(scripts, " "),
		"style-src 'self'",
		"img-src 'self' data:",
		"media-src 'self'",
		"connect-src 'self'",
		"object-src 'none'",
		"base-uri 'none'",
		"form-action 'self'",
		"frame-ancestors " + strings.Join(ancestors, " "),
	}, "; ")
}

// noStore marks responses that carry session tokens as uncacheable.
func noStore(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "no-store")
		return next(c)
	}
}

func nonceFrom(c echo.Context) string {
	n, _ := c.Get(ctxKeyNonce).(string)
	return n
}

func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

// logPath is the request path as logged: a signed media URL's path is its
// credential, so only its route is kept.
func logPath(p string) string {
	if strings.HasPrefix(p, "/media/") {
		return "/media/[redacted]"
	}
	return p
}

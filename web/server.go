// Package web is sfzoom's HTTP layer: the echo server, its routes and
// middleware, the Canvas entry point and the app pages rendered with templ.
// Handlers return errors; one error handler (errors.go) turns them into HTML
// or JSON responses.
package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// Pinger is what readiness needs from the store.
type Pinger interface {
	Ping(ctx context.Context) error
	CheckMigrations(ctx context.Context) error
	// CheckWrite proves a delivery can be stored now (store.Store).
	CheckWrite(ctx context.Context) error
}

// ReadinessCheck is an extra named readiness check (for example the
// Salesforce schema check). It returns nil when ready.
type ReadinessCheck struct {
	Name  string
	Check func(ctx context.Context) error
}

// Options configures the server. Every dependency is explicit.
type Options struct {
	Logger    *slog.Logger
	Store     Pinger
	Registry  prometheus.Registerer
	Gatherer  prometheus.Gatherer
	PublicURL *url.URL
	// FrameAncestors are extra origins (beyond Salesforce's domains) allowed to
	// frame app pages, e.g. the demo's simulator.
	FrameAncestors []string
	Version        string
	Readiness      []ReadinessCheck
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Canvas wires the Canvas entry point and the app session; nil serves only
	// the operational routes (health, metrics, static).
	Canvas *CanvasOptions
	// The routes outside the app session (routes.go); a nil one is not
	// served. Each authenticates itself.
	Webhook    *ZoomWebhook // Zoom's webhook
	OAuth      *OAuth       // the OAuth popups
	Media      *MediaRoutes // signed media URLs
	RecordLink *RecordLink  // links into a Salesforce record
	AdminEntry bool         // GET /admin: how to open the settings
	// Routes are routes from outside sfzoom's own (tests).
	Routes []Routes
	// RateLimits limit POST /canvas and the Zoom webhook per client IP;
	// zero values take the defaults.
	RateLimits RateLimits
}

// Server is the HTTP server of sfzoom.
type Server struct {
	opts    Options
	echo    *echo.Echo
	metrics *httpMetrics
	log     *slog.Logger
	now     func() time.Time
	canvas  *canvasHandler
	limiter *rateLimiter
	storage *cachedCheck // the write probe behind /readyz
}

// NewServer builds the server and its routes.
func NewServer(opts Options) (*Server, error) {
	opts.Logger = sfzoom.LoggerOrDiscard(opts.Logger)
	opts.Now = sfzoom.NowOrTimeNow(opts.Now)
	if opts.Registry == nil {
		reg := prometheus.NewRegistry()
		opts.Registry, opts.Gatherer = reg, reg
	}
	s := &Server{opts: opts, log: opts.Logger, now: opts.Now}
	if opts.Store != nil {
		s.storage = &cachedCheck{check: opts.Store.CheckWrite, ttl: storageProbeTTL, now: opts.Now}
	}
	m, err := newHTTPMetrics(opts.Registry)
	if err != nil {
		return nil, err
	}
	s.metrics = m
	if s.limiter, err = newRateLimiter(opts.RateLimits, opts.Now, opts.Registry); err != nil {
		return nil, fmt.Errorf("web: register metrics: %w", err)
	}
	if opts.Canvas != nil {
		ch, err := newCanvasHandler(s, *opts.Canvas)
		if err != nil {
			return nil, err
		}
		s.canvas = ch
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.Logger.SetOutput(discard{})
	s.echo = e
	s.routes()
	return s, nil
}

// Handler returns the server as an http.Handler.
func (s *Server) Handler() http.Handler { return s.echo }

// HTTPServer returns an *http.Server with production timeouts. Long media
// streams extend their own write deadline (see the recordings handler).
func (s *Server) HTTPServer(addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s.echo,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

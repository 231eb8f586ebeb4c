package web

import (
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sfzoom/sfzoom/static"
)

// routes lists every route of the server in one place.
func (s *Server) routes() {
	e := s.echo
	// The client IP (rate limits, logs) comes from X-Forwarded-For only
	// when the direct peer is a loopback or private-network proxy; a
	// client on the internet cannot choose it.
	e.IPExtractor = echo.ExtractIPFromXFFHeader()
	e.Use(requestID, s.observe, s.recoverPanic, s.commonHeaders, s.limiter.middleware)
	e.Use(middleware.BodyLimit("1M"))

	// Operational routes: never framed.
	ops := e.Group("", notFrameable)
	ops.GET("/healthz", s.handleHealthz)
	ops.HEAD("/healthz", s.handleHealthz)
	ops.GET("/readyz", s.handleReadyz)
	ops.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(s.opts.Gatherer, promhttp.HandlerOpts{})))

	// Static files are content-hashed and cached for a year.
	gz := middleware.GzipWithConfig(middleware.GzipConfig{Level: 5, MinLength: 1024})
	e.GET("/static/*", echo.WrapHandler(static.Handler()), gz)
	e.HEAD("/static/*", echo.WrapHandler(static.Handler()))

	if s.canvas != nil {
		s.canvas.routes(e)
	}
	for _, r := range s.opts.Routes {
		r.Register(e, &Helpers{s: s})
	}
}

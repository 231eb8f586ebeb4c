package web

import (
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sfzoom/sfzoom/internal/integrations"
	"github.com/sfzoom/sfzoom/internal/recordings"
	"github.com/sfzoom/sfzoom/static"
)

// routes lists every route of the server in one place: its method, path,
// handler and middleware. A part left nil in Options (or CanvasOptions)
// serves none of its routes. Groups with middleware also answer the
// unknown paths below them through that middleware; where two groups share
// a prefix the one registered last answers them, so the order is kept.
// TestRouteTable holds the list echo ends up with.
func (s *Server) routes() {
	e := s.echo
	h := &Helpers{s: s}
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

	if c := s.canvas; c != nil {
		s.appRoutes(e, c, h)
	}

	// Outside the app session: each authenticates itself.
	if w := s.opts.Webhook; w != nil {
		e.POST(ZoomWebhookPath, w.handle, notFrameable)
	}
	if o := s.opts.OAuth; o != nil {
		popup := e.Group("", s.appPage, noStore, denyFraming)
		popup.GET("/oauth/:provider/start", o.handleStart(h))
		popup.GET(integrations.SalesforceCallbackPath, o.handleCallback(h, OAuthSalesforce))
		popup.GET(integrations.ZoomCallbackPath, o.handleCallback(h, OAuthZoom))
	}
	if m := s.opts.Media; m != nil {
		media := handleRecordingMedia(m.Proxy)
		e.GET(recordings.MediaPathPrefix+":token", media, notFrameable, noStore)
		e.HEAD(recordings.MediaPathPrefix+":token", media, notFrameable, noStore)
	}
	if rl := s.opts.RecordLink; rl != nil {
		e.GET(RecordLinkPrefix+":org/*", rl.handle, notFrameable)
	}
	if s.opts.AdminEntry {
		e.GET(AdminPath, handleAdminEntry(h), notFrameable)
	}
	for _, r := range s.opts.Routes {
		r.Register(e, h)
	}
}

// appRoutes are the Canvas entry point and the app's pages on the
// session-protected /app group: every request there carries a verified
// session, and unsafe methods passed the CSRF check.
func (s *Server) appRoutes(e *echo.Echo, c *canvasHandler, h *Helpers) {
	e.POST("/canvas", c.handleCanvas, s.appPage, noStore)
	e.GET("/canvas", c.handleCanvasGet, s.appPage, noStore)

	app := e.Group("/app", s.appPage, noStore, c.requireSession)
	o := c.opts
	if p := o.Scheduling; p != nil {
		app.GET("/home", p.handleHome(h))
		app.GET("/records/:object/:id", p.handleRecordShow(h), accessMemo)
		app.GET("/records/:object/:id/meetings", p.handleRecordMeetings(h), accessMemo)
		app.POST("/records/:object/:id/meetings", p.handleMeetingCreate(h), accessMemo)
		app.GET("/records/:object/:id/schedule-form", p.handleScheduleForm(h), accessMemo)
		app.POST("/meetings/:id/reschedule", p.handleMeetingReschedule(h), accessMemo)
		app.POST("/meetings/:id/cancel", p.handleMeetingCancel(h), accessMemo)
		if p.Zoom != nil {
			app.POST("/zoom/disconnect", p.Zoom.handleDisconnect(h))
		}
	}
	if p := o.Settings; p != nil {
		set := app.Group("/settings", requireAdmin(h, "open Settings"))
		set.GET("", p.handleSettings(h))
		set.POST("/users/verify", p.handleVerifyAll(h))
		set.POST("/users/:id/override", p.handleOverride(h))
		set.POST("/org", p.handleOrgSave(h))
		set.POST("/connections/salesforce/disconnect", p.handleDisconnect(h))
		set.POST("/jobs/:id/retry", p.handleRetry(h))
		if p.Routing != nil {
			set.POST("/routing/claim", p.handleClaimZoomAccount(h))
			set.POST("/routing/route", p.handleRouteMeeting(h))
			set.POST("/routing/release", p.handleReleaseZoomAccount(h))
		}
	}
	if p := o.Review; p != nil {
		rev := app.Group("/review", requireAdmin(h, "review unmatched participants"))
		rev.GET("", p.handleQueue(h))
		rev.GET("/:id/candidates", p.handleCandidates(h))
		rev.POST("/:id/link", p.handleLink(h))
	}
	if p := o.Recordings; p != nil {
		app.GET("/meetings/:id/media", p.handleMeetingMedia(h))
		app.POST("/meetings/:id/tasks", p.handleMeetingTasks(h))
	}
	for _, p := range o.Pages {
		p.Register(app, h)
	}
}

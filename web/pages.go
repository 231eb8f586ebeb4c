package web

import (
	"log/slog"
	"net/url"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/sfzoom/sfzoom/internal/appsession"
	"github.com/sfzoom/sfzoom/templates"
)

// Helpers give page handlers what they need from the server: the session,
// page metadata (nonce, tokens, navigation) and rendering.
type Helpers struct {
	s *Server
}

// Session returns the request's app session (set by requireSession).
func (h *Helpers) Session(c echo.Context) *appsession.Session { return sessionFrom(c) }

// Link returns an app URL that carries the session token.
func (h *Helpers) Link(c echo.Context, path string) string { return link(c, path) }

// Meta returns the page metadata for a page titled title.
func (h *Helpers) Meta(c echo.Context, title string) templates.PageMeta {
	return h.s.pageMeta(c, title)
}

// Render renders a component with a status.
func (h *Helpers) Render(c echo.Context, status int, t templ.Component) error {
	return render(c, status, t)
}

// Location returns the user's time zone (UTC when unknown or invalid).
func (h *Helpers) Location(c echo.Context) *time.Location {
	if s := sessionFrom(c); s != nil && s.TimeZone != "" {
		if loc, err := time.LoadLocation(s.TimeZone); err == nil {
			return loc
		}
	}
	return time.UTC
}

func sessionFrom(c echo.Context) *appsession.Session {
	s, _ := c.Get(ctxKeySession).(*appsession.Session)
	return s
}

func link(c echo.Context, path string) string {
	t, _ := c.Get(ctxKeyToken).(string)
	if t == "" {
		return path
	}
	return withSession(path, t)
}

// pageMeta builds the metadata every page needs from the request.
func (s *Server) pageMeta(c echo.Context, title string) templates.PageMeta {
	p := templates.PageMeta{Title: title, Nonce: nonceFrom(c)}
	sess := sessionFrom(c)
	if sess == nil {
		// An expired session only lets the error page load the org's Canvas
		// SDK, so its "Sign in again" button can ask Salesforce for a fresh
		// signed request; nothing else of it is used.
		if exp, ok := c.Get(ctxKeyExpired).(*appsession.Session); ok {
			if origin := s.orgOrigin(c); origin != "" {
				p.CanvasSDKURL = origin + "/canvas/sdk/js/" + canvasSDKVersion + "/canvas-all.js"
				p.CanvasClientJSON = map[string]string{"instanceId": exp.InstanceID, "targetOrigin": exp.TargetOrigin}
			}
		}
		return p
	}
	token, _ := c.Get(ctxKeyToken).(string)
	p.SessionToken = token
	if s.canvas != nil {
		p.CSRFToken = s.canvas.opts.Sessions.CSRFToken(*sess)
	}
	p.User = sess.User()
	if origin := s.orgOrigin(c); origin != "" {
		p.CanvasSDKURL = origin + "/canvas/sdk/js/" + canvasSDKVersion + "/canvas-all.js"
		// Only what the SDK needs to reach the parent frame; never the OAuth token.
		p.CanvasClientJSON = map[string]string{"instanceId": sess.InstanceID, "targetOrigin": sess.TargetOrigin}
	}
	p.Nav = []templates.NavItem{
		{Label: "Home", Href: link(c, "/app/home"), Active: c.Path() == "/app/home"},
	}
	if sess.RecordObject != "" && sess.RecordID != "" {
		path := "/app/records/" + url.PathEscape(sess.RecordObject) + "/" + url.PathEscape(sess.RecordID)
		p.Nav = append(p.Nav, templates.NavItem{Label: "This record", Href: link(c, path), Active: c.Request().URL.Path == path})
	}
	p.Nav = append(p.Nav, templates.NavItem{Label: "Settings", Href: link(c, "/app/settings"), AdminOnly: true, Active: c.Path() == "/app/settings"})
	return p
}

// canvasSDKVersion is the API version in the canvas-all.js path.
const canvasSDKVersion = "62.0"

// orgOrigin returns the origin (scheme://host) of the session's org, used for
// the canvas SDK script and frame-ancestors.
func (s *Server) orgOrigin(c echo.Context) string {
	sess := sessionFrom(c)
	if sess == nil {
		sess, _ = c.Get(ctxKeyExpired).(*appsession.Session)
	}
	if sess == nil || sess.InstanceURL == "" {
		return ""
	}
	u, err := url.Parse(sess.InstanceURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// NotFrameable is middleware for routes nothing may frame (webhooks, OAuth
// callbacks).
func (h *Helpers) NotFrameable() echo.MiddlewareFunc { return notFrameable }

// AppPage is middleware for pages shown inside the Salesforce iframe: it sets
// the CSP with a nonce and frame-ancestors.
func (h *Helpers) AppPage() echo.MiddlewareFunc { return h.s.appPage }

// Logger returns the server's logger.
func (h *Helpers) Logger() *slog.Logger { return h.s.log }

// Now returns the server's clock.
func (h *Helpers) Now() time.Time { return h.s.now() }

// CSRFToken returns the CSRF token of the request's session ("" without one).
func (h *Helpers) CSRFToken(c echo.Context) string {
	sess := sessionFrom(c)
	if sess == nil || h.s.canvas == nil {
		return ""
	}
	return h.s.canvas.opts.Sessions.CSRFToken(*sess)
}

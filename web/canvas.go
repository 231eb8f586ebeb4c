package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/sfzoom/sfzoom/internal/appsession"
	"github.com/sfzoom/sfzoom/internal/canvas"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/ttlcache"
)

// Names of the session carriers. The token travels in every request the page
// makes, so the app works where the browser blocks third-party cookies; the
// Partitioned cookie is a convenience, never the only carrier.
const (
	sessionCookie = "sfzoom_session"
	sessionHeader = "X-Sfzoom-Session"
	sessionField  = "_s" // form field and query parameter
	csrfHeader    = "X-CSRF-Token"
	csrfField     = "_csrf"
	ctxKeySession = "sfzoom.session"
	ctxKeyToken   = "sfzoom.session_token"
	ctxKeyExpired = "sfzoom.expired_session" // for the "session expired" page only
)

// TokenChecker proves that the OAuth token inside a signed request is still
// alive (the replay guard). *canvas.TokenChecker implements it.
type TokenChecker interface {
	Check(ctx context.Context, r *canvas.Request) (canvas.Identity, error)
}

// OrgStore records the orgs that open the app.
type OrgStore interface {
	UpsertOrg(ctx context.Context, org *sfzoom.Org) error
}

// AdminChecker decides whether a Salesforce user is an sfzoom admin (holds the
// sfzoom Admin permission set). accessToken is the user's own canvas token.
type AdminChecker interface {
	IsAdmin(ctx context.Context, u *sfzoom.User, accessToken string) (bool, error)
}

// CanvasOptions wires the Canvas entry point and the app session.
type CanvasOptions struct {
	// ConsumerSecrets verify signed requests; each verifies only its own
	// org's requests unless it is unbound (canvas.Secret).
	ConsumerSecrets []canvas.Secret
	// Instances decides which instance URLs may vouch for a request (the
	// replay guard and the admin check call it; the org's stored instance
	// URL comes from it). The zero value is Salesforce's https hosts only,
	// as `sfzoom serve` uses; only the demo's wiring adds its fake org.
	Instances    canvas.InstancePolicy
	Sessions     *appsession.Codec
	SessionTTL   time.Duration
	TokenChecker TokenChecker // nil disables the replay guard
	Orgs         OrgStore
	Admins       AdminChecker // nil: only BootstrapAdmins are admins
	// AdminRecheck re-confirms an admin session on each request (through a
	// cache of at most AdminMaxAge/2); nil keeps the open-time answer for
	// AdminMaxAge only.
	AdminRecheck AdminRechecker
	// AdminCacheTTL is how long an admin answer is cached (default and
	// maximum AdminMaxAge/2).
	AdminCacheTTL   time.Duration
	BootstrapAdmins []string
	// The app's pages on the session-protected /app group (routes.go);
	// a nil one is not served.
	Scheduling *SchedulingPages // home, record pages, scheduling
	Settings   *SettingsPages   // admin settings, Health, routing
	Review     *ReviewPages     // admin review of unmatched participants
	Recordings *RecordingsPages // a meeting's recordings, its tasks
	// Pages are pages from outside sfzoom's own (tests) on the /app group.
	Pages []Pages
}

// Pages registers pages from outside sfzoom's own (tests) on the
// session-protected /app group. sfzoom's own are listed in routes.go.
type Pages interface {
	Register(g *echo.Group, h *Helpers)
}

// Routes registers routes from outside sfzoom's own (tests) outside the app
// session. sfzoom's own are listed in routes.go.
type Routes interface {
	Register(e *echo.Echo, h *Helpers)
}

type canvasHandler struct {
	s      *Server
	opts   CanvasOptions
	admins *ttlcache.Cache[bool]
}

func newCanvasHandler(s *Server, opts CanvasOptions) (*canvasHandler, error) {
	if len(opts.ConsumerSecrets) == 0 || opts.Sessions == nil || opts.Orgs == nil {
		return nil, errors.New("web: canvas needs consumer secrets, a session codec and an org store")
	}
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = 2 * time.Hour
	}
	return &canvasHandler{s: s, opts: opts, admins: newAdminCache(opts.AdminCacheTTL, s.now)}, nil
}

// handleCanvas is the entry point Salesforce POSTs the signed request to. It
// verifies the signature, checks the embedded token is alive, records the org,
// issues the app session and redirects to the page for the record context.
func (h *canvasHandler) handleCanvas(c echo.Context) error {
	ctx := c.Request().Context()
	req, u, err := h.verify(c)
	if err != nil {
		return err
	}
	if err := h.recordOrg(ctx, req, u); err != nil {
		return err
	}
	u.IsAdmin = h.isAdmin(ctx, u, req.Client.OAuthToken)

	s := appsession.Session{
		OrgID: u.OrgID, UserID: u.UserID, Name: u.Name, Email: u.Email,
		InstanceURL: u.InstanceURL, Locale: u.Locale, TimeZone: u.TimeZone, IsAdmin: u.IsAdmin,
		ExpiresAt:    h.s.now().Add(h.opts.SessionTTL),
		TargetOrigin: req.Client.TargetOrigin, InstanceID: req.Client.InstanceID,
	}
	object, id, hasRecord := req.RecordContext()
	if hasRecord {
		s.RecordObject, s.RecordID = object, id
	}
	token, s, err := h.opts.Sessions.Encode(s)
	if err != nil {
		return err
	}
	h.setCookie(c, token, s.ExpiresAt)
	target := canvasTarget(req.Page(), u.IsAdmin)
	if hasRecord {
		target = "/app/records/" + url.PathEscape(object) + "/" + url.PathEscape(id)
	}
	return c.Redirect(http.StatusSeeOther, withSession(target, token))
}

// verify checks the signed request in the body: its signature, its org
// and user, and that its instance URL is one of Salesforce's hosts.
func (h *canvasHandler) verify(c echo.Context) (*canvas.Request, *sfzoom.User, error) {
	ctx := c.Request().Context()
	// The body only: a signed request in a query string would land in
	// proxy and browser logs (docs/canvas.md §3).
	sr := c.Request().PostFormValue("signed_request")
	if sr == "" {
		return nil, nil, sfzoom.Errorf(sfzoom.EINVALID, "This page needs a signed request from Salesforce. Open sfzoom from a Salesforce record page.")
	}
	req, err := canvas.Verify(sr, h.opts.ConsumerSecrets)
	if err != nil {
		if sfzoom.ErrorCode(err) == sfzoom.EUNAUTHORIZED {
			// Never log the payload, token or secret: only that it failed.
			h.s.log.WarnContext(ctx, "canvas signed request rejected", "reason", "bad signature",
				"request_id", c.Response().Header().Get(echo.HeaderXRequestID), "remote", c.RealIP())
		}
		return nil, nil, err
	}
	u := req.User()
	if u.OrgID == "" || u.UserID == "" {
		return nil, nil, sfzoom.Errorf(sfzoom.EINVALID, "The request from Salesforce has no organization or user. Open sfzoom from a Salesforce record page.")
	}
	// The payload is the caller's text: its instance URL must be one of
	// Salesforce's hosts before anything is sent there or stored.
	instance, err := h.opts.Instances.Check(req.Client.InstanceURL)
	if err != nil {
		h.s.log.WarnContext(ctx, "canvas signed request rejected", "reason", "untrusted instance url",
			"org_id", u.OrgID, "request_id", c.Response().Header().Get(echo.HeaderXRequestID), "remote", c.RealIP())
		return nil, nil, err
	}
	u.InstanceURL = instance
	return req, u, nil
}

// recordOrg upserts u's org. Its stored instance URL (recording links
// redirect there) is written only once Salesforce at that host has vouched
// for the token (the replay guard), which also settles u.InstanceURL.
func (h *canvasHandler) recordOrg(ctx context.Context, req *canvas.Request, u *sfzoom.User) error {
	verified := ""
	if h.opts.TokenChecker != nil {
		id, err := h.opts.TokenChecker.Check(ctx, req)
		if err != nil {
			return err
		}
		if id.InstanceURL != "" {
			u.InstanceURL = id.InstanceURL // the host that answered
		}
		verified = u.InstanceURL
	}
	return h.opts.Orgs.UpsertOrg(ctx, &sfzoom.Org{ID: u.OrgID, Name: req.Context.Organization.Name, InstanceURL: verified})
}

// handleCanvasGet answers a GET to the canvas URL: Salesforce sends one when
// the user has not approved the app yet; anything else was not opened from
// Salesforce.
func (h *canvasHandler) handleCanvasGet(c echo.Context) error {
	if c.QueryParam("_sfdc_canvas_authvalue") == "user_approval_required" {
		return sfzoom.Errorf(sfzoom.EFORBIDDEN, "Your Salesforce admin needs to approve sfzoom for your user (set the app's Permitted Users to \"Admin approved users are pre-authorized\" and assign the sfzoom User permission set).")
	}
	return sfzoom.Errorf(sfzoom.EINVALID, "sfzoom runs inside Salesforce, on record pages; it can't be opened on its own.").
		WithAction("Open an Opportunity, a Contact or a Lead in Salesforce; sfzoom is on the record page.")
}

// sameSFID compares a 15- or 18-character id with an 18-character one.
func sameSFID(a, b string) bool {
	if len(a) == 15 && len(b) == 18 {
		return a == b[:15]
	}
	return a == b
}

func (h *canvasHandler) setCookie(c echo.Context, token string, expires time.Time) {
	c.SetCookie(&http.Cookie{
		Name: sessionCookie, Value: token, Path: "/",
		Expires: expires, MaxAge: int(time.Until(expires).Seconds()),
		Secure: true, HttpOnly: true, SameSite: http.SameSiteNoneMode, Partitioned: true,
	})
}

// requireSession finds the session token (header, form field, query
// parameter, then cookie), decodes it, and for state-changing requests
// checks the CSRF token bound to it.
func (h *canvasHandler) requireSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		token := sessionToken(c)
		if token == "" {
			return sfzoom.Errorf(sfzoom.EUNAUTHORIZED, "Your sfzoom session was not found. Reload the record page in Salesforce.")
		}
		s, err := h.opts.Sessions.Decode(token)
		if err != nil {
			if exp, ok := h.opts.Sessions.Expired(token); ok {
				c.Set(ctxKeyExpired, &exp)
			}
			return err
		}
		if isUnsafe(c.Request().Method) {
			csrf := c.Request().Header.Get(csrfHeader)
			if csrf == "" {
				csrf = c.FormValue(csrfField)
			}
			if err := h.opts.Sessions.CheckCSRF(s, csrf); err != nil {
				return err
			}
		}
		if s.IsAdmin {
			// Admin rights are re-confirmed on every request (through a
			// short cache), not trusted for the session's two hours.
			admin, err := h.stillAdmin(c.Request().Context(), s.User(), s.IssuedAt)
			s.IsAdmin = admin
			if errors.Is(err, errAdminUnconfirmed) {
				c.Set(ctxKeyAdminUnconfirmed, true)
			}
		}
		c.Set(ctxKeySession, &s)
		c.Set(ctxKeyToken, token)
		c.SetRequest(c.Request().WithContext(sfzoom.NewContextWithUser(c.Request().Context(), s.User())))
		return next(c)
	}
}

func sessionToken(c echo.Context) string {
	if t := c.Request().Header.Get(sessionHeader); t != "" {
		return t
	}
	if isUnsafe(c.Request().Method) {
		if t := c.FormValue(sessionField); t != "" {
			return t
		}
	}
	if t := c.QueryParam(sessionField); t != "" {
		return t
	}
	// The cookie is a fallback for requests made from the app's own pages.
	// A cross-site request (another page framing or posting to the app)
	// must carry the session itself: force.com and salesforce.com are each
	// one site, so the partitioned cookie is shared by every org's pages
	// and would otherwise let any of them drive a rep's session.
	if !cookieAllowed(c.Request()) {
		return ""
	}
	if ck, err := c.Cookie(sessionCookie); err == nil {
		return ck.Value
	}
	return ""
}

// cookieAllowed says whether the session cookie may authenticate r: only
// same-origin requests, direct navigations ("none"), and clients that send
// no Fetch Metadata.
func cookieAllowed(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
		return true
	}
	return false
}

func isUnsafe(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// withSession adds the session token to an app URL.
func withSession(path, token string) string {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + sessionField + "=" + url.QueryEscape(token)
}

package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/oauth2"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/templates"
)

// OAuth providers of the connect popups.
const (
	OAuthSalesforce = "salesforce" // the org's integration connection (admins)
	OAuthZoom       = "zoom"       // a rep's own Zoom account (user mode)
)

// SalesforceConnector runs the integration connection's OAuth flow.
type SalesforceConnector interface {
	SalesforceAuthURL(state, verifier string) string
	ConnectSalesforce(ctx context.Context, orgID, code, verifier string) (*sfzoom.Connection, error)
}

// ZoomConnector runs a rep's Zoom OAuth flow.
type ZoomConnector interface {
	ZoomAuthURL(state, verifier string) string
	// ConnectZoomUser connects the Zoom account that granted code only if it
	// is sfUserID's (EFORBIDDEN otherwise); sfEmail is the session's email.
	ConnectZoomUser(ctx context.Context, orgID, sfUserID, sfEmail, code, verifier string) (*sfzoom.Connection, error)
}

// OAuth serves the connect popups. The popup is a first-party top-level
// window, outside the iframe session, so:
//
//   - the page inside the iframe links to /oauth/{provider}/start?t=… where t
//     is a short-lived HMAC-signed ticket naming the org, the user, the
//     provider and (for Salesforce) that the user is an admin: it is the
//     CSRF protection of the start, bound to the session that minted it;
//   - start creates a PKCE verifier and a random state, keeps both with the
//     ticket's claims in a signed, HttpOnly, SameSite=Lax cookie for the
//     popup's own site, and redirects to the provider with the state;
//   - the callback compares the returned state with the cookie's in
//     constant time before exchanging the code with the verifier.
type OAuth struct {
	// Key signs tickets and the state cookie (32+ random bytes).
	Key        []byte
	Salesforce SalesforceConnector
	Zoom       ZoomConnector // nil when reps don't connect Zoom themselves
	// SecureCookie marks the state cookie Secure (HTTPS deployments).
	SecureCookie bool
	// TicketTTL is how long a connect link works (default 15 min).
	TicketTTL time.Duration
	// Claims makes each connect link and each provider answer single-use
	// across replicas (the store's leases). Nil keeps the claims in this
	// process only, which is enough for one replica.
	Claims Claimer

	localOnce sync.Mutex
	local     map[string]time.Time // name → expiry, when Claims is nil
}

// Claimer takes a named claim until ttl passes; a second holder is refused
// meanwhile (store.Store's AcquireLease).
type Claimer interface {
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
}

// claimOnce reports whether name was not claimed before (within ttl), and
// claims it.
func (o *OAuth) claimOnce(ctx context.Context, now time.Time, name string, ttl time.Duration) (bool, error) {
	if o.Claims != nil {
		// A fresh holder per attempt: only the first attempt ever holds it.
		return o.Claims.AcquireLease(ctx, name, rand.Text(), ttl)
	}
	o.localOnce.Lock()
	defer o.localOnce.Unlock()
	if o.local == nil {
		o.local = map[string]time.Time{}
	}
	for k, exp := range o.local {
		if !now.Before(exp) {
			delete(o.local, k)
		}
	}
	if _, used := o.local[name]; used {
		return false, nil
	}
	o.local[name] = now.Add(ttl)
	return true, nil
}

const oauthCookie = "sfzoom_oauth"

type oauthTicket struct {
	Provider string    `json:"p"`
	OrgID    string    `json:"o"`
	UserID   string    `json:"u"`
	Email    string    `json:"e,omitempty"` // the session's email (Zoom identity check)
	Admin    bool      `json:"a,omitempty"`
	Nonce    string    `json:"n"`           // makes the link single-use
	State    string    `json:"s,omitempty"` // cookie only
	Verifier string    `json:"v,omitempty"` // cookie only
	Exp      time.Time `json:"x"`
}

func (o *OAuth) sign(t oauthTicket) string {
	b, _ := json.Marshal(t)
	payload := base64.RawURLEncoding.EncodeToString(b)
	m := hmac.New(sha256.New, o.Key)
	m.Write([]byte("sfzoom oauth v1|" + payload))
	return payload + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (o *OAuth) verify(s string, now time.Time) (oauthTicket, error) {
	var t oauthTicket
	bad := sfzoom.Errorf(sfzoom.EUNAUTHORIZED, "This connect link has expired. Close this window and click Connect again in sfzoom.")
	payload, sig, ok := strings.Cut(s, ".")
	if !ok {
		return t, bad
	}
	m := hmac.New(sha256.New, o.Key)
	m.Write([]byte("sfzoom oauth v1|" + payload))
	want := base64.RawURLEncoding.EncodeToString(m.Sum(nil))
	if !hmac.Equal([]byte(sig), []byte(want)) {
		return t, bad
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil || json.Unmarshal(b, &t) != nil || !now.Before(t.Exp) {
		return t, bad
	}
	return t, nil
}

// StartURL returns the popup URL that connects provider for the request's
// session user.
func (o *OAuth) StartURL(c echo.Context, h *Helpers, provider string) string {
	sess := h.Session(c)
	ttl := o.TicketTTL
	if ttl <= 0 {
		ttl = 15 * time.Minute
	}
	t := oauthTicket{Provider: provider, OrgID: sess.OrgID, UserID: sess.UserID, Email: sess.Email, Admin: sess.IsAdmin,
		Nonce: rand.Text(), Exp: h.Now().Add(ttl)}
	return "/oauth/" + provider + "/start?t=" + url.QueryEscape(o.sign(t))
}

// denyFraming: the popup pages run scripts (postMessage to the opener), so
// they use the app CSP (its nonce), but with frame-ancestors 'none': browsers
// ignore X-Frame-Options when a CSP names frame-ancestors, so the CSP itself
// must forbid framing. Registered after AppPage, its hook runs after the one
// that sets the app CSP.
func denyFraming(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Frame-Options", "DENY")
		c.Response().Before(func() {
			parts := strings.Split(h.Get("Content-Security-Policy"), "; ")
			out := parts[:0]
			for _, p := range parts {
				if p != "" && !strings.HasPrefix(p, "frame-ancestors ") {
					out = append(out, p)
				}
			}
			h.Set("Content-Security-Policy", strings.Join(append(out, "frame-ancestors 'none'"), "; "))
		})
		return next(c)
	}
}

func (o *OAuth) popupDone(c echo.Context, h *Helpers, ok bool, title, msg string) error {
	status := http.StatusOK
	if !ok {
		status = http.StatusBadRequest
	}
	return h.Render(c, status, templates.PopupDone(h.Meta(c, title), ok, title, msg))
}

func (o *OAuth) handleStart(h *Helpers) echo.HandlerFunc {
	return func(c echo.Context) error {
		provider := c.Param("provider")
		t, err := o.verify(c.QueryParam("t"), h.Now())
		if err != nil || t.Provider != provider || t.Nonce == "" {
			return o.popupDone(c, h, false, "This connect link has expired", "Close this window and click Connect again in sfzoom.")
		}
		// A link opens one sign-in only: a copy (forwarded, or opened again
		// from the history) is refused.
		if ok, err := o.claimOnce(c.Request().Context(), h.Now(), "oauth-ticket:"+t.Nonce, t.Exp.Sub(h.Now())); err != nil {
			return err
		} else if !ok {
			return o.popupDone(c, h, false, "This connect link was already used", "Each Connect link works once. Close this window and click Connect again in sfzoom.")
		}
		t.State, t.Verifier = rand.Text(), oauth2.GenerateVerifier()
		t.Exp = h.Now().Add(15 * time.Minute)
		var target string
		switch {
		case provider == OAuthSalesforce && o.Salesforce != nil:
			if !t.Admin {
				return o.popupDone(c, h, false, "Only sfzoom admins can connect Salesforce", "Ask your Salesforce admin to assign you the sfzoom Admin permission set.")
			}
			target = o.Salesforce.SalesforceAuthURL(t.State, t.Verifier)
		case provider == OAuthZoom && o.Zoom != nil:
			target = o.Zoom.ZoomAuthURL(t.State, t.Verifier)
		default:
			return o.popupDone(c, h, false, "Unknown connection", "Close this window and use a Connect button in sfzoom.")
		}
		c.SetCookie(&http.Cookie{Name: oauthCookie + "_" + provider, Value: o.sign(t), Path: "/oauth/",
			MaxAge: int((15 * time.Minute).Seconds()), HttpOnly: true, Secure: o.SecureCookie, SameSite: http.SameSiteLaxMode})
		return c.Redirect(http.StatusFound, target)
	}
}

func (o *OAuth) handleCallback(h *Helpers, provider string) echo.HandlerFunc {
	name := map[string]string{OAuthSalesforce: "Salesforce", OAuthZoom: "Zoom"}[provider]
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		ck, err := c.Cookie(oauthCookie + "_" + provider)
		if err != nil {
			return o.popupDone(c, h, false, name+" was not connected", "This window lost track of the sign-in (cookies may be blocked for sfzoom). Allow cookies for this site, close this window and click Connect again.")
		}
		// The cookie is single-use.
		c.SetCookie(&http.Cookie{Name: ck.Name, Value: "", Path: "/oauth/", MaxAge: -1, HttpOnly: true, Secure: o.SecureCookie, SameSite: http.SameSiteLaxMode})
		t, err := o.verify(ck.Value, h.Now())
		if err != nil || t.Provider != provider {
			return o.popupDone(c, h, false, name+" was not connected", "The sign-in took too long. Close this window and click Connect again.")
		}
		if e := c.QueryParam("error"); e != "" {
			return o.popupDone(c, h, false, name+" was not connected", name+" did not allow the connection ("+truncateText(e, 60)+"). Close this window and click Connect again if you want to retry.")
		}
		if !hmac.Equal([]byte(c.QueryParam("state")), []byte(t.State)) || t.State == "" {
			return o.popupDone(c, h, false, name+" was not connected", "The answer from "+name+" did not match this sign-in. Close this window and click Connect again.")
		}
		code := c.QueryParam("code")
		if code == "" || len(code) > 2048 {
			return o.popupDone(c, h, false, name+" was not connected", name+" sent no authorization code. Close this window and click Connect again.")
		}
		// One answer per sign-in: a replayed callback (the same URL and
		// cookie sent again) is refused before the code is used.
		if ok, err := o.claimOnce(ctx, h.Now(), "oauth-state:"+t.State, 15*time.Minute); err != nil {
			return err
		} else if !ok {
			return o.popupDone(c, h, false, name+" was not connected", "This sign-in was already used. Close this window and click Connect again in sfzoom.")
		}
		switch provider {
		case OAuthSalesforce:
			_, err = o.Salesforce.ConnectSalesforce(ctx, t.OrgID, code, t.Verifier)
		default:
			_, err = o.Zoom.ConnectZoomUser(ctx, t.OrgID, t.UserID, t.Email, code, t.Verifier)
		}
		if err != nil {
			h.Logger().WarnContext(ctx, "oauth connect failed", "provider", provider, "org_id", t.OrgID, "err", err.Error())
			return o.popupDone(c, h, false, name+" was not connected", sfzoom.ErrorMessage(err)+" Close this window and click Connect again.")
		}
		return o.popupDone(c, h, true, name+" is connected", "You can close this window; sfzoom has been updated.")
	}
}

func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// MsgReconnectZoom is what a rep whose Zoom connection was refused (the
// refresh token got invalid_grant, or it was revoked at Zoom) reads on the
// home page.
const MsgReconnectZoom = "Zoom no longer accepts sfzoom's sign-in for your account, so meetings can't be scheduled as you. Reconnect Zoom: click Connect Zoom and sign in again."

// ZoomUserConnection is a rep's own Zoom connection on the home page (user
// mode): its status, the connect popup and disconnect.
type ZoomUserConnection struct {
	OAuth       *OAuth
	Connections connectionFinder
	Disconnect  func(ctx context.Context, orgID, sfUserID string) error
}

type connectionFinder interface {
	FindConnection(ctx context.Context, orgID, provider, subject string) (*sfzoom.Connection, error)
}

func (z *ZoomUserConnection) view(c echo.Context, h *Helpers) (templates.ZoomConnectView, error) {
	sess := h.Session(c)
	v := templates.ZoomConnectView{ConnectURL: z.OAuth.StartURL(c, h, OAuthZoom), DisconnectURL: h.Link(c, "/app/zoom/disconnect")}
	conn, err := z.Connections.FindConnection(c.Request().Context(), sess.OrgID, sfzoom.ProviderZoomUser, sess.UserID)
	switch {
	case sfzoom.ErrorCode(err) == sfzoom.ENOTFOUND:
	case err != nil:
		return v, err
	case conn.Status == sfzoom.ConnectionActive:
		v.Connected, v.Detail = true, conn.Detail
	default:
		v.Detail = MsgReconnectZoom
	}
	return v, nil
}

func (z *ZoomUserConnection) handleDisconnect(h *Helpers) echo.HandlerFunc {
	return func(c echo.Context) error {
		sess := h.Session(c)
		if err := z.Disconnect(c.Request().Context(), sess.OrgID, sess.UserID); err != nil && sfzoom.ErrorCode(err) != sfzoom.ENOTFOUND {
			return err
		}
		v, err := z.view(c, h)
		if err != nil {
			return err
		}
		return h.Render(c, http.StatusOK, templates.ZoomConnection(v))
	}
}

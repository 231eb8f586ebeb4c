package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/sfzoom/sfzoom/internal/identity"
	"github.com/sfzoom/sfzoom/internal/integrations"
	"github.com/sfzoom/sfzoom/internal/salesforce"
	"github.com/sfzoom/sfzoom/internal/setup"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/templates"
)

// UserAdmin is the identity admin (*identity.Resolver implements it).
type UserAdmin interface {
	Users(ctx context.Context, orgID string) ([]identity.UserStatus, error)
	SetOverride(ctx context.Context, orgID, sfUserID, email string) (*sfzoom.UserMapping, error)
	VerifyAll(ctx context.Context, orgID string) (matched, unmatched int, err error)
}

type orgSettingsStore interface {
	FindOrgByID(ctx context.Context, orgID string) (*sfzoom.Org, error)
	UpdateOrgSettings(ctx context.Context, orgID string, s sfzoom.OrgSettings) error
}

// HealthReporter gathers the Health tab and retries failed jobs, both for
// the session's org only.
type HealthReporter interface {
	Health(ctx context.Context, orgID string) (templates.HealthView, error)
	// RetryJob refuses a job of another org with ENOTFOUND.
	RetryJob(ctx context.Context, orgID string, id int64) error
}

// SetupChecker runs the Setup checklist for an org, live
// (*setup.Checker implements it).
type SetupChecker interface {
	Run(ctx context.Context, orgID string, loc *time.Location) setup.Report
}

// SettingsPages serves the admin settings (admins only).
type SettingsPages struct {
	Users       UserAdmin
	Orgs        orgSettingsStore
	Connections connectionFinder
	// DisconnectSalesforce removes the org's integration connection.
	DisconnectSalesforce func(ctx context.Context, orgID string) error
	Health               HealthReporter
	// Setup is the Setup checklist; Settings opens on it until every
	// check passes.
	Setup    SetupChecker
	OAuth    *OAuth
	ZoomMode string // integrations.ZoomAuthS2S or ZoomAuthUser
	// Routing, when set, lets an admin claim the org's Zoom account and
	// route meetings no single org owns (Connections tab).
	Routing RoutingStore
	// ZoomAccountID is the configured Server-to-Server account, offered
	// as the account to claim.
	ZoomAccountID string
}

// requireAdmin refuses everyone but sfzoom admins; what completes "Only
// sfzoom admins can …" in the message.
func requireAdmin(h *Helpers, what string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if s := h.Session(c); s == nil || !s.IsAdmin {
				if unconfirmed, _ := c.Get(ctxKeyAdminUnconfirmed).(bool); unconfirmed {
					return sfzoom.Errorf(sfzoom.EFORBIDDEN, "sfzoom could not re-confirm your sfzoom Admin permission with Salesforce (Salesforce is not connected yet or did not answer). Reload the record page in Salesforce to check again.")
				}
				return sfzoom.Errorf(sfzoom.EFORBIDDEN, "Only sfzoom admins can %s. Ask your Salesforce admin to assign you the sfzoom Admin permission set, then reload the page.", what)
			}
			return next(c)
		}
	}
}

var settingsTabs = map[string]bool{"setup": true, "users": true, "connections": true, "org": true, "health": true}

// view loads the tab. Failures to load are shown on the tab (with what to
// do), not as an error page, so an admin can still reach Connections.
func (p *SettingsPages) view(c echo.Context, h *Helpers, tab string) (templates.SettingsView, error) {
	ctx := c.Request().Context()
	sess := h.Session(c)
	meta := h.Meta(c, "")
	v := templates.SettingsView{
		Tab: tab, SessionToken: meta.SessionToken, CSRFToken: meta.CSRFToken, Loc: h.Location(c),
		TabURL: func(t string) string { return h.Link(c, "/app/settings?tab="+url.QueryEscape(t)) },
	}
	var err error
	switch tab {
	case "setup":
		p.setupView(c, h, &v, p.Setup.Run(ctx, sess.OrgID, h.Location(c)))
	case "users":
		err = p.usersTab(c, h, &v)
	case "connections":
		err = p.connectionsTab(c, h, &v)
	case "org":
		v.OrgURL = h.Link(c, "/app/settings/org")
		var org *sfzoom.Org
		if org, err = p.Orgs.FindOrgByID(ctx, sess.OrgID); err == nil {
			v.Org = org.Settings
		}
	case "health":
		err = p.healthTab(c, h, &v)
	}
	return v, err
}

// usersTab lists the org's users, one page of them; a failure to list them
// other than our own (EINTERNAL) is shown on the tab.
func (p *SettingsPages) usersTab(c echo.Context, h *Helpers, v *templates.SettingsView) error {
	v.VerifyURL = h.Link(c, "/app/settings/users/verify")
	users, err := p.Users.Users(c.Request().Context(), h.Session(c).OrgID)
	if err != nil {
		if sfzoom.ErrorCode(err) == sfzoom.EINTERNAL {
			return err
		}
		v.Error = sfzoom.ErrorMessage(err)
	}
	v.Users, v.UserPage = usersPage(c, h, users)
	return nil
}

// connectionsTab shows the Salesforce integration connection, the Zoom
// connection for the auth mode, and the webhook routing.
func (p *SettingsPages) connectionsTab(c echo.Context, h *Helpers, v *templates.SettingsView) error {
	v.ZoomMode = p.ZoomMode
	sf, err := p.salesforceConnection(c, h)
	if err != nil {
		return err
	}
	v.Connections = []templates.ConnectionRow{sf, p.zoomConnection(c, h)}
	return p.routingView(c, h, v)
}

// salesforceConnection is the row of the org's Salesforce integration
// connection, with Connect or Disconnect.
func (p *SettingsPages) salesforceConnection(c echo.Context, h *Helpers) (templates.ConnectionRow, error) {
	sf := templates.ConnectionRow{Label: "Salesforce integration connection", TestID: "connection-salesforce", Status: "not_connected",
		Detail:     "Needed for logging meetings, the Users tab and record access checks. Connect as a Salesforce user who can read and write Events.",
		ConnectURL: p.OAuth.StartURL(c, h, OAuthSalesforce)}
	conn, err := p.Connections.FindConnection(c.Request().Context(), h.Session(c).OrgID, sfzoom.ProviderSalesforce, "integration")
	switch {
	case err == nil:
		sf.Status, sf.Detail = conn.Status, conn.Detail
		sf.DisconnectURL = h.Link(c, "/app/settings/connections/salesforce/disconnect")
	case sfzoom.ErrorCode(err) != sfzoom.ENOTFOUND:
		return sf, err
	}
	return sf, nil
}

// zoomConnection is the Zoom row: the account's Server-to-Server
// connection, or in user mode the admin's own connection (with Connect) and
// how many reps must reconnect.
func (p *SettingsPages) zoomConnection(c echo.Context, h *Helpers) templates.ConnectionRow {
	ctx, sess := c.Request().Context(), h.Session(c)
	zm := templates.ConnectionRow{Label: "Zoom (Server-to-Server OAuth)", TestID: "connection-zoom", Status: "not_connected",
		Detail: "Connects with the account credentials from the server configuration on first use."}
	if p.ZoomMode != integrations.ZoomAuthUser {
		if conn, err := p.Connections.FindConnection(ctx, "", sfzoom.ProviderZoomS2S, "account"); err == nil {
			zm.Status, zm.Detail = conn.Status, conn.Detail
		}
		return zm
	}
	zm.Label = "Zoom (each rep connects their own account)"
	zm.Detail = "Reps connect Zoom on the sfzoom home page. You can connect your own account here."
	zm.ConnectURL = p.OAuth.StartURL(c, h, OAuthZoom)
	if conn, err := p.Connections.FindConnection(ctx, sess.OrgID, sfzoom.ProviderZoomUser, sess.UserID); err == nil {
		zm.Status = conn.Status
		if conn.Status == sfzoom.ConnectionReconnect {
			zm.Detail = "Zoom no longer accepts your stored sign-in. Reconnect Zoom: click Connect and sign in again."
		}
	}
	if d := reconnectingReps(ctx, p.Connections, sess.OrgID, sess.UserID); d != "" {
		zm.Detail += " " + d
	}
	return zm
}

// healthTab shows the org's health, each failed job with its retry link.
func (p *SettingsPages) healthTab(c echo.Context, h *Helpers, v *templates.SettingsView) error {
	hv, err := p.Health.Health(c.Request().Context(), h.Session(c).OrgID)
	if err != nil {
		return err
	}
	for i := range hv.FailedJobs {
		hv.FailedJobs[i].RetryURL = h.Link(c, "/app/settings/jobs/"+strconv.FormatInt(hv.FailedJobs[i].ID, 10)+"/retry")
	}
	v.Health = hv
	return nil
}

func (p *SettingsPages) handleSettings(h *Helpers) echo.HandlerFunc {
	return func(c echo.Context) error {
		tab := c.QueryParam("tab")
		if tab != "" && !settingsTabs[tab] {
			return sfzoom.Errorf(sfzoom.ENOTFOUND, "There is no settings tab %q. Use the tabs at the top of Settings.", tab)
		}
		var (
			v   templates.SettingsView
			err error
		)
		if tab == "" {
			// Settings opens on the Setup checklist until every check
			// passes, then on Users.
			v, err = p.view(c, h, "setup")
			if err == nil && v.SetupDone == len(v.Setup) {
				v, err = p.view(c, h, "users")
			}
		} else {
			v, err = p.view(c, h, tab)
		}
		if err != nil {
			return err
		}
		if c.Request().Header.Get("HX-Request") == "true" {
			// A search, filter or page of the Users tab redraws the panel.
			return h.Render(c, http.StatusOK, templates.SettingsPanel(v))
		}
		return h.Render(c, http.StatusOK, templates.SettingsPage(h.Meta(c, "Settings"), v))
	}
}

// panel re-renders a tab with a message (the htmx answer to an action).
func (p *SettingsPages) panel(c echo.Context, h *Helpers, tab, msg string) error {
	v, err := p.view(c, h, tab)
	if err != nil {
		return err
	}
	v.Message = msg
	return h.Render(c, http.StatusOK, templates.SettingsPanel(v))
}

func (p *SettingsPages) handleOverride(h *Helpers) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Param("id")
		if !salesforce.ValidID(id) {
			return sfzoom.Errorf(sfzoom.ENOTFOUND, "That Salesforce user doesn't exist. Reload Settings.")
		}
		email := strings.TrimSpace(c.FormValue("zoom_email"))
		if len(email) > 254 {
			return sfzoom.Errorf(sfzoom.EINVALID, "That email address is too long.")
		}
		m, err := p.Users.SetOverride(c.Request().Context(), h.Session(c).OrgID, id, email)
		if err != nil {
			return err
		}
		if m.Status != sfzoom.MappingMatched {
			// Saved, but not done: a warning, not a success.
			v, err := p.view(c, h, "users")
			if err != nil {
				return err
			}
			v.Error = "Saved, but " + m.SFName + " has no Zoom user yet: " + m.Detail
			return h.Render(c, http.StatusOK, templates.SettingsPanel(v))
		}
		return p.panel(c, h, "users", "Saved. "+m.SFName+" is matched to Zoom user "+m.ZoomEmail+".")
	}
}

func (p *SettingsPages) handleVerifyAll(h *Helpers) echo.HandlerFunc {
	return func(c echo.Context) error {
		matched, unmatched, err := p.Users.VerifyAll(c.Request().Context(), h.Session(c).OrgID)
		if err != nil {
			return err
		}
		// From the Setup checklist, answer with the checklist again.
		tab := "users"
		if c.QueryParam("tab") == "setup" {
			tab = "setup"
		}
		return p.panel(c, h, tab, strconv.Itoa(matched)+" users matched to Zoom, "+strconv.Itoa(unmatched)+" without a Zoom user.")
	}
}

func (p *SettingsPages) handleOrgSave(h *Helpers) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		orgID := h.Session(c).OrgID
		var domains []string
		for _, d := range strings.FieldsFunc(c.FormValue("internal_domains"), func(r rune) bool { return r == '\n' || r == ',' || r == ' ' || r == '\r' }) {
			domains = append(domains, strings.ToLower(strings.TrimPrefix(strings.TrimSpace(d), "@")))
		}
		if len(domains) > 50 {
			return sfzoom.Errorf(sfzoom.EINVALID, "Enter at most 50 internal domains.")
		}
		s := sfzoom.OrgSettings{
			InternalDomains: domains, ActivityMode: c.FormValue("activity_mode"),
			MeetingDefaults: sfzoom.MeetingSettings{
				WaitingRoom: c.FormValue("waiting_room") == "1", JoinBeforeHost: c.FormValue("join_before_host") == "1",
				MeetingAuthentication: c.FormValue("meeting_authentication") == "1", AutoRecordingCloud: c.FormValue("auto_recording_cloud") == "1",
			},
		}
		if err := s.Validate(); err != nil {
			return err
		}
		if err := p.Orgs.UpdateOrgSettings(ctx, orgID, s); err != nil {
			return err
		}
		return p.panel(c, h, "org", "Settings saved.")
	}
}

func (p *SettingsPages) handleDisconnect(h *Helpers) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := p.DisconnectSalesforce(c.Request().Context(), h.Session(c).OrgID); err != nil && sfzoom.ErrorCode(err) != sfzoom.ENOTFOUND {
			return err
		}
		return p.panel(c, h, "connections", "Salesforce is disconnected. Meetings are not logged until someone connects again.")
	}
}

func (p *SettingsPages) handleRetry(h *Helpers) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := strconv.ParseInt(c.Param("id"), 10, 64)
		if err != nil || id <= 0 {
			return sfzoom.Errorf(sfzoom.ENOTFOUND, "That job doesn't exist. Reload the Health tab.")
		}
		if err := p.Health.RetryJob(c.Request().Context(), h.Session(c).OrgID, id); err != nil {
			return err
		}
		return p.panel(c, h, "health", "Job "+strconv.FormatInt(id, 10)+" will run again shortly.")
	}
}

// reconnectingReps says how many other reps must reconnect Zoom (user
// mode), when the connection store can list connections.
func reconnectingReps(ctx context.Context, cf connectionFinder, orgID, self string) string {
	lister, ok := cf.(interface {
		FindConnections(ctx context.Context, orgID string) ([]*sfzoom.Connection, error)
	})
	if !ok {
		return ""
	}
	conns, err := lister.FindConnections(ctx, orgID)
	if err != nil {
		return ""
	}
	n := 0
	for _, c := range conns {
		if c.Provider == sfzoom.ProviderZoomUser && c.Subject != self && c.Status == sfzoom.ConnectionReconnect {
			n++
		}
	}
	switch n {
	case 0:
		return ""
	case 1:
		return "1 rep must reconnect Zoom: Zoom refused their stored sign-in. Ask them to click Connect Zoom on the sfzoom home page."
	}
	return strconv.Itoa(n) + " reps must reconnect Zoom: Zoom refused their stored sign-in. Ask them to click Connect Zoom on the sfzoom home page."
}

// setupView turns the checklist into rows with their in-app fixes.
func (p *SettingsPages) setupView(c echo.Context, h *Helpers, v *templates.SettingsView, r setup.Report) {
	for _, ch := range r.Checks {
		row := templates.SetupRow{ID: ch.ID, Title: ch.Title, Status: string(ch.Status), Detail: ch.Detail, Fix: ch.Fix, Command: ch.Command}
		switch ch.Action {
		case setup.ActionConnectSalesforce:
			row.ActionLabel, row.ActionURL, row.ActionKind = "Connect Salesforce", p.OAuth.StartURL(c, h, OAuthSalesforce), "popup"
		case setup.ActionVerifyUsers:
			row.ActionLabel, row.ActionURL, row.ActionKind = "Verify all users", h.Link(c, "/app/settings/users/verify?tab=setup"), "post"
		case setup.ActionUsersTab:
			row.ActionLabel, row.ActionURL, row.ActionKind = "Open the Users tab", h.Link(c, "/app/settings?tab=users"), "link"
		}
		if ch.Status == setup.OK {
			v.SetupDone++
		}
		v.Setup = append(v.Setup, row)
	}
}

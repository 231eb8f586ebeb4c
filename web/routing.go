package web

import (
	"cmp"
	"context"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/sfzoom/sfzoom/internal/jobs"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store"
	"github.com/sfzoom/sfzoom/templates"
)

// RoutingStore is what the Zoom account routing section of Settings →
// Connections needs: an org's claim of a Zoom account (production and
// sandbox orgs may share one) and the queue of meetings no single org owns.
type RoutingStore interface {
	FindOrgForZoom(ctx context.Context, zoomMeetingID int64, hostZoomUserID, zoomAccountID string) (string, error)
	SetZoomAccountOrg(ctx context.Context, zoomAccountID, orgID string) error
	ReleaseZoomAccountOrg(ctx context.Context, zoomAccountID, orgID string) error
	FindZoomAccountOrg(ctx context.Context, zoomAccountID string) (string, error)
	FindUnroutedMeetings(ctx context.Context, orgID string, limit int) ([]*sfzoom.UnroutedMeeting, error)
	RouteUnroutedMeeting(ctx context.Context, meetingUUID string, jobs ...store.Job) error
}

// ctxKeyClaimedAccount carries the account just claimed to the panel.
const ctxKeyClaimedAccount = "sfzoom.claimed_account"

// unroutedShown bounds the queue listed on the Connections tab.
const unroutedShown = 50

// routingView fills the Connections tab's routing section.
func (p *SettingsPages) routingView(c echo.Context, h *Helpers, v *templates.SettingsView) error {
	if p.Routing == nil {
		return nil
	}
	ctx := c.Request().Context()
	orgID := h.Session(c).OrgID
	// The account just claimed, else the configured one, else a waiting
	// meeting's.
	claimed, _ := c.Get(ctxKeyClaimedAccount).(string)
	r := &templates.RoutingView{ClaimURL: h.Link(c, "/app/settings/routing/claim"), AccountID: cmp.Or(claimed, p.ZoomAccountID)}
	queued, err := p.Routing.FindUnroutedMeetings(ctx, orgID, unroutedShown)
	if err != nil {
		return err
	}
	for _, m := range queued {
		r.Unrouted = append(r.Unrouted, templates.UnroutedRow{ZoomMeetingID: m.ZoomMeetingID, ZoomAccountID: m.ZoomAccountID,
			Trigger: m.Trigger, ReceivedAt: m.ReceivedAt, Fix: m.Fix(),
			RouteURL: h.Link(c, "/app/settings/routing/route?uuid="+url.QueryEscape(m.MeetingUUID))})
		if r.AccountID == "" {
			r.AccountID = m.ZoomAccountID
		}
	}
	if r.AccountID != "" {
		switch owner, err := p.Routing.FindZoomAccountOrg(ctx, r.AccountID); {
		case err == nil && owner == orgID:
			r.Owner = "this org"
			r.ReleaseURL = h.Link(c, "/app/settings/routing/release?account="+url.QueryEscape(r.AccountID))
		case err == nil:
			r.Owner = "another org"
		case sfzoom.ErrorCode(err) != sfzoom.ENOTFOUND:
			return err
		}
	}
	v.Routing = r
	return nil
}

func (p *SettingsPages) handleClaimZoomAccount(h *Helpers) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		orgID := h.Session(c).OrgID
		account := strings.TrimSpace(c.FormValue("zoom_account_id"))
		if !validZoomAccountID(account) {
			return sfzoom.Errorf(sfzoom.EINVALID, "Enter the Zoom account ID (letters, digits, - and _, as shown in Zoom's Account Profile), not an email or a URL.")
		}
		if err := p.Routing.SetZoomAccountOrg(ctx, account, orgID); err != nil {
			return err
		}
		c.Set(ctxKeyClaimedAccount, account)
		// The claim re-routes what waits: each queued meeting of the
		// account that now resolves to this org is logged here.
		routed, err := p.routeQueued(ctx, orgID, account)
		if err != nil {
			return err
		}
		msg := "Meetings of Zoom account " + account + " that several orgs could log are now logged in this org."
		switch {
		case routed == 1:
			msg += " 1 waiting meeting was routed here."
		case routed > 1:
			msg += " " + strconv.Itoa(routed) + " waiting meetings were routed here."
		}
		return p.panel(c, h, "connections", msg)
	}
}

// handleReleaseZoomAccount gives up this org's claim of a Zoom account, so
// that another org's admin may claim it (a claim is never taken over).
func (p *SettingsPages) handleReleaseZoomAccount(h *Helpers) echo.HandlerFunc {
	return func(c echo.Context) error {
		account := c.QueryParam("account")
		if !validZoomAccountID(account) {
			return sfzoom.Errorf(sfzoom.EINVALID, "No Zoom account to release was given. Reload Settings and use the Release button.")
		}
		if err := p.Routing.ReleaseZoomAccountOrg(c.Request().Context(), account, h.Session(c).OrgID); err != nil {
			return err
		}
		return p.panel(c, h, "connections", "This org no longer claims Zoom account "+account+
			". Its meetings that several orgs could log wait here until an admin claims the account again.")
	}
}

func (p *SettingsPages) handleRouteMeeting(h *Helpers) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		orgID := h.Session(c).OrgID
		uuid := c.QueryParam("uuid")
		queued, err := p.Routing.FindUnroutedMeetings(ctx, orgID, 0)
		if err != nil {
			return err
		}
		var m *sfzoom.UnroutedMeeting
		for _, q := range queued {
			if q.MeetingUUID == uuid {
				m = q
			}
		}
		if m == nil {
			return sfzoom.Errorf(sfzoom.ENOTFOUND, "That meeting is not waiting to be routed in this org. Reload Settings.")
		}
		org, err := p.Routing.FindOrgForZoom(ctx, m.ZoomMeetingID, m.HostZoomUserID, m.ZoomAccountID)
		switch {
		case err == nil && org != orgID:
			return sfzoom.Errorf(sfzoom.ECONFLICT, "This meeting now belongs to another org (its admin claimed Zoom account %s); an admin of that org routes it.", m.ZoomAccountID)
		case err != nil:
			code := sfzoom.ErrorCode(err)
			if code != sfzoom.ENOTFOUND && code != sfzoom.ECONFLICT {
				return err
			}
			return sfzoom.Errorf(sfzoom.ECONFLICT, "Not routed yet: %s", m.Fix())
		}
		if err := p.Routing.RouteUnroutedMeeting(ctx, m.MeetingUUID, routeJob(orgID, m)); err != nil {
			return err
		}
		return p.panel(c, h, "connections", "Zoom meeting "+strconv.FormatInt(m.ZoomMeetingID, 10)+" is routed to this org and will be logged shortly.")
	}
}

// routeQueued routes the org's queued meetings of account that now resolve
// to the org; it returns how many.
func (p *SettingsPages) routeQueued(ctx context.Context, orgID, account string) (int, error) {
	queued, err := p.Routing.FindUnroutedMeetings(ctx, orgID, 0)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, m := range queued {
		if m.ZoomAccountID != account {
			continue
		}
		if org, err := p.Routing.FindOrgForZoom(ctx, m.ZoomMeetingID, m.HostZoomUserID, m.ZoomAccountID); err != nil || org != orgID {
			continue
		}
		switch err := p.Routing.RouteUnroutedMeeting(ctx, m.MeetingUUID, routeJob(orgID, m)); {
		case err == nil:
			n++
		case sfzoom.ErrorCode(err) != sfzoom.ENOTFOUND: // routed meanwhile: fine
			return n, err
		}
	}
	return n, nil
}

// routeJob is the post-meeting job of a queued meeting, now of orgID.
func routeJob(orgID string, m *sfzoom.UnroutedMeeting) store.Job {
	return store.Job{Args: jobs.LogMeetingArgs{OrgID: orgID, ZoomMeetingID: m.ZoomMeetingID, MeetingUUID: m.MeetingUUID,
		Trigger: m.Trigger, WebhookEventID: m.WebhookEventID, StartedAt: m.StartedAt, EndedAt: m.EndedAt}}
}

// validZoomAccountID accepts what Zoom shows as an account ID: a short
// token of letters, digits, '-' and '_'.
func validZoomAccountID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

package main

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/riverqueue/river/rivertype"

	"github.com/sfzoom/sfzoom/internal/config"
	"github.com/sfzoom/sfzoom/internal/identity"
	"github.com/sfzoom/sfzoom/internal/integrations"
	"github.com/sfzoom/sfzoom/internal/jobs"
	"github.com/sfzoom/sfzoom/internal/salesforce"
	"github.com/sfzoom/sfzoom/internal/scheduling"
	"github.com/sfzoom/sfzoom/internal/setup"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/zoom"
	"github.com/sfzoom/sfzoom/templates"
	"github.com/sfzoom/sfzoom/web"
)

// wirePages builds the record, home, settings and review pages into co and
// the OAuth popups into opts, and returns the admin checker and the
// scheduling service.
func (a *app) wirePages(cfg *config.Config, opts *web.Options, co *web.CanvasOptions) (adminChecker, *scheduling.Service) {
	st := a.backend.Store
	in := a.integrations
	ident := identity.New(identity.Options{
		Store: st, Logger: a.log,
		Zoom: func(ctx context.Context) (identity.ZoomUsers, error) { return in.ZoomAccount(ctx) },
		Salesforce: func(ctx context.Context, orgID string) (identity.SalesforceUsers, error) {
			return in.Salesforce(ctx, orgID)
		},
	})
	svc := scheduling.New(scheduling.Options{
		Store: st, Identity: ident, Logger: a.log, UserMode: in.ZoomMode() == integrations.ZoomAuthUser,
		Zoom: func(ctx context.Context, orgID, sfUserID string) (scheduling.ZoomMeetings, error) {
			return in.Zoom(ctx, orgID, sfUserID)
		},
		Salesforce: func(ctx context.Context, orgID string) (scheduling.Salesforce, error) {
			return in.Salesforce(ctx, orgID)
		},
	})

	key, err := hkdf.Key(sha256.New, cfg.SessionKeys[0], nil, "sfzoom oauth popup v1", 32)
	if err != nil {
		panic(fmt.Sprintf("derive oauth key: %v", err)) // only fails for absurd lengths
	}
	conn := unblockingConnector{Integrations: in, a: a}
	oauth := &web.OAuth{Key: key, Salesforce: conn, SecureCookie: cfg.PublicURL.Scheme == "https", Claims: st}
	sp := &web.SchedulingPages{Scheduler: svc, Orgs: st, Mappings: ident, Flags: meetingFlags{st}}
	if in.ZoomMode() == integrations.ZoomAuthUser {
		oauth.Zoom = conn
		sp.Zoom = &web.ZoomUserConnection{OAuth: oauth, Connections: st, Disconnect: in.DisconnectZoomUser}
	}
	settings := &web.SettingsPages{
		Users: ident, Orgs: st, Connections: st, DisconnectSalesforce: in.DisconnectSalesforce,
		Health: &health{a: a}, OAuth: oauth, ZoomMode: in.ZoomMode(), Routing: st, ZoomAccountID: cfg.ZoomAccountID,
	}
	a.identity = ident
	a.setup = a.setupChecker(cfg, ident)
	settings.Setup = a.setup
	co.Scheduling, co.Settings, co.Review = sp, settings, a.reviewPages()
	opts.OAuth = oauth
	return adminChecker{in: in}, svc
}

// meetingFlags reads the post-meeting pipeline's recordings and summaries.
type meetingFlags struct {
	st interface {
		FindRecordingFiles(ctx context.Context, f sfzoom.RecordingFileFilter) ([]*sfzoom.RecordingFile, error)
		FindSummary(ctx context.Context, orgID, meetingUUID string) (*sfzoom.Summary, error)
	}
}

func (f meetingFlags) MeetingFlags(ctx context.Context, orgID string, ms []*sfzoom.Meeting) (map[int64]templates.MeetingFlags, error) {
	out := map[int64]templates.MeetingFlags{}
	for _, m := range ms {
		if m.Status == sfzoom.MeetingScheduled || m.Status == sfzoom.MeetingCancelled {
			continue
		}
		var fl templates.MeetingFlags
		id := m.ID
		files, err := f.st.FindRecordingFiles(ctx, sfzoom.RecordingFileFilter{OrgID: orgID, MeetingID: &id})
		if err != nil {
			return out, err
		}
		fl.RecordingAvailable = len(files) > 0
		if m.ZoomUUID != "" {
			if _, err := f.st.FindSummary(ctx, orgID, m.ZoomUUID); err == nil {
				fl.SummaryAvailable = true
			}
		}
		out[m.ID] = fl
	}
	return out, nil
}

// adminChecker asks Salesforce whether a user holds the sfzoom_Admin
// permission set: at Canvas open with the user's own token on the verified
// instance host, and on later requests of an admin session through the org's
// integration connection. web caches the answers briefly (web.AdminMaxAge).
type adminChecker struct {
	in *integrations.Integrations
}

func (a adminChecker) IsAdmin(ctx context.Context, u *sfzoom.User, accessToken string) (bool, error) {
	sf, err := a.in.SalesforceAsUser(ctx, u.InstanceURL, accessToken)
	if err != nil {
		return false, err
	}
	return sf.HasPermissionSet(ctx, u.UserID, salesforce.PermissionSetAdmin)
}

func (a adminChecker) RecheckAdmin(ctx context.Context, u *sfzoom.User) (bool, error) {
	sf, err := a.in.Salesforce(ctx, u.OrgID)
	if err != nil {
		return false, err
	}
	return sf.HasPermissionSet(ctx, u.UserID, salesforce.PermissionSetAdmin)
}

// health gathers the Health tab.
type health struct{ a *app }

func (h *health) Health(ctx context.Context, orgID string) (templates.HealthView, error) {
	var v templates.HealthView
	v.DeployCommand = setup.DeployCommand
	if depth, err := h.a.backend.OrgQueueDepth(ctx, orgID); err == nil {
		v.QueueDepth = map[string]int{}
		for s, n := range depth {
			v.QueueDepth[string(s)] = n
		}
	} else {
		v.Problems = append(v.Problems, "The job queue could not be read: "+sfzoom.ErrorMessage(err))
	}
	if bs, total, err := h.a.backend.Store.FindBlockedMeetings(ctx, sfzoom.BlockedMeetingFilter{OrgID: orgID, Limit: 50}); err == nil {
		v.BlockedTotal = total
		for _, b := range bs {
			topic := b.Topic
			if topic == "" {
				topic = fmt.Sprintf("Zoom meeting %d", b.ZoomMeetingID)
			}
			v.Blocked = append(v.Blocked, templates.BlockedRow{Topic: topic, BlockedAt: b.BlockedAt, Reason: b.Reason, Fix: b.Fix, Attempts: b.Attempts})
		}
	} else {
		v.Problems = append(v.Problems, "The meetings waiting for a connection could not be read: "+sfzoom.ErrorMessage(err))
	}
	if rows, err := h.a.backend.FailedJobs(ctx, orgID, 20); err == nil {
		for _, r := range rows {
			v.FailedJobs = append(v.FailedJobs, jobRow(r))
		}
	}
	// This org's deliveries only: another org's traffic is none of its
	// admins' business.
	if ev, err := h.a.backend.Store.LastWebhookEvent(ctx, orgID); err == nil {
		v.LastWebhook, v.LastWebhookType = ev.ReceivedAt, ev.EventType
	}
	v.Connections = append(v.Connections, h.salesforce(ctx, orgID, &v), h.zoom(ctx, orgID))
	return v, nil
}

// salesforce is the org's integration connection: status, token, last
// successful call, breaker; and, while connected, a fresh describe.
func (h *health) salesforce(ctx context.Context, orgID string, v *templates.HealthView) templates.HealthConnection {
	in := h.a.integrations
	c := templates.HealthConnection{TestID: "health-salesforce", Label: "Salesforce (integration user)", Status: "not_connected",
		LastOK: in.LastSuccess("salesforce", orgID)}
	conn, err := h.a.backend.Store.FindConnection(ctx, orgID, sfzoom.ProviderSalesforce, "integration")
	switch {
	case sfzoom.ErrorCode(err) == sfzoom.ENOTFOUND:
		c.Token = "No token: an sfzoom admin must connect Salesforce (Connections tab). Meetings are not logged until then."
		return c
	case err != nil:
		v.Problems = append(v.Problems, "The Salesforce connection could not be read: "+sfzoom.ErrorMessage(err))
		return c
	}
	c.Status = conn.Status
	if conn.Status != sfzoom.ConnectionActive {
		c.Token = "Salesforce refused the stored sign-in; reconnect Salesforce on the Connections tab. Meetings wait until then."
		return c
	}
	tok, err := in.SalesforceToken(ctx, orgID)
	switch {
	case err != nil:
		c.Token = "The token could not be renewed: " + sfzoom.ErrorMessage(err)
	case tok.Expiry.IsZero():
		c.Token = "Token valid; Salesforce does not say for how long, so sfzoom renews it when Salesforce stops accepting it."
	default:
		c.Token = "Token valid until " + tok.Expiry.In(h.loc(ctx)).Format("2 Jan 15:04 MST") + "; renewed automatically."
	}
	sf, err := in.Salesforce(ctx, orgID)
	if err != nil {
		v.Problems = append(v.Problems, sfzoom.ErrorMessage(err))
		return c
	}
	// A fresh describe each time: never a result from before a disconnect.
	missing, err := sf.MissingFields(ctx, salesforce.WithPlatformEvent())
	if err != nil {
		v.Problems = append(v.Problems, "The Salesforce fields could not be checked: "+sfzoom.ErrorMessage(err))
	} else {
		v.FieldsChecked = true
		for _, f := range missing {
			v.MissingFields = append(v.MissingFields, fmt.Sprintf("%s.%s (%s)", f.Object, f.Field, f.Type))
		}
	}
	c.LastOK = in.LastSuccess("salesforce", orgID)
	b := sf.Budget()
	v.APIUsed, v.APIMax, v.BudgetKnown = b.Used, b.Max, b.Max > 0
	c.Breaker, c.BreakerOK = setup.SalesforceStatus(sf, h.meetingsWaiting(ctx, orgID)).Words(h.loc(ctx))
	return c
}

// zoom is the Zoom side: the account-wide app (S2S) or the reps' own
// connections (user mode).
func (h *health) zoom(ctx context.Context, orgID string) templates.HealthConnection {
	in := h.a.integrations
	c := templates.HealthConnection{TestID: "health-zoom", LastOK: in.LastSuccess("zoom", orgID)}
	if in.ZoomMode() == integrations.ZoomAuthUser {
		c.Label, c.Status = "Zoom (each rep's own account)", sfzoom.ConnectionActive
		conns, err := h.a.backend.Store.FindConnections(ctx, orgID)
		if err != nil {
			c.Token = "The connections could not be read: " + sfzoom.ErrorMessage(err)
			return c
		}
		active, reconnect := setup.ZoomUserCounts(conns)
		c.Token = fmt.Sprintf("%d reps connected, %d must reconnect (Connect Zoom on the sfzoom home page).", active, reconnect)
		if active == 0 {
			c.Status = "not_connected"
		}
		return c
	}
	c.Label, c.Status = "Zoom (Server-to-Server app, shared by every org on this server)", sfzoom.ConnectionActive
	tok, err := in.ZoomAccountToken(ctx)
	if err != nil {
		c.Status = sfzoom.ConnectionReconnect
		c.Token = "Zoom refused to issue a token: " + sfzoom.ErrorMessage(err) + " Check the SFZOOM_ZOOM_* credentials (Setup tab)."
		return c
	}
	c.Token = "Token valid until " + tok.Expiry.In(h.loc(ctx)).Format("2 Jan 15:04 MST") + "; renewed automatically."
	zc, err := in.ZoomAccount(ctx)
	if err != nil {
		return c
	}
	apis := []string{zoom.APIMeetings, zoom.APIPastMeetings, zoom.APIUsers, zoom.APISCIM, zoom.APIRecordings, zoom.APISummaries, zoom.APIDownloads}
	c.Breaker, c.BreakerOK = setup.ZoomStatus(zc, apis, h.meetingsWaiting(ctx, orgID)).Words(h.loc(ctx))
	return c
}

// meetingsWaiting counts the org's meetings not logged yet (their
// log_meeting jobs are queued, scheduled or retrying); 0 if unknown.
func (h *health) meetingsWaiting(ctx context.Context, orgID string) int {
	n, err := h.a.backend.OrgWaitingJobs(ctx, orgID, jobs.LogMeetingArgs{}.Kind())
	if err != nil {
		h.a.log.WarnContext(ctx, "health: count waiting meetings", "err", err)
	}
	return n
}

// loc is the admin's time zone (from the request context's user).
func (h *health) loc(ctx context.Context) *time.Location {
	if u := sfzoom.UserFromContext(ctx); u != nil && u.TimeZone != "" {
		if l, err := time.LoadLocation(u.TimeZone); err == nil {
			return l
		}
	}
	return time.UTC
}

func jobRow(r *rivertype.JobRow) templates.JobRow {
	row := templates.JobRow{ID: r.ID, Kind: r.Kind, Attempt: r.Attempt, At: r.CreatedAt}
	if n := len(r.Errors); n > 0 {
		row.Error, row.At = r.Errors[n-1].Error, r.Errors[n-1].At
	}
	if len(row.Error) > 300 {
		row.Error = row.Error[:300]
	}
	return row
}

func (h *health) RetryJob(ctx context.Context, orgID string, id int64) error {
	_, err := h.a.backend.RetryJob(ctx, orgID, id)
	return err
}

package main

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"

	"github.com/sfzoom/sfzoom/internal/config"
	"github.com/sfzoom/sfzoom/internal/identity"
	"github.com/sfzoom/sfzoom/internal/integrations"
	"github.com/sfzoom/sfzoom/internal/salesforce"
	"github.com/sfzoom/sfzoom/internal/scheduling"
	"github.com/sfzoom/sfzoom/internal/setup"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
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
		Store: st, Attendance: st, Identity: ident, Logger: a.log, UserMode: in.ZoomMode() == integrations.ZoomAuthUser,
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
	sp := &web.SchedulingPages{Scheduler: svc, Orgs: st, Mappings: ident, Flags: meetingFlags{st}, Attendance: svc, Records: svc}
	if in.ZoomMode() == integrations.ZoomAuthUser {
		oauth.Zoom = conn
		sp.Zoom = &web.ZoomUserConnection{OAuth: oauth, Connections: st, Disconnect: in.DisconnectZoomUser}
	}
	settings := &web.SettingsPages{
		Users: ident, Orgs: st, Connections: st, DisconnectSalesforce: in.DisconnectSalesforce,
		Health: a.health(), OAuth: oauth, ZoomMode: in.ZoomMode(), Routing: st, ZoomAccountID: cfg.ZoomAccountID,
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

// health gathers the Health tab from the job queue, the store and the
// vendor clients.
func (a *app) health() *setup.Health {
	return &setup.Health{Jobs: a.backend, Store: a.backend.Store, Clients: a.integrations, Logger: a.log}
}

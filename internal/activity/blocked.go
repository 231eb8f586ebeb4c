package activity

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/sfzoom/sfzoom/internal/jobs"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store"
	"github.com/sfzoom/sfzoom/internal/zoom"
)

// TriggerUnblocked marks the job that re-logs a meeting once the connection
// it was blocked on is restored.
const TriggerUnblocked = "unblocked"

// Connection subjects of the account-wide connections.
const (
	subjectIntegration = "integration" // the org's Salesforce integration connection
	subjectAccount     = "account"     // the Zoom Server-to-Server app
)

// blocked describes why a meeting cannot be logged until a person acts.
type blocked struct {
	provider, subject string
	cause             error
}

// block parks the occurrence durably with the reason and the fix in words,
// so admins see it on the Health tab and it is logged again once the
// connection is restored (Unblock, or the periodic sweep). The job itself
// then ends: the meeting lives on in the blocked list, never cancelled.
func (p *Pipeline) block(ctx context.Context, args jobs.LogMeetingArgs, orgID string, m *sfzoom.Meeting, why blocked) error {
	args.OrgID = orgID
	enc, err := json.Marshal(args)
	if err != nil {
		return fmt.Errorf("activity: encode blocked job: %w", err)
	}
	b := &sfzoom.BlockedMeeting{OrgID: orgID, MeetingUUID: args.MeetingUUID, ZoomMeetingID: args.ZoomMeetingID,
		Provider: why.provider, Subject: why.subject, Reason: sfzoom.ErrorMessage(why.cause), Args: enc}
	if m != nil {
		b.Topic = m.Topic
	}
	b.Fix = p.fix(ctx, orgID, why)
	if err := p.opts.Store.BlockMeeting(ctx, b); err != nil {
		return fmt.Errorf("activity: park blocked meeting: %w", err)
	}
	p.log.WarnContext(ctx, "activity: meeting blocked until a connection is fixed", "org", orgID, "zoom_meeting_id", args.ZoomMeetingID,
		"provider", why.provider, "attempts", b.Attempts, "reason", b.Reason, "fix", b.Fix)
	return nil
}

// fix says, in words, who must do what.
func (p *Pipeline) fix(ctx context.Context, orgID string, why blocked) string {
	switch why.provider {
	case sfzoom.ProviderSalesforce:
		return "Connect Salesforce as the integration user (sfzoom Settings → Connections → Connect Salesforce)."
	case sfzoom.ProviderZoomS2S:
		return "An sfzoom operator must check the Zoom Server-to-Server app: it must be activated, and SFZOOM_ZOOM_ACCOUNT_ID, SFZOOM_ZOOM_CLIENT_ID and SFZOOM_ZOOM_CLIENT_SECRET must be its credentials."
	}
	who := "The meeting's host"
	if why.subject == "" {
		return "The meeting's host is not mapped to a Salesforce user: map them on sfzoom Settings → Users, then they must connect Zoom (Connect Zoom on the sfzoom home page)."
	}
	if ms, _, err := p.opts.Store.FindUserMappings(ctx, sfzoom.UserMappingFilter{OrgID: orgID, SFUserID: &why.subject, Limit: 1}); err == nil && len(ms) > 0 && ms[0].SFName != "" {
		who = ms[0].SFName
	}
	return who + " must reconnect Zoom (Connect Zoom on the sfzoom home page, or Settings → Connections)."
}

func (p *Pipeline) salesforceBlocked(err error) blocked {
	return blocked{provider: sfzoom.ProviderSalesforce, subject: subjectIntegration, cause: err}
}

func (p *Pipeline) zoomBlocked(hostSF string, err error) blocked {
	if p.opts.ZoomPerUser {
		return blocked{provider: sfzoom.ProviderZoomUser, subject: hostSF, cause: err}
	}
	return blocked{provider: sfzoom.ProviderZoomS2S, subject: subjectAccount, cause: err}
}

// hostSFUser is the Salesforce user who hosted the occurrence: from the
// meeting scheduled in sfzoom, else (per-user Zoom only, where the host's
// own connection is needed) the user mapped to the webhook's Zoom host.
func (p *Pipeline) hostSFUser(ctx context.Context, orgID string, m *sfzoom.Meeting, args jobs.LogMeetingArgs) string {
	if m != nil && m.HostSFUserID != "" {
		return m.HostSFUserID
	}
	if !p.opts.ZoomPerUser || args.WebhookEventID == 0 {
		return ""
	}
	ev, err := p.opts.Store.FindWebhookEventByID(ctx, args.WebhookEventID)
	if err != nil {
		return ""
	}
	zev, err := zoom.ParseWebhook(ev.Payload)
	if err != nil || zev.HostID == "" {
		return ""
	}
	ms, _, err := p.opts.Store.FindUserMappings(ctx, sfzoom.UserMappingFilter{OrgID: orgID, ZoomUserID: &zev.HostID, Limit: 1})
	if err != nil || len(ms) == 0 {
		return ""
	}
	return ms[0].SFUserID
}

// Unblock re-enqueues the org's meetings blocked on the connection
// (provider, subject), removing them from the blocked list in the same
// transaction. Call it once the connection works again; it returns how many
// meetings it re-enqueued.
func (p *Pipeline) Unblock(ctx context.Context, orgID, provider, subject string) (int, error) {
	n, err := p.opts.Store.UnblockMeetings(ctx, orgID, provider, subject, unblockJob)
	if err != nil {
		return 0, err
	}
	if n > 0 {
		p.log.InfoContext(ctx, "activity: blocked meetings re-enqueued", "org", orgID, "provider", provider, "meetings", n)
	}
	return n, nil
}

func unblockJob(b *sfzoom.BlockedMeeting) (store.Job, error) {
	var args jobs.LogMeetingArgs
	if err := json.Unmarshal(b.Args, &args); err != nil {
		return store.Job{}, fmt.Errorf("activity: decode blocked job of %s: %w", b.MeetingUUID, err)
	}
	args.OrgID, args.MeetingUUID, args.Trigger = b.OrgID, b.MeetingUUID, TriggerUnblocked
	if args.ZoomMeetingID == 0 {
		args.ZoomMeetingID = b.ZoomMeetingID
	}
	return store.Job{Args: args}, nil
}

// UnblockSweepInterval is how often the sweep re-enqueues meetings whose
// connection was restored without passing through a connect callback (an
// operator fixed the S2S credentials, a reconnect on another replica whose
// unblock failed).
const UnblockSweepInterval = 5 * time.Minute

// UnblockArgs asks for one sweep of the blocked meetings.
type UnblockArgs struct{}

// Kind implements river.JobArgs.
func (UnblockArgs) Kind() string { return "unblock_meetings" }

// InsertOpts keeps one sweep pending at a time.
func (UnblockArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByPeriod: time.Minute}}
}

// UnblockPeriodicJob returns the periodic sweep.
func UnblockPeriodicJob() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(UnblockSweepInterval), func() (river.JobArgs, *river.InsertOpts) {
		return UnblockArgs{}, nil
	}, &river.PeriodicJobOpts{ID: "unblock_meetings"})
}

// ConnectionFinder reads connections (the store).
type ConnectionFinder interface {
	FindConnection(ctx context.Context, orgID, provider, subject string) (*sfzoom.Connection, error)
}

// UnblockWorker runs the sweep: every group of meetings blocked on a
// connection that is active again is re-enqueued. Meetings blocked on the
// Zoom Server-to-Server app are retried every sweep, since its credentials
// live in the configuration, not in a connection a person reconnects.
type UnblockWorker struct {
	river.WorkerDefaults[UnblockArgs]
	Pipeline    *Pipeline
	Connections ConnectionFinder
}

// Work makes one sweep.
func (w *UnblockWorker) Work(ctx context.Context, job *river.Job[UnblockArgs]) error {
	_, err := w.Pipeline.Sweep(ctx, w.Connections)
	return jobs.Result(err)
}

// Sweep re-enqueues the blocked meetings whose connection works again and
// returns how many it re-enqueued.
func (p *Pipeline) Sweep(ctx context.Context, conns ConnectionFinder) (int, error) {
	all, _, err := p.opts.Store.FindBlockedMeetings(ctx, sfzoom.BlockedMeetingFilter{})
	if err != nil {
		return 0, err
	}
	type key struct{ org, provider, subject string }
	seen := map[key]bool{}
	total := 0
	for _, b := range all {
		k := key{b.OrgID, b.Provider, b.Subject}
		if seen[k] {
			continue
		}
		seen[k] = true
		if !restored(ctx, conns, k.org, k.provider, k.subject) {
			continue
		}
		n, err := p.Unblock(ctx, k.org, k.provider, k.subject)
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}

func restored(ctx context.Context, conns ConnectionFinder, orgID, provider, subject string) bool {
	switch provider {
	case sfzoom.ProviderZoomS2S:
		return true
	case sfzoom.ProviderSalesforce, sfzoom.ProviderZoomUser:
		c, err := conns.FindConnection(ctx, orgID, provider, subject)
		return err == nil && c.Status == sfzoom.ConnectionActive
	}
	return false
}

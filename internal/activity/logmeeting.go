package activity

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sfzoom/sfzoom/internal/jobs"
	"github.com/sfzoom/sfzoom/internal/salesforce"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store"
	"github.com/sfzoom/sfzoom/internal/zoom"
)

// Triggers that always write, even when nothing changed at Zoom.
const (
	TriggerManual    = "manual"    // an admin asked for a re-log
	TriggerRelink    = "relink"    // the review queue linked a participant
	TriggerReconcile = "reconcile" // the periodic reconciliation found it unlogged
)

// DefaultLeaseTTL is how long an occurrence's lease outlives its holder's
// last heartbeat. The holder renews it every third of that while it works,
// so a job holds the occurrence for as long as it runs, and a holder that
// died (SIGKILL, a lost node) stops renewing: another worker may log the
// meeting at most this long after. It is well under River's rescue window
// (internal/backend.RescueStuckJobsAfter), so a rescued job finds it free.
const DefaultLeaseTTL = 30 * time.Second

// occurrenceLeaseWait is how long a job waits for an occurrence another job
// is logging before it snoozes: deliveries that arrive together (a
// recording stored, a summary fetched) take milliseconds each, and queue
// behind one another rather than snoozing past the meeting.ended job that
// writes them all at once.
const occurrenceLeaseWait = 3 * time.Second

// errLeaseLost is the cause of a job's cancellation when its holder could
// not renew the occurrence's lease (the store failed, or another holder took
// it after a pause longer than the TTL).
var errLeaseLost = errors.New("activity: lost the meeting's lease")

// holdLease takes the occurrence's lease for holder and renews it every
// third of the TTL until release is called. It returns a context that is
// cancelled (cause errLeaseLost) if a renewal fails, so the job stops before
// it writes anything more. release stops the heartbeat and gives the lease
// up; a failure to give it up is logged (the lease then frees itself after
// the TTL). ECONFLICT, retried shortly, when another holder has it.
func (p *Pipeline) holdLease(ctx context.Context, name, holder string) (context.Context, func(), error) {
	ttl := p.opts.LeaseTTL
	ok, err := p.opts.Store.AcquireLease(ctx, name, holder, ttl)
	if err != nil {
		return ctx, nil, fmt.Errorf("activity: lease: %w", err)
	}
	if !ok {
		return ctx, nil, &retryLater{err: sfzoom.Errorf(sfzoom.ECONFLICT, "Another worker is logging this meeting."), delay: 2 * time.Second}
	}
	jobCtx, cancel := context.WithCancelCause(ctx)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(ttl / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-jobCtx.Done():
				return
			case <-t.C:
			}
			ok, err := p.opts.Store.AcquireLease(jobCtx, name, holder, ttl)
			if err == nil && ok {
				continue
			}
			if jobCtx.Err() != nil {
				return
			}
			p.log.WarnContext(ctx, "activity: lost the meeting's lease; stopping this job", "lease", name, "holder", holder,
				"taken_by_another", err == nil, "err", fmt.Sprint(err))
			cancel(errLeaseLost)
			return
		}
	}()
	release := func() {
		close(stop)
		<-done
		cancel(nil)
		if err := p.opts.Store.ReleaseLease(context.WithoutCancel(ctx), name, holder); err != nil {
			p.log.ErrorContext(ctx, "activity: release lease failed; it frees itself after its TTL", "lease", name, "holder", holder,
				"ttl", ttl.String(), "err", err.Error())
		}
	}
	return jobCtx, release, nil
}

// LogMeeting logs one meeting occurrence in Salesforce (a LogMeetingArgs
// job, through jobs.NewWorker). Errors carry their meaning for jobs.Result: rate
// limits snooze, permanent errors (unknown org, a meeting Zoom does not
// know) cancel, everything else — Salesforce or Zoom down, the breaker
// open — is retried with backoff. A connection only a person can fix (the
// host's Zoom authorization refused, Salesforce not connected) parks the
// meeting as blocked (see block) and the job ends without error.
func (p *Pipeline) LogMeeting(ctx context.Context, args jobs.LogMeetingArgs) error {
	ctx = salesforce.WithPriority(ctx, salesforce.Background)
	// A Zoom 429 snoozes the job for Retry-After (classify) instead of
	// sleeping in the worker.
	ctx = zoom.WithoutRateLimitWait(ctx)
	err := classify(p.logMeeting(ctx, args))
	if errors.Is(err, errLeaseLost) {
		err = &retryLater{err: err, delay: 2 * time.Second}
	}
	if err != nil {
		p.log.WarnContext(ctx, "activity: log meeting failed", "org", args.OrgID, "zoom_meeting_id", args.ZoomMeetingID,
			"trigger", args.Trigger, "code", sfzoom.ErrorCode(err), "err", err.Error())
	}
	return err
}

// run is one job's occurrence: its org, the meeting sfzoom scheduled (nil
// when it did not) and the org's activity mode.
type run struct {
	args     jobs.LogMeetingArgs
	orgID    string
	uuid     string
	meeting  *sfzoom.Meeting
	mode     string
	settings sfzoom.OrgSettings
}

func (r *run) meetingID() int64 {
	if r.meeting == nil {
		return 0
	}
	return r.meeting.ID
}

func (r *run) direct() bool { return r.mode != sfzoom.ActivityModePlatformEvent }

// logMeeting finds the occurrence's org and meeting, then logs it under the
// occurrence's lease: one job per occurrence at a time, across processes,
// so that the Event existence check and the roll-ups never interleave.
func (p *Pipeline) logMeeting(ctx context.Context, args jobs.LogMeetingArgs) (err error) {
	r, err := p.prepare(ctx, args)
	if err != nil {
		return err
	}
	ctx, release, err := p.waitLease(ctx, "log_meeting:"+r.orgID+":"+r.uuid, occurrenceLeaseWait,
		&retryLater{err: sfzoom.Errorf(sfzoom.ECONFLICT, "Another worker is logging this meeting."), delay: 2 * time.Second})
	if err != nil {
		return err
	}
	defer func() {
		release()
		if err != nil && errors.Is(context.Cause(ctx), errLeaseLost) {
			err = fmt.Errorf("%w: %w", errLeaseLost, err)
		}
	}()
	if r.meeting, err = p.markEnded(ctx, r.meeting, args); err != nil {
		return err
	}
	return p.logOccurrence(ctx, r)
}

// prepare resolves the job's org (routing a delivery stored without one)
// and finds the meeting sfzoom scheduled.
func (p *Pipeline) prepare(ctx context.Context, args jobs.LogMeetingArgs) (*run, error) {
	r := &run{args: args, orgID: args.OrgID, uuid: args.MeetingUUID}
	if r.uuid == "" {
		return nil, sfzoom.Errorf(sfzoom.EINVALID, "The job names no meeting occurrence (UUID).")
	}
	if r.orgID == "" {
		var err error
		if r.orgID, err = p.resolveOrg(ctx, args); err != nil {
			return nil, err
		}
	}
	org, err := p.opts.Store.FindOrgByID(ctx, r.orgID)
	if err != nil {
		return nil, fmt.Errorf("activity: find org: %w", err)
	}
	r.settings, r.mode = org.Settings, org.Settings.ActivityMode
	if r.mode == "" {
		r.mode = sfzoom.ActivityModeDirect
	}
	if r.meeting, err = p.findMeeting(ctx, r.orgID, args.ZoomMeetingID); err != nil {
		return nil, err
	}
	return r, nil
}

// resolveOrg finds the org of a delivery stored without one: by the meeting
// (scheduled from a record), else by the host's Zoom user id, with the org
// that claimed the Zoom account when several orgs qualify. A meeting that
// maps to no org or to several is never guessed: it stays in the unrouted
// queue (shown to admins with the fix) and the job ends there.
func (p *Pipeline) resolveOrg(ctx context.Context, args jobs.LogMeetingArgs) (string, error) {
	host, account := args.HostZoomUserID, args.ZoomAccountID
	if args.WebhookEventID != 0 && (host == "" || account == "") {
		if ev, err := p.opts.Store.FindWebhookEventByID(ctx, args.WebhookEventID); err == nil {
			if zev, err := zoom.ParseWebhook(ev.Payload); err == nil {
				host, account = cmp.Or(host, zev.HostID), cmp.Or(account, zev.AccountID)
			}
		}
	}
	org, err := p.opts.Store.FindOrgForZoom(ctx, args.ZoomMeetingID, host, account)
	code := sfzoom.ErrorCode(err)
	if err == nil {
		// Routed after all (a mapping appeared before the job ran): the
		// queue entry the webhook stored is done.
		if err := p.opts.Store.DeleteUnroutedMeeting(ctx, args.MeetingUUID); err != nil {
			return "", fmt.Errorf("activity: dequeue routed meeting: %w", err)
		}
		return org, nil
	}
	if code != sfzoom.ENOTFOUND && code != sfzoom.ECONFLICT {
		return "", err
	}
	u := &sfzoom.UnroutedMeeting{MeetingUUID: args.MeetingUUID, ZoomMeetingID: args.ZoomMeetingID, HostZoomUserID: host,
		ZoomAccountID: account, Trigger: args.Trigger, WebhookEventID: args.WebhookEventID, StartedAt: args.StartedAt,
		EndedAt: args.EndedAt, ReceivedAt: p.now()}
	if amb, ok := errors.AsType[*store.AmbiguousOrgError](err); ok {
		u.Candidates = amb.Orgs
	}
	if qerr := p.opts.Store.QueueUnroutedMeeting(ctx, u); qerr != nil {
		return "", fmt.Errorf("activity: queue unrouted meeting: %w", qerr)
	}
	p.log.WarnContext(ctx, "activity: meeting maps to no single org; queued for an admin", "zoom_meeting_id", args.ZoomMeetingID,
		"candidates", len(u.Candidates))
	// ENOTFOUND ends the job: the queue entry is what admins act on.
	return "", sfzoom.Errorf(sfzoom.ENOTFOUND, "%s", u.Fix())
}

func (p *Pipeline) findMeeting(ctx context.Context, orgID string, zoomMeetingID int64) (*sfzoom.Meeting, error) {
	if zoomMeetingID == 0 {
		return nil, nil
	}
	ms, _, err := p.opts.Store.FindMeetings(ctx, sfzoom.MeetingFilter{OrgID: orgID, ZoomMeetingID: &zoomMeetingID, Limit: 1})
	if err != nil {
		return nil, fmt.Errorf("activity: find meeting: %w", err)
	}
	if len(ms) == 0 {
		return nil, nil
	}
	return ms[0], nil
}

// markEnded records on the scheduled meeting that it has ended and when it
// really ran (meeting.ended carries the times): the record page then lists
// it as past and offers no reschedule, and the Event gets the real times
// even when Zoom has no recording or attendance to tell them.
func (p *Pipeline) markEnded(ctx context.Context, m *sfzoom.Meeting, args jobs.LogMeetingArgs) (*sfzoom.Meeting, error) {
	if m == nil || args.EndedAt.IsZero() || m.Status == sfzoom.MeetingCancelled {
		return m, nil
	}
	status := sfzoom.MeetingEnded
	upd := sfzoom.MeetingUpdate{Status: &status}
	if !args.StartedAt.IsZero() && !args.EndedAt.Before(args.StartedAt) {
		start := args.StartedAt.UTC().Truncate(time.Second)
		minutes := int(args.EndedAt.Sub(args.StartedAt).Round(time.Minute) / time.Minute)
		minutes = max(minutes, 1)
		upd.StartTime, upd.Duration = &start, &minutes
	}
	if m.Status == status && (upd.StartTime == nil || (m.StartTime.Equal(*upd.StartTime) && m.Duration == *upd.Duration)) {
		return m, nil
	}
	updated, err := p.opts.Store.UpdateMeeting(ctx, m.OrgID, m.ID, upd)
	if err != nil {
		return m, fmt.Errorf("activity: mark meeting ended: %w", err)
	}
	return updated, nil
}

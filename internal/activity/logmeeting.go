package activity

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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
	TriggerWebhook   = "webhook"   // coalesced webhook deliveries
)

// DefaultLeaseTTL is how long an occurrence's lease outlives its holder's
// last heartbeat. The holder renews it every third of that while it works,
// so a job holds the occurrence for as long as it runs, and a holder that
// died (SIGKILL, a lost node) stops renewing: another worker may log the
// meeting at most this long after. It is well under River's rescue window
// (internal/backend.RescueStuckJobsAfter), so a rescued job finds it free.
const DefaultLeaseTTL = 30 * time.Second

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

// fetched is what Zoom told us about an occurrence.
type fetched struct {
	Participants []*zoom.Participant  `json:"participants"`
	Recording    *zoom.Recording      `json:"recording,omitempty"`
	Summary      *zoom.MeetingSummary `json:"summary,omitempty"`
}

// LogMeeting logs one meeting occurrence in Salesforce. It implements
// jobs.MeetingLogger. Errors carry their meaning for jobs.Result: rate
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

func (p *Pipeline) logMeeting(ctx context.Context, args jobs.LogMeetingArgs) (err error) {
	orgID, uuid := args.OrgID, args.MeetingUUID
	if uuid == "" {
		return sfzoom.Errorf(sfzoom.EINVALID, "The job names no meeting occurrence (UUID).")
	}
	if orgID == "" {
		var err error
		if orgID, err = p.resolveOrg(ctx, args); err != nil {
			return err
		}
	}
	org, err := p.opts.Store.FindOrgByID(ctx, orgID)
	if err != nil {
		return fmt.Errorf("activity: find org: %w", err)
	}
	meeting, err := p.findMeeting(ctx, orgID, args.ZoomMeetingID)
	if err != nil {
		return err
	}

	// One job per occurrence at a time, across processes: the Event
	// existence check and the roll-up increment must not interleave.
	lease := "log_meeting:" + orgID + ":" + uuid
	holder := fmt.Sprintf("%s/%d", p.opts.Holder, p.seq.Add(1))
	ctx, release, err := p.holdLease(ctx, lease, holder)
	if err != nil {
		return err
	}
	defer func() {
		release()
		if err != nil && errors.Is(context.Cause(ctx), errLeaseLost) {
			err = fmt.Errorf("%w: %w", errLeaseLost, err)
		}
	}()

	if meeting, err = p.markEnded(ctx, meeting, args); err != nil {
		return err
	}
	if done, err := p.alreadyCovered(ctx, orgID, uuid, args.Trigger); err != nil || done {
		return err
	}

	// Salesforce first: without a connection there is no point spending
	// Zoom calls. A missing or refused connection parks the meeting as
	// blocked until an admin connects Salesforce; it is never dropped.
	sf, err := p.opts.Clients.Salesforce(ctx, orgID)
	if sfzoom.ErrorCode(err) == sfzoom.EUNAUTHORIZED {
		return p.block(ctx, args, orgID, meeting, p.salesforceBlocked(err))
	} else if err != nil {
		return fmt.Errorf("activity: salesforce client: %w", err)
	}
	hostSF := p.hostSFUser(ctx, orgID, meeting, args)
	zc, err := p.opts.Clients.Zoom(ctx, orgID, hostSF)
	if sfzoom.ErrorCode(err) == sfzoom.EUNAUTHORIZED {
		return p.block(ctx, args, orgID, meeting, p.zoomBlocked(hostSF, err))
	} else if err != nil {
		return fmt.Errorf("activity: zoom client: %w", err)
	}

	// The Zoom client already retried a 401 once after a forced token
	// refresh; an EUNAUTHORIZED here means the authorization itself is gone.
	data, err := p.fetch(ctx, zc, uuid)
	if sfzoom.ErrorCode(err) == sfzoom.EUNAUTHORIZED {
		return p.block(ctx, args, orgID, meeting, p.zoomBlocked(hostSF, err))
	} else if err != nil {
		return err
	}
	if p.opts.AfterFetch != nil {
		if err := p.opts.AfterFetch(ctx, orgID, uuid); err != nil {
			return err
		}
	}
	meetingID := int64(0)
	if meeting != nil {
		meetingID = meeting.ID
	}
	mode := org.Settings.ActivityMode
	if mode == "" {
		mode = sfzoom.ActivityModeDirect
	}
	fp := fingerprint(data, mode, meeting)
	prev, err := p.opts.Store.FindActivityLog(ctx, orgID, uuid)
	if err != nil && sfzoom.ErrorCode(err) != sfzoom.ENOTFOUND {
		return err
	}
	if prev != nil && prev.Fingerprint == fp && args.Trigger != TriggerManual && args.Trigger != TriggerRelink {
		p.log.InfoContext(ctx, "activity: meeting already logged, nothing changed", "org", orgID, "zoom_meeting_id", args.ZoomMeetingID)
		return p.opts.Store.DeleteBlockedMeeting(ctx, orgID, uuid)
	}

	if err := p.saveZoomData(ctx, orgID, uuid, meetingID, data); err != nil {
		return err
	}
	parts := mergeParticipants(data.Participants, org.Settings)
	direct := mode != sfzoom.ActivityModePlatformEvent
	// A meeting scheduled from an Opportunity takes the Opportunity's lease
	// now, so the lookup also reads its roll-up inputs (writeDirect).
	lockedOpp := ""
	if direct && meeting != nil && meeting.RecordObject == sfzoom.ObjectOpportunity && salesforce.ValidID(meeting.RecordID) {
		oppCtx, release, err := p.lockOpportunity(ctx, orgID, meeting.RecordID)
		if err != nil {
			return err
		}
		defer release()
		ctx = oppCtx
		lockedOpp = meeting.RecordID
	}
	lk, err := p.matchAndRelate(ctx, sf, orgID, uuid, meeting, parts, direct, lockedOpp)
	if sfzoom.ErrorCode(err) == sfzoom.EUNAUTHORIZED {
		return p.block(ctx, args, orgID, meeting, p.salesforceBlocked(err))
	} else if err != nil {
		return err
	}
	for _, pt := range parts {
		if mt := lk.matches[pt.Email]; mt != nil && pt.Match != sfzoom.MatchInternal {
			pt.Match, pt.SFRecordID = mt.Kind, mt.SFRecordID
		}
	}
	if err := p.opts.Store.SaveAttendance(ctx, orgID, uuid, meetingID, parts); err != nil {
		return err
	}
	// Hand-linked matches from the review queue win over the pipeline's.
	if attendees, err := p.opts.Store.FindAttendance(ctx, orgID, uuid); err == nil {
		for _, a := range attendees {
			for _, pt := range parts {
				if a.ID == pt.ID && a.Linked {
					pt.Match, pt.SFRecordID = a.Match, a.SFRecordID
				}
			}
		}
	}

	occ := p.occurrence(orgID, uuid, args.ZoomMeetingID, meeting, data, parts, lk)
	var eventID string
	if direct {
		eventID, err = p.writeDirect(ctx, sf, occ, lk)
	} else {
		err = p.publish(ctx, sf, occ)
	}
	if sfzoom.ErrorCode(err) == sfzoom.EUNAUTHORIZED {
		return p.block(ctx, args, orgID, meeting, p.salesforceBlocked(err))
	} else if err != nil {
		return err
	}
	l := &sfzoom.ActivityLog{OrgID: orgID, MeetingUUID: uuid, MeetingID: meetingID, ZoomMeetingID: occ.zoomMeetingID,
		Topic: occ.topic, Mode: mode, SFEventID: eventID, RelatedRecordID: occ.relatedID(), Fingerprint: fp, StartTime: occ.start}
	if err := p.opts.Store.SaveActivityLog(ctx, l); err != nil {
		return err
	}
	if err := p.opts.Store.DeleteBlockedMeeting(ctx, orgID, uuid); err != nil {
		return err
	}
	p.log.InfoContext(ctx, "activity: meeting logged", "org", orgID, "zoom_meeting_id", occ.zoomMeetingID, "mode", mode,
		"participants", len(parts), "event", eventID, "related", occ.relatedID())
	return nil
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

// fetch reads participants (every page), the recording and the summary:
// three calls in the common case. A missing recording or summary (not
// recorded, no AI Companion, not ready yet) is not an error: a later
// webhook brings it and the same Event is updated.
func (p *Pipeline) fetch(ctx context.Context, zc ZoomAPI, uuid string) (*fetched, error) {
	var d fetched
	var err error
	if d.Participants, err = zc.PastMeetingParticipants(ctx, uuid); err != nil && !errors.Is(err, zoom.ErrNotFound) {
		return nil, fmt.Errorf("activity: participants: %w", err)
	}
	if d.Recording, err = zc.Recordings(ctx, uuid, nil); err != nil {
		if !errors.Is(err, zoom.ErrNotFound) {
			return nil, fmt.Errorf("activity: recordings: %w", err)
		}
		d.Recording = nil
	}
	if d.Summary, err = zc.MeetingSummary(ctx, uuid); err != nil {
		code := sfzoom.ErrorCode(err)
		if !errors.Is(err, zoom.ErrNotFound) && code != sfzoom.EFORBIDDEN && code != sfzoom.EINVALID {
			return nil, fmt.Errorf("activity: summary: %w", err)
		}
		d.Summary = nil
	}
	return &d, nil
}

// saveZoomData keeps recording file ids and the summary (never URLs or tokens).
func (p *Pipeline) saveZoomData(ctx context.Context, orgID, uuid string, meetingID int64, d *fetched) error {
	if d.Recording != nil {
		var files []*sfzoom.RecordingFile
		for _, f := range append(append([]zoom.RecordingFile(nil), d.Recording.RecordingFiles...), d.Recording.ParticipantAudioFiles...) {
			files = append(files, &sfzoom.RecordingFile{ZoomFileID: f.ID, FileType: f.FileType, FileExtension: f.FileExtension,
				RecordingType: f.RecordingType, FileSize: int64(f.FileSize), Status: f.Status,
				RecordingStart: f.RecordingStart.Time.UTC(), RecordingEnd: f.RecordingEnd.Time.UTC()})
		}
		if err := p.opts.Store.SaveRecordingFiles(ctx, orgID, uuid, meetingID, files); err != nil {
			return err
		}
	}
	if s := d.Summary; s != nil {
		sum := &sfzoom.Summary{OrgID: orgID, MeetingID: meetingID, Overview: s.SummaryOverview, NextSteps: s.NextSteps,
			ActionItems: actionItems(s), Markdown: s.Text()}
		for _, dt := range s.SummaryDetails {
			sum.Details = append(sum.Details, sfzoom.SummaryDetail{Label: dt.Label, Summary: dt.Summary})
		}
		if err := p.opts.Store.SaveSummary(ctx, uuid, sum); err != nil {
			return err
		}
	}
	return nil
}

// actionItems are the summary's next steps (the host-edited ones when present).
func actionItems(s *zoom.MeetingSummary) []string {
	if s.EditedSummary != nil && len(s.EditedSummary.NextSteps) > 0 {
		return s.EditedSummary.NextSteps
	}
	return s.NextSteps
}

// fingerprint identifies what Zoom said and where it goes, so a duplicate
// job (same data, same record) writes nothing. Download URLs and tokens
// change on every fetch and are left out.
func fingerprint(d *fetched, mode string, m *sfzoom.Meeting) string {
	type file struct{ ID, Type, Status string }
	type part struct {
		Email, Name string
		Duration    int
	}
	v := struct {
		Mode, Object, Record string
		Parts                []part
		Files                []file
		Summary              string
	}{Mode: mode}
	if m != nil {
		v.Object, v.Record = m.RecordObject, m.RecordID
	}
	for _, pt := range d.Participants {
		v.Parts = append(v.Parts, part{pt.UserEmail, pt.Name, pt.Duration})
	}
	if d.Recording != nil {
		for _, f := range d.Recording.RecordingFiles {
			v.Files = append(v.Files, file{f.ID, f.FileType, f.Status})
		}
	}
	if d.Summary != nil {
		v.Summary = d.Summary.Text() + d.Summary.SummaryLastModifiedTime.String()
	}
	b, _ := json.Marshal(v)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// alreadyCovered reports whether a recording or summary webhook's job has
// nothing to add: the occurrence was logged after its recording files (or
// summary) were stored, typically by the meeting.ended job that ran first.
// Such jobs then cost no API call at all.
func (p *Pipeline) alreadyCovered(ctx context.Context, orgID, uuid, trigger string) (bool, error) {
	var have bool
	switch trigger {
	case zoom.EventRecordingCompleted, zoom.EventTranscriptCompleted:
		files, err := p.opts.Store.FindRecordingFiles(ctx, sfzoom.RecordingFileFilter{OrgID: orgID, MeetingUUID: &uuid})
		if err != nil {
			return false, err
		}
		have = len(files) > 0
	case zoom.EventSummaryCompleted:
		_, err := p.opts.Store.FindSummary(ctx, orgID, uuid)
		if err != nil && sfzoom.ErrorCode(err) != sfzoom.ENOTFOUND {
			return false, err
		}
		have = err == nil
	default:
		return false, nil
	}
	if !have {
		return false, nil
	}
	_, err := p.opts.Store.FindActivityLog(ctx, orgID, uuid)
	if sfzoom.ErrorCode(err) == sfzoom.ENOTFOUND {
		return false, nil
	}
	return err == nil, err
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

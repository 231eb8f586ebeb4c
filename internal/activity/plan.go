package activity

import (
	"context"
	"fmt"

	"github.com/sfzoom/sfzoom/internal/jobs"
	"github.com/sfzoom/sfzoom/internal/salesforce"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/zoom"
)

// Each delivery does only what it adds (the API budget,
// docs/performance.md): meeting.ended fetches the participants, matches
// them and writes the Event (one Zoom call, a read and a write in
// Salesforce); recording.completed takes the files from its own stored
// delivery and updates the Event (one write); meeting.summary_completed
// fetches the summary and writes the Event update, the Tasks and the
// roll-ups in one composite call. A recording or summary that arrives
// before the occurrence was first logged is stored, and the meeting.ended
// job (or reconciliation) writes it with everything else: deliveries that
// arrive together cost one read and one write. Reconciliation and re-logs
// after a block fetch only what is not stored yet.

// stored is what the store holds of an occurrence when a run starts.
type stored struct {
	prev       *sfzoom.ActivityLog // nil: never written to Salesforce
	attendance []*sfzoom.Attendee
	files      []*sfzoom.RecordingFile
	summary    *sfzoom.Summary
}

// needs is what one run does.
type needs struct {
	// Fetched from Zoom.
	participants, recording, summary bool
	// delivered reads the recording from the job's own stored delivery
	// (the API is asked only when the delivery is gone).
	delivered bool
	// write writes to Salesforce; false stores what the delivery brought
	// for the job that first logs the occurrence.
	write bool
	// force writes even when nothing changed.
	force bool
	// lookup matches participants and finds the Event and the related
	// record (one read call).
	lookup bool
}

func (n needs) zoom() bool { return n.participants || n.recording || n.summary }

// followUp reports whether trigger is a delivery that completes an
// occurrence the meeting.ended job logs.
func followUp(trigger string) bool {
	switch trigger {
	case zoom.EventRecordingCompleted, zoom.EventTranscriptCompleted, zoom.EventSummaryCompleted:
		return true
	}
	return false
}

// plan decides what a run of trigger does, given what is stored.
func plan(trigger string, st *stored) needs {
	var n needs
	switch trigger {
	case TriggerManual: // an admin asked: everything again
		return needs{participants: true, recording: true, summary: true, write: true, force: true, lookup: true}
	case TriggerRelink: // hand-linked matches: write what is stored
		n.force = true
	case zoom.EventMeetingEnded:
	case zoom.EventRecordingCompleted, zoom.EventTranscriptCompleted:
		n.delivered = true
	case zoom.EventSummaryCompleted:
		n.summary = true
	default: // reconciliation, unblocked, routed: only what is missing
		n.recording = len(st.files) == 0
		n.summary = st.summary == nil
	}
	n.write = st.prev != nil || !followUp(trigger)
	n.participants = n.write && st.prev == nil && len(st.attendance) == 0
	n.lookup = n.write && (st.prev == nil || n.participants)
	return n
}

// loadStored reads what the store holds of the occurrence.
func (p *Pipeline) loadStored(ctx context.Context, orgID, uuid string) (*stored, error) {
	st := &stored{}
	var err error
	if st.prev, err = p.opts.Store.FindActivityLog(ctx, orgID, uuid); sfzoom.ErrorCode(err) == sfzoom.ENOTFOUND {
		st.prev = nil
	} else if err != nil {
		return nil, fmt.Errorf("activity: find activity log: %w", err)
	}
	if st.attendance, err = p.opts.Store.FindAttendance(ctx, orgID, uuid); err != nil {
		return nil, fmt.Errorf("activity: find attendance: %w", err)
	}
	if st.files, err = p.opts.Store.FindRecordingFiles(ctx, sfzoom.RecordingFileFilter{OrgID: orgID, MeetingUUID: &uuid}); err != nil {
		return nil, fmt.Errorf("activity: find recording files: %w", err)
	}
	if st.summary, err = p.opts.Store.FindSummary(ctx, orgID, uuid); sfzoom.ErrorCode(err) == sfzoom.ENOTFOUND {
		st.summary = nil
	} else if err != nil {
		return nil, fmt.Errorf("activity: find summary: %w", err)
	}
	return st, nil
}

// deliveredRecording is the recording the job's own delivery carried
// (recording.completed lists every file, docs/zoom-api.md), read back from
// the store, where it was kept without its URLs and token. nil when the
// delivery is gone (retention) or names another occurrence.
func (p *Pipeline) deliveredRecording(ctx context.Context, args jobs.LogMeetingArgs) *zoom.Recording {
	var (
		ev  *sfzoom.WebhookEvent
		err error
	)
	switch {
	case args.DeliveryKey != "":
		ev, err = p.opts.Store.FindWebhookEventByDedupeKey(ctx, args.DeliveryKey)
	case args.WebhookEventID != 0:
		ev, err = p.opts.Store.FindWebhookEventByID(ctx, args.WebhookEventID)
	default:
		return nil
	}
	if err != nil {
		return nil
	}
	zev, err := zoom.ParseWebhook(ev.Payload)
	if err != nil || zev.Recording == nil || zev.MeetingUUID != args.MeetingUUID {
		return nil
	}
	return zev.Recording
}

// logOccurrence does what the job's delivery adds (plan), under the
// occurrence's lease: fetch what is missing, store it, and write to
// Salesforce what changed.
func (p *Pipeline) logOccurrence(ctx context.Context, r *run) error {
	st, err := p.loadStored(ctx, r.orgID, r.uuid)
	if err != nil {
		return err
	}
	n := plan(r.args.Trigger, st)
	d := &fetched{}
	if n.delivered {
		if d.Recording = p.deliveredRecording(ctx, r.args); d.Recording == nil {
			n.recording = true
		}
	}
	// Salesforce first: without a connection there is no point spending
	// Zoom calls.
	var sf SalesforceAPI
	if n.write {
		var blocked bool
		if sf, blocked, err = p.salesforceFor(ctx, r); err != nil || blocked {
			return err
		}
	}
	if n.zoom() {
		if blocked, err := p.fetchZoom(ctx, r, n, d); err != nil || blocked {
			return err
		}
	}
	if p.opts.AfterFetch != nil {
		if err := p.opts.AfterFetch(ctx, r.orgID, r.uuid); err != nil {
			return err
		}
	}
	if err := p.saveZoomData(ctx, r, d, st); err != nil {
		return err
	}
	if !n.write {
		p.log.InfoContext(ctx, "activity: stored for the meeting.ended job", "org", r.orgID, "zoom_meeting_id", r.args.ZoomMeetingID,
			"trigger", r.args.Trigger)
		return nil
	}
	return p.writeChanged(ctx, r, sf, n, st, d)
}

// writeChanged writes the occurrence to Salesforce unless nothing written
// changed since its last write (a duplicate delivery, a recording already
// written) and the run is not forced.
func (p *Pipeline) writeChanged(ctx context.Context, r *run, sf SalesforceAPI, n needs, st *stored, d *fetched) error {
	parts := d.participants(st, r.settings)
	fp := fingerprint(parts, d, r.mode, r.meeting)
	if st.prev != nil && st.prev.Fingerprint == fp && !n.force {
		p.log.InfoContext(ctx, "activity: meeting already logged, nothing changed", "org", r.orgID, "zoom_meeting_id", r.args.ZoomMeetingID,
			"trigger", r.args.Trigger)
		return p.opts.Store.DeleteBlockedMeeting(ctx, r.orgID, r.uuid)
	}
	return p.writeOccurrence(ctx, r, sf, n, st, d, parts, fp)
}

// salesforceFor returns the org's Salesforce client. A missing or refused
// connection parks the meeting as blocked until an admin connects
// Salesforce (blocked true); it is never dropped.
func (p *Pipeline) salesforceFor(ctx context.Context, r *run) (sf SalesforceAPI, blocked bool, err error) {
	sf, err = p.opts.Clients.Salesforce(ctx, r.orgID)
	if sfzoom.ErrorCode(err) == sfzoom.EUNAUTHORIZED {
		return nil, true, p.block(ctx, r.args, r.orgID, r.meeting, p.salesforceBlocked(err))
	} else if err != nil {
		return nil, false, fmt.Errorf("activity: salesforce client: %w", err)
	}
	return sf, false, nil
}

// fetchZoom makes the Zoom calls the run needs, as the host (blocked is
// true when the host's authorization is gone and the meeting was parked).
func (p *Pipeline) fetchZoom(ctx context.Context, r *run, n needs, d *fetched) (blocked bool, err error) {
	hostSF := p.hostSFUser(ctx, r.orgID, r.meeting, r.args)
	zc, err := p.opts.Clients.Zoom(ctx, r.orgID, hostSF)
	if sfzoom.ErrorCode(err) == sfzoom.EUNAUTHORIZED {
		return true, p.block(ctx, r.args, r.orgID, r.meeting, p.zoomBlocked(hostSF, err))
	} else if err != nil {
		return false, fmt.Errorf("activity: zoom client: %w", err)
	}
	// The Zoom client already retried a 401 once after a forced token
	// refresh; an EUNAUTHORIZED here means the authorization itself is gone.
	err = p.fetch(ctx, zc, r.uuid, n, d)
	if sfzoom.ErrorCode(err) == sfzoom.EUNAUTHORIZED {
		return true, p.block(ctx, r.args, r.orgID, r.meeting, p.zoomBlocked(hostSF, err))
	}
	return false, err
}

// scheduledRelation is the record a meeting scheduled from Salesforce is
// related to (ok false when it was not scheduled from a record).
func scheduledRelation(m *sfzoom.Meeting) (related, bool) {
	if m == nil || m.RecordID == "" || !salesforce.ValidID(m.RecordID) {
		return related{}, false
	}
	switch m.RecordObject {
	case sfzoom.ObjectOpportunity:
		return related{whatID: m.RecordID, isOpp: true}, true
	case sfzoom.ObjectAccount:
		return related{whatID: m.RecordID}, true
	case sfzoom.ObjectContact, sfzoom.ObjectLead:
		return related{whoID: m.RecordID}, true
	}
	return related{}, true
}

// storedRelation is the related record of an occurrence already logged,
// without a lookup: the record it was scheduled from, else the Opportunity
// or Account it was related to (a Contact or Lead is derived again from the
// attendance). Key prefixes: 006 Opportunity, 001 Account
// (https://help.salesforce.com/s/articleView?id=000385203&type=1).
func storedRelation(m *sfzoom.Meeting, prev *sfzoom.ActivityLog) related {
	if rel, ok := scheduledRelation(m); ok {
		return rel
	}
	if prev == nil {
		return related{}
	}
	switch id := prev.RelatedRecordID; {
	case len(id) >= 3 && id[:3] == "006":
		return related{whatID: id, isOpp: true}
	case len(id) >= 3 && id[:3] == "001":
		return related{whatID: id}
	}
	return related{}
}

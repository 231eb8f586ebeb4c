package activity

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sfzoom/sfzoom/internal/salesforce"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/zoom"
)

// maxTasks caps follow-up Tasks so the write stays one composite call
// (25 steps: the Event, the Opportunity and the Tasks).
const maxTasks = 20

// occurrence is everything written for one meeting occurrence.
type occurrence struct {
	orgID, uuid   string
	zoomMeetingID int64
	topic         string
	agenda        string         // what the rep typed when scheduling
	loc           *time.Location // the host's time zone (the meeting's), for what people read
	start, end    time.Time
	ownerID       string // the rep
	hostEmail     string
	whoID, whatID string
	isOpp         bool
	parts         []*sfzoom.Participant
	recordingLink string
	overview      string
	summaryText   string
	actionItems   []string
}

func (o *occurrence) relatedID() string {
	if o.whatID != "" {
		return o.whatID
	}
	return o.whoID
}

func (o *occurrence) minutes() int {
	if o.end.After(o.start) {
		return max(1, int(o.end.Sub(o.start).Round(time.Minute)/time.Minute))
	}
	return 1
}

// occurrence assembles the write from the meeting row, Zoom's data and the
// matches, step by step: each later source wins where it knows better.
func (p *Pipeline) occurrence(orgID, uuid string, zoomMeetingID int64, m *sfzoom.Meeting, d *fetched, parts []*sfzoom.Participant, lk *lookup) *occurrence {
	o := &occurrence{orgID: orgID, uuid: uuid, zoomMeetingID: zoomMeetingID, parts: parts,
		whoID: lk.related.whoID, whatID: lk.related.whatID, isOpp: lk.related.isOpp}
	o.loc = eventZone(m, d, lk.orgZone)
	o.fromMeeting(m)
	o.fromRecording(d.Recording)
	if len(d.files) > 0 {
		o.recordingLink = p.RecordingLink(orgID, uuid)
	}
	o.fromAttendance(parts)
	o.fromSummary(d.Summary, d.summary)
	o.complete(p.now)
	return o
}

// eventZone is the time zone of what people read: the meeting's (scheduled
// through sfzoom), else for a meeting sfzoom did not schedule the host's
// zone in Zoom (the recording's), else the zone of the Event's last write,
// else the org's default time zone (read in the lookup), else UTC.
func eventZone(m *sfzoom.Meeting, d *fetched, orgZone string) *time.Location {
	if m != nil && m.Timezone != "" {
		return m.Location()
	}
	if r := d.Recording; m == nil && r != nil && r.Timezone != "" {
		if loc, err := time.LoadLocation(r.Timezone); err == nil {
			return loc
		}
	}
	for _, z := range []string{d.zone, orgZone} {
		if loc, err := time.LoadLocation(z); err == nil && z != "" {
			return loc
		}
	}
	return time.UTC
}

// fromMeeting takes the topic, the rep, the agenda and the planned times
// from the meeting sfzoom scheduled (nil for none).
func (o *occurrence) fromMeeting(m *sfzoom.Meeting) {
	if m == nil {
		return
	}
	o.topic, o.ownerID, o.start, o.end = m.Topic, m.HostSFUserID, m.StartTime, m.EndTime()
	o.agenda = strings.TrimSpace(m.Agenda)
}

// fromRecording takes the host and the recorded times from this run's
// recording, and the topic and meeting number when nothing said them.
func (o *occurrence) fromRecording(r *zoom.Recording) {
	if r == nil {
		return
	}
	if o.topic == "" {
		o.topic = r.Topic
	}
	if o.zoomMeetingID == 0 {
		o.zoomMeetingID = int64(r.ID)
	}
	o.hostEmail = r.HostEmail
	if !r.StartTime.IsZero() {
		o.start, o.end = r.StartTime.Time, r.StartTime.Time.Add(time.Duration(r.Duration)*time.Minute)
	}
}

// fromAttendance takes the first join and the last leave: attendance is
// the best evidence of when the meeting really ran.
func (o *occurrence) fromAttendance(parts []*sfzoom.Participant) {
	var first, last time.Time
	for _, pt := range parts {
		if !pt.JoinTime.IsZero() && (first.IsZero() || pt.JoinTime.Before(first)) {
			first = pt.JoinTime
		}
		if pt.LeaveTime.After(last) {
			last = pt.LeaveTime
		}
	}
	if !first.IsZero() && last.After(first) {
		o.start, o.end = first, last
	}
}

// fromSummary fills what is still unknown from this run's summary (fetched,
// nil when not) and takes the overview, the text and the next steps from
// the stored one.
func (o *occurrence) fromSummary(fetched *zoom.MeetingSummary, stored *sfzoom.Summary) {
	if s := fetched; s != nil {
		if o.topic == "" {
			o.topic = s.MeetingTopic
		}
		if o.hostEmail == "" {
			o.hostEmail = s.MeetingHostEmail
		}
		if o.start.IsZero() && !s.MeetingStartTime.IsZero() {
			o.start, o.end = s.MeetingStartTime.Time, s.MeetingEndTime.Time
		}
	}
	if s := stored; s != nil {
		o.overview = strings.TrimSpace(s.Overview)
		o.summaryText = s.Markdown
		if o.overview == "" {
			o.overview = firstParagraph(o.summaryText)
		}
		o.actionItems = s.ActionItems
	}
}

// complete fills the defaults (now, a minute, "Zoom meeting"), truncates
// the times to what Salesforce keeps and picks the Event's WhoId.
func (o *occurrence) complete(now func() time.Time) {
	if o.start.IsZero() {
		o.start = now().UTC()
	}
	if !o.end.After(o.start) {
		o.end = o.start.Add(time.Minute)
	}
	o.start, o.end = o.start.UTC().Truncate(time.Second), o.end.UTC().Truncate(time.Second)
	if o.topic == "" {
		o.topic = "Zoom meeting"
	}
	if o.whoID == "" {
		o.whoID = primaryContact(o.parts)
	}
	// Salesforce refuses a WhatId next to a Lead WhoId.
	if strings.HasPrefix(o.whoID, "00Q") {
		o.whatID, o.isOpp = "", false
	}
}

func firstParagraph(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, "\n\n"); i > 0 {
		s = s[:i]
	}
	return strings.TrimSpace(strings.TrimLeft(s, "# "))
}

// primaryContact is the matched Contact who stayed longest, else such a Lead.
func primaryContact(parts []*sfzoom.Participant) string {
	best := map[string]*sfzoom.Participant{}
	for _, pt := range parts {
		if pt.Match != sfzoom.MatchContact && pt.Match != sfzoom.MatchLead {
			continue
		}
		if b := best[pt.Match]; b == nil || pt.Duration > b.Duration {
			best[pt.Match] = pt
		}
	}
	if c := best[sfzoom.MatchContact]; c != nil {
		return c.SFRecordID
	}
	if l := best[sfzoom.MatchLead]; l != nil {
		return l.SFRecordID
	}
	return ""
}

// description is the Event's text for people: when (in the host's time
// zone), the meeting number, the agenda the rep typed, who attended (by
// name, with what they matched in Salesforce), the recording link and the
// summary.
func (o *occurrence) description() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Zoom meeting \"%s\" on %s, %d min.\n", o.topic, o.start.In(o.loc).Format("Mon 2 Jan 2006, 15:04 MST"), o.minutes())
	if o.zoomMeetingID > 0 {
		fmt.Fprintf(&b, "Meeting ID: %s\n", sfzoom.MeetingNumber(o.zoomMeetingID))
	}
	if o.agenda != "" {
		b.WriteString("\nAgenda:\n" + o.agenda + "\n")
	}
	var matched, unmatched, internal []string
	for _, pt := range o.parts {
		who := pt.Name
		if pt.Email != "" {
			who = strings.TrimSpace(fmt.Sprintf("%s <%s>", pt.Name, pt.Email))
		}
		if who == "" {
			who = "Unknown participant"
		}
		who += fmt.Sprintf(", %d min", (pt.Duration+59)/60)
		switch pt.Match {
		case sfzoom.MatchContact, sfzoom.MatchLead, sfzoom.MatchAccount:
			matched = append(matched, fmt.Sprintf("- %s (%s)", who, matchLabel(pt.Match)))
		case sfzoom.MatchInternal:
			internal = append(internal, "- "+who)
		default:
			unmatched = append(unmatched, "- "+who)
		}
	}
	section := func(title string, lines []string) {
		if len(lines) > 0 {
			b.WriteString("\n" + title + ":\n" + strings.Join(lines, "\n") + "\n")
		}
	}
	section("Attendees matched in Salesforce", matched)
	section("Unmatched attendees (review in sfzoom Settings)", unmatched)
	section("Internal attendees", internal)
	if o.recordingLink != "" {
		b.WriteString("\nRecording: " + o.recordingLink + "\n")
	}
	if o.overview != "" {
		b.WriteString("\nSummary: " + o.overview + "\n")
	}
	if len(o.actionItems) > 0 {
		b.WriteString("\nNext steps:\n")
		for _, a := range o.actionItems {
			b.WriteString("- " + a + "\n")
		}
	}
	return truncate(b.String(), 32000)
}

// matchLabel names what a participant matched, for people ("Contact").
func matchLabel(kind string) string {
	switch kind {
	case sfzoom.MatchContact:
		return "Contact"
	case sfzoom.MatchLead:
		return "Lead"
	case sfzoom.MatchAccount:
		return "Account"
	}
	return kind
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// TaskExternalID is the Zoom_Meeting_ID__c of the n-th follow-up Task of an
// occurrence (1-based). The field is unique across Event and Task, so Tasks
// get their own key derived from the occurrence's.
func TaskExternalID(meetingUUID string, n int) string {
	return fmt.Sprintf("%s#task-%d", meetingUUID, n)
}

// writeOccurrence writes what the run knows of the occurrence to
// Salesforce and records it: matching first when participants are new (one
// read call), then the Event, the roll-ups and the Tasks in one composite
// call (or the platform event), then the activity log. An Opportunity's
// roll-ups are written under its lease, held until the log is saved, so a
// concurrent run of another meeting of the Opportunity sees this one.
func (p *Pipeline) writeOccurrence(ctx context.Context, r *run, sf SalesforceAPI, n needs, st *stored, d *fetched, parts []*sfzoom.Participant, fp string) error {
	lk := &lookup{matches: map[string]*sfzoom.Match{}}
	if n.lookup {
		// A meeting scheduled from an Opportunity takes the Opportunity's
		// lease now, so the lookup also reads its roll-up inputs.
		if rel, _ := scheduledRelation(r.meeting); r.direct() && rel.isOpp {
			oppCtx, release, err := p.lockOpportunity(ctx, r.orgID, rel.whatID)
			if err != nil {
				return err
			}
			defer release()
			ctx = oppCtx
		}
		var err error
		if lk, parts, err = p.matchParticipants(ctx, r, sf, parts); err != nil {
			return p.blockOnSalesforce(ctx, r, err)
		}
	} else {
		lk.related = storedRelation(r.meeting, st.prev)
		lk.eventID = st.prev.SFEventID
	}
	occ := p.occurrence(r.orgID, r.uuid, r.args.ZoomMeetingID, r.meeting, d, parts, lk)
	var eventID string
	if r.direct() {
		roll, release, err := p.rollups(ctx, r, sf, occ, lk, st.prev)
		if err != nil {
			return p.blockOnSalesforce(ctx, r, err)
		}
		defer release()
		if eventID, err = p.writeDirect(ctx, sf, occ, lk, roll); err != nil {
			return p.blockOnSalesforce(ctx, r, err)
		}
	} else if err := p.publish(ctx, sf, occ); err != nil {
		return p.blockOnSalesforce(ctx, r, err)
	}
	l := &sfzoom.ActivityLog{OrgID: r.orgID, MeetingUUID: r.uuid, MeetingID: r.meetingID(), ZoomMeetingID: occ.zoomMeetingID,
		Topic: occ.topic, Mode: r.mode, SFEventID: eventID, RelatedRecordID: occ.relatedID(), Fingerprint: fp, StartTime: occ.start}
	if occ.loc != time.UTC {
		l.Timezone = occ.loc.String()
	}
	if err := p.opts.Store.SaveActivityLog(ctx, l); err != nil {
		return err
	}
	if err := p.opts.Store.DeleteBlockedMeeting(ctx, r.orgID, r.uuid); err != nil {
		return err
	}
	p.log.InfoContext(ctx, "activity: meeting logged", "org", r.orgID, "zoom_meeting_id", occ.zoomMeetingID, "mode", r.mode,
		"trigger", r.args.Trigger, "participants", len(parts), "event", eventID, "related", occ.relatedID())
	return nil
}

// blockOnSalesforce parks the meeting when Salesforce refused the
// integration's authorization; other errors pass through.
func (p *Pipeline) blockOnSalesforce(ctx context.Context, r *run, err error) error {
	if sfzoom.ErrorCode(err) == sfzoom.EUNAUTHORIZED {
		return p.block(ctx, r.args, r.orgID, r.meeting, p.salesforceBlocked(err))
	}
	return err
}

// matchParticipants matches the participants and finds the related record
// and the Event (matchAndRelate), then stores the attendance with its
// matches; a match an admin linked by hand wins.
func (p *Pipeline) matchParticipants(ctx context.Context, r *run, sf SalesforceAPI, parts []*sfzoom.Participant) (*lookup, []*sfzoom.Participant, error) {
	lockedOpp := ""
	if rel, _ := scheduledRelation(r.meeting); r.direct() && rel.isOpp {
		lockedOpp = rel.whatID
	}
	lk, err := p.matchAndRelate(ctx, sf, r.orgID, r.uuid, r.meeting, parts, r.direct(), lockedOpp)
	if err != nil {
		return nil, nil, err
	}
	for _, pt := range parts {
		if mt := lk.matches[pt.Email]; mt != nil && pt.Match != sfzoom.MatchInternal {
			pt.Match, pt.SFRecordID = mt.Kind, mt.SFRecordID
		}
	}
	if err := p.opts.Store.SaveAttendance(ctx, r.orgID, r.uuid, r.meetingID(), parts); err != nil {
		return nil, nil, err
	}
	if attendees, err := p.opts.Store.FindAttendance(ctx, r.orgID, r.uuid); err == nil {
		for _, a := range attendees {
			for _, pt := range parts {
				if a.ID == pt.ID && a.Linked {
					pt.Match, pt.SFRecordID = a.Match, a.SFRecordID
				}
			}
		}
	}
	return lk, parts, nil
}

// rollup is what a write sets on the related Opportunity.
type rollup struct {
	oppID string
	count int  // Meeting_Count__c (0 leaves it as it is)
	last  bool // Last_Meeting_Date__c and Last_Meeting_Summary__c follow this meeting
}

// rollups decides the Opportunity roll-ups of the write, holding the
// Opportunity's lease (release must be called once the activity log is
// saved). They are recomputed, never incremented, so re-runs, concurrent
// meetings and logging out of order (reconciliation finding an older
// meeting late) cannot skew them:
//   - an occurrence written for the first time on the Opportunity is counted
//     with its other logged Events (read in the lookup for a meeting
//     scheduled from it, else with one more call), and is the last meeting
//     unless another started later;
//   - an occurrence already counted there (a recording or summary arriving)
//     leaves the count and is the last meeting unless sfzoom logged another
//     of the Opportunity that started later (the store answers, no call).
func (p *Pipeline) rollups(ctx context.Context, r *run, sf SalesforceAPI, o *occurrence, lk *lookup, prev *sfzoom.ActivityLog) (*rollup, func(), error) {
	noop := func() {}
	if !o.isOpp || o.whatID == "" {
		return nil, noop, nil
	}
	if lk.others != nil && sameID(lk.others.oppID, o.whatID) {
		return lk.others.rollup(o), noop, nil // read under the lease the caller holds
	}
	oppCtx, release, err := p.lockOpportunity(ctx, r.orgID, o.whatID)
	if err != nil {
		return nil, noop, err
	}
	if prev != nil && sameID(prev.RelatedRecordID, o.whatID) {
		latest, err := p.opts.Store.LatestActivityLog(oppCtx, r.orgID, o.whatID)
		if err != nil && sfzoom.ErrorCode(err) != sfzoom.ENOTFOUND {
			release()
			return nil, noop, fmt.Errorf("activity: latest meeting of the opportunity: %w", err)
		}
		last := err != nil || latest.MeetingUUID == o.uuid || !latest.StartTime.After(o.start)
		return &rollup{oppID: o.whatID, last: last}, release, nil
	}
	others, err := p.othersOf(oppCtx, sf, o.whatID, o.uuid)
	if err != nil {
		release()
		return nil, noop, err
	}
	return others.rollup(o), release, nil
}

// rollup counts o with the other logged Events and makes it the last
// meeting unless another started later.
func (ot *others) rollup(o *occurrence) *rollup {
	return &rollup{oppID: ot.oppID, count: ot.count + 1, last: ot.latest.IsZero() || !ot.latest.After(o.start)}
}

// writeDirect upserts the Event, updates the Opportunity roll-ups (roll,
// nil for none) and upserts the Tasks in ONE all-or-none composite call
// (docs/salesforce-api.md §6.1, https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_composite.htm).
func (p *Pipeline) writeDirect(ctx context.Context, sf SalesforceAPI, o *occurrence, lk *lookup, roll *rollup) (string, error) {
	ev := p.eventFields(o, lk.eventID == "")
	steps := []salesforce.Subrequest{salesforce.UpsertRequest("evt", salesforce.ObjectEvent, salesforce.FieldZoomMeetingID, o.uuid, ev)}
	if opp := roll.fields(o); len(opp) > 0 {
		steps = append(steps, salesforce.UpdateRequest("opp", salesforce.ObjectOpportunity, roll.oppID, opp))
	}
	for i, item := range o.actionItems {
		if i >= maxTasks {
			break
		}
		t := followUpTask(o.topic, o.start, o.end, item, o.ownerID, o.whoID, o.whatID)
		steps = append(steps, salesforce.UpsertRequest(fmt.Sprintf("task%d", i+1), salesforce.ObjectTask, salesforce.FieldZoomMeetingID, TaskExternalID(o.uuid, i+1), t))
	}
	resps, err := sf.Composite(ctx, true, steps)
	if err != nil {
		return "", fmt.Errorf("activity: write to salesforce: %w", err)
	}
	for _, r := range resps {
		if r.ReferenceID == "evt" {
			res, err := r.SaveResult()
			if err != nil {
				return "", err
			}
			if res.ID != "" {
				return res.ID, nil
			}
		}
	}
	return lk.eventID, nil
}

// eventFields are the Event's fields; a new Event (one sfzoom did not
// make at scheduling time, which keeps its join URL) has "Zoom" as its
// location.
func (p *Pipeline) eventFields(o *occurrence, isNew bool) salesforce.Fields {
	ev := salesforce.Fields{
		salesforce.FieldSubject:        truncate("Zoom: "+o.topic, 255),
		salesforce.FieldStartDateTime:  o.start,
		salesforce.FieldEndDateTime:    o.end,
		salesforce.FieldDurationInMins: o.minutes(),
		salesforce.FieldDescription:    o.description(),
		salesforce.FieldZoomLoggedAt:   p.now().UTC(),
	}
	if o.zoomMeetingID > 0 {
		ev[salesforce.FieldZoomMeetingNumber] = sfzoom.MeetingNumber(o.zoomMeetingID)
	}
	if isNew {
		ev[salesforce.FieldLocation] = "Zoom"
	}
	optional := []struct {
		field salesforce.Field
		value string
	}{{salesforce.FieldWhoID, o.whoID}, {salesforce.FieldWhatID, o.whatID}, {salesforce.FieldOwnerID, o.ownerID},
		{salesforce.FieldZoomRecordingURL, o.recordingLink}}
	for _, f := range optional {
		if f.value != "" {
			ev[f.field] = f.value
		}
	}
	return ev
}

// fields are the Opportunity fields the roll-up sets (none for nil).
func (roll *rollup) fields(o *occurrence) salesforce.Fields {
	if roll == nil {
		return nil
	}
	opp := salesforce.Fields{}
	if roll.count > 0 {
		opp[salesforce.FieldMeetingCount] = roll.count
	}
	if roll.last {
		// The latest meeting's summary, or none yet: never an older
		// meeting's summary under the latest meeting's date.
		// A date field has no zone: the day the host had the meeting.
		opp[salesforce.FieldLastMeetingDate] = salesforce.DateOf(o.start.In(o.loc))
		opp[salesforce.FieldLastMeetingSummary] = nil
		if o.overview != "" {
			opp[salesforce.FieldLastMeetingSummary] = truncate(o.overview, 32000)
		}
	}
	return opp
}

// publish sends Zoom_Meeting_Event__e for orgs that automate in Flows or
// Apex (one call). Subscribers dedupe by Meeting_ID__c, the occurrence UUID.
func (p *Pipeline) publish(ctx context.Context, sf SalesforceAPI, o *occurrence) error {
	var emails []string
	for _, pt := range o.parts {
		if pt.Email != "" && pt.Match != sfzoom.MatchInternal {
			emails = append(emails, pt.Email)
		}
	}
	sort.Strings(emails)
	f := salesforce.Fields{
		salesforce.FieldPEMeetingID:         o.uuid,
		salesforce.FieldPEEventType:         "meeting.logged",
		salesforce.FieldPEParticipantEmails: truncate(strings.Join(emails, ","), 131072),
		salesforce.FieldPEDurationMinutes:   o.minutes(),
		salesforce.FieldPEStartTime:         o.start,
		salesforce.FieldPETopic:             truncate(o.topic, 255),
		salesforce.FieldPESummary:           truncate(o.summaryText, 131072),
	}
	if o.recordingLink != "" {
		f[salesforce.FieldPERecordingURL] = truncate(o.recordingLink, 255)
	}
	if id := o.relatedID(); id != "" {
		f[salesforce.FieldPERelatedRecordID] = id
	}
	if o.hostEmail != "" {
		f[salesforce.FieldPEHostEmail] = truncate(o.hostEmail, 255)
	}
	if o.whoID != "" {
		f[salesforce.FieldPEWhoID] = o.whoID
	}
	if _, err := sf.PublishEvent(ctx, salesforce.ObjectZoomMeetingEvent, f); err != nil {
		return fmt.Errorf("activity: publish platform event: %w", err)
	}
	return nil
}

// others are an Opportunity's logged Events other than the occurrence's.
type others struct {
	oppID  string
	count  int       // how many (Zoom_Logged_At__c set: one scheduled but not held does not count)
	latest time.Time // the latest start among them (zero when none)
}

// othersStep is the query of an Opportunity's other logged Events, latest
// start first: its totalSize counts them all while only the first batch of
// records comes back, so one step answers both roll-ups. Read it only under
// the Opportunity's lease, so that no other worker logs a meeting of the
// Opportunity between this read and the write.
func othersStep(oppID, uuid string) (salesforce.Subrequest, error) {
	return soqlStep("others", salesforce.Select(salesforce.FieldStartDateTime).From(salesforce.ObjectEvent).
		Where(salesforce.And(salesforce.Eq(salesforce.FieldWhatID, oppID), salesforce.Ne(salesforce.FieldZoomLoggedAt, nil),
			salesforce.Ne(salesforce.FieldZoomMeetingID, uuid))).
		OrderBy(salesforce.FieldStartDateTime, salesforce.Desc))
}

// othersFrom decodes othersStep's answer.
func othersFrom(oppID string, r salesforce.SubResponse) (*others, error) {
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("activity: read the opportunity's meetings: %w", err)
	}
	var qr salesforce.QueryResult
	if err := json.Unmarshal(r.Body, &qr); err != nil {
		return nil, fmt.Errorf("activity: decode the opportunity's meetings: %w", err)
	}
	o := &others{oppID: oppID, count: qr.TotalSize}
	if len(qr.Records) > 0 {
		o.latest, _ = qr.Records[0].Time(salesforce.FieldStartDateTime)
	}
	return o, nil
}

// othersOf reads the Opportunity's other logged Events (one call).
func (p *Pipeline) othersOf(ctx context.Context, sf SalesforceAPI, oppID, uuid string) (*others, error) {
	st, err := othersStep(oppID, uuid)
	if err != nil {
		return nil, err
	}
	resps, err := sf.Composite(ctx, false, []salesforce.Subrequest{st})
	if err != nil {
		return nil, fmt.Errorf("activity: read the opportunity's meetings: %w", err)
	}
	if len(resps) != 1 {
		return nil, sfzoom.Errorf(sfzoom.EINTERNAL, "Salesforce answered %d results for one query.", len(resps))
	}
	return othersFrom(oppID, resps[0])
}

// sameID reports whether two Salesforce ids name the same record (an
// 18-character id is the 15-character one plus a case checksum).
func sameID(a, b string) bool {
	if len(a) >= 15 && len(b) >= 15 {
		return a[:15] == b[:15]
	}
	return a == b
}

// Leases are polled every oppLeasePoll. Per-Opportunity lease: held across the roll-up read, the write and the
// activity log (at most two Salesforce calls, normally well under a second). It is held like the
// meeting's lease (holdLease): renewed while its holder works and freed
// LeaseTTL after a holder that died, so a crash never keeps an Opportunity's
// meetings waiting for minutes. A worker that cannot get it within
// oppLeaseWait snoozes.
const (
	oppLeaseWait = 30 * time.Second
	oppLeasePoll = 50 * time.Millisecond
)

// lockOpportunity serialises roll-up writes of one Opportunity across
// workers and replicas. The returned context is cancelled if the lease is
// lost; release must be called once.
func (p *Pipeline) lockOpportunity(ctx context.Context, orgID, oppID string) (context.Context, func(), error) {
	return p.waitLease(ctx, "opp_rollup:"+orgID+":"+oppID, oppLeaseWait,
		&retryLater{err: sfzoom.Errorf(sfzoom.ECONFLICT, "Other meetings of this Opportunity are being logged."), delay: 5 * time.Second})
}

// waitLease takes the lease name (holdLease) for a new holder of this
// process, polling for up to wait while another holder has it; then it
// gives up with busy. The wait never takes more than half of what is left
// before ctx's deadline (the job's timeout): a job that gets the lease late
// still has time to work, and one that does not gets busy (a snooze, which
// uses up no attempt) instead of running into its timeout (a failed
// attempt, retried only after River's growing backoff).
func (p *Pipeline) waitLease(ctx context.Context, name string, wait time.Duration, busy error) (context.Context, func(), error) {
	holder := fmt.Sprintf("%s/%d", p.opts.Holder, p.seq.Add(1))
	if deadline, ok := ctx.Deadline(); ok {
		wait = min(wait, time.Until(deadline)/2)
	}
	give := time.NewTimer(wait)
	defer give.Stop()
	for {
		lctx, release, err := p.holdLease(ctx, name, holder)
		if err == nil {
			return lctx, release, nil
		}
		var taken *retryLater
		if !errors.As(err, &taken) {
			return ctx, nil, fmt.Errorf("activity: lease %s: %w", name, err)
		}
		select {
		case <-ctx.Done():
			return ctx, nil, fmt.Errorf("activity: wait for lease %s: %w", name, ctx.Err())
		case <-give.C:
			return ctx, nil, busy
		case <-time.After(oppLeasePoll):
		}
	}
}

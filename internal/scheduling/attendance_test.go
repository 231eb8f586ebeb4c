package scheduling_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sfzoom/sfzoom/internal/scheduling"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// TestAttendanceRespectsRecordAccess: a past meeting lists who attended and
// what each matched; a match to a record the viewer may not read (checked
// with one batched UserRecordAccess query) says neither which record nor its
// type, and another org's meeting lists nobody.
func TestAttendanceRespectsRecordAccess(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	svc := scheduling.New(scheduling.Options{Store: e.be.Store, Attendance: e.be.Store, Identity: e.ident,
		Salesforce: func(context.Context, string) (scheduling.Salesforce, error) { return e.sfc, nil }})
	m := &sfzoom.Meeting{OrgID: e.seed.OrgID, ZoomMeetingID: 81234567890, HostSFUserID: e.rep.UserID,
		RecordObject: sfzoom.ObjectOpportunity, RecordID: e.seed.OpportunityIDs[0], Topic: "Renewal",
		StartTime: e.now.Add(-48 * time.Hour), Duration: 30, Status: sfzoom.MeetingEnded}
	if err := e.be.Store.CreateMeeting(ctx, m); err != nil {
		t.Fatal(err)
	}
	hank, dana := e.seed.ContactIDs[0], e.seed.ContactIDs[1]
	if err := e.be.Store.SaveAttendance(ctx, e.seed.OrgID, "uuid-1", m.ID, []*sfzoom.Participant{
		{Name: "Riley Chen", Email: "riley.chen@acme-demo.com", JoinTime: e.now.Add(-50 * time.Minute), Duration: 1800, Match: sfzoom.MatchInternal},
		{Name: "Hank Scorpio", Email: "hank@globex.example", JoinTime: e.now.Add(-33 * time.Minute), Duration: 1700, Match: sfzoom.MatchContact, SFRecordID: hank},
		{Name: "Secret", Email: "secret@globex.example", JoinTime: e.now.Add(-16 * time.Minute), Duration: 61, Match: sfzoom.MatchContact, SFRecordID: dana},
		{Name: "Dial-in +1 555", JoinTime: e.now, Duration: 30, Match: sfzoom.MatchUnmatched},
	}); err != nil {
		t.Fatal(err)
	}
	e.sf.SetRecordAccess(e.rep.UserID, dana, false)
	e.sf.ResetRequests()

	got, err := svc.Attendance(ctx, e.rep, []*sfzoom.Meeting{m})
	if err != nil {
		t.Fatal(err)
	}
	want := []scheduling.Attendee{
		{Name: "Riley Chen", Email: "riley.chen@acme-demo.com", Minutes: 30, Kind: sfzoom.MatchInternal},
		{Name: "Hank Scorpio", Email: "hank@globex.example", Minutes: 29, Kind: sfzoom.MatchContact, RecordID: hank},
		{Name: "Secret", Email: "secret@globex.example", Minutes: 2, Hidden: true},
		{Name: "Dial-in +1 555", Minutes: 1, Kind: sfzoom.MatchUnmatched},
	}
	if diff := cmp.Diff(want, got[m.ID]); diff != "" {
		t.Errorf("Attendance (-want +got):\n%s", diff)
	}
	if n := e.sf.APICalls(); n != 1 {
		t.Errorf("Salesforce calls = %d, want 1 (one UserRecordAccess query for all matches)", n)
	}

	other := *m
	other.OrgID = "00D000000000999AAA"
	if got, err := svc.Attendance(ctx, e.rep, []*sfzoom.Meeting{&other}); err != nil || len(got) != 0 {
		t.Errorf("another org's meeting = %v, %v; want nobody", got, err)
	}
}

// TestMeetingRecordsRespectsAccess: Home names the record of each meeting
// the rep may read (one access query, one name query per object) and none
// for a record Salesforce hides from them.
func TestMeetingRecordsRespectsAccess(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	opp, hidden, lead := e.seed.OpportunityIDs[0], e.seed.OpportunityIDs[1], e.seed.LeadIDs[0]
	ms := []*sfzoom.Meeting{
		{ID: 1, OrgID: e.seed.OrgID, RecordObject: sfzoom.ObjectOpportunity, RecordID: opp},
		{ID: 2, OrgID: e.seed.OrgID, RecordObject: sfzoom.ObjectOpportunity, RecordID: hidden},
		{ID: 3, OrgID: e.seed.OrgID, RecordObject: sfzoom.ObjectLead, RecordID: lead},
		{ID: 4, OrgID: e.seed.OrgID},
	}
	e.sf.SetRecordAccess(e.rep.UserID, hidden, false)
	e.sf.ResetRequests()
	got, err := e.svc.MeetingRecords(ctx, e.rep, ms)
	if err != nil {
		t.Fatal(err)
	}
	oppRec, _ := e.sf.Record(opp)
	leadRec, _ := e.sf.Record(lead)
	want := map[int64]scheduling.RecordRef{
		1: {Object: sfzoom.ObjectOpportunity, ID: opp, Name: oppRec["Name"].(string)},
		3: {Object: sfzoom.ObjectLead, ID: lead, Name: leadRec["Name"].(string)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("MeetingRecords (-want +got):\n%s", diff)
	}
	if n := e.sf.APICalls(); n != 3 {
		t.Errorf("Salesforce calls = %d, want 3 (access, Opportunity names, Lead names)", n)
	}
}

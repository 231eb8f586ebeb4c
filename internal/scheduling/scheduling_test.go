package scheduling_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sfzoom/sfzoom/internal/backend"
	"github.com/sfzoom/sfzoom/internal/identity"
	"github.com/sfzoom/sfzoom/internal/jobs"
	"github.com/sfzoom/sfzoom/internal/salesforce"
	"github.com/sfzoom/sfzoom/internal/salesforce/salesforcetest"
	"github.com/sfzoom/sfzoom/internal/scheduling"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/zoom"
	"github.com/sfzoom/sfzoom/internal/zoom/zoomtest"
)

type bearer struct{ token string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r2 := r.Clone(r.Context())
	r2.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r2)
}

type env struct {
	svc   *scheduling.Service
	be    *backend.Backend
	sf    *salesforcetest.Server
	zm    *zoomtest.Server
	seed  salesforcetest.Demo
	rep   *sfzoom.User
	sfc   *salesforce.Client
	now   time.Time
	ident *identity.Resolver
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	be, err := backend.Open(ctx, backend.Options{DatabaseURL: "sqlite:" + filepath.Join(t.TempDir(), "t.db")})
	if err != nil {
		t.Fatalf("backend.Open: %v", err)
	}
	t.Cleanup(func() { be.Close() })
	sfs := salesforcetest.NewServer()
	t.Cleanup(sfs.Close)
	seed := sfs.SeedDemo()
	zs := zoomtest.NewServer()
	t.Cleanup(zs.Close)
	zs.AddUser(zoomtest.User{Email: "riley.chen@acme-demo.com", FirstName: "Riley", LastName: "Chen", Type: 2})
	zs.AddUser(zoomtest.User{Email: "sam@zoom.acme-demo.com", FirstName: "Sam", LastName: "O'Neil", Type: 2})

	sfc, err := salesforce.NewClient(&http.Client{Transport: bearer{sfs.IssueToken(seed.AdminID)}}, sfs.URL())
	if err != nil {
		t.Fatalf("salesforce.NewClient: %v", err)
	}
	zc := zoom.NewClient(&http.Client{Transport: bearer{zs.IssueAccessToken("")}}, zoom.WithBaseURL(zs.APIURL()))
	ident := identity.New(identity.Options{
		Store:      be.Store,
		Zoom:       func(context.Context) (identity.ZoomUsers, error) { return zc, nil },
		Salesforce: func(context.Context, string) (identity.SalesforceUsers, error) { return sfc, nil },
	})
	e := &env{be: be, sf: sfs, zm: zs, seed: seed, sfc: sfc, now: time.Now(), ident: ident}
	e.svc = scheduling.New(scheduling.Options{
		Store:        be.Store,
		Identity:     ident,
		Zoom:         func(context.Context, string, string) (scheduling.ZoomMeetings, error) { return zc, nil },
		Salesforce:   func(context.Context, string) (scheduling.Salesforce, error) { return sfc, nil },
		PollInterval: 10 * time.Millisecond,
	})
	e.rep = &sfzoom.User{OrgID: seed.OrgID, UserID: seed.RepID, Name: "Riley Chen", Email: "riley.chen@acme-demo.com"}
	if err := be.Store.UpsertOrg(ctx, &sfzoom.Org{ID: seed.OrgID, Name: "Acme", InstanceURL: sfs.URL()}); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) input(key string) scheduling.Input {
	return scheduling.Input{
		Object: sfzoom.ObjectOpportunity, RecordID: e.seed.OpportunityIDs[0], Topic: "Globex - Platform Renewal",
		Agenda: "Pricing", Start: time.Now().Add(2 * time.Hour).Truncate(time.Minute), Duration: 30, Timezone: "America/Los_Angeles",
		InviteeIDs: []string{e.seed.ContactIDs[0]}, Settings: sfzoom.MeetingSettings{WaitingRoom: true},
		IdempotencyKey: key,
	}
}

func (e *env) zoomCreates() int { return e.zm.Requests()["POST /v2/users/{userId}/meetings"] }

func TestScheduleOK(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	res, err := e.svc.Schedule(ctx, e.rep, e.input("key-ok-000001"))
	if err != nil {
		t.Fatalf("Schedule: %v", err)
	}
	m := res.Meeting
	if res.EventPending || m.SFEventID == "" || m.JoinURL == "" || m.ZoomMeetingID == 0 {
		t.Fatalf("Schedule = %+v, meeting %+v; want an Event id, join URL and Zoom id", res, m)
	}
	ev, ok := e.sf.Record(m.SFEventID)
	if !ok {
		t.Fatalf("Event %s not in the fake org", m.SFEventID)
	}
	want := map[string]any{
		"Zoom_Meeting_ID__c": m.ZoomUUID, "Location": m.JoinURL, // the occurrence UUID, as the pipeline keys it
		"WhoId": e.seed.ContactIDs[0], "WhatId": e.seed.OpportunityIDs[0], "Subject": "Globex - Platform Renewal",
		"OwnerId": e.seed.RepID, "Zoom_Meeting_Number__c": sfzoom.MeetingNumber(m.ZoomMeetingID),
	}
	for k, v := range want {
		if ev[k] != v {
			t.Errorf("Event %s = %v, want %v", k, ev[k], v)
		}
	}
	got, err := e.be.Store.FindMeetingByID(ctx, e.rep.OrgID, m.ID)
	if err != nil {
		t.Fatalf("FindMeetingByID: %v", err)
	}
	if got.RecordObject != sfzoom.ObjectOpportunity || got.RecordID != e.seed.OpportunityIDs[0] || got.HostSFUserID != e.seed.RepID {
		t.Fatalf("stored meeting link = %+v", got)
	}
}

// TestScheduleIdempotent posts the same form five times at once: one Zoom
// meeting, one Event, five answers naming the same meeting.
func TestScheduleIdempotent(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.zm.SetLatency(150 * time.Millisecond) // keep the first submission busy while the others arrive
	var wg sync.WaitGroup
	ids := make([]int64, 5)
	errs := make([]error, 5)
	for i := range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := e.svc.Schedule(ctx, e.rep, e.input("same-form-key-1"))
			errs[i] = err
			if err == nil {
				ids[i] = res.Meeting.ID
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Schedule #%d: %v", i, err)
		}
		if ids[i] != ids[0] {
			t.Fatalf("Schedule #%d meeting = %d, want %d", i, ids[i], ids[0])
		}
	}
	if n := e.zoomCreates(); n != 1 {
		t.Errorf("Zoom create meeting calls = %d, want 1", n)
	}
	if n := len(e.sf.Records("Event")); n != 1 {
		t.Errorf("Events in Salesforce = %d, want 1", n)
	}
	// A later resubmission (a browser retry) returns the same meeting too.
	res, err := e.svc.Schedule(ctx, e.rep, e.input("same-form-key-1"))
	if err != nil || res.Meeting.ID != ids[0] || !res.Duplicate {
		t.Fatalf("resubmit = %+v, %v; want duplicate of %d", res, err, ids[0])
	}
}

func TestScheduleEventFailureQueuesJob(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	in := e.input("key-event-fail")
	// Warm up the reads so the failure hits the Event upsert: record access,
	// opportunity, contact roles, contact names, then the user lookup.
	if _, err := e.ident.Resolve(ctx, e.rep); err != nil {
		t.Fatal(err)
	}
	e.sf.ResetRequests()
	svc := scheduling.New(scheduling.Options{
		Store: e.be.Store, Identity: e.ident,
		Zoom: func(context.Context, string, string) (scheduling.ZoomMeetings, error) {
			return zoom.NewClient(&http.Client{Transport: bearer{e.zm.IssueAccessToken("")}}, zoom.WithBaseURL(e.zm.APIURL())), nil
		},
		Salesforce: func(context.Context, string) (scheduling.Salesforce, error) { return failingUpsert{e.sfc}, nil },
	})
	res, err := svc.Schedule(ctx, e.rep, in)
	if err != nil {
		t.Fatalf("Schedule: %v", err)
	}
	if !res.EventPending || res.Meeting.SFEventID != "" {
		t.Fatalf("Schedule = %+v; want EventPending", res)
	}
	if n := len(e.sf.Records("Event")); n != 0 {
		t.Fatalf("Events = %d, want 0 before the job", n)
	}
	// The job (as River would run it) writes the Event.
	args := jobs.UpsertEventArgs{OrgID: e.rep.OrgID, MeetingID: res.Meeting.ID, ZoomMeetingID: res.Meeting.ZoomMeetingID, WhoID: e.seed.ContactIDs[0], WhatID: e.seed.OpportunityIDs[0]}
	if err := e.svc.WriteEvent(ctx, args); err != nil {
		t.Fatalf("WriteEvent: %v", err)
	}
	if err := e.svc.WriteEvent(ctx, args); err != nil {
		t.Fatalf("WriteEvent again: %v", err)
	}
	if n := len(e.sf.Records("Event")); n != 1 {
		t.Fatalf("Events after the job ran twice = %d, want 1", n)
	}
	var count int
	if err := e.be.DB().QueryRowContext(ctx, `SELECT count(*) FROM river_job WHERE kind = 'upsert_event'`).Scan(&count); err != nil {
		t.Fatalf("count jobs: %v", err)
	}
	if count != 2 { // the safety net and the immediate retry
		t.Fatalf("upsert_event jobs = %d, want 2", count)
	}
}

type failingUpsert struct{ *salesforce.Client }

func (failingUpsert) Upsert(context.Context, salesforce.Object, salesforce.Field, string, salesforce.Fields) (string, bool, error) {
	return "", false, sfzoom.Errorf(sfzoom.EUNAVAILABLE, "Salesforce is down.")
}

func TestScheduleBadInput(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tests := []struct {
		name   string
		change func(*scheduling.Input)
		code   string
		msg    string
		field  string // the form field the error is shown next to
	}{
		{"MissingTopic", func(in *scheduling.Input) { in.Topic = "  " }, sfzoom.EINVALID, "Enter a topic for the meeting.", scheduling.FieldTopic},
		{"StartInPast", func(in *scheduling.Input) { in.Start = time.Now().Add(-time.Hour) }, sfzoom.EINVALID, "The start time is in the past. Pick a time from now on, or use Start instant meeting.", scheduling.FieldStart},
		{"BadDuration", func(in *scheduling.Input) { in.Duration = 0 }, sfzoom.EINVALID, "Enter a duration between 1 and 1440 minutes.", scheduling.FieldDuration},
		{"UnknownRecord", func(in *scheduling.Input) { in.RecordID = "006000000000000AAA" }, sfzoom.ENOTFOUND, "We couldn't find this Opportunity, or you don't have access to it.", ""},
		{"UnsupportedType", func(in *scheduling.Input) { in.Object = "Case" }, sfzoom.EINVALID, `sfzoom schedules meetings from Opportunities, Contacts and Leads, not from "Case" records.`, ""},
		{"NoKey", func(in *scheduling.Input) { in.IdempotencyKey = "" }, sfzoom.EINVALID, "This form is missing its submission key. Reload the page and try again.", ""},
		{"NoAccess", func(in *scheduling.Input) { in.RecordID = e.seed.OpportunityIDs[2] }, sfzoom.ENOTFOUND, "We couldn't find this Opportunity, or you don't have access to it.", ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := e.input(fmt.Sprintf("bad-input-key-%d", i))
			tt.change(&in)
			_, err := e.svc.Schedule(ctx, e.rep, in)
			if sfzoom.ErrorCode(err) != tt.code || sfzoom.ErrorMessage(err) != tt.msg {
				t.Fatalf("Schedule = %v; want %s %q", err, tt.code, tt.msg)
			}
			if got := scheduling.FieldOf(err); got != tt.field {
				t.Errorf("FieldOf = %q, want %q", got, tt.field)
			}
		})
	}
	if n := e.zoomCreates(); n != 0 {
		t.Fatalf("Zoom creates after bad input = %d, want 0", n)
	}
}

func TestScheduleOverrideAndUnmatched(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	// Sam has a Zoom_Email__c override; his meeting is hosted by that Zoom user.
	sam := &sfzoom.User{OrgID: e.seed.OrgID, UserID: e.seed.OverrideRepID, Email: "sam.oneil@acme-demo.com"}
	in := e.input("key-override-1")
	in.RecordID, in.InviteeIDs = e.seed.OpportunityIDs[2], nil
	res, err := e.svc.Schedule(ctx, sam, in)
	if err != nil {
		t.Fatalf("Schedule as Sam: %v", err)
	}
	mp, err := e.ident.Lookup(ctx, e.seed.OrgID, e.seed.OverrideRepID)
	if err != nil || mp.Source != sfzoom.MappingSourceOverride || mp.ZoomEmail != "sam@zoom.acme-demo.com" || res.Meeting.HostZoomUserID != mp.ZoomUserID {
		t.Fatalf("mapping = %+v, %v; meeting host %q", mp, err, res.Meeting.HostZoomUserID)
	}

	// The admin has no Zoom user: a clear message, no meeting.
	admin := &sfzoom.User{OrgID: e.seed.OrgID, UserID: e.seed.AdminID, Email: "alex.morgan@acme-demo.com"}
	_, err = e.svc.Schedule(ctx, admin, e.input("key-unmatched-1"))
	if sfzoom.ErrorCode(err) != sfzoom.EFORBIDDEN || sfzoom.ErrorMessage(err) != identity.MsgNoZoomUser {
		t.Fatalf("Schedule without Zoom user = %v; want EFORBIDDEN %q", err, identity.MsgNoZoomUser)
	}
}

func TestRescheduleAndCancel(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	res, err := e.svc.Schedule(ctx, e.rep, e.input("key-resched-1"))
	if err != nil {
		t.Fatal(err)
	}
	newStart := time.Now().Add(26 * time.Hour).Truncate(time.Minute).UTC()
	r2, err := e.svc.Reschedule(ctx, e.rep, res.Meeting.ID, newStart, 45)
	if err != nil {
		t.Fatalf("Reschedule: %v", err)
	}
	ev, _ := e.sf.Record(res.Meeting.SFEventID)
	if !r2.Meeting.StartTime.Equal(newStart) || r2.Meeting.Duration != 45 {
		t.Fatalf("rescheduled meeting = %+v", r2.Meeting)
	}
	if got, ok := ev["StartDateTime"].(time.Time); !ok || !got.Equal(newStart) {
		t.Fatalf("Event StartDateTime = %v, want %s", ev["StartDateTime"], newStart)
	}
	other := &sfzoom.User{OrgID: e.seed.OrgID, UserID: e.seed.OverrideRepID}
	if _, err := e.svc.Cancel(ctx, other, res.Meeting.ID); sfzoom.ErrorCode(err) != sfzoom.EFORBIDDEN {
		t.Fatalf("Cancel by another rep = %v, want EFORBIDDEN", err)
	}
	r3, err := e.svc.Cancel(ctx, e.rep, res.Meeting.ID)
	if err != nil {
		t.Fatalf("Cancel: %v", err)
	}
	ev, _ = e.sf.Record(res.Meeting.SFEventID)
	if r3.Meeting.Status != sfzoom.MeetingCancelled || ev["Subject"] != "Cancelled: Globex - Platform Renewal" {
		t.Fatalf("cancelled meeting %+v, Event subject %v", r3.Meeting, ev["Subject"])
	}
	if n := len(e.sf.Records("Event")); n != 1 {
		t.Fatalf("Events = %d, want 1", n)
	}
}

// TestMeetingsChecksAccess: a record's meetings are listed only to a user
// who may read the record (UserRecordAccess), as Record is.
func TestMeetingsChecksAccess(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	res, err := e.svc.Schedule(ctx, e.rep, e.input("key-meetings-acl"))
	if err != nil {
		t.Fatal(err)
	}
	opp := e.seed.OpportunityIDs[0]
	up, past, err := e.svc.Meetings(ctx, e.rep, sfzoom.ObjectOpportunity, opp)
	if err != nil || len(up) != 1 || up[0].ID != res.Meeting.ID || len(past) != 0 {
		t.Fatalf("Meetings with access = %v, %v, %v; want the scheduled meeting", up, past, err)
	}

	e.sf.SetRecordAccess(e.rep.UserID, opp, false)
	notFound := "We couldn't find this Opportunity, or you don't have access to it."
	tests := []struct {
		name, object, id, code, msg string
	}{
		{"NoAccess", sfzoom.ObjectOpportunity, opp, sfzoom.ENOTFOUND, notFound},
		{"NoAccess15", sfzoom.ObjectOpportunity, opp[:15], sfzoom.ENOTFOUND, notFound},
		{"BadID", sfzoom.ObjectOpportunity, "not-an-id", sfzoom.ENOTFOUND, notFound},
		{"Unsupported", "Case", opp, sfzoom.EINVALID, `sfzoom schedules meetings from Opportunities, Contacts and Leads, not from "Case" records.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up, past, err := e.svc.Meetings(ctx, e.rep, tt.object, tt.id)
			if sfzoom.ErrorCode(err) != tt.code || sfzoom.ErrorMessage(err) != tt.msg {
				t.Fatalf("Meetings = %v; want %s %q", err, tt.code, tt.msg)
			}
			if len(up)+len(past) != 0 {
				t.Fatalf("Meetings refused but returned %d upcoming, %d past", len(up), len(past))
			}
		})
	}
	// Another user who can read the record still sees the meeting.
	admin := &sfzoom.User{OrgID: e.seed.OrgID, UserID: e.seed.AdminID, IsAdmin: true}
	if up, _, err := e.svc.Meetings(ctx, admin, sfzoom.ObjectOpportunity, opp); err != nil || len(up) != 1 {
		t.Fatalf("Meetings as admin = %d upcoming, %v; want 1", len(up), err)
	}
}

// TestScheduleDuplicateOtherUser: a form key already used by one rep does
// not hand that rep's meeting to anyone else.
func TestScheduleDuplicateOtherUser(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.svc.Schedule(ctx, e.rep, e.input("key-shared-form")); err != nil {
		t.Fatal(err)
	}
	sam := &sfzoom.User{OrgID: e.seed.OrgID, UserID: e.seed.OverrideRepID, Email: "sam.oneil@acme-demo.com"}
	res, err := e.svc.Schedule(ctx, sam, e.input("key-shared-form"))
	const want = "This form was already used by someone else. Reload the page and try again."
	if sfzoom.ErrorCode(err) != sfzoom.EINVALID || sfzoom.ErrorMessage(err) != want || res != nil {
		t.Fatalf("Schedule by another user with the same key = %+v, %v; want EINVALID %q", res, err, want)
	}
	if n := e.zoomCreates(); n != 1 {
		t.Fatalf("Zoom creates = %d, want 1", n)
	}
	// The owner's resubmission is still a duplicate of the first.
	if res, err := e.svc.Schedule(ctx, e.rep, e.input("key-shared-form")); err != nil || !res.Duplicate {
		t.Fatalf("owner resubmit = %+v, %v; want a duplicate", res, err)
	}
}

// recordingZoom wraps a Zoom client factory and records which Salesforce
// user each client was asked for.
type recordingZoom struct {
	mu    sync.Mutex
	asked []string
	zc    scheduling.ZoomMeetings
	err   map[string]error // per user
}

func (r *recordingZoom) get(_ context.Context, _, sfUserID string) (scheduling.ZoomMeetings, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.asked = append(r.asked, sfUserID)
	if err := r.err[sfUserID]; err != nil {
		return nil, err
	}
	return r.zc, nil
}

// TestAdminChangeUsesHostZoom: in user mode, an admin's reschedule or
// cancel of a rep's meeting goes through the rep's Zoom connection (the
// meeting is in the rep's Zoom account), not the admin's.
func TestAdminChangeUsesHostZoom(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	zc := zoom.NewClient(&http.Client{Transport: bearer{e.zm.IssueAccessToken("")}}, zoom.WithBaseURL(e.zm.APIURL()))
	rz := &recordingZoom{zc: zc}
	svc := scheduling.New(scheduling.Options{
		Store: e.be.Store, Identity: e.ident, UserMode: true, Zoom: rz.get,
		Salesforce: func(context.Context, string) (scheduling.Salesforce, error) { return e.sfc, nil },
	})
	admin := &sfzoom.User{OrgID: e.seed.OrgID, UserID: e.seed.AdminID, IsAdmin: true}
	m1, err := e.svc.Schedule(ctx, e.rep, e.input("key-host-zoom-1"))
	if err != nil {
		t.Fatal(err)
	}
	m2, err := e.svc.Schedule(ctx, e.rep, e.input("key-host-zoom-2"))
	if err != nil {
		t.Fatal(err)
	}

	if _, err := svc.Reschedule(ctx, admin, m1.Meeting.ID, time.Now().Add(30*time.Hour).Truncate(time.Minute), 30); err != nil {
		t.Fatalf("Reschedule as admin: %v", err)
	}
	if _, err := svc.Cancel(ctx, admin, m2.Meeting.ID); err != nil {
		t.Fatalf("Cancel as admin: %v", err)
	}
	if want := []string{e.rep.UserID, e.rep.UserID}; fmt.Sprint(rz.asked) != fmt.Sprint(want) {
		t.Fatalf("Zoom clients asked for %v, want the host's %v", rz.asked, want)
	}
	if n := e.zm.Requests()["PATCH /v2/meetings/{meetingId}"]; n != 1 {
		t.Errorf("Zoom update calls = %d, want 1", n)
	}

	// The host's Zoom connection is gone: the admin is told the host must
	// reconnect, not to connect their own account.
	rz.err = map[string]error{e.rep.UserID: sfzoom.Errorf(sfzoom.EUNAUTHORIZED, "Connect your Zoom account first (Connect Zoom, on the sfzoom home page).")}
	_, err = svc.Reschedule(ctx, admin, m1.Meeting.ID, time.Now().Add(32*time.Hour).Truncate(time.Minute), 30)
	const want = "The rep who scheduled this meeting must reconnect Zoom (Connect Zoom, on the sfzoom home page) before it can be changed here."
	if sfzoom.ErrorCode(err) != sfzoom.EUNAUTHORIZED || sfzoom.ErrorMessage(err) != want {
		t.Fatalf("Reschedule without the host's Zoom = %v; want EUNAUTHORIZED %q", err, want)
	}
}

// TestAccessMemo: within one request (WithAccessMemo) the record page's
// Record and Meetings cost one access check, not two; a new request checks
// again, so a revocation takes effect at once.
func TestAccessMemo(t *testing.T) {
	e := newEnv(t)
	opp := e.seed.OpportunityIDs[0]
	req := scheduling.WithAccessMemo(context.Background())
	if _, err := e.svc.Record(req, e.rep, sfzoom.ObjectOpportunity, opp); err != nil {
		t.Fatal(err)
	}
	e.sf.ResetRequests()
	if _, _, err := e.svc.Meetings(req, e.rep, sfzoom.ObjectOpportunity, opp[:15]); err != nil {
		t.Fatal(err)
	}
	if n := e.sf.APICalls(); n != 0 {
		t.Errorf("Meetings after Record in one request made %d Salesforce calls, want 0", n)
	}
	// Without the memo (another request) the check is made again.
	e.sf.SetRecordAccess(e.rep.UserID, opp, false)
	if _, _, err := e.svc.Meetings(context.Background(), e.rep, sfzoom.ObjectOpportunity, opp); sfzoom.ErrorCode(err) != sfzoom.ENOTFOUND {
		t.Fatalf("Meetings in a new request after revocation = %v, want ENOTFOUND", err)
	}
	// A memo never remembers a refusal or another user's pass.
	other := &sfzoom.User{OrgID: e.seed.OrgID, UserID: e.seed.AdminID}
	e.sf.SetRecordAccess(other.UserID, opp, false)
	if _, _, err := e.svc.Meetings(req, other, sfzoom.ObjectOpportunity, opp); sfzoom.ErrorCode(err) != sfzoom.ENOTFOUND {
		t.Fatalf("Meetings for another user with the rep's memo = %v, want ENOTFOUND", err)
	}
}

// TestScheduleFromLead: a Lead record page reads the Lead (company, status,
// email as the one invitee), and its meeting's Event is logged to the Lead
// (WhoId) with no WhatId, which Salesforce refuses next to a Lead
// (https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_event.htm:
// "If the WhoId refers to a lead, the WhatId field must be empty").
func TestScheduleFromLead(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	lead := e.seed.LeadIDs[0] // Dana Scully, FBI Consulting, owned by the rep
	rec, err := e.svc.Record(ctx, e.rep, sfzoom.ObjectLead, lead)
	if err != nil {
		t.Fatalf("Record(Lead): %v", err)
	}
	if rec.Name != "Dana Scully" || rec.DefaultTopic() != "Dana Scully / FBI Consulting" {
		t.Errorf("lead record = %q, topic %q", rec.Name, rec.DefaultTopic())
	}
	if len(rec.Invitees) != 1 || rec.Invitees[0].ContactID != lead || rec.Invitees[0].Email != "dana.scully@fbi-consulting.example" {
		t.Errorf("lead invitees = %+v, want the Lead itself", rec.Invitees)
	}
	facts := map[string]string{}
	for _, f := range rec.Facts {
		facts[f.Label] = f.Value
	}
	if facts["Company"] != "FBI Consulting" || facts["Email"] == "" {
		t.Errorf("lead facts = %v", facts)
	}

	in := e.input("lead-key-0001")
	in.Object, in.RecordID, in.InviteeIDs = sfzoom.ObjectLead, lead, []string{lead}
	res, err := e.svc.Schedule(ctx, e.rep, in)
	if err != nil {
		t.Fatalf("Schedule from a Lead: %v", err)
	}
	ev, ok := e.sf.Record(res.Meeting.SFEventID)
	if !ok {
		t.Fatalf("no Event for the Lead's meeting")
	}
	if ev["WhoId"] != lead || ev["WhatId"] != nil && ev["WhatId"] != "" {
		t.Errorf("Event WhoId %v WhatId %v; want the Lead and no WhatId", ev["WhoId"], ev["WhatId"])
	}
	up, _, err := e.svc.Meetings(ctx, e.rep, sfzoom.ObjectLead, lead)
	if err != nil || len(up) != 1 || up[0].ID != res.Meeting.ID || up[0].RecordObject != sfzoom.ObjectLead {
		t.Fatalf("Lead's meetings = %v, %v; want the new meeting", up, err)
	}
}

// TestRecordHidesUnreadableContacts: the Opportunity's contact roles are
// read with the integration connection, which sees every Contact; a rep
// sees and may invite only the Contacts Salesforce lets them read, checked
// with one batched UserRecordAccess query (up to 200 RecordIds:
// https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_userrecordaccess.htm).
func TestRecordHidesUnreadableContacts(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	opp := e.seed.OpportunityIDs[0]
	visible, hidden := e.seed.ContactIDs[0], e.seed.ContactIDs[1] // both have a role on opp
	e.sf.SetRecordAccess(e.rep.UserID, hidden, false)

	e.sf.ResetRequests()
	rec, err := e.svc.Record(ctx, e.rep, sfzoom.ObjectOpportunity, opp)
	if err != nil {
		t.Fatalf("Record: %v", err)
	}
	var ids []string
	for _, inv := range rec.Invitees {
		ids = append(ids, inv.ContactID)
	}
	if len(ids) != 1 || ids[0] != visible {
		t.Fatalf("invitees = %v, want only the readable Contact %s (not %s)", ids, visible, hidden)
	}
	accessQueries := 0
	for _, r := range e.sf.Requests() {
		if strings.Contains(r.Query, "UserRecordAccess") {
			accessQueries++
		}
	}
	if accessQueries != 2 {
		t.Errorf("UserRecordAccess queries = %d, want 2 (the record, then every contact role in one batch)", accessQueries)
	}

	// The hidden Contact can't be invited by posting its id either.
	in := e.input("key-hidden-invitee")
	in.InviteeIDs = []string{hidden}
	if _, err := e.svc.Schedule(ctx, e.rep, in); sfzoom.ErrorCode(err) != sfzoom.EINVALID {
		t.Fatalf("Schedule inviting an unreadable Contact = %v, want EINVALID", err)
	}
	if n := e.zoomCreates(); n != 0 {
		t.Errorf("Zoom meetings created = %d, want 0", n)
	}

	// Someone who can read both sees both.
	admin := &sfzoom.User{OrgID: e.seed.OrgID, UserID: e.seed.AdminID, IsAdmin: true}
	rec, err = e.svc.Record(ctx, admin, sfzoom.ObjectOpportunity, opp)
	if err != nil || len(rec.Invitees) != 2 {
		t.Fatalf("Record as admin = %d invitees, %v; want 2", len(rec.Invitees), err)
	}
}

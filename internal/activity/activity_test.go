package activity_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/sfzoom/sfzoom/internal/activity"
	"github.com/sfzoom/sfzoom/internal/backend"
	"github.com/sfzoom/sfzoom/internal/httpretry"
	"github.com/sfzoom/sfzoom/internal/httpretry/retrytest"
	"github.com/sfzoom/sfzoom/internal/jobs"
	"github.com/sfzoom/sfzoom/internal/salesforce"
	"github.com/sfzoom/sfzoom/internal/salesforce/salesforcetest"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/zoom"
	"github.com/sfzoom/sfzoom/internal/zoom/zoomtest"
	"github.com/sfzoom/sfzoom/web"
)

const publicURL = "https://sfzoom.example"

var secret = []byte("demo-webhook-secret")

type bearer struct{ token string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r2 := r.Clone(r.Context())
	r2.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r2)
}

// clients builds the real Zoom and Salesforce clients against the fakes.
type clients struct {
	zc        *zoom.Client
	sc        *salesforce.Client
	sfClock   *retrytest.Clock // the Salesforce client's clock (its breaker)
	noSFToken atomic.Bool
}

func (c *clients) Zoom(context.Context, string, string) (activity.ZoomAPI, error) { return c.zc, nil }
func (c *clients) Salesforce(context.Context, string) (activity.SalesforceAPI, error) {
	if c.noSFToken.Load() {
		return nil, sfzoom.Errorf(sfzoom.EUNAUTHORIZED, "Salesforce is not connected yet.")
	}
	return c.sc, nil
}

type env struct {
	be       *backend.Backend
	p        *activity.Pipeline
	zoom     *zoomtest.Server
	sf       *salesforcetest.Server
	cl       *clients
	seed     salesforcetest.Demo
	orgID    string
	meeting  zoomtest.Meeting
	hook     *httptest.Server
	failNext atomic.Int32 // AfterFetch fails this many times (a crash between fetch and write)
}

// seedMeeting adds a meeting of host to the fake Zoom that started 40
// minutes ago, with participants (a Contact who rejoined, a Lead, an
// internal rep, a dial-in, a stranger), a recording and an AI summary.
func seedMeeting(t testing.TB, z *zoomtest.Server, hostID, topic string) zoomtest.Meeting {
	t.Helper()
	m, err := z.AddMeeting(zoomtest.Meeting{HostID: hostID, Topic: topic, Duration: 30, StartTime: time.Now().Add(-40 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	start := m.StartTime.Add(5 * time.Minute).UTC().Truncate(time.Second)
	for _, p := range []zoomtest.Participant{
		{Name: "Hank Scorpio", Email: "hank@globex.example", JoinTime: start, LeaveTime: start.Add(10 * time.Minute)},
		{Name: "Hank Scorpio", Email: "HANK@globex.example", JoinTime: start.Add(12 * time.Minute), LeaveTime: start.Add(30 * time.Minute)},
		{Name: "Dana Scully", Email: "dana.scully@fbi-consulting.example", JoinTime: start, LeaveTime: start.Add(5 * time.Minute)},
		{Name: "Riley Chen", Email: "riley.chen@acme-demo.com", JoinTime: start, LeaveTime: start.Add(30 * time.Minute)},
		{Name: "Dial-in +1 555", JoinTime: start.Add(time.Minute), LeaveTime: start.Add(20 * time.Minute)},
		{Name: "Stranger", Email: "someone@unknown-company.example", JoinTime: start, LeaveTime: start.Add(3 * time.Minute)},
	} {
		if err := z.AddParticipant(m.UUID, p); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := z.AddRecording(m.UUID, zoomtest.RecordingFile{FileType: "MP4", Size: 1 << 20}); err != nil {
		t.Fatal(err)
	}
	if err := z.AddSummary(m.UUID, zoomtest.Summary{Title: "Renewal", Overview: "Globex agreed to renew for two years.",
		NextSteps: []string{"Send the renewal contract", "Book the security review"}}); err != nil {
		t.Fatal(err)
	}
	return m
}

// newEnv seeds a fake org and a fake Zoom meeting scheduled from an
// Opportunity, with participants (a Contact who rejoined, a Lead, an
// internal rep, a dial-in), a recording and an AI summary.
func newEnv(t *testing.T, mode string, work bool) *env {
	t.Helper()
	return newEnvWith(t, mode, work, time.Second)
}

// newEnvWith is newEnv with the webhook policy's SettleDelay (the wait
// before a meeting.ended job runs).
func newEnvWith(t testing.TB, mode string, work bool, settle time.Duration) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{}
	e.zoom = zoomtest.NewServer()
	t.Cleanup(e.zoom.Close)
	e.sf = salesforcetest.NewServer()
	t.Cleanup(e.sf.Close)
	e.seed = e.sf.SeedDemo()
	e.orgID = e.seed.OrgID
	host := e.zoom.AddUser(zoomtest.User{Email: "riley.chen@acme-demo.com", FirstName: "Riley", LastName: "Chen", Type: 2})
	e.meeting = seedMeeting(t, e.zoom, host.ID, "Globex renewal")
	m := e.meeting
	start := e.meeting.StartTime.Add(5 * time.Minute).UTC().Truncate(time.Second)
	var err error

	e.cl = &clients{sfClock: retrytest.NewClock(time.Now())}
	e.cl.zc = zoom.NewClient(&http.Client{Transport: bearer{e.zoom.IssueAccessToken(host.ID)}}, zoom.WithBaseURL(e.zoom.APIURL()),
		zoom.WithSleeper(func(ctx context.Context, d time.Duration) error { return nil }))
	e.cl.sc, err = salesforce.NewClient(&http.Client{Transport: bearer{e.sf.IssueToken(e.seed.AdminID)}}, e.sf.URL(),
		salesforce.WithSleep(func(ctx context.Context, d time.Duration) error { return nil }),
		salesforce.WithClock(e.cl.sfClock.Now),
		salesforce.WithBreakerSettings(salesforce.BreakerSettings{Name: "sf", ConsecutiveFailures: 3, OpenTimeout: 30 * time.Second}))
	if err != nil {
		t.Fatal(err)
	}

	var pipeline meetingLogger
	workers := river.NewWorkers()
	river.AddWorker(workers, jobs.NewWorker(lateLogger{&pipeline}.LogMeeting))
	opts := backend.Options{DatabaseURL: "sqlite:" + filepath.Join(t.TempDir(), "db.sqlite"), FetchPollInterval: 100 * time.Millisecond}
	if work {
		opts.Workers = workers
	}
	e.be, err = backend.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.be.Close() })
	settings := sfzoom.DefaultOrgSettings()
	settings.InternalDomains = []string{"acme-demo.com"}
	settings.ActivityMode = mode
	org := &sfzoom.Org{ID: e.orgID, Name: "Demo"}
	if err := e.be.Store.UpsertOrg(ctx, org); err != nil {
		t.Fatal(err)
	}
	if err := e.be.Store.UpdateOrgSettings(ctx, e.orgID, settings); err != nil {
		t.Fatal(err)
	}
	if err := e.be.Store.CreateMeeting(ctx, &sfzoom.Meeting{OrgID: e.orgID, ZoomMeetingID: m.ID, HostSFUserID: e.seed.RepID,
		HostZoomUserID: host.ID, RecordObject: sfzoom.ObjectOpportunity, RecordID: e.seed.OpportunityIDs[0], Topic: "Globex renewal",
		StartTime: start, Duration: 30, Status: sfzoom.MeetingScheduled}); err != nil {
		t.Fatal(err)
	}
	e.p = activity.New(activity.Options{Store: e.be.Store, Clients: e.cl, PublicURL: publicURL, Holder: "test",
		AfterFetch: func(ctx context.Context, orgID, uuid string) error {
			if e.failNext.Add(-1) >= 0 {
				return errors.New("simulated crash after the Zoom fetch")
			}
			return nil
		}})
	pipeline = e.p

	srv, err := web.NewServer(web.Options{Webhook: &web.ZoomWebhook{Secret: secret, Store: e.be.Store, Policy: activity.WebhookPolicy{SettleDelay: settle}}})
	if err != nil {
		t.Fatal(err)
	}
	e.hook = httptest.NewServer(srv.Handler())
	t.Cleanup(e.hook.Close)
	e.zoom.SetWebhook(e.hook.URL+web.ZoomWebhookPath, secret)
	if work {
		if err := e.be.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			e.be.Stop(sctx)
		})
	}
	e.sf.ResetRequests()
	e.zoom.ResetRequests()
	return e
}

// meetingLogger is what the job worker is handed: the pipeline, once built.
type meetingLogger interface {
	LogMeeting(ctx context.Context, args jobs.LogMeetingArgs) error
}

type lateLogger struct{ p *meetingLogger }

func (l lateLogger) LogMeeting(ctx context.Context, a jobs.LogMeetingArgs) error {
	return (*l.p).LogMeeting(ctx, a)
}

func zoomAPICalls(z *zoomtest.Server) int {
	n := 0
	for route, c := range z.Requests() {
		if strings.Contains(route, "/v2/") {
			n += c
		}
	}
	return n
}

func (e *env) events(t *testing.T) []map[string]any {
	t.Helper()
	return e.sf.Records("Event")
}

func (e *env) opp(t *testing.T) map[string]any {
	t.Helper()
	o, ok := e.sf.Record(e.seed.OpportunityIDs[0])
	if !ok {
		t.Fatal("opportunity vanished")
	}
	return o
}

// waitLogged waits until the occurrence's activity log exists and no job is pending.
func (e *env) waitLogged(t testing.TB, uuid string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		_, err := e.be.Store.FindActivityLog(context.Background(), e.orgID, uuid)
		depth, _ := e.be.QueueDepth(context.Background())
		if err == nil && depth["available"]+depth["running"]+depth["scheduled"]+depth["retryable"] == 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("meeting %s was not logged in time", uuid)
}

// TestFullFlow ends the meeting in the fake Zoom, which sends signed
// meeting.ended, recording.completed and meeting.summary_completed to the
// real webhook handler; River works the jobs; the Event lands in the fake org
// with matched participants, the recording link and the summary, within the
// API budget.
func TestFullFlow(t *testing.T) {
	e := newEnv(t, sfzoom.ActivityModeDirect, true)
	ctx := context.Background()
	uuid, err := e.zoom.EndMeeting(ctx, e.meeting.ID)
	if err != nil {
		t.Fatal(err)
	}
	e.waitLogged(t, uuid)

	evs := e.events(t)
	if len(evs) != 1 {
		t.Fatalf("%d Events, want 1: %v", len(evs), evs)
	}
	ev := evs[0]
	hank := e.seed.ContactIDs[0]
	if ev["Zoom_Meeting_ID__c"] != uuid || ev["WhatId"] != e.seed.OpportunityIDs[0] || ev["WhoId"] != hank {
		t.Fatalf("Event = %v, want ext id %s, WhatId %s, WhoId %s", ev, uuid, e.seed.OpportunityIDs[0], hank)
	}
	desc, _ := ev["Description"].(string)
	link := publicURL + activity.RecordingPath(e.orgID, uuid)
	// Readable (issue 16 item 8): names with what they matched, not raw ids;
	// the meeting number as Zoom shows it.
	for _, want := range []string{"hank@globex.example>, ", "min (Contact)", "dana.scully@fbi-consulting.example>, ", "min (Lead)",
		"Meeting ID: " + sfzoom.MeetingNumber(e.meeting.ID),
		"Dial-in +1 555", "someone@unknown-company.example", "Recording: " + link, "Globex agreed to renew", "Send the renewal contract"} {
		if !strings.Contains(desc, want) {
			t.Errorf("Event description lacks %q:\n%s", want, desc)
		}
	}
	if strings.Contains(desc, hank) {
		t.Errorf("Event description shows raw record ids:\n%s", desc)
	}
	if ev["Zoom_Meeting_Number__c"] != sfzoom.MeetingNumber(e.meeting.ID) {
		t.Errorf("Zoom_Meeting_Number__c = %v, want %q", ev["Zoom_Meeting_Number__c"], sfzoom.MeetingNumber(e.meeting.ID))
	}
	if strings.Contains(desc, "zoom.us") || ev["Zoom_Recording_URL__c"] != link {
		t.Errorf("recording link = %v, want sfzoom's proxy %s", ev["Zoom_Recording_URL__c"], link)
	}
	// meeting.ended carries when the occurrence really ran: the scheduled
	// meeting is marked ended with those times (the record page lists it as
	// past), and the Event has them too.
	zid := e.meeting.ID
	ms, _, err := e.be.Store.FindMeetings(ctx, sfzoom.MeetingFilter{OrgID: e.orgID, ZoomMeetingID: &zid})
	if err != nil || len(ms) != 1 {
		t.Fatalf("FindMeetings = %v, %v", ms, err)
	}
	if ms[0].Status != sfzoom.MeetingEnded || ms[0].StartTime.After(time.Now()) || ms[0].Duration < 1 {
		t.Errorf("meeting after meeting.ended = status %q start %v duration %d, want ended with the real times", ms[0].Status, ms[0].StartTime, ms[0].Duration)
	}
	o := e.opp(t)
	if o["Meeting_Count__c"] != 1.0 || o["Last_Meeting_Summary__c"] != "Globex agreed to renew for two years." || o["Last_Meeting_Date__c"] == nil {
		t.Fatalf("Opportunity roll-ups = %v", o)
	}
	tasks := e.sf.Records("Task")
	if len(tasks) != 2 {
		t.Fatalf("%d Tasks, want 2", len(tasks))
	}
	// Budget: three deliveries, one meeting: ≤ 2 Salesforce and ≤ 3 Zoom calls.
	if n := e.sf.APICalls(); n > 2 {
		t.Errorf("Salesforce API calls = %d, want ≤ 2: %v", n, e.sf.Requests())
	}
	if n := zoomAPICalls(e.zoom); n > 3 {
		t.Errorf("Zoom API calls = %d, want ≤ 3: %v", n, e.zoom.Requests())
	}
	// Attendance: Hank's rejoin merged (28 min), internal rep marked, guests unmatched.
	att, err := e.be.Store.FindAttendance(ctx, e.orgID, uuid)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{}
	for _, a := range att {
		kinds[a.Name] = a.Match
		if a.Email == "hank@globex.example" && a.Duration != 28*60 {
			t.Errorf("Hank's merged duration = %ds, want %d", a.Duration, 28*60)
		}
	}
	want := map[string]string{"Hank Scorpio": "contact", "Dana Scully": "lead", "Riley Chen": "internal", "Dial-in +1 555": "unmatched", "Stranger": "unmatched"}
	for k, v := range want {
		if kinds[k] != v {
			t.Errorf("match of %s = %q, want %q", k, kinds[k], v)
		}
	}
	q, _ := e.be.Store.FindUnmatched(ctx, e.orgID, 0)
	if len(q) != 2 {
		t.Errorf("review queue has %d entries, want 2", len(q))
	}
	files, _ := e.be.Store.FindRecordingFiles(ctx, sfzoom.RecordingFileFilter{OrgID: e.orgID, MeetingUUID: &uuid})
	if len(files) == 0 {
		t.Errorf("no recording files stored")
	}

	// Zoom re-sends recording.completed (a new delivery): the job finds it
	// covered and calls nobody; nothing is duplicated.
	e.sf.ResetRequests()
	e.zoom.ResetRequests()
	if err := e.zoom.CompleteRecording(ctx, uuid); err != nil {
		t.Fatal(err)
	}
	e.waitLogged(t, uuid)
	if n := e.sf.APICalls() + zoomAPICalls(e.zoom); n != 0 {
		t.Errorf("a covered recording.completed made %d API calls", n)
	}
	// A forced re-log rewrites in place: still one Event, counted once.
	if err := e.p.LogMeeting(ctx, jobs.LogMeetingArgs{OrgID: e.orgID, ZoomMeetingID: e.meeting.ID, MeetingUUID: uuid, Trigger: activity.TriggerManual}); err != nil {
		t.Fatal(err)
	}
	if n := len(e.events(t)); n != 1 {
		t.Fatalf("%d Events after re-log", n)
	}
	if c := e.opp(t)["Meeting_Count__c"]; c != 1.0 {
		t.Fatalf("Meeting_Count__c after re-log = %v, want 1", c)
	}
	if n := len(e.sf.Records("Task")); n != 2 {
		t.Fatalf("%d Tasks after re-log, want 2", n)
	}
}

func endedArgs(e *env, uuid string) jobs.LogMeetingArgs {
	return jobs.LogMeetingArgs{OrgID: e.orgID, ZoomMeetingID: e.meeting.ID, MeetingUUID: uuid, Trigger: "meeting.ended"}
}

// endQuietly ends the meeting without webhook deliveries (jobs are run by hand).
func endQuietly(t *testing.T, e *env) string {
	t.Helper()
	e.zoom.SetWebhook("", nil)
	uuid, err := e.zoom.EndMeeting(context.Background(), e.meeting.ID)
	if err != nil {
		t.Fatal(err)
	}
	return uuid
}

// TestCrashBetweenFetchAndWrite: the job dies after the Zoom fetch; River
// retries it; the meeting is logged once and counted once.
func TestCrashBetweenFetchAndWrite(t *testing.T) {
	e := newEnv(t, sfzoom.ActivityModeDirect, false)
	uuid := endQuietly(t, e)
	e.failNext.Store(1)
	ctx := context.Background()
	if err := e.p.LogMeeting(ctx, endedArgs(e, uuid)); err == nil {
		t.Fatal("first attempt succeeded despite the crash")
	} else if r := jobs.Result(err); r == nil || errors.As(r, new(*river.JobCancelError)) {
		t.Fatalf("crash maps to %v, want a retry", r)
	}
	if n := len(e.events(t)); n != 0 {
		t.Fatalf("%d Events written before the crash", n)
	}
	for range 2 {
		if err := e.p.LogMeeting(ctx, endedArgs(e, uuid)); err != nil {
			t.Fatal(err)
		}
	}
	e.wantLoggedOnce(t)
}

// wantLoggedOnce fails unless the meeting is one Event, counted once on the Opportunity.
func (e *env) wantLoggedOnce(t *testing.T) {
	t.Helper()
	if n := len(e.events(t)); n != 1 {
		t.Fatalf("%d Events, want 1", n)
	}
	if c := e.opp(t)["Meeting_Count__c"]; c != 1.0 {
		t.Fatalf("Meeting_Count__c = %v, want 1", c)
	}
}

// TestSalesforceDown: the breaker opens, jobs are retried (not cancelled),
// and once Salesforce is back the meeting is logged: nothing is lost.
func TestSalesforceDown(t *testing.T) {
	e := newEnv(t, sfzoom.ActivityModeDirect, false)
	uuid := endQuietly(t, e)
	ctx := context.Background()
	e.sf.SetDown(true)
	for i := range 4 {
		err := e.p.LogMeeting(ctx, endedArgs(e, uuid))
		if err == nil {
			t.Fatalf("attempt %d succeeded while Salesforce is down", i)
		}
		r := jobs.Result(err)
		var cancel *river.JobCancelError
		if r == nil || errors.As(r, &cancel) {
			t.Fatalf("attempt %d: outcome %v, want retry", i, r)
		}
	}
	if st := e.cl.sc.BreakerState(); st != httpretry.StateOpen {
		t.Fatalf("breaker state = %v, want open", st)
	}
	e.sf.SetDown(false)
	e.cl.sfClock.Add(30 * time.Second) // the breaker half-opens
	if err := e.p.LogMeeting(ctx, endedArgs(e, uuid)); err != nil {
		t.Fatal(err)
	}
	if n := len(e.events(t)); n != 1 {
		t.Fatalf("%d Events after recovery, want 1", n)
	}
}

// TestZoomRateLimitBacksOff: a 429 from Zoom snoozes the job for Zoom's
// Retry-After instead of failing it.
func TestZoomRateLimitBacksOff(t *testing.T) {
	e := newEnv(t, sfzoom.ActivityModeDirect, false)
	uuid := endQuietly(t, e)
	e.zoom.Fail(zoomtest.Failure{Status: http.StatusTooManyRequests, Count: 20, RetryAfter: 10 * time.Minute})
	r := jobs.Result(e.p.LogMeeting(context.Background(), endedArgs(e, uuid)))
	var snooze *river.JobSnoozeError
	if !errors.As(r, &snooze) {
		t.Fatalf("outcome = %v, want snooze", r)
	}
	if snooze.Duration < time.Minute {
		t.Fatalf("snooze = %s, want Zoom's Retry-After (~10m)", snooze.Duration)
	}
	if n := len(e.events(t)); n != 0 {
		t.Fatalf("%d Events written", n)
	}
	e.zoom.ClearFailures()
	if err := e.p.LogMeeting(context.Background(), endedArgs(e, uuid)); err != nil {
		t.Fatal(err)
	}
}

// TestPlatformEventMode publishes Zoom_Meeting_Event__e instead of writing records.
func TestPlatformEventMode(t *testing.T) {
	e := newEnv(t, sfzoom.ActivityModePlatformEvent, false)
	uuid := endQuietly(t, e)
	if err := e.p.LogMeeting(context.Background(), endedArgs(e, uuid)); err != nil {
		t.Fatal(err)
	}
	pes := e.sf.PublishedEvents()
	if len(pes) != 1 || len(e.events(t)) != 0 {
		t.Fatalf("%d platform events and %d Events, want 1 and 0", len(pes), len(e.events(t)))
	}
	if n := e.sf.APICalls(); n > 2 {
		t.Fatalf("Salesforce API calls = %d, want ≤ 2", n)
	}
}

// TestScheduledEventCountedOnce: sfzoom wrote the Event when the rep
// scheduled the meeting (keyed by the same occurrence UUID). Logging the
// meeting updates that Event in place — one Event, its join URL kept — and
// counts the meeting once, however often the job runs.
func TestScheduledEventCountedOnce(t *testing.T) {
	e := newEnv(t, sfzoom.ActivityModeDirect, false)
	ctx := context.Background()
	joinURL := "https://zoom.example/j/123"
	if _, _, err := e.cl.sc.Upsert(ctx, salesforce.ObjectEvent, salesforce.FieldZoomMeetingID, e.meeting.UUID, salesforce.Fields{
		salesforce.FieldSubject: "Globex renewal", salesforce.FieldWhatID: e.seed.OpportunityIDs[0],
		salesforce.FieldLocation: joinURL, salesforce.FieldStartDateTime: time.Now().Add(-40 * time.Minute),
		salesforce.FieldEndDateTime: time.Now().Add(-10 * time.Minute),
	}); err != nil {
		t.Fatal(err)
	}
	uuid := endQuietly(t, e)
	if uuid != e.meeting.UUID {
		t.Fatalf("ended occurrence %q differs from the scheduled UUID %q", uuid, e.meeting.UUID)
	}
	for range 3 {
		if err := e.p.LogMeeting(ctx, endedArgs(e, uuid)); err != nil {
			t.Fatal(err)
		}
	}
	evs := e.events(t)
	if len(evs) != 1 {
		t.Fatalf("%d Events, want the scheduled one updated in place", len(evs))
	}
	if evs[0]["Location"] != joinURL || evs[0]["Zoom_Logged_At__c"] == nil {
		t.Errorf("Event Location = %v, Zoom_Logged_At__c = %v; want the join URL kept and the logged marker set", evs[0]["Location"], evs[0]["Zoom_Logged_At__c"])
	}
	if c := e.opp(t)["Meeting_Count__c"]; c != 1.0 {
		t.Fatalf("Meeting_Count__c = %v, want 1", c)
	}
}

// TestManyParticipantsOneLookup: 300 participants the match cache does not
// know are matched in one read call (Contacts and Leads by email in one
// query each, within Salesforce's 100,000-character SOQL limit), so the
// meeting.ended job costs one read and one write; the Contact and the Lead
// among them are matched.
func TestManyParticipantsOneLookup(t *testing.T) {
	e := newEnv(t, sfzoom.ActivityModeDirect, false)
	ctx := context.Background()
	m := benchMeeting(t, e, e.meeting.HostID, "Town hall", 300, false)
	e.zoom.SetWebhook("", nil)
	uuid, err := e.zoom.EndMeeting(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	e.sf.ResetRequests()
	if err := e.p.LogMeeting(ctx, jobs.LogMeetingArgs{OrgID: e.orgID, ZoomMeetingID: m.ID, MeetingUUID: uuid, Trigger: zoom.EventMeetingEnded}); err != nil {
		t.Fatal(err)
	}
	if n := e.sf.APICalls(); n != 2 {
		t.Errorf("Salesforce API calls = %d, want 2 (one read, one write): %v", n, e.sf.Requests())
	}
	att, err := e.be.Store.FindAttendance(ctx, e.orgID, uuid)
	if err != nil || len(att) != 300 {
		t.Fatalf("attendance = %d (%v), want 300", len(att), err)
	}
	kinds := map[string]string{}
	for _, a := range att {
		kinds[a.Email] = a.Match
	}
	if kinds["hank@globex.example"] != sfzoom.MatchContact || kinds["dana.scully@fbi-consulting.example"] != sfzoom.MatchLead {
		t.Errorf("Hank matched %q, Dana %q; want a Contact and a Lead", kinds["hank@globex.example"], kinds["dana.scully@fbi-consulting.example"])
	}
}

// TestEventInTheOrgsTimeZone: in the fake org, a meeting row with no time
// zone is written in the org's default time zone (Setup → Company
// Information), read in the same lookup call: the API budget is unchanged.
func TestEventInTheOrgsTimeZone(t *testing.T) {
	e := newEnv(t, sfzoom.ActivityModeDirect, false)
	e.sf.SetOrgTimeZone(e.orgID, "Asia/Tokyo")
	uuid := endQuietly(t, e)
	if err := e.p.LogMeeting(context.Background(), endedArgs(e, uuid)); err != nil {
		t.Fatal(err)
	}
	evs := e.events(t)
	if len(evs) != 1 {
		t.Fatalf("%d Events, want 1", len(evs))
	}
	desc, _ := evs[0]["Description"].(string)
	if !strings.Contains(desc, " JST.") && !strings.Contains(desc, " JST,") {
		t.Errorf("Event description not in the org's zone (JST):\n%s", desc)
	}
	if n := e.sf.APICalls(); n > 2 {
		t.Errorf("Salesforce API calls = %d, want ≤ 2", n)
	}
}

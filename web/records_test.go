package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/sfzoom/sfzoom/internal/appsession"
	"github.com/sfzoom/sfzoom/internal/canvas"
	"github.com/sfzoom/sfzoom/internal/identity"
	"github.com/sfzoom/sfzoom/internal/scheduling"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/templates"
	"github.com/sfzoom/sfzoom/web"
)

const fakeStartURL = "https://zoom.example/s/85000000000?zak=host-secret"

const (
	tOrg   = "00Dxx0000001gPLEAY"
	tRep   = "005xx000001Svk2AAC"
	tAdmin = "005xx000001Svk1AAC"
	tOpp   = "006xx000001aaaaAAA"
)

// fakeScheduler keeps meetings in memory and validates with the real
// scheduling.Input rules.
type fakeScheduler struct {
	mu       sync.Mutex
	now      time.Time
	meetings []*sfzoom.Meeting
	byKey    map[string]*sfzoom.Meeting
	noZoom   bool
	inputs   []scheduling.Input
	// denied lists the users who may not read tOpp (record access revoked).
	denied map[string]bool
}

// access is the fake's record-access check, shared by Record and Meetings
// as in the real service.
func (f *fakeScheduler) access(u *sfzoom.User, object, id string) error {
	if !scheduling.Supported(object) {
		return scheduling.Unsupported(object)
	}
	f.mu.Lock()
	denied := f.denied[u.UserID]
	f.mu.Unlock()
	if id != tOpp || denied {
		return sfzoom.Errorf(sfzoom.ENOTFOUND, "We couldn't find this %s, or you don't have access to it.", object)
	}
	return nil
}

func (f *fakeScheduler) Record(_ context.Context, u *sfzoom.User, object, id string) (*scheduling.Record, error) {
	if err := f.access(u, object, id); err != nil {
		return nil, err
	}
	return &scheduling.Record{Object: object, ID: id, Name: "Globex - Renewal", Account: "Globex",
		Facts:    []scheduling.Fact{{Label: "Stage", Value: "Negotiation"}},
		Invitees: []scheduling.Invitee{{ContactID: "003xx000001bbbbAAA", Name: "Hank Scorpio", Email: "hank@globex.example", Role: "Decision Maker", Primary: true}}}, nil
}

func (f *fakeScheduler) Schedule(ctx context.Context, u *sfzoom.User, in scheduling.Input) (*scheduling.Result, error) {
	if err := in.Validate(f.now); err != nil {
		return nil, err
	}
	if _, err := f.Record(ctx, u, in.Object, in.RecordID); err != nil {
		return nil, err
	}
	if f.noZoom {
		return nil, sfzoom.Errorf(sfzoom.EFORBIDDEN, "%s", identity.MsgNoZoomUser)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.inputs = append(f.inputs, in)
	if m := f.byKey[in.IdempotencyKey]; m != nil {
		return &scheduling.Result{Meeting: m, Duplicate: true}, nil
	}
	if in.Instant {
		in.Start = f.now
	}
	m := &sfzoom.Meeting{ID: int64(len(f.meetings) + 1), OrgID: u.OrgID, ZoomMeetingID: 85000000000 + int64(len(f.meetings)), HostSFUserID: u.UserID,
		RecordObject: in.Object, RecordID: in.RecordID, Topic: in.Topic, StartTime: in.Start, Duration: in.Duration,
		JoinURL: "https://zoom.example/j/85000000000", Status: sfzoom.MeetingScheduled, SFEventID: "00Uxx0000001"}
	f.meetings = append(f.meetings, m)
	f.byKey[in.IdempotencyKey] = m
	res := &scheduling.Result{Meeting: m}
	if in.Instant {
		res.StartURL = fakeStartURL
	}
	return res, nil
}

func (f *fakeScheduler) find(id int64) (*sfzoom.Meeting, error) {
	for _, m := range f.meetings {
		if m.ID == id {
			return m, nil
		}
	}
	return nil, sfzoom.Errorf(sfzoom.ENOTFOUND, "Meeting not found.")
}

func (f *fakeScheduler) Reschedule(_ context.Context, u *sfzoom.User, id int64, start time.Time, d int) (*scheduling.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, err := f.find(id)
	if err != nil {
		return nil, err
	}
	if start.Before(f.now) {
		return nil, sfzoom.Errorf(sfzoom.EINVALID, "The new start time is in the past. Pick a time from now on.")
	}
	m.StartTime, m.Duration = start, d
	return &scheduling.Result{Meeting: m}, nil
}

func (f *fakeScheduler) Cancel(_ context.Context, u *sfzoom.User, id int64) (*scheduling.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, err := f.find(id)
	if err != nil {
		return nil, err
	}
	m.Status = sfzoom.MeetingCancelled
	return &scheduling.Result{Meeting: m}, nil
}

func (f *fakeScheduler) Meetings(_ context.Context, u *sfzoom.User, object, id string) (up, past []*sfzoom.Meeting, err error) {
	if err := f.access(u, object, id); err != nil {
		return nil, nil, err
	}
	return f.all()
}

func (f *fakeScheduler) all() (up, past []*sfzoom.Meeting, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, m := range f.meetings {
		if m.Past(f.now) {
			past = append(past, m)
		} else {
			up = append(up, m)
		}
	}
	return up, past, nil
}

// Upcoming is like the real one: the rep's meetings that are not over and
// not cancelled.
func (f *fakeScheduler) Upcoming(_ context.Context, u *sfzoom.User) ([]*sfzoom.Meeting, error) {
	up, _, _ := f.all()
	var out []*sfzoom.Meeting
	for _, m := range up {
		if m.Status != sfzoom.MeetingCancelled {
			out = append(out, m)
		}
	}
	return out, nil
}

type fakeOrgStore struct {
	mu  sync.Mutex
	org sfzoom.Org
}

func (f *fakeOrgStore) UpsertOrg(context.Context, *sfzoom.Org) error { return nil }
func (f *fakeOrgStore) FindOrgByID(_ context.Context, id string) (*sfzoom.Org, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o := f.org
	return &o, nil
}
func (f *fakeOrgStore) UpdateOrgSettings(_ context.Context, id string, s sfzoom.OrgSettings) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.org.Settings = s
	return nil
}

type appHarness struct {
	srv   *web.Server
	codec *appsession.Codec
	sched *fakeScheduler
	orgs  *fakeOrgStore
	users *fakeUserAdmin
	conn  *fakeConnector
	setup *fakeSetup
	route *fakeRouting
	now   time.Time
}

func newAppHarness(t *testing.T) *appHarness {
	t.Helper()
	key := make([]byte, 32)
	codec, err := appsession.NewCodec([][]byte{key})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	h := &appHarness{codec: codec, now: now,
		sched: &fakeScheduler{now: now, byKey: map[string]*sfzoom.Meeting{}},
		orgs:  &fakeOrgStore{org: sfzoom.Org{ID: tOrg, Settings: sfzoom.OrgSettings{ActivityMode: "direct", MeetingDefaults: sfzoom.MeetingSettings{WaitingRoom: true}}}},
		users: &fakeUserAdmin{},
		setup: &fakeSetup{},
		route: &fakeRouting{claims: map[string]string{}},
	}
	h.conn = &fakeConnector{}
	oauth := &web.OAuth{Key: []byte("0123456789abcdef0123456789abcdef"), Salesforce: h.conn}
	srv, err := web.NewServer(web.Options{
		Store: fakeStore{}, PublicURL: &url.URL{Scheme: "https", Host: "sfzoom.example.com"},
		OAuth: oauth,
		Canvas: &web.CanvasOptions{
			ConsumerSecrets: canvas.UnboundSecrets([]byte(testSecret)), Sessions: codec, Orgs: h.orgs,
			Scheduling: &web.SchedulingPages{Scheduler: h.sched, Orgs: h.orgs},
			Settings: &web.SettingsPages{Users: h.users, Orgs: h.orgs, Connections: noConnections{}, OAuth: oauth,
				DisconnectSalesforce: func(context.Context, string) error { return nil }, Health: fakeHealth{}, Setup: h.setup, ZoomMode: "s2s",
				Routing: h.route},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	h.srv = srv
	return h
}

// session returns the session token and CSRF token of user.
func (h *appHarness) session(t *testing.T, user string, admin bool) (string, string) {
	t.Helper()
	tok, s, err := h.codec.Encode(appsession.Session{OrgID: tOrg, UserID: user, Name: "Riley", TimeZone: "America/New_York", IsAdmin: admin, ExpiresAt: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return tok, h.codec.CSRFToken(s)
}

func (h *appHarness) do(t *testing.T, method, target string, form url.Values, tok, csrf string, htmx bool) (*httptest.ResponseRecorder, *goquery.Document) {
	t.Helper()
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, target, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, target, nil)
	}
	req.Header.Set("X-Sfzoom-Session", tok)
	req.Header.Set("X-CSRF-Token", csrf)
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	rec := httptest.NewRecorder()
	h.srv.Handler().ServeHTTP(rec, req)
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(rec.Body.String()))
	if err != nil {
		t.Fatal(err)
	}
	return rec, doc
}

func TestRecordPage_OK(t *testing.T) {
	h := newAppHarness(t)
	tok, csrf := h.session(t, tRep, false)
	rec, doc := h.do(t, http.MethodGet, "/app/records/Opportunity/"+tOpp, nil, tok, csrf, false)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET record = %d, want 200\n%s", rec.Code, rec.Body)
	}
	checks := []struct{ sel, attr, want string }{
		{`[data-testid="record-name"]`, "", "Globex - Renewal"},
		{`#sfzoom-topic`, "value", "Globex - Renewal"},
		{`#sfzoom-duration option[selected]`, "value", "30"},
		{`[data-testid="invitee"]`, "value", "003xx000001bbbbAAA"},
		{`input[name="waiting_room"]`, "checked", "checked"},
		{`input[name="_csrf"]`, "value", csrf},
	}
	for _, c := range checks {
		s := doc.Find(c.sel).First()
		got := strings.TrimSpace(s.Text())
		if c.attr != "" {
			got, _ = s.Attr(c.attr)
		}
		if c.attr == "checked" {
			if _, ok := s.Attr("checked"); ok {
				got = "checked"
			}
		}
		if got != c.want {
			t.Errorf("%s %s = %q, want %q", c.sel, c.attr, got, c.want)
		}
	}
	if _, ok := doc.Find(`[data-testid="invitee"]`).Attr("checked"); !ok {
		t.Error("invitee with an email is not checked by default")
	}
	if doc.Find(`input[name="join_before_host"][checked]`).Length() != 0 {
		t.Error("join before host is checked, but the org default is off")
	}
	// The start is the next half hour in the rep's zone.
	start, _ := doc.Find("#sfzoom-start").Attr("value")
	loc, _ := time.LoadLocation("America/New_York")
	st, err := time.ParseInLocation("2006-01-02T15:04", start, loc)
	if err != nil || st.Minute()%30 != 0 || !st.After(h.now) || st.Sub(h.now) > 30*time.Minute {
		t.Errorf("start = %q, want the next half hour after %v in New York", start, h.now.In(loc))
	}
	key, _ := doc.Find(`[data-testid="idempotency-key"]`).Attr("value")
	if len(key) < 16 {
		t.Errorf("idempotency key = %q, want a random key", key)
	}
}

// TestRecordPage_Errors: each error page says what went wrong and its own
// next step in plain words (never "check the form" on a page with no form),
// with the status only as a small reference, not as the heading.
func TestRecordPage_Errors(t *testing.T) {
	h := newAppHarness(t)
	tok, csrf := h.session(t, tRep, false)
	tests := []struct {
		name   string
		target string
		status int
		msg    string
		action string
	}{
		{"UnknownRecord", "/app/records/Opportunity/006xx000009zzzzAAA", 404, "We couldn't find this Opportunity, or you don't have access to it.", "Go back to the record in Salesforce and try again."},
		{"UnsupportedType", "/app/records/Case/500xx000001aaaaAAA", 400, `sfzoom schedules meetings from Opportunities, Contacts and Leads, not from "Case" records.`, "Open an Opportunity, a Contact or a Lead in Salesforce and use Schedule Zoom there."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, doc := h.do(t, http.MethodGet, tt.target, nil, tok, csrf, false)
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d", rec.Code, tt.status)
			}
			if got := strings.TrimSpace(doc.Find(`[data-testid="error-message"]`).Text()); got != tt.msg {
				t.Fatalf("message = %q, want %q", got, tt.msg)
			}
			action := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(doc.Find(`[data-testid="error-action"]`).Text()), "What to do next:"))
			if action != tt.action || strings.Contains(strings.ToLower(action), "form") {
				t.Errorf("what to do next = %q, want %q", action, tt.action)
			}
			if title := doc.Find(`[data-testid="error-title"]`).Text(); strings.Contains(title, strconv.Itoa(tt.status)) {
				t.Errorf("heading %q shows the status code", title)
			}
		})
	}
}

// TestRecordMeetings_NoAccess: the htmx meetings fragment checks record
// access like the page does; a rep who can't read the record gets the
// page's 404 and nothing of its meetings.
func TestRecordMeetings_NoAccess(t *testing.T) {
	h := newAppHarness(t)
	tok, csrf := h.session(t, tRep, false)
	if rec, _ := h.do(t, http.MethodPost, "/app/records/Opportunity/"+tOpp+"/meetings", scheduleForm(h, "form-key-access"), tok, csrf, true); rec.Code != http.StatusOK {
		t.Fatalf("schedule = %d\n%s", rec.Code, rec.Body)
	}
	target := "/app/records/Opportunity/" + tOpp + "/meetings"
	rec, doc := h.do(t, http.MethodGet, target, nil, tok, csrf, true)
	if rec.Code != http.StatusOK || doc.Find(`[data-testid="meeting-topic"]`).Text() != "Renewal call" {
		t.Fatalf("fragment with access = %d\n%s", rec.Code, rec.Body)
	}

	h.sched.mu.Lock()
	h.sched.denied = map[string]bool{tRep: true}
	h.sched.mu.Unlock()
	_, page := h.do(t, http.MethodGet, "/app/records/Opportunity/"+tOpp, nil, tok, csrf, true)
	wantMsg := strings.TrimSpace(page.Find(`[data-testid="error-fragment"] h2`).Text())
	if wantMsg != "We couldn't find this Opportunity, or you don't have access to it." {
		t.Fatalf("page message = %q", wantMsg)
	}
	rec, doc = h.do(t, http.MethodGet, target, nil, tok, csrf, true)
	if rec.Code != http.StatusNotFound {
		t.Fatalf("GET %s without access = %d, want 404\n%s", target, rec.Code, rec.Body)
	}
	if got := strings.TrimSpace(doc.Find(`[data-testid="error-fragment"] h2`).Text()); got != wantMsg {
		t.Fatalf("fragment message = %q, want the page's %q", got, wantMsg)
	}
	m := h.sched.meetings[0]
	for _, leak := range []string{m.Topic, m.JoinURL} {
		if strings.Contains(rec.Body.String(), leak) {
			t.Errorf("fragment without access contains %q:\n%s", leak, rec.Body)
		}
	}
}

func scheduleForm(h *appHarness, key string) url.Values {
	loc, _ := time.LoadLocation("America/New_York")
	return url.Values{
		"topic": {"Renewal call"}, "start": {h.now.Add(3 * time.Hour).In(loc).Format("2006-01-02T15:04")}, "duration": {"30"},
		"agenda": {"Pricing"}, "invitee": {"003xx000001bbbbAAA"}, "waiting_room": {"1"}, "idempotency_key": {key},
		"timezone": {"America/New_York"},
	}
}

func TestSchedule_OK(t *testing.T) {
	h := newAppHarness(t)
	tok, csrf := h.session(t, tRep, false)
	rec, doc := h.do(t, http.MethodPost, "/app/records/Opportunity/"+tOpp+"/meetings", scheduleForm(h, "form-key-0001"), tok, csrf, true)
	if rec.Code != http.StatusOK {
		t.Fatalf("POST = %d\n%s", rec.Code, rec.Body)
	}
	if got := doc.Find(`[data-testid="join-url"]`).Text(); got != "https://zoom.example/j/85000000000" {
		t.Errorf("join link = %q", got)
	}
	if got, _ := doc.Find(`[data-testid="copy-button"]`).Attr("data-copy"); got != "https://zoom.example/j/85000000000" {
		t.Errorf("copy button copies %q", got)
	}
	// The result card replaces the form: nothing is left to click twice.
	region := doc.Find("#" + templates.ScheduleID)
	if region.Find(`[data-testid="schedule-result"]`).Length() != 1 || doc.Find(`[data-testid="schedule-form"], [data-testid="idempotency-key"]`).Length() != 0 {
		t.Errorf("the answer is not a result card in place of the form:\n%s", rec.Body)
	}
	if got := strings.TrimSpace(region.Find(`[data-testid="alert"] h2`).Text()); got != "Zoom meeting scheduled: Renewal call" {
		t.Errorf("result says %q", got)
	}
	if region.Find(`[data-testid="start-meeting"]`).Length() != 0 {
		t.Error("a scheduled (not instant) meeting offers Start meeting")
	}
	// "Schedule another" loads a fresh form with a new key.
	another := region.Find(`[data-testid="schedule-another"]`)
	formURL := another.AttrOr("hx-get", "")
	if !strings.HasPrefix(formURL, "/app/records/Opportunity/"+tOpp+"/schedule-form?") || another.AttrOr("hx-target", "") != "#"+templates.ScheduleID ||
		!strings.HasPrefix(another.AttrOr("href", ""), "/app/records/Opportunity/"+tOpp+"?") {
		t.Fatalf("Schedule another = %v", another.Nodes)
	}
	frec, fresh := h.do(t, http.MethodGet, formURL, nil, tok, csrf, true)
	next := fresh.Find("#"+templates.ScheduleID+` [data-testid="idempotency-key"]`).AttrOr("value", "")
	if frec.Code != http.StatusOK || next == "" || next == "form-key-0001" || fresh.Find(`[data-testid="schedule-error"], [aria-invalid]`).Length() != 0 {
		t.Errorf("fresh form = %d, key %q (was form-key-0001)\n%s", frec.Code, next, frec.Body)
	}
	if n := doc.Find(`#sfzoom-meetings[hx-swap-oob] [data-testid="meeting"]`).Length(); n != 1 {
		t.Errorf("meetings in the refreshed list = %d, want 1", n)
	}
	m := h.sched.meetings[0]
	if m.Topic != "Renewal call" || m.StartTime.Location().String() != "America/New_York" || m.StartTime.Minute() != h.now.Add(3*time.Hour).Minute() {
		t.Errorf("scheduled %+v", m)
	}

	// The record page lists it.
	_, page := h.do(t, http.MethodGet, "/app/records/Opportunity/"+tOpp, nil, tok, csrf, false)
	if got := page.Find(`[data-testid="meetings-upcoming"] [data-testid="meeting-topic"]`).Text(); got != "Renewal call" {
		t.Errorf("record page meeting = %q", got)
	}
}

// TestSchedule_Instant: the "Start instant meeting" button submits the same
// form with instant=1; the start field is not required and the scheduler is
// asked for an instant meeting.
func TestSchedule_Instant(t *testing.T) {
	h := newAppHarness(t)
	tok, csrf := h.session(t, tRep, false)
	form := scheduleForm(h, "instant-key-0001")
	form.Del("start")
	form.Set("instant", "1")
	// Leftovers in the other fields don't matter to an instant meeting.
	form.Set("duration", "lots")
	rec, doc := h.do(t, http.MethodPost, "/app/records/Opportunity/"+tOpp+"/meetings", form, tok, csrf, true)
	if rec.Code != http.StatusOK {
		t.Fatalf("POST = %d\n%s", rec.Code, rec.Body)
	}
	if doc.Find(`[data-testid="join-url"]`).Text() == "" {
		t.Errorf("no join link in the result:\n%s", rec.Body)
	}
	if len(h.sched.inputs) != 1 || !h.sched.inputs[0].Instant || !h.sched.inputs[0].Start.IsZero() {
		t.Fatalf("scheduler got %+v, want one instant meeting without a start", h.sched.inputs)
	}
	// The host's start link is offered (app.js sends the window it opened
	// on the click there); the page never stores it anywhere else.
	start := doc.Find(`[data-testid="start-meeting"]`)
	if start.AttrOr("href", "") != fakeStartURL || start.AttrOr("target", "") != "_blank" || start.AttrOr("rel", "") != "noopener noreferrer" {
		t.Errorf("start link = %v, want %s in a new window", start.Nodes, fakeStartURL)
	}
	if got := strings.TrimSpace(doc.Find(`[data-testid="alert"] h2`).First().Text()); !strings.HasPrefix(got, "Instant meeting created") {
		t.Errorf("instant result says %q", got)
	}
	if strings.Count(rec.Body.String(), fakeStartURL) != 1 {
		t.Errorf("the start URL appears %d times in the answer, want once", strings.Count(rec.Body.String(), fakeStartURL))
	}
}

// TestRecordMeetings_LongListIsCut: the record page lists the five soonest
// upcoming meetings and says how many more there are, so it stays within
// the canvas's height cap.
func TestRecordMeetings_LongListIsCut(t *testing.T) {
	h := newAppHarness(t)
	tok, csrf := h.session(t, tRep, false)
	for i := range 7 {
		if rec, _ := h.do(t, http.MethodPost, "/app/records/Opportunity/"+tOpp+"/meetings", scheduleForm(h, fmt.Sprintf("list-key-%07d", i)), tok, csrf, true); rec.Code != http.StatusOK {
			t.Fatalf("schedule %d = %d", i, rec.Code)
		}
	}
	_, doc := h.do(t, http.MethodGet, "/app/records/Opportunity/"+tOpp+"/meetings", nil, tok, csrf, true)
	if n := doc.Find(`[data-testid="meetings-upcoming"] [data-testid="meeting"]`).Length(); n != 5 {
		t.Errorf("listed upcoming meetings = %d, want 5", n)
	}
	if got := doc.Find(`[data-testid="more-upcoming"]`).Text(); !strings.HasPrefix(got, "2 later meetings not shown here") {
		t.Errorf("more-upcoming note = %q", got)
	}
}

func TestSchedule_SameFormFiveTimes(t *testing.T) {
	h := newAppHarness(t)
	tok, csrf := h.session(t, tRep, false)
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec, _ := h.do(t, http.MethodPost, "/app/records/Opportunity/"+tOpp+"/meetings", scheduleForm(h, "same-key-000001"), tok, csrf, true)
			if rec.Code != http.StatusOK {
				t.Errorf("POST = %d", rec.Code)
			}
		}()
	}
	wg.Wait()
	if n := len(h.sched.meetings); n != 1 {
		t.Fatalf("meetings = %d, want 1", n)
	}
}

// TestSchedule_BadInput: a submission the scheduler refuses comes back as
// the same form, as the rep filled it in (same submission key, since nothing
// was created), with the message under the field it is about (SLDS
// slds-has-error, aria-invalid, aria-describedby) and next to the buttons;
// htmx is told to put it in place of the form (app.js swaps it).
func TestSchedule_BadInput(t *testing.T) {
	h := newAppHarness(t)
	tok, csrf := h.session(t, tRep, false)
	loc, _ := time.LoadLocation("America/New_York")
	tests := []struct {
		name    string
		change  func(url.Values)
		status  int
		msg     string
		control string // id of the control marked invalid; "" for a message about the whole form
		keyKept bool
	}{
		{"MissingTopic", func(v url.Values) { v.Set("topic", " ") }, 400, "Enter a topic for the meeting.", "sfzoom-topic", true},
		{"StartInPast", func(v url.Values) { v.Set("start", h.now.Add(-2*time.Hour).In(loc).Format("2006-01-02T15:04")) }, 400,
			"The start time is in the past. Pick a time from now on, or use Start instant meeting.", "sfzoom-start", true},
		{"BadStart", func(v url.Values) { v.Set("start", "tomorrow") }, 400, "Enter the start as a date and time, like 2026-03-01 14:30.", "sfzoom-start", true},
		{"NoStart", func(v url.Values) { v.Set("start", "") }, 400, "Enter a start date and time.", "sfzoom-start", true},
		{"BadDuration", func(v url.Values) { v.Set("duration", "lots") }, 400, "Enter the duration in minutes, like 30.", "sfzoom-duration", true},
		{"LongAgenda", func(v url.Values) { v.Set("agenda", strings.Repeat("a", 2001)) }, 400, "The agenda is too long; keep it under 2000 characters.", "sfzoom-agenda", true},
		{"NoKey", func(v url.Values) { v.Del("idempotency_key") }, 400, "This form is missing its submission key. Reload the page and try again.", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := "bad-key-" + tt.name
			form := scheduleForm(h, key)
			tt.change(form)
			rec, doc := h.do(t, http.MethodPost, "/app/records/Opportunity/"+tOpp+"/meetings", form, tok, csrf, true)
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d\n%s", rec.Code, tt.status, rec.Body)
			}
			for hdr, want := range map[string]string{"HX-Retarget": "#" + templates.ScheduleID, "HX-Reswap": "outerHTML", web.FormErrorHeader: "1"} {
				if got := rec.Header().Get(hdr); got != want {
					t.Errorf("%s = %q, want %q", hdr, got, want)
				}
			}
			region := doc.Find("#" + templates.ScheduleID + ` [data-testid="schedule-form"]`)
			if region.Length() != 1 {
				t.Fatalf("the answer is not the form in its region:\n%s", rec.Body)
			}
			// Next to the buttons.
			if got := strings.TrimSpace(region.Find(`[data-testid="schedule-error"] [role="alert"] h2`).Text()); got != tt.msg {
				t.Errorf("message next to the buttons = %q, want %q", got, tt.msg)
			}
			if by, _ := region.Find(`[data-testid="schedule-submit"]`).Attr("aria-describedby"); by != "sfzoom-schedule-error" {
				t.Errorf("submit button aria-describedby = %q", by)
			}
			// Next to the field.
			invalid := region.Find(`[aria-invalid="true"]`)
			if tt.control == "" {
				if invalid.Length() != 0 {
					t.Errorf("a form-wide error marks %d controls invalid", invalid.Length())
				}
			} else {
				id, _ := invalid.Attr("id")
				by, _ := invalid.Attr("aria-describedby")
				if invalid.Length() != 1 || id != tt.control || by != tt.control+"-error" {
					t.Fatalf("invalid controls = %d (id %q, aria-describedby %q), want exactly %s", invalid.Length(), id, by, tt.control)
				}
				help := region.Find("#" + tt.control + "-error")
				if got := strings.TrimSpace(help.Text()); got != tt.msg || !help.HasClass("slds-form-element__help") {
					t.Errorf("help text under %s = %q (class %q), want %q", tt.control, got, help.AttrOr("class", ""), tt.msg)
				}
				if el := help.Closest(".slds-form-element"); !el.HasClass("slds-has-error") {
					t.Errorf("the form element of %s lacks slds-has-error", tt.control)
				}
			}
			// What the rep typed is kept, and so is the key (nothing was created).
			if got := region.Find("#sfzoom-topic").AttrOr("value", ""); got != form.Get("topic") {
				t.Errorf("topic = %q, want the submitted %q", got, form.Get("topic"))
			}
			if got := region.Find("#sfzoom-agenda").Text(); got != form.Get("agenda") {
				t.Errorf("agenda not kept: %q", got)
			}
			if _, checked := region.Find(`input[name="waiting_room"]`).Attr("checked"); !checked {
				t.Error("waiting room setting not kept")
			}
			if got := region.Find(`[data-testid="idempotency-key"]`).AttrOr("value", ""); (got == key) != tt.keyKept || got == "" {
				t.Errorf("idempotency key = %q; kept the submitted %q = %v, want %v", got, key, got == key, tt.keyKept)
			}
		})
	}
	t.Run("UnknownRecord", func(t *testing.T) {
		rec, doc := h.do(t, http.MethodPost, "/app/records/Opportunity/006xx000009zzzzAAA/meetings", scheduleForm(h, "bad-key-unknown"), tok, csrf, true)
		want := "We couldn't find this Opportunity, or you don't have access to it."
		if rec.Code != 404 || strings.TrimSpace(doc.Find(`[data-testid="error-fragment"] h2`).Text()) != want || rec.Header().Get("HX-Retarget") != "#sfzoom-flash" {
			t.Fatalf("status %d, retarget %q, body %s", rec.Code, rec.Header().Get("HX-Retarget"), rec.Body)
		}
	})
	t.Run("UnsupportedType", func(t *testing.T) {
		rec, doc := h.do(t, http.MethodPost, "/app/records/Case/500xx000001aaaaAAA/meetings", scheduleForm(h, "bad-key-case"), tok, csrf, true)
		want := `sfzoom schedules meetings from Opportunities, Contacts and Leads, not from "Case" records. Open an Opportunity, a Contact or a Lead in Salesforce and use Schedule Zoom there.`
		if rec.Code != 400 || strings.TrimSpace(doc.Find(`[data-testid="error-fragment"] h2`).Text()) != want {
			t.Fatalf("status %d, body %s", rec.Code, rec.Body)
		}
	})
	t.Run("NoZoomUser", func(t *testing.T) {
		h.sched.noZoom = true
		defer func() { h.sched.noZoom = false }()
		rec, doc := h.do(t, http.MethodPost, "/app/records/Opportunity/"+tOpp+"/meetings", scheduleForm(h, "bad-key-nozoom"), tok, csrf, true)
		// Not about one field: said next to the buttons, no field marked.
		if rec.Code != 403 || strings.TrimSpace(doc.Find(`[data-testid="schedule-error"] h2`).Text()) != identity.MsgNoZoomUser ||
			doc.Find(`[aria-invalid="true"]`).Length() != 0 {
			t.Fatalf("status %d, body %s", rec.Code, rec.Body)
		}
	})
	t.Run("NoCSRF", func(t *testing.T) {
		rec, _ := h.do(t, http.MethodPost, "/app/records/Opportunity/"+tOpp+"/meetings", scheduleForm(h, "bad-key-csrf"), tok, "", true)
		if rec.Code != http.StatusForbidden {
			t.Fatalf("status = %d, want 403", rec.Code)
		}
	})
	if n := len(h.sched.meetings); n != 0 {
		t.Fatalf("meetings after bad input = %d, want 0", n)
	}
}

func TestRescheduleCancelAndHome(t *testing.T) {
	h := newAppHarness(t)
	tok, csrf := h.session(t, tRep, false)
	h.do(t, http.MethodPost, "/app/records/Opportunity/"+tOpp+"/meetings", scheduleForm(h, "form-key-0002"), tok, csrf, true)

	_, home := h.do(t, http.MethodGet, "/app/home", nil, tok, csrf, false)
	if got := home.Find(`[data-testid="meeting-topic"]`).Text(); got != "Renewal call" {
		t.Fatalf("home meetings = %q", got)
	}
	loc, _ := time.LoadLocation("America/New_York")
	newStart := h.now.Add(48 * time.Hour).In(loc).Format("2006-01-02T15:04")
	rec, doc := h.do(t, http.MethodPost, "/app/meetings/1/reschedule", url.Values{"start": {newStart}, "duration": {"45"}}, tok, csrf, true)
	if rec.Code != 200 || !strings.HasPrefix(doc.Find(`[data-testid="alert"] h2`).Text(), "Meeting moved to") ||
		!strings.Contains(doc.Find(`[data-testid="alert"] h2`).Text(), "45 minutes") {
		t.Fatalf("reschedule = %d %s", rec.Code, rec.Body)
	}
	// The earlier "meeting scheduled" result is replaced (out of band) by
	// a note and "Schedule another": its time and link are stale.
	if r := doc.Find(`#sfzoom-schedule-result[hx-swap-oob]`); r.Length() != 1 || r.Find(`[data-testid="join-url"]`).Length() != 0 ||
		r.Find(`[data-testid="schedule-another"]`).Length() != 1 {
		t.Errorf("reschedule does not replace the stale schedule result:\n%s", rec.Body)
	}
	if h.sched.meetings[0].Duration != 45 {
		t.Fatalf("duration = %d, want 45", h.sched.meetings[0].Duration)
	}
	rec, _ = h.do(t, http.MethodPost, "/app/meetings/1/reschedule", url.Values{"start": {"yesterday"}, "duration": {"45"}}, tok, csrf, true)
	if rec.Code != 400 {
		t.Fatalf("bad reschedule = %d, want 400", rec.Code)
	}
	rec, _ = h.do(t, http.MethodPost, "/app/meetings/x/cancel", url.Values{}, tok, csrf, true)
	if rec.Code != 404 {
		t.Fatalf("cancel of a bad id = %d, want 404", rec.Code)
	}
	rec, doc = h.do(t, http.MethodPost, "/app/meetings/1/cancel", url.Values{}, tok, csrf, true)
	// A cancelled meeting that was still ahead stays among the upcoming
	// ones, marked Cancelled, with nothing left to click.
	row := doc.Find(`[data-testid="meetings-upcoming"] [data-testid="meeting"]`)
	if rec.Code != 200 || row.Length() != 1 || doc.Find(`[data-testid="meetings-past"] [data-testid="meeting"]`).Length() != 0 {
		t.Fatalf("cancel = %d %s", rec.Code, rec.Body)
	}
	if got := row.Find(`[data-testid="badge"]`).First().Text(); got != "Cancelled" || row.AttrOr("data-state", "") != "Cancelled" {
		t.Errorf("cancelled meeting badge = %q", got)
	}
	if n := row.Find(`[data-testid="meeting-join"], [data-testid="meeting-cancel"], [data-testid="reschedule"]`).Length(); n != 0 {
		t.Errorf("a cancelled meeting still offers %d actions", n)
	}
	_, home = h.do(t, http.MethodGet, "/app/home", nil, tok, csrf, false)
	if home.Find(`[data-testid="empty-state"]`).Length() != 1 {
		t.Fatalf("home after cancel shows meetings")
	}
}

var _ = templates.MeetingsID

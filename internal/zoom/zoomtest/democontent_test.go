package zoomtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sfzoom/sfzoom/internal/zoom/zoomtest"
)

// hookRecorder is a webhook receiver that keeps every body by event.
type hookRecorder struct {
	srv    *httptest.Server
	mu     sync.Mutex
	events []string
	bodies map[string][]byte // last body per event
}

func newHookRecorder(t *testing.T) *hookRecorder {
	t.Helper()
	h := &hookRecorder{bodies: map[string][]byte{}}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var env struct{ Event string }
		json.Unmarshal(b, &env)
		h.mu.Lock()
		h.events = append(h.events, env.Event)
		h.bodies[env.Event] = b
		h.mu.Unlock()
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hookRecorder) body(t *testing.T, event string) []byte {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	b := h.bodies[event]
	if b == nil {
		t.Fatalf("no %s delivered (got %v)", event, h.events)
	}
	return b
}

func (h *hookRecorder) eventList() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.events...)
}

// clock is a settable clock for the fake.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type demoFixture struct {
	srv   *zoomtest.Server
	hook  *hookRecorder
	clk   *clock
	token string
	id    int64
	uuid  string // ended instance
}

// endScheduledMeeting creates a meeting through the REST API as the app
// does (with meeting_invitees), starts it at t0, ends it 45 minutes later
// and returns the ended instance.
func endScheduledMeeting(t *testing.T, opts ...zoomtest.Option) *demoFixture {
	t.Helper()
	f := &demoFixture{hook: newHookRecorder(t), clk: &clock{now: t0}}
	f.srv = zoomtest.NewServer(append([]zoomtest.Option{zoomtest.WithClock(f.clk.Now), zoomtest.WithSeed(5)}, opts...)...)
	t.Cleanup(f.srv.Close)
	f.srv.SetWebhook(f.hook.srv.URL, []byte("secret"))
	host := f.srv.AddUser(zoomtest.User{Email: "riley.chen@acme.example", FirstName: "Riley", LastName: "Chen", Type: 2})
	f.srv.AddUser(zoomtest.User{Email: "sam@acme.example", FirstName: "Sam", LastName: "O'Neil", Type: 2})
	f.token = f.srv.IssueAccessToken(host.ID)
	status, _, b := call(t, "POST", f.srv.APIURL()+"users/me/meetings", f.token, map[string]any{
		"topic": "Globex pilot kickoff", "type": 2, "start_time": "2024-01-01T10:00:00Z", "duration": 30,
		"settings": map[string]any{"meeting_invitees": []any{
			map[string]any{"email": "mindy.simmons@globex.example"},
			map[string]any{"email": "Riley.Chen@acme.example"}, // the host again: one session only
			map[string]any{"email": "sam@acme.example"},        // a colleague on the account
		}},
	})
	if status != 201 {
		t.Fatalf("create meeting = %d %s", status, b)
	}
	var created struct{ ID int64 }
	json.Unmarshal(b, &created)
	f.id = created.ID
	ctx := t.Context()
	if err := f.srv.StartMeeting(ctx, f.id); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(45 * time.Minute)
	uuid, err := f.srv.EndMeeting(ctx, f.id)
	if err != nil {
		t.Fatal(err)
	}
	f.uuid = uuid
	f.clk.Advance(5 * time.Minute)
	return f
}

type pastParticipant struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	UserEmail string `json:"user_email"`
	JoinTime  string `json:"join_time"`
	LeaveTime string `json:"leave_time"`
	Duration  int    `json:"duration"`
	Internal  bool   `json:"internal_user"`
}

func TestDemoContent(t *testing.T) {
	f := endScheduledMeeting(t, zoomtest.WithDemoContent())
	ctx := t.Context()
	start, end := t0, t0.Add(45*time.Minute)

	t.Run("EndAddsParticipants", func(t *testing.T) {
		status, _, b := call(t, "GET", f.srv.APIURL()+"past_meetings/"+url.PathEscape(url.PathEscape(f.uuid))+"/participants", f.token, nil)
		if status != 200 {
			t.Fatalf("participants = %d %s", status, b)
		}
		if diff := shapeDiff("$", docExample(t, "testdata/past_participants.json"), decode(t, b), nil); len(diff) > 0 {
			t.Errorf("participants differ from docs/zoom-api.md §3.4:\n%s", strings.Join(diff, "\n"))
		}
		var got struct {
			TotalRecords int               `json:"total_records"`
			Participants []pastParticipant `json:"participants"`
		}
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		type person struct {
			Name, Email string
			Internal    bool
			HasID       bool
		}
		var people []person
		for _, p := range got.Participants {
			people = append(people, person{p.Name, p.UserEmail, p.Internal, p.ID != ""})
			join, err1 := time.Parse(time.RFC3339, p.JoinTime)
			leave, err2 := time.Parse(time.RFC3339, p.LeaveTime)
			if err1 != nil || err2 != nil {
				t.Fatalf("%s: bad times %q %q", p.Name, p.JoinTime, p.LeaveTime)
			}
			if join.Before(start) || leave.After(end) || !leave.After(join) {
				t.Errorf("%s: joined %v, left %v; want inside [%v, %v]", p.Name, join, leave, start, end)
			}
			if want := int(leave.Sub(join).Seconds()); p.Duration != want {
				t.Errorf("%s: duration = %d, want %d", p.Name, p.Duration, want)
			}
		}
		want := []person{
			{"Riley Chen", "riley.chen@acme.example", true, true},
			{"Mindy Simmons", "mindy.simmons@globex.example", false, false},
			{"Sam O'Neil", "sam@acme.example", true, true},
			{"+1 415-555-0142", "", false, false},
			{"Jordan Blake", "jordan.blake@northwind-guests.example", false, false},
		}
		if diff := cmp.Diff(want, people); diff != "" {
			t.Errorf("participants (-want +got):\n%s", diff)
		}
		if got.TotalRecords != len(want) {
			t.Errorf("total_records = %d, want %d", got.TotalRecords, len(want))
		}
	})

	t.Run("RecordingCompleted", func(t *testing.T) {
		if err := f.srv.CompleteRecording(ctx, f.uuid); err != nil {
			t.Fatalf("CompleteRecording(%q) = %v, want nil", f.uuid, err)
		}
		b := f.hook.body(t, "recording.completed")
		if diff := shapeDiff("$", docExample(t, filepath.Join("..", "testdata", "recording_completed.json")), decode(t, b),
			map[string]bool{"$.payload.object.participant_audio_files": true}); len(diff) > 0 {
			t.Errorf("recording.completed differs from docs/zoom-api.md §2.4:\n%s", strings.Join(diff, "\n"))
		}
		var ev struct {
			Payload struct {
				Object struct {
					UUID           string `json:"uuid"`
					RecordingFiles []struct {
						ID       string `json:"id"`
						FileType string `json:"file_type"`
						FileSize int64  `json:"file_size"`
					} `json:"recording_files"`
				} `json:"object"`
			} `json:"payload"`
		}
		if err := json.Unmarshal(b, &ev); err != nil {
			t.Fatal(err)
		}
		files := ev.Payload.Object.RecordingFiles
		if ev.Payload.Object.UUID != f.uuid || len(files) != 2 || files[0].FileType != "MP4" || files[1].FileType != "TRANSCRIPT" {
			t.Fatalf("recording.completed object = %s", b)
		}
		video := zoomtest.DemoVideo()
		if got, ok := f.srv.MediaBytes(files[0].ID, 0, files[0].FileSize); !ok || files[0].FileSize != int64(len(video)) || !bytes.Equal(got, video) {
			t.Errorf("MP4 is not the demo video (size %d, want %d)", files[0].FileSize, len(video))
		}
		vtt, _ := f.srv.MediaBytes(files[1].ID, 0, files[1].FileSize)
		if !bytes.HasPrefix(vtt, []byte("WEBVTT\n")) || !bytes.Contains(vtt, []byte("Riley Chen: ")) ||
			!bytes.Contains(vtt, []byte("Mindy Simmons: ")) || !bytes.Contains(vtt, []byte("Globex pilot kickoff")) {
			t.Errorf("transcript =\n%s", vtt)
		}
		if !regexp.MustCompile(`(?m)^00:00:0\d\.\d{3} --> 00:00:0\d\.\d{3}$`).Match(vtt) {
			t.Errorf("transcript has no WebVTT cue timings:\n%s", vtt)
		}
		status, _, rb := call(t, "GET", f.srv.APIURL()+"meetings/"+fmt.Sprint(f.id)+"/recordings", f.token, nil)
		if status != 200 || !bytes.Contains(rb, []byte(`"recording_count":2`)) {
			t.Errorf("GET recordings = %d %s", status, rb)
		}
		// Zoom may resend: the same files, not new ones.
		if err := f.srv.CompleteRecording(ctx, f.uuid); err != nil {
			t.Fatal(err)
		}
		if b2 := f.hook.body(t, "recording.completed"); !bytes.Contains(b2, []byte(files[0].ID)) || bytes.Count(b2, []byte(`"file_type"`)) != 2 {
			t.Errorf("resent recording.completed has other files: %s", b2)
		}
	})

	t.Run("SummaryCompleted", func(t *testing.T) {
		if err := f.srv.CompleteSummary(ctx, f.uuid); err != nil {
			t.Fatalf("CompleteSummary(%q) = %v, want nil", f.uuid, err)
		}
		b := f.hook.body(t, "meeting.summary_completed")
		// No summary_doc_url: the fake has no Zoom Docs to link to, and Zoom
		// omits it when the summary is not saved to Docs.
		if diff := shapeDiff("$", docExample(t, filepath.Join("..", "testdata", "summary_completed.json")), decode(t, b),
			map[string]bool{"$.payload.object.summary_doc_url": true}); len(diff) > 0 {
			t.Errorf("meeting.summary_completed differs from docs/zoom-api.md §2.5:\n%s", strings.Join(diff, "\n"))
		}
		status, _, sb := call(t, "GET", f.srv.APIURL()+"meetings/"+url.PathEscape(url.PathEscape(f.uuid))+"/meeting_summary", f.token, nil)
		if status != 200 {
			t.Fatalf("GET meeting_summary = %d %s", status, sb)
		}
		if diff := shapeDiff("$", docExample(t, "testdata/meeting_summary.json"), decode(t, sb), map[string]bool{"$.edited_summary": true}); len(diff) > 0 {
			t.Errorf("meeting_summary differs from docs/zoom-api.md §3.7:\n%s", strings.Join(diff, "\n"))
		}
		var sum struct {
			UUID     string   `json:"meeting_uuid"`
			Title    string   `json:"summary_title"`
			Overview string   `json:"summary_overview"`
			Next     []string `json:"next_steps"`
			Content  string   `json:"summary_content"`
		}
		if err := json.Unmarshal(sb, &sum); err != nil {
			t.Fatal(err)
		}
		if sum.UUID != f.uuid || sum.Title != "Meeting summary for Globex pilot kickoff" ||
			!strings.Contains(sum.Overview, "Mindy Simmons") || len(sum.Next) == 0 {
			t.Errorf("summary = %+v", sum)
		}
		if !strings.HasPrefix(sum.Content, "## Quick recap\n") || !strings.Contains(sum.Content, "\n## Next steps\n- "+sum.Next[0]) {
			t.Errorf("summary_content =\n%s", sum.Content)
		}
	})

	wantEvents := []string{"meeting.started", "meeting.ended", "recording.completed", "recording.completed", "meeting.summary_completed"}
	if diff := cmp.Diff(wantEvents, f.hook.eventList()); diff != "" {
		t.Errorf("webhooks (-want +got):\n%s", diff)
	}
}

// TestDemoContentKeepsSeeded checks that seeded participants, files and
// summaries are sent as they are, with nothing invented next to them.
func TestDemoContentKeepsSeeded(t *testing.T) {
	hook := newHookRecorder(t)
	srv := zoomtest.NewServer(zoomtest.WithClock(func() time.Time { return t0 }), zoomtest.WithDemoContent())
	t.Cleanup(srv.Close)
	srv.SetWebhook(hook.srv.URL, []byte("s"))
	host := srv.AddUser(zoomtest.User{Email: "h@example.com"})
	tok := srv.IssueAccessToken("")
	m, _ := srv.AddMeeting(zoomtest.Meeting{HostID: host.ID, Topic: "Seeded", Duration: 30})
	for _, name := range []string{"A", "B"} {
		srv.AddParticipant(m.UUID, zoomtest.Participant{Name: name, Email: strings.ToLower(name) + "@example.com"})
	}
	srv.AddRecording(m.UUID, zoomtest.RecordingFile{FileType: "M4A"})
	srv.AddSummary(m.UUID, zoomtest.Summary{Overview: "Seeded overview"})
	uuid, err := srv.EndMeeting(t.Context(), m.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, _, b := call(t, "GET", srv.APIURL()+"past_meetings/"+fmt.Sprint(m.ID)+"/participants", tok, nil)
	if !bytes.Contains(b, []byte(`"total_records":2`)) || bytes.Contains(b, []byte("Jordan Blake")) {
		t.Errorf("participants = %s, want the 2 seeded", b)
	}
	if err := srv.CompleteRecording(t.Context(), uuid); err != nil {
		t.Fatal(err)
	}
	if rb := hook.body(t, "recording.completed"); bytes.Count(rb, []byte(`"file_type"`)) != 1 || !bytes.Contains(rb, []byte(`"file_type":"M4A"`)) {
		t.Errorf("recording.completed = %s, want only the seeded M4A", rb)
	}
	if err := srv.CompleteSummary(t.Context(), uuid); err != nil {
		t.Fatal(err)
	}
	if sb := hook.body(t, "meeting.summary_completed"); !bytes.Contains(sb, []byte(`"summary_overview":"Seeded overview"`)) {
		t.Errorf("meeting.summary_completed = %s, want the seeded summary", sb)
	}
}

// TestWithoutDemoContent checks the default stays strict: nothing invented.
func TestWithoutDemoContent(t *testing.T) {
	f := endScheduledMeeting(t)
	ctx := context.Background()
	_, _, b := call(t, "GET", f.srv.APIURL()+"past_meetings/"+fmt.Sprint(f.id)+"/participants", f.token, nil)
	var got struct {
		TotalRecords int `json:"total_records"`
	}
	if err := json.Unmarshal(b, &got); err != nil || got.TotalRecords != 0 {
		t.Errorf("participants = %s, want none", b)
	}
	if err := f.srv.CompleteRecording(ctx, f.uuid); !errors.Is(err, zoomtest.ErrUnknown) {
		t.Errorf("CompleteRecording(%q) = %v, want ErrUnknown", f.uuid, err)
	}
	if err := f.srv.CompleteSummary(ctx, f.uuid); !errors.Is(err, zoomtest.ErrUnknown) {
		t.Errorf("CompleteSummary(%q) = %v, want ErrUnknown", f.uuid, err)
	}
	if status, _, _ := call(t, "GET", f.srv.APIURL()+"meetings/"+fmt.Sprint(f.id)+"/recordings", f.token, nil); status != 404 {
		t.Errorf("GET recordings = %d, want 404", status)
	}
	if status, _, _ := call(t, "GET", f.srv.APIURL()+"meetings/"+fmt.Sprint(f.id)+"/meeting_summary", f.token, nil); status != 404 {
		t.Errorf("GET meeting_summary = %d, want 404", status)
	}
	if diff := cmp.Diff([]string{"meeting.started", "meeting.ended"}, f.hook.eventList()); diff != "" {
		t.Errorf("webhooks (-want +got):\n%s", diff)
	}
}

// TestControlPageDemo drives the flow from the control page as the demo's
// reviewer did: the page tells meetings apart by start time and duration,
// and end → recording → summary all succeed.
func TestControlPageDemo(t *testing.T) {
	hook, clk := newHookRecorder(t), &clock{now: t0}
	srv := zoomtest.NewServer(zoomtest.WithClock(clk.Now), zoomtest.WithDemoContent())
	t.Cleanup(srv.Close)
	srv.SetWebhook(hook.srv.URL, []byte("s"))
	host := srv.AddUser(zoomtest.User{Email: "h@example.com", FirstName: "Hana", LastName: "Host"})
	m1, _ := srv.AddMeeting(zoomtest.Meeting{HostID: host.ID, Topic: "Same topic", StartTime: t0.Add(2 * time.Hour), Duration: 30})
	m2, _ := srv.AddMeeting(zoomtest.Meeting{HostID: host.ID, Topic: "Same topic", StartTime: t0.Add(26 * time.Hour), Duration: 60})

	page := func() []byte {
		status, _, b := call(t, "GET", srv.URL()+"/_control", "", nil)
		if status != 200 {
			t.Fatalf("control page = %d %s", status, b)
		}
		return b
	}
	row := func(b []byte, id int64) string {
		re := regexp.MustCompile(`(?s)<tr data-testid="meeting-` + fmt.Sprint(id) + `">.*?</tr>`)
		return string(re.Find(b))
	}
	b := page()
	for _, tt := range []struct {
		id              int64
		start, duration string
	}{
		{m1.ID, "Mon 1 Jan 2024 12:00 UTC", "30 min"},
		{m2.ID, "Tue 2 Jan 2024 12:00 UTC", "60 min"},
	} {
		r := row(b, tt.id)
		if !strings.Contains(r, `<td data-testid="start-time">`+tt.start+`</td>`) || !strings.Contains(r, `<td data-testid="duration">`+tt.duration+`</td>`) {
			t.Errorf("row of meeting %d lacks start %q and duration %q:\n%s", tt.id, tt.start, tt.duration, r)
		}
	}
	if i1, i2 := strings.Index(string(b), row(b, m1.ID)), strings.Index(string(b), row(b, m2.ID)); i1 > i2 {
		t.Errorf("meeting %d (starts first) is listed after meeting %d", m1.ID, m2.ID)
	}
	r1 := row(b, m1.ID)
	for _, label := range []string{">Start meeting</button>", ">End meeting</button>", ">Complete recording of last ended instance</button>", ">Complete AI summary of last ended instance</button>"} {
		if !strings.Contains(r1, label) {
			t.Errorf("no button %q in:\n%s", label, r1)
		}
	}
	if !regexp.MustCompile(`data-testid="recording" title="[^"]*recording.completed[^"]*" disabled>`).MatchString(r1) {
		t.Errorf("recording button is not disabled (with its help) before the meeting ended:\n%s", r1)
	}

	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(b)
	if csrf == nil {
		t.Fatal("no csrf token on the page")
	}
	for _, action := range []string{"start", "end", "recording", "summary"} {
		if action == "end" {
			clk.Advance(20 * time.Minute)
		}
		resp, err := noRedirects.PostForm(srv.URL()+"/_control", url.Values{"action": {action}, "meeting_id": {fmt.Sprint(m1.ID)}, "csrf": {string(csrf[1])}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != 303 || loc.Query().Get("msg") != fmt.Sprintf("%s %d: ok", action, m1.ID) {
			t.Errorf("%s: %d %q, want 303 and ok", action, resp.StatusCode, loc.Query().Get("msg"))
		}
	}
	want := []string{"meeting.started", "meeting.ended", "recording.completed", "meeting.summary_completed"}
	if diff := cmp.Diff(want, hook.eventList()); diff != "" {
		t.Errorf("webhooks (-want +got):\n%s", diff)
	}
	r1 = row(page(), m1.ID)
	if !strings.Contains(r1, "ran Mon 1 Jan 2024 10:00 UTC – 10:20 (3 participants)") {
		t.Errorf("past instance not shown with its times and participants:\n%s", r1)
	}
	if strings.Contains(r1, "disabled") {
		t.Errorf("buttons still disabled after the meeting ended:\n%s", r1)
	}
}

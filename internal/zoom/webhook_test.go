package zoom_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/zoom"
	"github.com/sfzoom/sfzoom/internal/zoom/zoomtest"
)

// The vectors of docs/zoom-api.md §1.2, computed identically by Node crypto and
// Go crypto/hmac.
const (
	vecSecret = "testsecret"
	vecTS     = "1739923528"
	vecBody   = `{"event":"meeting.started","payload":{"account_id":"A1","object":{"id":"85746065432","uuid":"4444AAAiAAAAAiAiAiiAii==","host_id":"H1","topic":"Standup","type":2,"start_time":"2024-01-01T10:00:00Z","timezone":"UTC","duration":30}},"event_ts":1704103200000}`
	vecSig    = "v0=a0c84c02dd45059cdb80df13a00aa4d812961ec46088f0bc6f49328ebc05c3a5"
)

func TestVerifyWebhook(t *testing.T) {
	now := time.Unix(1739923528, 0)
	tests := []struct {
		name    string
		secret  string
		ts      string
		sig     string
		body    string
		now     time.Time
		wantErr bool
	}{
		{"OK", vecSecret, vecTS, vecSig, vecBody, now, false},
		// Zoom retries up to 85 minutes later, maybe with the old signature
		// (§1.3): old timestamps pass, dedupe handles replays.
		{"OldTimestampAccepted", vecSecret, vecTS, vecSig, vecBody, now.Add(2 * time.Hour), false},
		{"SlightlyFutureAccepted", vecSecret, vecTS, vecSig, vecBody, now.Add(-4 * time.Minute), false},
		{"ErrFutureTimestamp", vecSecret, vecTS, vecSig, vecBody, now.Add(-10 * time.Minute), true},
		{"ErrWrongSecret", "other", vecTS, vecSig, vecBody, now, true},
		{"ErrTamperedBody", vecSecret, vecTS, vecSig, strings.Replace(vecBody, "Standup", "Standuq", 1), now, true},
		{"ErrReserialisedBody", vecSecret, vecTS, vecSig, strings.Replace(vecBody, ",", ", ", 1), now, true},
		{"ErrOtherTimestamp", vecSecret, "1739923529", vecSig, vecBody, now, true},
		{"ErrBadTimestamp", vecSecret, "abc", vecSig, vecBody, now, true},
		{"ErrNoSignature", vecSecret, vecTS, "", vecBody, now, true},
		{"ErrUppercaseHex", vecSecret, vecTS, strings.ToUpper(vecSig), vecBody, now, true},
		{"ErrNoSecret", "", vecTS, vecSig, vecBody, now, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := zoom.VerifyWebhook([]byte(tt.secret), tt.ts, tt.sig, []byte(tt.body), tt.now)
			if (err != nil) != tt.wantErr {
				t.Fatalf("VerifyWebhook() = %v, want error %v", err, tt.wantErr)
			}
			if err != nil && (!errors.Is(err, zoom.ErrWebhookSignature) || sfzoom.ErrorCode(err) != sfzoom.EUNAUTHORIZED) {
				t.Errorf("error %v is not ErrWebhookSignature/EUNAUTHORIZED", err)
			}
		})
	}
}

func TestURLValidationResponse(t *testing.T) {
	// Vector from docs/zoom-api.md §1.2.
	got := zoom.URLValidationResponse([]byte(vecSecret), "qgg8vlvZRS6UYooatFL8Aw")
	want := zoom.URLValidation{PlainToken: "qgg8vlvZRS6UYooatFL8Aw",
		EncryptedToken: "6dc240d1b156cee2d99e7ac8e6986a7c525573cfe91ff136ab87f05ca9f48668"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("URLValidationResponse (-want +got):\n%s", diff)
	}
	b, _ := json.Marshal(got)
	if !bytes.Contains(b, []byte(`"plainToken"`)) || !bytes.Contains(b, []byte(`"encryptedToken"`)) {
		t.Errorf("JSON = %s, want Zoom's field names", b)
	}
}

func mustRead(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseWebhook(t *testing.T) {
	// The payloads are the examples of docs/zoom-api.md §1.5 and §2.1–2.5.
	tests := []struct {
		file      string
		event     string
		meetingID int64
		uuid      string
		dedupe    string
		check     func(t *testing.T, ev *zoom.WebhookEvent)
	}{
		{"url_validation.json", zoom.EventURLValidation, 0, "", "endpoint.url_validation||qgg8vlvZRS6UYooatFL8Aw|1654503849680", nil},
		{"meeting_started.json", zoom.EventMeetingStarted, 1234567890, "Wk9PTV9NRUVUSU5HX0lE", "meeting.started|Wk9PTV9NRUVUSU5HX0lE||1626230691572",
			func(t *testing.T, ev *zoom.WebhookEvent) {
				if ev.Meeting.Type != 8 || ev.Meeting.Duration != 60 || ev.AccountID != "Wk9PTV9BQ0NPVU5UX0lE" {
					t.Errorf("meeting = %+v", ev.Meeting)
				}
			}},
		{"meeting_ended.json", zoom.EventMeetingEnded, 85746065432, "4444AAAiAAAAAiAiAiiAii==", "meeting.ended|4444AAAiAAAAAiAiAiiAii==||1704105000123",
			func(t *testing.T, ev *zoom.WebhookEvent) {
				if got := ev.Meeting.EndTime.Sub(ev.Meeting.StartTime.Time); got != 29*time.Minute+54*time.Second {
					t.Errorf("actual length = %s", got)
				}
			}},
		{"participant_joined.json", zoom.EventParticipantJoined, 82628613951, "DLQa11SSQa60PE2B3NwwDA==",
			"meeting.participant_joined|DLQa11SSQa60PE2B3NwwDA==|16780288@2020-10-16T15:57:44Z|0",
			func(t *testing.T, ev *zoom.WebhookEvent) {
				if ev.Participant == nil || ev.Participant.UserName != "Zaoomm" || ev.Participant.ID != "" {
					t.Errorf("participant = %+v", ev.Participant)
				}
			}},
		{"participant_left.json", zoom.EventParticipantLeft, 82628613951, "DLQa11SSQa60PE2B3NwwDA==",
			"meeting.participant_left|DLQa11SSQa60PE2B3NwwDA==|16780288@2020-10-16T15:59:02Z|0", nil},
		{"recording_completed.json", zoom.EventRecordingCompleted, 87565330005, "WEz4RT2lSyKx2MD9Z+lYfA==",
			"recording.completed|WEz4RT2lSyKx2MD9Z+lYfA==|23e2a1b0-b119-4262-a0e4-8eaeecad8b5f,4608677c-357d-439d-bbec-64bb69f5a9da,f47b467c-0cc3-49bf-b45d-f309beda9b1c|1701461193266",
			func(t *testing.T, ev *zoom.WebhookEvent) {
				if !strings.HasPrefix(ev.DownloadToken, "eyJhbGciOiJIUzUxMiJ9.") {
					t.Errorf("download_token not read from the top level: %q", ev.DownloadToken)
				}
				r := ev.Recording
				if len(r.RecordingFiles) != 2 || r.RecordingFiles[1].FileSize != 1285981 || r.HostEmail != "elisa@tests.com" ||
					len(r.ParticipantAudioFiles) != 1 {
					t.Errorf("recording = %+v", r)
				}
			}},
		{"summary_completed.json", zoom.EventSummaryCompleted, 97763643886, "aDYlohsHRtCd4ii1uC2+hA==",
			"meeting.summary_completed|aDYlohsHRtCd4ii1uC2+hA==|2024-01-01T10:31:02Z|1704106800456",
			func(t *testing.T, ev *zoom.WebhookEvent) {
				if ev.Summary.Text() != "## Quick recap\n..." || ev.Summary.SummaryDocURL == "" || len(ev.Summary.SummaryDetails) != 1 {
					t.Errorf("summary = %+v", ev.Summary)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.event, func(t *testing.T) {
			ev, err := zoom.ParseWebhook(mustRead(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if ev.Event != tt.event || ev.MeetingID != tt.meetingID || ev.MeetingUUID != tt.uuid {
				t.Errorf("ParseWebhook = {%s %d %s}, want {%s %d %s}", ev.Event, ev.MeetingID, ev.MeetingUUID, tt.event, tt.meetingID, tt.uuid)
			}
			if ev.DedupeKey != tt.dedupe {
				t.Errorf("DedupeKey = %q, want %q", ev.DedupeKey, tt.dedupe)
			}
			if tt.check != nil {
				tt.check(t, ev)
			}
		})
	}
}

func TestParseWebhookDuplicates(t *testing.T) {
	// Zoom's duplicate recording.completed deliveries differ only in the
	// download URLs and token (devforum t/128602, docs/zoom-api.md §1.4).
	a := mustRead(t, "recording_completed.json")
	b := bytes.ReplaceAll(a, []byte("webhook_download/"), []byte("webhook_download/other-"))
	b = bytes.Replace(b, []byte(`"download_token": "eyJ`), []byte(`"download_token": "eyJzzz`), 1)
	ea, err := zoom.ParseWebhook(a)
	if err != nil {
		t.Fatal(err)
	}
	eb, err := zoom.ParseWebhook(b)
	if err != nil {
		t.Fatal(err)
	}
	if ea.DownloadToken == eb.DownloadToken || ea.DedupeKey != eb.DedupeKey {
		t.Errorf("dedupe keys differ: %q vs %q", ea.DedupeKey, eb.DedupeKey)
	}
}

func TestParseWebhookErrors(t *testing.T) {
	tests := []struct{ name, body string }{
		{"NotJSON", `nope`},
		{"NoEvent", `{"payload":{}}`},
		{"NoObject", `{"event":"meeting.ended","payload":{"account_id":"A"}}`},
		{"BadID", `{"event":"meeting.ended","payload":{"object":{"id":"12ab"}}}`},
		{"NoPlainToken", `{"event":"endpoint.url_validation","payload":{}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := zoom.ParseWebhook([]byte(tt.body))
			if !errors.Is(err, zoom.ErrWebhookPayload) || sfzoom.ErrorCode(err) != sfzoom.EINVALID {
				t.Errorf("ParseWebhook(%s) = %v, want ErrWebhookPayload", tt.body, err)
			}
		})
	}
	// Unknown events are kept, with whatever identifies the meeting.
	ev, err := zoom.ParseWebhook([]byte(`{"event":"meeting.deleted","event_ts":5,"payload":{"object":{"id":123,"uuid":"U=="}}}`))
	if err != nil || ev.MeetingID != 123 || ev.MeetingUUID != "U==" {
		t.Errorf("unknown event = %+v, %v", ev, err)
	}
}

func FuzzParseWebhook(f *testing.F) {
	for _, name := range []string{"url_validation.json", "meeting_started.json", "meeting_ended.json", "participant_joined.json",
		"participant_left.json", "recording_completed.json", "summary_completed.json"} {
		f.Add(mustRead(f, name))
	}
	f.Add([]byte(`{"event":"recording.completed","payload":{"object":{"id":"87565330005","type":"2","recording_files":[{"file_type":"TIMELINE"}]}}}`))
	f.Add([]byte(`{"event":"meeting.started","event_ts":"1","payload":{"object":{"id":1e10}}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := zoom.ParseWebhook(body)
		if err != nil {
			if !errors.Is(err, zoom.ErrWebhookPayload) {
				t.Fatalf("error %v is not ErrWebhookPayload", err)
			}
			return
		}
		if ev.Event == "" || !strings.HasPrefix(ev.DedupeKey, ev.Event+"|") {
			t.Fatalf("ParseWebhook = %+v: empty event or malformed dedupe key", ev)
		}
	})
}

// receiver is a webhook endpoint that verifies, parses and records events,
// and can answer a programmed sequence of statuses first.
type receiver struct {
	mu       sync.Mutex
	secret   []byte
	statuses []int
	events   []*zoom.WebhookEvent
	raw      [][]byte
	headers  []http.Header
	errs     []error
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.statuses) > 0 {
		st := rc.statuses[0]
		rc.statuses = rc.statuses[1:]
		w.WriteHeader(st)
		return
	}
	err := zoom.VerifyWebhook(rc.secret, r.Header.Get(zoom.HeaderTimestamp), r.Header.Get(zoom.HeaderSignature), body, time.Now())
	if err != nil {
		rc.errs = append(rc.errs, err)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	ev, err := zoom.ParseWebhook(body)
	if err != nil {
		rc.errs = append(rc.errs, err)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	rc.events, rc.raw, rc.headers = append(rc.events, ev), append(rc.raw, body), append(rc.headers, r.Header.Clone())
	if ev.Event == zoom.EventURLValidation {
		json.NewEncoder(w).Encode(zoom.URLValidationResponse(rc.secret, ev.PlainToken))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func TestWebhooksFromFake(t *testing.T) {
	srv := zoomtest.NewServer(zoomtest.WithSeed(7))
	t.Cleanup(srv.Close)
	rc := &receiver{secret: []byte("whsec")}
	hook := httptest.NewServer(rc)
	t.Cleanup(hook.Close)
	srv.SetWebhook(hook.URL, rc.secret)
	ctx := t.Context()

	if err := srv.ValidateWebhookURL(ctx); err != nil {
		t.Fatalf("ValidateWebhookURL: %v", err)
	}
	host := srv.AddUser(zoomtest.User{Email: "h@example.com"})
	m, err := srv.AddMeeting(zoomtest.Meeting{HostID: host.ID, Topic: `Q&A <pricing> "é"`, Duration: 30, UUID: "/lead+slash//x=="})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.AddRecording(m.UUID, zoomtest.RecordingFile{FileType: "MP4", Size: 100}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.AddRecording(m.UUID, zoomtest.RecordingFile{FileType: "TIMELINE"}); err != nil {
		t.Fatal(err)
	}
	if err := srv.AddSummary(m.UUID, zoomtest.Summary{Content: "## Recap"}); err != nil {
		t.Fatal(err)
	}
	if err := srv.StartMeeting(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	if err := srv.JoinParticipant(ctx, m.ID, zoomtest.Participant{UserID: "16780288", Name: "Guest"}); err != nil {
		t.Fatal(err)
	}
	if err := srv.LeaveParticipant(ctx, m.ID, "16780288"); err != nil {
		t.Fatal(err)
	}
	uuid, err := srv.EndMeeting(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.CompleteRecording(ctx, uuid); err != nil { // Zoom's duplicate delivery
		t.Fatal(err)
	}

	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.errs) > 0 {
		t.Fatalf("receiver rejected deliveries: %v", rc.errs)
	}
	var got []string
	for _, ev := range rc.events {
		got = append(got, ev.Event)
		if ev.Event != zoom.EventURLValidation && (ev.MeetingUUID != uuid || ev.MeetingID != m.ID) {
			t.Errorf("%s: meeting %d/%q, want %d/%q", ev.Event, ev.MeetingID, ev.MeetingUUID, m.ID, uuid)
		}
	}
	want := []string{zoom.EventURLValidation, zoom.EventMeetingStarted, zoom.EventParticipantJoined, zoom.EventParticipantLeft,
		zoom.EventMeetingEnded, zoom.EventRecordingCompleted, zoom.EventSummaryCompleted, zoom.EventRecordingCompleted}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("events (-want +got):\n%s", diff)
	}
	for i, raw := range rc.raw {
		// Compact JSON without HTML escaping (docs/zoom-api.md pitfall 1).
		if bytes.Contains(raw, []byte(`\u0026`)) || bytes.Contains(raw, []byte(`\u003c`)) || bytes.Contains(raw, []byte("\n")) {
			t.Errorf("%s body is escaped or not compact: %s", rc.events[i].Event, raw)
		}
		h := rc.headers[i]
		if h.Get("Content-Type") != "application/json; charset=utf-8" || h.Get("User-Agent") != "Zoom Marketplace/1.0a" || h.Get("X-Zm-Request-Id") == "" {
			t.Errorf("%s headers = %v", rc.events[i].Event, h)
		}
	}
	// Id types per event (docs/zoom-api.md §8).
	idType := func(raw []byte, field string) string {
		var env struct {
			Payload struct {
				Object map[string]any `json:"object"`
			} `json:"payload"`
		}
		json.Unmarshal(raw, &env)
		switch env.Payload.Object[field].(type) {
		case string:
			return "string"
		case float64:
			return "number"
		}
		return "missing"
	}
	if got := idType(rc.raw[1], "id"); got != "string" {
		t.Errorf("meeting.started object.id is %s, want string", got)
	}
	if got := idType(rc.raw[5], "id"); got != "number" {
		t.Errorf("recording.completed object.id is %s, want number", got)
	}
	if got := idType(rc.raw[6], "meeting_id"); got != "number" {
		t.Errorf("meeting.summary_completed meeting_id is %s, want number", got)
	}
	rec := rc.events[5]
	if rec.DownloadToken == "" || len(rec.Recording.RecordingFiles) != 2 || rec.Recording.RecordingFiles[1].ID == "" ||
		rec.Recording.RecordingFiles[1].RecordingType != "timeline" || rec.Recording.RecordingFiles[1].PlayURL != "" {
		t.Errorf("recording.completed = %+v", rec.Recording)
	}
	if rc.events[5].DedupeKey == "" || rc.events[6].Summary.Text() != "## Recap" {
		t.Errorf("summary = %+v", rc.events[6].Summary)
	}
}

func TestFakeWebhookRetries(t *testing.T) {
	tests := []struct {
		name         string
		statuses     []int
		retries      []time.Duration
		wantAttempts int
		wantErr      bool
	}{
		{"RetriedOn5xx", []int{503, 500}, []time.Duration{time.Millisecond, time.Millisecond, time.Millisecond}, 3, false},
		{"GivesUpAfterThreeRetries", []int{500, 500, 500, 500}, []time.Duration{time.Millisecond, time.Millisecond, time.Millisecond}, 4, true},
		{"NeverOn4xx", []int{429}, []time.Duration{time.Millisecond}, 1, true},
		{"NeverOn3xx", []int{302}, []time.Duration{time.Millisecond}, 1, true},
		{"NoRetriesByDefault", []int{503}, nil, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := zoomtest.NewServer()
			t.Cleanup(srv.Close)
			rc := &receiver{secret: []byte("s"), statuses: tt.statuses}
			hook := httptest.NewServer(rc)
			t.Cleanup(hook.Close)
			srv.SetWebhook(hook.URL, rc.secret)
			srv.SetWebhookRetries(tt.retries...)
			host := srv.AddUser(zoomtest.User{})
			m, err := srv.AddMeeting(zoomtest.Meeting{HostID: host.ID, Topic: "t"})
			if err != nil {
				t.Fatal(err)
			}
			err = srv.StartMeeting(t.Context(), m.ID)
			if (err != nil) != tt.wantErr {
				t.Errorf("StartMeeting() = %v, want error %v", err, tt.wantErr)
			}
			ds := srv.Deliveries()
			if len(ds) != tt.wantAttempts {
				t.Fatalf("attempts = %d, want %d", len(ds), tt.wantAttempts)
			}
			for _, d := range ds[1:] {
				if !bytes.Equal(d.Body, ds[0].Body) || d.Timestamp != ds[0].Timestamp {
					t.Errorf("retry changed the delivery")
				}
			}
		})
	}
}

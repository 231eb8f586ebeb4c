package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"github.com/google/go-cmp/cmp"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sfzoom/sfzoom/internal/jobs"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store"
	"github.com/sfzoom/sfzoom/internal/zoom"
	"github.com/sfzoom/sfzoom/web"
)

var webhookSecret = []byte("whsec-test-secret")

// webhookStore is an in-memory store of deliveries with a unique dedupe key.
type webhookStore struct {
	mu     sync.Mutex
	events []*sfzoom.WebhookEvent
	jobs   []store.Job
	fail   error
	org    string
	// ambiguous, when set, are the orgs FindOrgForZoom cannot choose from.
	ambiguous []string
	unrouted  []*sfzoom.UnroutedMeeting
}

func (s *webhookStore) CreateUnroutedWebhookEvent(ctx context.Context, ev *sfzoom.WebhookEvent, u *sfzoom.UnroutedMeeting, js ...store.Job) error {
	if err := s.CreateWebhookEvent(ctx, ev, js...); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u.WebhookEventID = ev.ID
	s.unrouted = append(s.unrouted, u)
	return nil
}

func (s *webhookStore) CreateWebhookEvent(ctx context.Context, ev *sfzoom.WebhookEvent, js ...store.Job) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	for _, e := range s.events {
		if e.DedupeKey == ev.DedupeKey {
			return sfzoom.Errorf(sfzoom.ECONFLICT, "duplicate")
		}
	}
	ev.ID = int64(len(s.events) + 1)
	s.events = append(s.events, ev)
	s.jobs = append(s.jobs, js...)
	return nil
}

func (s *webhookStore) FindOrgForZoom(ctx context.Context, id int64, host, account string) (string, error) {
	if len(s.ambiguous) > 0 {
		return "", &store.AmbiguousOrgError{Orgs: s.ambiguous, AccountID: account}
	}
	if s.org == "" {
		return "", sfzoom.Errorf(sfzoom.ENOTFOUND, "unknown")
	}
	return s.org, nil
}

func newWebhookServer(t *testing.T, st *webhookStore, now time.Time) http.Handler {
	t.Helper()
	srv, err := web.NewServer(web.Options{Webhook: &web.ZoomWebhook{
		Secret: webhookSecret, Store: st, MaxBody: 4096, Now: func() time.Time { return now },
	}, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return srv.Handler()
}

func endedBody(ts time.Time) []byte {
	return []byte(`{"event":"meeting.ended","event_ts":` + strconv.FormatInt(ts.UnixMilli(), 10) +
		`,"payload":{"account_id":"acc","object":{"id":"85746065432","uuid":"4444AAAiAAAAAiAiAiiAii==","host_id":"z8yCxjabcdEFGHfp8uQ","topic":"Renewal","type":2,"start_time":"2026-03-02T15:00:00Z","end_time":"2026-03-02T15:30:00Z","duration":30,"timezone":"UTC"}}}`)
}

func signed(body []byte, secret []byte, ts time.Time) *http.Request {
	r := httptest.NewRequest(http.MethodPost, web.ZoomWebhookPath, bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	stamp := strconv.FormatInt(ts.Unix(), 10)
	r.Header.Set(zoom.HeaderTimestamp, stamp)
	r.Header.Set(zoom.HeaderSignature, zoom.SignWebhook(secret, stamp, body))
	return r
}

func TestZoomWebhookRejects(t *testing.T) {
	now := time.Date(2026, 3, 2, 15, 31, 0, 0, time.UTC)
	good := endedBody(now)
	tests := []struct {
		name   string
		req    func() *http.Request
		status int
	}{
		{"ForgedSignature", func() *http.Request {
			r := signed(good, webhookSecret, now)
			r.Header.Set(zoom.HeaderSignature, "v0="+strings.Repeat("ab", 32))
			return r
		}, http.StatusUnauthorized},
		{"WrongSecret", func() *http.Request { return signed(good, []byte("other"), now) }, http.StatusUnauthorized},
		{"MissingHeaders", func() *http.Request {
			r := signed(good, webhookSecret, now)
			r.Header.Del(zoom.HeaderTimestamp)
			r.Header.Del(zoom.HeaderSignature)
			return r
		}, http.StatusUnauthorized},
		{"MissingSignature", func() *http.Request {
			r := signed(good, webhookSecret, now)
			r.Header.Del(zoom.HeaderSignature)
			return r
		}, http.StatusUnauthorized},
		{"TamperedBody", func() *http.Request {
			r := signed(good, webhookSecret, now)
			r.Body = ioNopCloser(strings.Replace(string(good), "Renewal", "Renewa1", 1))
			return r
		}, http.StatusUnauthorized},
		{"FutureTimestamp", func() *http.Request { return signed(good, webhookSecret, now.Add(time.Hour)) }, http.StatusUnauthorized},
		{"FutureEventTS", func() *http.Request { return signed(endedBody(now.Add(time.Hour)), webhookSecret, now) }, http.StatusBadRequest},
		{"MalformedJSON", func() *http.Request { return signed([]byte(`{"event":"meeting.ended",`), webhookSecret, now) }, http.StatusBadRequest},
		{"NoEvent", func() *http.Request { return signed([]byte(`{"payload":{}}`), webhookSecret, now) }, http.StatusBadRequest},
		{"Oversized", func() *http.Request {
			big := append([]byte(`{"event":"meeting.ended","pad":"`), bytes.Repeat([]byte("x"), 5000)...)
			return signed(append(big, `"}`...), webhookSecret, now)
		}, http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := &webhookStore{}
			rec := httptest.NewRecorder()
			newWebhookServer(t, st, now).ServeHTTP(rec, tt.req())
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d (%s)", rec.Code, tt.status, rec.Body)
			}
			if len(st.events) != 0 || len(st.jobs) != 0 {
				t.Fatalf("stored %d events and %d jobs, want none", len(st.events), len(st.jobs))
			}
		})
	}
}

func TestZoomWebhookStoresOnceWithJob(t *testing.T) {
	now := time.Date(2026, 3, 2, 15, 31, 0, 0, time.UTC)
	st := &webhookStore{org: "00D000000000001AAA"}
	h := newWebhookServer(t, st, now)
	body := endedBody(now.Add(-time.Minute))
	// Ten deliveries of the same event at once, as Zoom retries or two
	// subscriptions would send them: one row, one job, ten 200s.
	var wg sync.WaitGroup
	codes := make([]int, 10)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, signed(body, webhookSecret, now))
			codes[i] = rec.Code
		}()
	}
	wg.Wait()
	for i, c := range codes {
		if c != http.StatusOK {
			t.Fatalf("delivery %d: status %d", i, c)
		}
	}
	if len(st.events) != 1 || len(st.jobs) != 1 {
		t.Fatalf("stored %d events and %d jobs, want 1 and 1", len(st.events), len(st.jobs))
	}
	args, ok := st.jobs[0].Args.(jobs.LogMeetingArgs)
	if !ok || args.OrgID != "00D000000000001AAA" || args.MeetingUUID != "4444AAAiAAAAAiAiAiiAii==" || args.ZoomMeetingID != 85746065432 {
		t.Fatalf("job args = %#v", st.jobs[0].Args)
	}
	// meeting.ended says when the occurrence really ran.
	if !args.StartedAt.Equal(time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)) || !args.EndedAt.Equal(time.Date(2026, 3, 2, 15, 30, 0, 0, time.UTC)) {
		t.Errorf("job times = %v – %v, want the payload's start_time and end_time", args.StartedAt, args.EndedAt)
	}

	// meeting.started of a meeting of a known org: a job that marks it
	// started (and no post-meeting job).
	started := []byte(`{"event":"meeting.started","event_ts":` + strconv.FormatInt(now.Add(-2*time.Minute).UnixMilli(), 10) +
		`,"payload":{"account_id":"acc","object":{"id":"85746065432","uuid":"4444AAAiAAAAAiAiAiiAii==","host_id":"z8yCxjabcdEFGHfp8uQ","topic":"Renewal","type":2,"start_time":"2026-03-02T15:00:00Z","duration":30,"timezone":"UTC"}}}`)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, signed(started, webhookSecret, now))
	if rec.Code != http.StatusOK || len(st.jobs) != 2 {
		t.Fatalf("meeting.started = %d with %d jobs in all, want 200 and one more job", rec.Code, len(st.jobs))
	}
	if sa, ok := st.jobs[1].Args.(jobs.MeetingStartedArgs); !ok || sa.OrgID != "00D000000000001AAA" || sa.ZoomMeetingID != 85746065432 {
		t.Fatalf("meeting.started job = %#v", st.jobs[1].Args)
	}
}

func TestZoomWebhookURLValidation(t *testing.T) {
	now := time.Now()
	st := &webhookStore{}
	body := []byte(`{"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680,"event":"endpoint.url_validation"}`)
	rec := httptest.NewRecorder()
	newWebhookServer(t, st, now).ServeHTTP(rec, signed(body, webhookSecret, now))
	var got zoom.URLValidation
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || rec.Code != http.StatusOK {
		t.Fatalf("status %d, body %s", rec.Code, rec.Body)
	}
	if want := zoom.URLValidationResponse(webhookSecret, "qgg8vlvZRS6UYooatFL8Aw"); got != want {
		t.Fatalf("answer = %+v, want %+v", got, want)
	}
	// The validation is recorded (for the Setup checklist) under no org,
	// with no job and without the plainToken.
	if len(st.events) != 1 || len(st.jobs) != 0 {
		t.Fatalf("stored %d events and %d jobs, want the validation alone", len(st.events), len(st.jobs))
	}
	if ev := st.events[0]; ev.EventType != zoom.EventURLValidation || ev.OrgID != "" || bytes.Contains(ev.Payload, []byte("qgg8vlvZRS6UYooatFL8Aw")) {
		t.Fatalf("stored validation = %+v (payload %s)", ev, ev.Payload)
	}
	// An unsigned challenge is refused.
	r := signed(body, []byte("wrong"), now)
	rec = httptest.NewRecorder()
	newWebhookServer(t, st, now).ServeHTTP(rec, r)
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("unsigned challenge: status %d", rec.Code)
	}
}

func TestZoomWebhookStoreFailureIs5xx(t *testing.T) {
	now := time.Now()
	for _, fail := range []error{errors.New("disk full"), sfzoom.Errorf(sfzoom.EINVALID, "bug"), context.DeadlineExceeded} {
		st := &webhookStore{fail: fail}
		rec := httptest.NewRecorder()
		newWebhookServer(t, st, now).ServeHTTP(rec, signed(endedBody(now), webhookSecret, now))
		if rec.Code < 500 {
			t.Fatalf("store error %v: status %d, want 5xx so Zoom retries", fail, rec.Code)
		}
	}
}

func TestZoomWebhookRedactsStoredPayload(t *testing.T) {
	now := time.Now()
	st := &webhookStore{org: "00D000000000001AAA"}
	body := []byte(`{"event":"recording.completed","event_ts":` + strconv.FormatInt(now.UnixMilli(), 10) + `,"download_token":"eyJSECRET1",` +
		`"payload":{"account_id":"a","object":{"id":85746065432,"uuid":"u1==","host_id":"h","share_url":"https://zoom.us/rec/share/x","password":"p",` +
		`"recording_files":[{"id":"f1","file_type":"MP4","download_url":"https://zoom.us/rec/download/SECRET2","play_url":"https://zoom.us/rec/play/SECRET3","status":"completed"}],` +
		`"download_access_token":"eyJSECRET4"}}}`)
	rec := httptest.NewRecorder()
	newWebhookServer(t, st, now).ServeHTTP(rec, signed(body, webhookSecret, now))
	if rec.Code != http.StatusOK || len(st.events) != 1 {
		t.Fatalf("status %d, %d events", rec.Code, len(st.events))
	}
	p := string(st.events[0].Payload)
	for _, secret := range []string{"SECRET", "download_token", "zoom.us", "password"} {
		if strings.Contains(p, secret) {
			t.Fatalf("stored payload keeps %q: %s", secret, p)
		}
	}
	if !strings.Contains(p, `"f1"`) || !strings.Contains(p, "85746065432") {
		t.Fatalf("stored payload lost the file id or meeting id: %s", p)
	}
}

// A delivery that maps to several orgs (production and sandbox sharing a
// Zoom account, none claimed) or to none is stored under no org and queued
// for an admin in the same store call, with the candidates, before the 200;
// it is never given to one of the orgs.
func TestZoomWebhookQueuesUnroutedMeeting(t *testing.T) {
	now := time.Date(2026, 3, 2, 15, 31, 0, 0, time.UTC)
	for _, tc := range []struct {
		name       string
		ambiguous  []string
		candidates []string
	}{
		{"several orgs", []string{"00D000000000001AAA", "00D000000000002AAA"}, []string{"00D000000000001AAA", "00D000000000002AAA"}},
		{"no org", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &webhookStore{ambiguous: tc.ambiguous}
			rec := httptest.NewRecorder()
			newWebhookServer(t, st, now).ServeHTTP(rec, signed(endedBody(now.Add(-time.Minute)), webhookSecret, now))
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			if len(st.events) != 1 || st.events[0].OrgID != "" {
				t.Fatalf("stored events = %+v, want one under no org", st.events)
			}
			if len(st.unrouted) != 1 {
				t.Fatalf("queued %d unrouted meetings, want 1", len(st.unrouted))
			}
			want := &sfzoom.UnroutedMeeting{MeetingUUID: "4444AAAiAAAAAiAiAiiAii==", ZoomMeetingID: 85746065432, HostZoomUserID: "z8yCxjabcdEFGHfp8uQ",
				ZoomAccountID: "acc", Candidates: tc.candidates, Trigger: "meeting.ended", WebhookEventID: st.events[0].ID,
				StartedAt: time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC), EndedAt: time.Date(2026, 3, 2, 15, 30, 0, 0, time.UTC), ReceivedAt: now}
			if diff := cmp.Diff(want, st.unrouted[0]); diff != "" {
				t.Errorf("queued meeting (-want +got):\n%s", diff)
			}
			args, ok := st.jobs[0].Args.(jobs.LogMeetingArgs)
			if !ok || args.OrgID != "" || args.HostZoomUserID != "z8yCxjabcdEFGHfp8uQ" || args.ZoomAccountID != "acc" {
				t.Fatalf("job args = %#v, want no org and the host and account to route by", st.jobs[0].Args)
			}
		})
	}
}

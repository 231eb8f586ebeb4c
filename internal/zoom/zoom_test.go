package zoom_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/sfzoom/sfzoom/internal/httpretry/retrytest"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/zoom"
	"github.com/sfzoom/sfzoom/internal/zoom/zoomtest"
)

// newClock is the settable clock shared by the fake and the client; the
// client's sleeps move it on and are recorded (retrytest.Clock).
func newClock() *retrytest.Clock {
	return retrytest.NewClock(time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC))
}

type env struct {
	srv    *zoomtest.Server
	client *zoom.Client
	clock  *retrytest.Clock
	reg    *prometheus.Registry
	host   zoomtest.User
	http   *http.Client
}

// s2sClient returns an HTTP client authenticated with the fake's
// account_credentials grant, as the tokens package will build it.
func s2sClient(srv *zoomtest.Server) *http.Client {
	conf := clientcredentials.Config{
		ClientID:     zoomtest.DefaultClientID,
		ClientSecret: zoomtest.DefaultClientSecret,
		TokenURL:     srv.TokenURL(),
		AuthStyle:    oauth2.AuthStyleInHeader,
		EndpointParams: map[string][]string{
			"grant_type": {"account_credentials"},
			"account_id": {zoomtest.DefaultAccountID},
		},
	}
	return conf.Client(context.Background())
}

// setup starts a fake and a client pointed at it. Client options are added
// after the defaults (no rate limits, recorded sleeps, a fresh registry).
func setup(t testing.TB, opts ...zoom.Option) *env {
	t.Helper()
	e := &env{clock: newClock(), reg: prometheus.NewRegistry()}
	e.srv = zoomtest.NewServer(zoomtest.WithClock(e.clock.Now), zoomtest.WithSeed(42))
	t.Cleanup(e.srv.Close)
	e.host = e.srv.AddUser(zoomtest.User{Email: "jchill@example.com", FirstName: "Jill", LastName: "Chill", Type: 2})
	e.http = s2sClient(e.srv)
	all := append([]zoom.Option{
		zoom.WithBaseURL(e.srv.APIURL()),
		zoom.WithClock(e.clock.Now),
		zoom.WithSleeper(e.clock.Sleep),
		zoom.WithRateLimits(zoom.RateLimits{DailyMeetingWrites: 100}),
		zoom.WithRegisterer(e.reg),
		zoom.WithLogger(slog.New(slog.DiscardHandler)),
	}, opts...)
	e.client = zoom.NewClient(e.http, all...)
	return e
}

// mustEndedMeeting seeds a meeting, with participants, recordings and a
// summary, and ends it; it returns the meeting and the ended UUID.
func mustEndedMeeting(t testing.TB, e *env, uuid string, participants int) (zoomtest.Meeting, string) {
	t.Helper()
	m, err := e.srv.AddMeeting(zoomtest.Meeting{HostID: e.host.ID, Topic: "Discovery call", UUID: uuid, Duration: 30,
		StartTime: e.clock.Now().Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	for i := range participants {
		if err := e.srv.AddParticipant(m.UUID, zoomtest.Participant{Name: "P" + string(rune('A'+i%26)), Email: "p@example.com",
			JoinTime: e.clock.Now().Add(-30 * time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, ft := range []string{"MP4", "M4A", "TRANSCRIPT", "CHAT", "TIMELINE", "CC"} {
		if _, err := e.srv.AddRecording(m.UUID, zoomtest.RecordingFile{FileType: ft, Size: 10_000}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.srv.AddSummary(m.UUID, zoomtest.Summary{Overview: "Talked pricing", NextSteps: []string{"Send proposal"},
		Details: []zoomtest.SummaryDetail{{Label: "Pricing", Summary: "Tiers"}}}); err != nil {
		t.Fatal(err)
	}
	ended, err := e.srv.EndMeeting(context.Background(), m.ID)
	if err != nil {
		t.Fatal(err)
	}
	return m, ended
}

func TestUser(t *testing.T) {
	e := setup(t)
	tests := []struct {
		name    string
		ref     string
		wantID  string
		wantErr error
	}{
		{"ByID", e.host.ID, e.host.ID, nil},
		{"ByEmail", "JCHILL@example.com", e.host.ID, nil},
		{"Me", "me", e.host.ID, nil},
		{"ErrNotFound", "nobody@example.com", "", zoom.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := e.client.User(t.Context(), tt.ref)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("User(%q) error = %v, want %v", tt.ref, err, tt.wantErr)
			}
			if err != nil {
				if got := sfzoom.ErrorCode(err); got != sfzoom.ENOTFOUND {
					t.Errorf("ErrorCode = %q, want %q", got, sfzoom.ENOTFOUND)
				}
				return
			}
			if u.ID != tt.wantID || u.Email != "jchill@example.com" || u.PMI == 0 || u.Type != 2 {
				t.Errorf("User(%q) = %+v", tt.ref, u)
			}
		})
	}
}

func TestFindUserByEmail(t *testing.T) {
	e := setup(t)
	u, err := e.client.FindUserByEmail(t.Context(), "jchill@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != e.host.ID || u.PrimaryEmail() != "jchill@example.com" || !u.Active {
		t.Errorf("FindUserByEmail = %+v", u)
	}
	_, err = e.client.FindUserByEmail(t.Context(), "ghost@example.com")
	if !errors.Is(err, zoom.ErrNotFound) || sfzoom.ErrorCode(err) != sfzoom.ENOTFOUND {
		t.Errorf("FindUserByEmail(ghost) = %v, want ErrNotFound", err)
	}
	log := e.srv.RequestLog()
	last := log[len(log)-1]
	// SCIM lives beside /v2, not under it (docs/zoom-api.md §3.9).
	if last.RawPath != "/scim2/Users" || !strings.Contains(last.Query, "filter=userName+eq+%22ghost%40example.com%22") {
		t.Errorf("SCIM request = %+v", last)
	}
}

func TestMeetingLifecycle(t *testing.T) {
	e := setup(t)
	ctx := t.Context()
	start := zoom.NewTime(time.Date(2024, 1, 2, 10, 0, 0, 0, time.UTC))
	yes := true
	m, err := e.client.CreateMeeting(ctx, e.host.Email, &zoom.MeetingRequest{
		Topic: "Discovery call", Type: zoom.MeetingScheduled, StartTime: &start, Duration: 30, Timezone: "UTC",
		Agenda: "Opportunity 006xx & <friends>", Settings: &zoom.MeetingSettings{WaitingRoom: &yes, AutoRecording: "cloud"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if m.ID < 1e10 || m.JoinURL == "" || m.StartURL == "" || !m.StartTime.Equal(start.Time) || m.Settings == nil ||
		m.Settings.AutoRecording != "cloud" || m.Settings.WaitingRoom == nil || !*m.Settings.WaitingRoom || m.PMI == 0 {
		t.Fatalf("CreateMeeting = %+v", m)
	}
	got, err := e.client.Meeting(ctx, int64(m.ID))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(m.Agenda, got.Agenda); diff != "" || got.HostID != e.host.ID || got.Status != "waiting" {
		t.Errorf("Meeting(%d) = %+v (agenda diff %s)", m.ID, got, diff)
	}
	if err := e.client.UpdateMeeting(ctx, int64(m.ID), &zoom.MeetingRequest{Topic: "Renamed"}); err != nil {
		t.Fatal(err)
	}
	got, err = e.client.Meeting(ctx, int64(m.ID))
	if err != nil || got.Topic != "Renamed" || got.Duration != 30 {
		t.Fatalf("Meeting after update = %+v, %v", got, err)
	}
	if err := e.client.DeleteMeeting(ctx, int64(m.ID)); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.Meeting(ctx, int64(m.ID))
	var apiErr *zoom.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != 3001 || !errors.Is(err, zoom.ErrNotFound) {
		t.Fatalf("Meeting after delete: %v, want 404/3001", err)
	}
	if err := e.client.DeleteMeeting(ctx, int64(m.ID)); !errors.Is(err, zoom.ErrNotFound) {
		t.Errorf("DeleteMeeting twice: %v, want ErrNotFound", err)
	}
	// A not-found is never retried.
	if n := e.srv.Requests()["DELETE /v2/meetings/{meetingId}"]; n != 2 {
		t.Errorf("DELETE requests = %d, want 2", n)
	}
}

func TestListMeetingsPagination(t *testing.T) {
	e := setup(t)
	const n = 7
	want := map[int64]bool{}
	for i := range n {
		m, err := e.srv.AddMeeting(zoomtest.Meeting{HostID: e.host.ID, Topic: "M", StartTime: e.clock.Now().Add(time.Duration(i) * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		want[m.ID] = true
	}
	got := map[int64]bool{}
	for m, err := range e.client.ListMeetings(t.Context(), e.host.ID, &zoom.ListMeetingsOptions{PageSize: 3}) {
		if err != nil {
			t.Fatal(err)
		}
		got[int64(m.ID)] = true
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ListMeetings (-want +got):\n%s", diff)
	}
	if n := e.srv.Requests()["GET /v2/users/{userId}/meetings"]; n != 3 {
		t.Errorf("list requests = %d, want 3 pages", n)
	}
	// Every page repeats the query, plus next_page_token after the first.
	for i, r := range e.srv.RequestLog() {
		if r.Pattern == "GET /v2/users/{userId}/meetings" && !strings.Contains(r.Query, "page_size=3") {
			t.Errorf("request %d query %q lacks page_size", i, r.Query)
		}
	}
	all, err := e.client.AllMeetings(t.Context(), e.host.ID, nil)
	if err != nil || len(all) != n {
		t.Errorf("AllMeetings = %d meetings, %v; want %d", len(all), err, n)
	}
	_, err = e.client.AllMeetings(t.Context(), "ghost@example.com", nil)
	if !errors.Is(err, zoom.ErrNotFound) {
		t.Errorf("AllMeetings(ghost) = %v, want ErrNotFound", err)
	}
}

func TestPastMeetingParticipants(t *testing.T) {
	tests := []struct {
		name     string
		uuid     string
		wantPath string // the exact escaped path sent; "" to skip
	}{
		// A UUID starting with '/' or containing "//" is double-encoded;
		// TestUUIDPathEncoding covers the encoding in full.
		{"LeadingSlash", "/ajXp112QmuoKj4854875==", "/v2/past_meetings/%252FajXp112QmuoKj4854875%253D%253D/participants"},
		{"DoubleSlash", "ab//Xp112QmuoKj4854875==", "/v2/past_meetings/ab%252F%252FXp112QmuoKj4854875%253D%253D/participants"},
		{"PlusAndSlash", "aDYlo+sHRt/d4ii1uC2+hA==", "/v2/past_meetings/aDYlo%2BsHRt%2Fd4ii1uC2%2BhA%3D%3D/participants"},
		{"Plain", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t)
			m, uuid := mustEndedMeeting(t, e, tt.uuid, 305)
			ps, err := e.client.PastMeetingParticipants(t.Context(), uuid)
			if err != nil {
				t.Fatal(err)
			}
			if len(ps) != 305 || ps[0].Name == "" || ps[0].Duration != 1800 || ps[0].JoinTime.IsZero() {
				t.Fatalf("PastMeetingParticipants = %d participants, first %+v", len(ps), ps[0])
			}
			if n := e.srv.Requests()["GET /v2/past_meetings/{meetingId}/participants"]; n != 2 {
				t.Errorf("participant requests = %d, want 2 pages", n)
			}
			if tt.wantPath != "" {
				if got := e.srv.RequestLog()[len(e.srv.RequestLog())-1].RawPath; got != tt.wantPath {
					t.Errorf("path = %q, want %q", got, tt.wantPath)
				}
			}
			// A numeric id means the latest ended instance.
			byID, err := e.client.PastMeetingParticipants(t.Context(), zoom.FlexInt64(m.ID).String())
			if err != nil || len(byID) != 305 {
				t.Errorf("by id: %d, %v", len(byID), err)
			}
		})
	}
}

// TestUUIDPathEncoding: every endpoint that takes a meeting UUID in its path
// sends it exactly as Zoom's own SDK does, and the fake Zoom finds the
// meeting both behind an RFC 3986 router ('+' is '+') and behind one that
// form-decodes paths ('+' is a space).
//
// Zoom's reference: "If a UUID starts with "/" or contains "//" (example:
// "/ajXp112QmuoKj4854875=="), you must double encode the UUID before making
// an API request"
// (https://developers.zoom.us/docs/api/meetings/#tag/cloud-recording/GET/meetings/{meetingId}/recordings,
// the same note on past_meetings/{meetingId}/participants and
// meeting_summary). Zoom's SDK double-encodes with
// encodeURIComponent(encodeURIComponent(…)) (zoom/rivet-javascript
// meetings/meetings.cjs, WebEndpoints.makeRequest, option doubleEncodeUrl),
// and integrations encode the other UUIDs with encodeURIComponent once (for
// example transloadit/uppy's Zoom provider, getRequestPath). The
// expected paths below are written out by hand from ECMAScript's
// encodeURIComponent (https://tc39.es/ecma262/#sec-encodeuricomponent-uricomponent).
// Before this fix '+' and '=' went raw ("%252Fab+cd%252F%252Fef=="), which
// the form-decoding router reads as "/ab cd//ef==" and answers 404.
func TestUUIDPathEncoding(t *testing.T) {
	uuids := []struct {
		name, uuid, escaped string
	}{
		{"LeadingSlashPlusEquals", "/ab+cd//ef==", "%252Fab%252Bcd%252F%252Fef%253D%253D"},
		{"InnerDoubleSlash", "Xy9+Q//r2AbCdEfGhIjKlw==", "Xy9%252BQ%252F%252Fr2AbCdEfGhIjKlw%253D%253D"},
		{"LeadingSlashOnly", "/ajXp112QmuoKj4854875==", "%252FajXp112QmuoKj4854875%253D%253D"},
		{"PlusAndSlashOnce", "aDYlo+sHRt/d4ii1uC2+hA==", "aDYlo%2BsHRt%2Fd4ii1uC2%2BhA%3D%3D"},
		{"PlusOnly", "WEz4RT2lSyKx2MD9Z+lYfA==", "WEz4RT2lSyKx2MD9Z%2BlYfA%3D%3D"},
		{"EqualsOnly", "BOKXuumlTAGXuqwr3bLyuQ==", "BOKXuumlTAGXuqwr3bLyuQ%3D%3D"},
	}
	endpoints := []struct {
		name, path string // path is "/v2/…/%s/…"
		call       func(ctx context.Context, c *zoom.Client, uuid string) error
	}{
		{"PastParticipants", "/v2/past_meetings/%s/participants", func(ctx context.Context, c *zoom.Client, uuid string) error {
			ps, err := c.PastMeetingParticipants(ctx, uuid)
			if err == nil && len(ps) != 2 {
				err = fmt.Errorf("%d participants, want 2", len(ps))
			}
			return err
		}},
		{"PastInstances", "/v2/past_meetings/%s/instances", func(ctx context.Context, c *zoom.Client, uuid string) error {
			ins, err := c.PastMeetingInstances(ctx, uuid)
			if err == nil && (len(ins) != 1 || ins[0].UUID != uuid) {
				err = fmt.Errorf("instances %+v, want the one ended instance %s", ins, uuid)
			}
			return err
		}},
		{"Recordings", "/v2/meetings/%s/recordings", func(ctx context.Context, c *zoom.Client, uuid string) error {
			rec, err := c.Recordings(ctx, uuid, nil)
			if err == nil && rec.UUID != uuid {
				err = fmt.Errorf("recording of %s, want %s", rec.UUID, uuid)
			}
			return err
		}},
		{"Summary", "/v2/meetings/%s/meeting_summary", func(ctx context.Context, c *zoom.Client, uuid string) error {
			sum, err := c.MeetingSummary(ctx, uuid)
			if err == nil && sum.MeetingUUID != uuid {
				err = fmt.Errorf("summary of %s, want %s", sum.MeetingUUID, uuid)
			}
			return err
		}},
	}
	for _, form := range []bool{false, true} {
		for _, u := range uuids {
			t.Run(fmt.Sprintf("form=%t/%s", form, u.name), func(t *testing.T) {
				e := setup(t)
				e.srv.SetFormDecodedPaths(form)
				_, uuid := mustEndedMeeting(t, e, u.uuid, 2)
				if uuid != u.uuid {
					t.Fatalf("ended uuid = %q, want %q", uuid, u.uuid)
				}
				for _, ep := range endpoints {
					if err := ep.call(t.Context(), e.client, uuid); err != nil {
						t.Errorf("%s(%q): %v", ep.name, uuid, err)
					}
					log := e.srv.RequestLog()
					if got, want := log[len(log)-1].RawPath, fmt.Sprintf(ep.path, u.escaped); got != want {
						t.Errorf("%s path = %q, want %q", ep.name, got, want)
					}
				}
			})
		}
	}
}

// TestPastMeetingInstances: GET /past_meetings/{meetingId}/instances (Zoom
// Meeting API "List past meeting instances"; Zoom's rivet SDK type
// MeetingsListPastMeetingInstancesResponse has exactly meetings[].uuid and
// meetings[].start_time) lists each ended instance with its own UUID, oldest
// first, none of them the UUID the meeting listing shows.
func TestPastMeetingInstances(t *testing.T) {
	e := setup(t)
	m, first := mustEndedMeeting(t, e, "/ajXp112QmuoKj4854875==", 2)
	e.clock.Add(24 * time.Hour)
	second, err := e.srv.EndMeeting(t.Context(), m.ID)
	if err != nil {
		t.Fatal(err)
	}
	listed, err := e.client.AllMeetings(t.Context(), e.host.ID, &zoom.ListMeetingsOptions{Type: "previous_meetings"})
	if err != nil || len(listed) != 1 {
		t.Fatalf("AllMeetings(previous_meetings) = %v, %v; want 1 meeting", listed, err)
	}
	got, err := e.client.PastMeetingInstances(t.Context(), zoom.FlexInt64(m.ID).String())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].UUID != first || got[1].UUID != second || !got[0].StartTime.Before(got[1].StartTime.Time) {
		t.Fatalf("PastMeetingInstances = %+v %+v, want %s then %s, oldest first", got[0], got[1], first, second)
	}
	for _, in := range got {
		if in.UUID == listed[0].UUID {
			t.Errorf("instance %s has the listing's uuid", in.UUID)
		}
	}
	// An instance UUID is escaped like the other past_meetings calls.
	if _, err := e.client.PastMeetingInstances(t.Context(), first); err != nil {
		t.Fatal(err)
	}
	if got, want := e.srv.RequestLog()[len(e.srv.RequestLog())-1].RawPath, "/v2/past_meetings/%252FajXp112QmuoKj4854875%253D%253D/instances"; got != want {
		t.Errorf("path = %q, want %q", got, want)
	}
	if _, err := e.client.PastMeetingInstances(t.Context(), "123"); !errors.Is(err, zoom.ErrNotFound) {
		t.Errorf("PastMeetingInstances(unknown) = %v, want ErrNotFound", err)
	}
}

func TestRecordingsAndSummary(t *testing.T) {
	e := setup(t)
	_, uuid := mustEndedMeeting(t, e, "", 2)
	rec, err := e.client.Recordings(t.Context(), uuid, &zoom.RecordingsOptions{IncludeDownloadAccessToken: true})
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	unplayable := 0
	for _, f := range rec.RecordingFiles {
		types = append(types, f.FileType+"/"+f.FileExtension)
		// Every entry has an id, status, size and recording type, TIMELINE
		// and CC too; those two have no play_url (see zoomtest fileJSON).
		if f.ID == "" || f.Status != "completed" || f.FileSize == 0 || f.RecordingType == "" {
			t.Errorf("%s entry lacks id, status, file_size or recording_type: %+v", f.FileType, f)
		}
		if f.FileType == "TIMELINE" || f.FileType == "CC" {
			unplayable++
			if f.PlayURL != "" || f.RecordingType != map[string]string{"TIMELINE": "timeline", "CC": "closed_caption"}[f.FileType] {
				t.Errorf("%s entry = %+v, want recording_type timeline/closed_caption and no play_url", f.FileType, f)
			}
		}
		if f.MeetingID != uuid {
			t.Errorf("file meeting_id = %q, want the UUID %q", f.MeetingID, uuid)
		}
	}
	wantTypes := []string{"MP4/MP4", "M4A/M4A", "TRANSCRIPT/VTT", "CHAT/TXT", "TIMELINE/JSON", "CC/VTT"}
	if diff := cmp.Diff(wantTypes, types); diff != "" {
		t.Errorf("file types (-want +got):\n%s", diff)
	}
	if unplayable != 2 || rec.Type != 2 || rec.DownloadAccessToken == "" || rec.UUID != uuid {
		t.Errorf("Recordings = %+v", rec)
	}
	sum, err := e.client.MeetingSummary(t.Context(), uuid)
	if err != nil {
		t.Fatal(err)
	}
	wantText := "Talked pricing\n\n## Pricing\nTiers\n\n\n## Next steps\n- Send proposal"
	if got := sum.Text(); got != wantText {
		t.Errorf("Text() = %q, want %q", got, wantText)
	}
	if sum.MeetingUUID != uuid || sum.SummaryContent != "" {
		t.Errorf("MeetingSummary = %+v", sum)
	}
	// A meeting without recordings answers 404/3301.
	m2, err := e.srv.AddMeeting(zoomtest.Meeting{HostID: e.host.ID, Topic: "No rec"})
	if err != nil {
		t.Fatal(err)
	}
	u2, err := e.srv.EndMeeting(t.Context(), m2.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.client.Recordings(t.Context(), u2, nil)
	var apiErr *zoom.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != 3301 || sfzoom.ErrorCode(err) != sfzoom.ENOTFOUND {
		t.Errorf("Recordings(no recording) = %v, want 404/3301", err)
	}
	if _, err := e.client.MeetingSummary(t.Context(), u2); !errors.Is(err, zoom.ErrNotFound) {
		t.Errorf("MeetingSummary(no summary) = %v, want ErrNotFound", err)
	}
}

func TestSummaryText(t *testing.T) {
	tests := []struct {
		name string
		in   zoom.MeetingSummary
		want string
	}{
		{"Content", zoom.MeetingSummary{SummaryContent: "## Quick recap\nx", SummaryOverview: "ignored"}, "## Quick recap\nx"},
		{"Edited", zoom.MeetingSummary{EditedSummary: &zoom.EditedSummary{SummaryDetails: "Edited", NextSteps: []string{"a"}}, SummaryOverview: "ignored"},
			"Edited\n\n## Next steps\n- a"},
		{"Overview", zoom.MeetingSummary{SummaryOverview: "Overview"}, "Overview"},
		{"Empty", zoom.MeetingSummary{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.in.Text(); got != tt.want {
				t.Errorf("Text() = %q, want %q", got, tt.want)
			}
		})
	}
}

// demoDownloads rebuilds e's client so downloads may reach the fake Zoom,
// which serves on a local http origin rather than an https Zoom host.
func demoDownloads(e *env, opts ...zoom.Option) {
	e.client = zoom.NewClient(e.http, append([]zoom.Option{zoom.WithBaseURL(e.srv.APIURL()), zoom.WithClock(e.clock.Now),
		zoom.WithSleeper(e.clock.Sleep), zoom.WithLogger(slog.New(slog.DiscardHandler)), zoom.WithDemoDownloadOrigin(e.srv.URL())}, opts...)...)
}

func TestDownload(t *testing.T) {
	e := setup(t)
	demoDownloads(e)
	_, uuid := mustEndedMeeting(t, e, "", 0)
	rec, err := e.client.Recordings(t.Context(), uuid, &zoom.RecordingsOptions{IncludeDownloadAccessToken: true})
	if err != nil {
		t.Fatal(err)
	}
	mp4 := rec.RecordingFiles[0]
	full, _ := e.srv.MediaBytes(mp4.ID, 0, int64(mp4.FileSize))

	tests := []struct {
		name       string
		opts       *zoom.DownloadOptions
		wantStatus int
		want       []byte
		wantType   string
	}{
		{"Full", nil, http.StatusOK, full, "video/mp4"},
		{"Range", &zoom.DownloadOptions{Range: "bytes=100-199"}, http.StatusPartialContent, full[100:200], "video/mp4"},
		{"IfRangeStale", &zoom.DownloadOptions{Range: "bytes=100-199", IfRange: `"stale"`}, http.StatusOK, full, "video/mp4"},
		{"DownloadToken", &zoom.DownloadOptions{Token: rec.DownloadAccessToken, Range: "bytes=0-9"}, http.StatusPartialContent, full[:10], "video/mp4"},
		{"Unsatisfiable", &zoom.DownloadOptions{Range: "bytes=999999-"}, http.StatusRequestedRangeNotSatisfiable, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := e.client.Download(t.Context(), mp4.DownloadURL, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if tt.want != nil && !cmp.Equal(body, tt.want) {
				t.Errorf("body: %d bytes, want %d (first %q)", len(body), len(tt.want), body[:min(len(body), 12)])
			}
			if tt.wantType != "" && resp.Header.Get("Content-Type") != tt.wantType {
				t.Errorf("Content-Type = %q, want %q", resp.Header.Get("Content-Type"), tt.wantType)
			}
		})
	}

	t.Run("ErrHTMLPage", func(t *testing.T) {
		e.srv.SetDownloadHTML(true)
		defer e.srv.SetDownloadHTML(false)
		_, err := e.client.Download(t.Context(), mp4.DownloadURL, nil)
		if !errors.Is(err, zoom.ErrDownloadRefused) || sfzoom.ErrorCode(err) != sfzoom.EFORBIDDEN {
			t.Errorf("Download = %v, want ErrDownloadRefused", err)
		}
	})
	t.Run("ErrBadToken", func(t *testing.T) {
		_, err := e.client.Download(t.Context(), mp4.DownloadURL, &zoom.DownloadOptions{Token: "secret-token-value"})
		if sfzoom.ErrorCode(err) != sfzoom.EUNAUTHORIZED {
			t.Errorf("Download(bad token) = %v, want EUNAUTHORIZED", err)
		}
		if strings.Contains(err.Error(), "secret-token-value") {
			t.Errorf("error leaks the token: %v", err)
		}
	})
}

func TestIsZoomDownloadHost(t *testing.T) {
	tests := []struct {
		url  string
		want bool
	}{
		{"https://us02web.zoom.us/rec/download/abc", true},
		{"https://ssrweb.zoom.us/file/abc?data=x", true},
		{"https://zoom.us/rec/archive/download/xyz", true},
		{"https://ZOOM.US/rec/download/abc", true},
		{"https://zoom.us:443/rec/download/abc", true},
		{"http://us02web.zoom.us/rec/download/abc", false},
		{"https://zoom.us.evil.example/rec/download/abc", false},
		{"https://evilzoom.us/rec/download/abc", false},
		{"https://user:pw@zoom.us/rec/download/abc", false},
		{"https://zoom.us:8443/rec/download/abc", false},
		{"https://127.0.0.1/rec/download/abc", false},
		{"https://example.com/rec/download/abc", false},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.url)
		if err != nil {
			t.Fatal(err)
		}
		if got := zoom.IsZoomDownloadHost(u); got != tt.want {
			t.Errorf("IsZoomDownloadHost(%s) = %v, want %v", tt.url, got, tt.want)
		}
	}
}

// hostSpy is an HTTP server that records what reaches it.
type hostSpy struct {
	*httptest.Server
	mu    sync.Mutex
	auths []string // the Authorization header of each request
}

func newHostSpy(t *testing.T, h func(w http.ResponseWriter, r *http.Request)) *hostSpy {
	s := &hostSpy{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.auths = append(s.auths, r.Header.Get("Authorization"))
		s.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *hostSpy) seen() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.auths...)
}

// TestDownloadHosts: a recording download reaches https Zoom hosts only
// (an explicitly allowed demo origin aside), checks every redirect hop
// before following it, and never carries a token past the first hop.
func TestDownloadHosts(t *testing.T) {
	media := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "video/mp4")
		w.Write([]byte("\x00\x00\x00\x18ftypmp42"))
	}
	t.Run("ForeignFirstHost", func(t *testing.T) {
		// A download URL on another host (a poisoned listing, a rogue API
		// URL): nothing is sent there, neither the client's OAuth token nor
		// the download token.
		e := setup(t)
		spy := newHostSpy(t, media)
		for _, opts := range []*zoom.DownloadOptions{nil, {Token: "download-token"}} {
			_, err := e.client.Download(t.Context(), spy.URL+"/rec/download/abc", opts)
			if !errors.Is(err, zoom.ErrDownloadHost) || sfzoom.ErrorCode(err) != sfzoom.EFORBIDDEN {
				t.Errorf("Download(foreign host) = %v, want ErrDownloadHost (EFORBIDDEN)", err)
			}
		}
		if got := spy.seen(); len(got) != 0 {
			t.Errorf("the foreign host got %d requests (Authorization %q), want none", len(got), got)
		}
	})
	t.Run("FakeZoomNeedsTheDemoAllowance", func(t *testing.T) {
		e := setup(t)
		_, uuid := mustEndedMeeting(t, e, "", 0)
		rec, err := e.client.Recordings(t.Context(), uuid, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.client.Download(t.Context(), rec.RecordingFiles[0].DownloadURL, nil); !errors.Is(err, zoom.ErrDownloadHost) {
			t.Fatalf("Download(fake Zoom on http://127.0.0.1) without the demo allowance = %v, want ErrDownloadHost", err)
		}
		demoDownloads(e)
		resp, err := e.client.Download(t.Context(), rec.RecordingFiles[0].DownloadURL, nil)
		if err != nil {
			t.Fatalf("Download with the demo allowance: %v", err)
		}
		resp.Body.Close()
	})
	t.Run("RedirectToForeignHost", func(t *testing.T) {
		e := setup(t)
		foreign := newHostSpy(t, media)
		first := newHostSpy(t, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, foreign.URL+"/file/abc?sig=1", http.StatusFound)
		})
		demoDownloads(e, zoom.WithDemoDownloadOrigin(first.URL))
		_, err := e.client.Download(t.Context(), first.URL+"/rec/download/abc", &zoom.DownloadOptions{Token: "download-token"})
		if !errors.Is(err, zoom.ErrDownloadHost) {
			t.Errorf("Download redirected off Zoom = %v, want ErrDownloadHost", err)
		}
		if got := foreign.seen(); len(got) != 0 {
			t.Errorf("the redirect target got %d requests, want none", len(got))
		}
		if got := first.seen(); len(got) != 1 || got[0] != "Bearer download-token" {
			t.Errorf("first hop Authorization = %q, want the download token once", got)
		}
	})
	t.Run("NoTokenAcrossRedirect", func(t *testing.T) {
		e := setup(t)
		storage := newHostSpy(t, media)
		first := newHostSpy(t, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, storage.URL+"/file/abc?sig=1", http.StatusFound)
		})
		demoDownloads(e, zoom.WithDemoDownloadOrigin(first.URL), zoom.WithDemoDownloadOrigin(storage.URL),
			// A download client that would follow redirects on its own must
			// not bypass the per-hop checks.
			zoom.WithDownloadClient(&http.Client{}))
		for _, opts := range []*zoom.DownloadOptions{nil, {Token: "download-token"}} {
			resp, err := e.client.Download(t.Context(), first.URL+"/rec/download/abc", opts)
			if err != nil {
				t.Fatalf("Download: %v", err)
			}
			resp.Body.Close()
		}
		if got := first.seen(); len(got) != 2 || !strings.HasPrefix(got[0], "Bearer ") || got[1] != "Bearer download-token" {
			t.Errorf("first hop Authorization = %q, want the OAuth token, then the download token", got)
		}
		if got := storage.seen(); len(got) != 2 || got[0] != "" || got[1] != "" {
			t.Errorf("storage hop Authorization = %q, want none on both", got)
		}
	})
}

func TestFlexInt64(t *testing.T) {
	tests := []struct {
		in      string
		want    zoom.FlexInt64
		wantErr bool
	}{
		{`87565330005`, 87565330005, false},
		{`"82628613951"`, 82628613951, false},
		{`""`, 0, false},
		{`null`, 0, false},
		{`8.2628613951e10`, 82628613951, false},
		{`"abc"`, 0, true},
		{`1.5`, 0, true},
		{`true`, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var got zoom.FlexInt64
			err := got.UnmarshalJSON([]byte(tt.in))
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("UnmarshalJSON(%s) = %d, %v; want %d, err %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/go-cmp/cmp"

	"github.com/sfzoom/sfzoom/internal/activity"
	"github.com/sfzoom/sfzoom/internal/appsession"
	"github.com/sfzoom/sfzoom/internal/backend"
	"github.com/sfzoom/sfzoom/internal/canvas"
	"github.com/sfzoom/sfzoom/internal/recordings"
	"github.com/sfzoom/sfzoom/internal/salesforce"
	"github.com/sfzoom/sfzoom/internal/salesforce/salesforcetest"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/zoom"
	"github.com/sfzoom/sfzoom/internal/zoom/zoomtest"
	"github.com/sfzoom/sfzoom/web"
)

type bearerRT struct{ token string }

func (b bearerRT) RoundTrip(r *http.Request) (*http.Response, error) {
	r2 := r.Clone(r.Context())
	r2.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r2)
}

const testVTT = `WEBVTT

1
00:00:01.000 --> 00:00:04.000
Riley Chen: Thanks for joining the renewal call.

2
00:00:05.500 --> 00:00:09.000
Hank Scorpio: Send us the revised quote.
`

var testNextSteps = []string{"Send the revised quote to Globex", "Book a security review", "Share the onboarding plan"}

// mediaEnv is RecordingsPages and MediaRoutes on a real recordings.Proxy,
// backed by a SQLite store, the fake Zoom (recording, transcript, summary)
// and the fake org (access checks, Tasks), through the real clients.
type mediaEnv struct {
	srv   *web.Server
	codec *appsession.Codec
	zoom  *zoomtest.Server
	sf    *salesforcetest.Server
	sfc   *salesforce.Client
	demo  salesforcetest.Demo
	be    *backend.Backend
	// meeting has a recording and a summary at Zoom.
	meeting *sfzoom.Meeting
	video   zoomtest.RecordingFile
}

func newMediaEnv(t *testing.T) *mediaEnv {
	t.Helper()
	ctx := context.Background()
	e := &mediaEnv{}
	be, err := backend.Open(ctx, backend.Options{DatabaseURL: "sqlite:" + filepath.Join(t.TempDir(), "t.db")})
	if err != nil {
		t.Fatalf("backend.Open: %v", err)
	}
	t.Cleanup(func() { be.Close() })
	e.be = be

	e.sf = salesforcetest.NewServer()
	t.Cleanup(e.sf.Close)
	e.demo = e.sf.SeedDemo()
	e.sfc, err = salesforce.NewClient(&http.Client{Transport: bearerRT{e.sf.IssueToken(e.demo.AdminID)}}, e.sf.URL())
	if err != nil {
		t.Fatal(err)
	}

	e.zoom = zoomtest.NewServer(zoomtest.WithSeed(7))
	t.Cleanup(e.zoom.Close)
	host := e.zoom.AddUser(zoomtest.User{Email: "riley.chen@acme-demo.com", FirstName: "Riley", LastName: "Chen", Type: 2})
	zm, err := e.zoom.AddMeeting(zoomtest.Meeting{HostID: host.ID, Topic: "Globex renewal", Duration: 30, StartTime: time.Now().Add(-2 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if e.video, err = e.zoom.AddRecording(zm.UUID, zoomtest.RecordingFile{FileType: "MP4", Size: 20_000}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.zoom.AddRecording(zm.UUID, zoomtest.RecordingFile{FileType: "TRANSCRIPT", Content: []byte(testVTT)}); err != nil {
		t.Fatal(err)
	}
	// Zoom also lists a TIMELINE and a CC file, with ids but no play_url;
	// the page shows neither.
	for _, ft := range []string{"TIMELINE", "CC"} {
		if _, err := e.zoom.AddRecording(zm.UUID, zoomtest.RecordingFile{FileType: ft}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.zoom.AddSummary(zm.UUID, zoomtest.Summary{Title: "Globex renewal", Overview: "Globex wants a revised quote.",
		NextSteps: testNextSteps}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.zoom.EndMeeting(ctx, zm.ID); err != nil {
		t.Fatal(err)
	}
	zc := zoom.NewClient(&http.Client{Transport: bearerRT{e.zoom.IssueAccessToken("")}}, zoom.WithBaseURL(e.zoom.APIURL()), zoom.WithDemoDownloadOrigin(e.zoom.URL()))

	for _, org := range []string{e.demo.OrgID, otherOrg} {
		if err := be.Store.UpsertOrg(ctx, &sfzoom.Org{ID: org, Name: "Org " + org, InstanceURL: e.sf.URL()}); err != nil {
			t.Fatal(err)
		}
	}
	e.meeting = e.addMeeting(t, e.demo.OrgID, zm.ID, zm.UUID, e.demo.OpportunityIDs[0])

	key := make([]byte, 32)
	if e.codec, err = appsession.NewCodec([][]byte{key}); err != nil {
		t.Fatal(err)
	}
	signer, err := recordings.NewSigner([][]byte{[]byte("0123456789abcdef0123456789abcdef")}, 15*time.Minute, nil)
	if err != nil {
		t.Fatal(err)
	}
	proxy := recordings.NewProxy(recordings.Options{
		Signer: signer,
		Access: recordings.NewAccessCache(func(ctx context.Context, orgID, userID, recordID string) (bool, error) {
			return e.sfc.CanRead(ctx, userID, recordID)
		}, time.Minute, nil),
		Meetings: be.Store, Audit: be.Store, Stored: be.Store,
		Zoom: func(context.Context, string, string) (recordings.Zoom, error) { return zc, nil },
	})
	tasks := activity.NewTaskWriter(func(context.Context, string) (activity.TaskOrg, error) { return e.sfc, nil })
	orgs := &fakeOrgStore{org: sfzoom.Org{ID: e.demo.OrgID}}
	e.srv, err = web.NewServer(web.Options{
		Store: fakeStore{}, PublicURL: &url.URL{Scheme: "https", Host: "sfzoom.example.com"},
		Media: &web.MediaRoutes{Proxy: proxy},
		Canvas: &web.CanvasOptions{
			ConsumerSecrets: canvas.UnboundSecrets([]byte(testSecret)), Sessions: e.codec, Orgs: orgs,
			Recordings: &web.RecordingsPages{Media: proxy, Meetings: be.Store, Tasks: tasks},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	e.zoom.ResetRequests()
	return e
}

const otherOrg = "00Dxx0000009zzzEAA"

func (e *mediaEnv) addMeeting(t *testing.T, orgID string, zoomID int64, uuid, recordID string) *sfzoom.Meeting {
	t.Helper()
	m := &sfzoom.Meeting{OrgID: orgID, ZoomMeetingID: zoomID, ZoomUUID: uuid, HostSFUserID: e.demo.RepID,
		RecordObject: sfzoom.ObjectOpportunity, RecordID: recordID, Topic: "Globex renewal",
		StartTime: time.Now().Add(-2 * time.Hour).UTC().Truncate(time.Second), Duration: 30, Status: sfzoom.MeetingEnded}
	if err := e.be.Store.CreateMeeting(context.Background(), m); err != nil {
		t.Fatalf("CreateMeeting: %v", err)
	}
	return m
}

// logAsPipeline stores what the post-meeting pipeline keeps for the meeting
// (file metadata from Zoom's listing, the summary, the activity log), the
// way internal/activity does.
func (e *mediaEnv) logAsPipeline(t *testing.T, withSummary bool) {
	t.Helper()
	ctx := context.Background()
	m := e.meeting
	zc := zoom.NewClient(&http.Client{Transport: bearerRT{e.zoom.IssueAccessToken("")}}, zoom.WithBaseURL(e.zoom.APIURL()), zoom.WithDemoDownloadOrigin(e.zoom.URL()))
	rec, err := zc.Recordings(ctx, m.ZoomUUID, nil)
	if err != nil {
		t.Fatal(err)
	}
	var files []*sfzoom.RecordingFile
	for _, f := range rec.RecordingFiles {
		files = append(files, &sfzoom.RecordingFile{ZoomFileID: f.ID, FileType: f.FileType, FileExtension: f.FileExtension,
			RecordingType: f.RecordingType, FileSize: int64(f.FileSize), Status: f.Status,
			RecordingStart: f.RecordingStart.Time.UTC(), RecordingEnd: f.RecordingEnd.Time.UTC()})
	}
	if err := e.be.Store.SaveRecordingFiles(ctx, m.OrgID, m.ZoomUUID, m.ID, files); err != nil {
		t.Fatal(err)
	}
	if withSummary {
		s, err := zc.MeetingSummary(ctx, m.ZoomUUID)
		if err != nil {
			t.Fatal(err)
		}
		sum := &sfzoom.Summary{OrgID: m.OrgID, MeetingID: m.ID, Overview: s.SummaryOverview, NextSteps: s.NextSteps,
			ActionItems: s.NextSteps, Markdown: s.Text()}
		if err := e.be.Store.SaveSummary(ctx, m.ZoomUUID, sum); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.be.Store.SaveActivityLog(ctx, &sfzoom.ActivityLog{OrgID: m.OrgID, MeetingUUID: m.ZoomUUID, MeetingID: m.ID,
		ZoomMeetingID: m.ZoomMeetingID, Topic: m.Topic, Mode: "direct", StartTime: m.StartTime, LoggedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	e.zoom.ResetRequests()
}

func (e *mediaEnv) session(t *testing.T, orgID, user string) (string, string) {
	t.Helper()
	tok, s, err := e.codec.Encode(appsession.Session{OrgID: orgID, UserID: user, Name: "Riley", TimeZone: "America/New_York", ExpiresAt: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return tok, e.codec.CSRFToken(s)
}

func (e *mediaEnv) do(t *testing.T, method, target, tok, csrf string, htmx bool) (*httptest.ResponseRecorder, *goquery.Document) {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	if tok != "" {
		req.Header.Set("X-Sfzoom-Session", tok)
	}
	if csrf != "" {
		req.Header.Set("X-CSRF-Token", csrf)
	}
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	rec := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(rec, req)
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(rec.Body.String()))
	if err != nil {
		t.Fatal(err)
	}
	return rec, doc
}

// zoomCalls counts the fake Zoom's API calls and file downloads.
func (e *mediaEnv) zoomCalls() map[string]int {
	out := map[string]int{}
	for k, n := range e.zoom.Requests() {
		if strings.Contains(k, "/v2/") || strings.Contains(k, "/rec/") {
			out[k] = n
		}
	}
	return out
}

func mediaURL(id int64) string { return "/app/meetings/" + strconv.FormatInt(id, 10) + "/media" }
func tasksURL(id int64) string { return "/app/meetings/" + strconv.FormatInt(id, 10) + "/tasks" }

func TestMeetingMedia_FragmentAndPage(t *testing.T) {
	e := newMediaEnv(t)
	tok, csrf := e.session(t, e.demo.OrgID, e.demo.RepID)
	tests := []struct {
		name string
		htmx bool
		page bool // a full page (with <html> and the app's stylesheet)
	}{
		{"Fragment", true, false},
		{"FullPage", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, doc := e.do(t, http.MethodGet, mediaURL(e.meeting.ID), tok, csrf, tt.htmx)
			if rec.Code != http.StatusOK {
				t.Fatalf("GET media = %d\n%s", rec.Code, rec.Body)
			}
			body := rec.Body.String()
			if got := strings.Contains(body, "<html"); got != tt.page {
				t.Errorf("response has <html> = %v, want %v", got, tt.page)
			}
			if doc.Find(`[data-testid="meeting-media"]`).Length() != 1 {
				t.Fatalf("no meeting-media section\n%s", body)
			}
			player, _ := doc.Find(`[data-testid="media-player"]`).Attr("src")
			if !strings.HasPrefix(player, recordings.MediaPathPrefix) {
				t.Errorf("player src = %q, want a signed %s… URL", player, recordings.MediaPathPrefix)
			}
			var links []string
			doc.Find(`[data-testid="media-file"]`).Each(func(_ int, s *goquery.Selection) {
				href, _ := s.Attr("href")
				links = append(links, href)
			})
			if len(links) != 2 {
				t.Errorf("file links = %v, want the video and the transcript", links)
			}
			for _, l := range links {
				if !strings.HasPrefix(l, recordings.MediaPathPrefix) {
					t.Errorf("file link %q does not point at %s", l, recordings.MediaPathPrefix)
				}
			}
			// Nothing of Zoom reaches the browser: no host, no download path, no token.
			zoomHost := strings.TrimPrefix(e.zoom.URL(), "http://")
			for _, leak := range []string{zoomHost, "/rec/download", "/_storage/", "access_token", "zoom.us"} {
				if strings.Contains(body, leak) {
					t.Errorf("page contains %q", leak)
				}
			}
			if n := doc.Find(`[data-testid="transcript-line"]`).Length(); n != 2 {
				t.Errorf("transcript lines = %d, want 2", n)
			}
			if !strings.Contains(doc.Find(`[data-testid="summary-body"]`).Text(), "Globex wants a revised quote.") {
				t.Errorf("summary = %q", doc.Find(`[data-testid="summary-body"]`).Text())
			}
			var items []string
			doc.Find(`[data-testid="action-items"] li`).Each(func(_ int, s *goquery.Selection) { items = append(items, strings.TrimSpace(s.Text())) })
			if diff := cmp.Diff(testNextSteps, items); diff != "" {
				t.Errorf("action items (-want +got):\n%s", diff)
			}
			if doc.Find(`[data-testid="create-tasks-form"] input[name="_csrf"]`).Length() != 1 {
				t.Errorf("the create-tasks form carries no CSRF token")
			}

			// The signed URL plays through sfzoom's media route.
			req := httptest.NewRequest(http.MethodGet, player, nil)
			req.Header.Set("Range", "bytes=0-99")
			mrec := httptest.NewRecorder()
			e.srv.Handler().ServeHTTP(mrec, req)
			want, _ := e.zoom.MediaBytes(e.video.ID, 0, 100)
			if mrec.Code != http.StatusPartialContent || mrec.Body.String() != string(want) {
				t.Errorf("GET player URL = %d, %d bytes; want 206 with the first 100 bytes", mrec.Code, mrec.Body.Len())
			}
		})
	}
}

func TestMeetingMedia_Errors(t *testing.T) {
	e := newMediaEnv(t)
	other := e.addMeeting(t, otherOrg, 99, "other-org-uuid==", "006xx000009zzzzAAA")
	repTok, repCSRF := e.session(t, e.demo.OrgID, e.demo.RepID)
	// OverrideRepID owns no Globex record and is not shared on it.
	outTok, outCSRF := e.session(t, e.demo.OrgID, e.demo.OverrideRepID)
	tests := []struct {
		name      string
		target    string
		tok, csrf string
		status    int
		msg       string
	}{
		{"AnotherOrgsMeeting", mediaURL(other.ID), repTok, repCSRF, http.StatusNotFound, ""},
		{"UnknownMeeting", mediaURL(424242), repTok, repCSRF, http.StatusNotFound, ""},
		{"BadID", "/app/meetings/abc/media", repTok, repCSRF, http.StatusBadRequest, "is not valid"},
		{"CannotReadRecord", mediaURL(e.meeting.ID), outTok, outCSRF, http.StatusForbidden,
			"You no longer have access to the Salesforce record this meeting belongs to"},
		{"NoSession", mediaURL(e.meeting.ID), "", "", http.StatusUnauthorized, ""},
	}
	for _, tt := range tests {
		for _, htmx := range []bool{true, false} {
			t.Run(tt.name+map[bool]string{true: "/htmx", false: "/page"}[htmx], func(t *testing.T) {
				rec, doc := e.do(t, http.MethodGet, tt.target, tt.tok, tt.csrf, htmx)
				if rec.Code != tt.status {
					t.Fatalf("GET %s = %d, want %d\n%s", tt.target, rec.Code, tt.status, rec.Body)
				}
				if tt.msg != "" && !strings.Contains(rec.Body.String(), tt.msg) {
					t.Errorf("body lacks %q:\n%s", tt.msg, rec.Body)
				}
				if doc.Find(`[data-testid="media-player"]`).Length() != 0 || strings.Contains(rec.Body.String(), recordings.MediaPathPrefix) {
					t.Errorf("a denied page carries media URLs")
				}
			})
		}
	}
	if n := len(e.zoomCalls()); n != 0 {
		t.Errorf("denied requests called Zoom: %v", e.zoomCalls())
	}
}

// fakeOrgTasks returns the fake org's Tasks keyed by Zoom_Meeting_ID__c.
func (e *mediaEnv) tasks() map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, r := range e.sf.Records("Task") {
		if k, _ := r["Zoom_Meeting_ID__c"].(string); k != "" {
			out[k] = r
		}
	}
	return out
}

func TestMeetingTasks(t *testing.T) {
	tok := func(e *mediaEnv, t *testing.T) (string, string) { return e.session(t, e.demo.OrgID, e.demo.RepID) }
	wantKeys := func(e *mediaEnv) []string {
		var keys []string
		for i := range testNextSteps {
			keys = append(keys, activity.TaskExternalID(e.meeting.ZoomUUID, i+1))
		}
		return keys
	}
	checkTasks := func(t *testing.T, e *mediaEnv) {
		t.Helper()
		got := e.tasks()
		if len(got) != len(testNextSteps) {
			t.Fatalf("Tasks in the fake org = %d (%v), want %d", len(got), got, len(testNextSteps))
		}
		for i, k := range wantKeys(e) {
			r := got[k]
			if r == nil {
				t.Fatalf("no Task with Zoom_Meeting_ID__c %q", k)
			}
			if i > 0 && (r["Subject"] != testNextSteps[i] || r["WhatId"] != e.meeting.RecordID) {
				t.Errorf("Task %s = Subject %v WhatId %v", k, r["Subject"], r["WhatId"])
			}
		}
	}

	t.Run("TwiceCreatesOnce", func(t *testing.T) {
		e := newMediaEnv(t)
		tk, csrf := tok(e, t)
		rec, doc := e.do(t, http.MethodPost, tasksURL(e.meeting.ID), tk, csrf, true)
		if rec.Code != http.StatusOK || !strings.Contains(doc.Text(), "Created 3 tasks") {
			t.Fatalf("first POST = %d %s", rec.Code, rec.Body)
		}
		checkTasks(t, e)
		first := e.tasks()[wantKeys(e)[0]]
		if first["Subject"] != testNextSteps[0] || first["OwnerId"] != e.demo.RepID {
			t.Errorf("Task 1 = %v", first)
		}
		rec, doc = e.do(t, http.MethodPost, tasksURL(e.meeting.ID), tk, csrf, true)
		if rec.Code != http.StatusOK || !strings.Contains(doc.Text(), "already exist") {
			t.Fatalf("second POST = %d %s", rec.Code, rec.Body)
		}
		checkTasks(t, e)
	})

	t.Run("AfterPipelineKeepsItsTasks", func(t *testing.T) {
		e := newMediaEnv(t)
		e.logAsPipeline(t, true)
		// The pipeline made Task 1, and the rep has since edited it.
		k1 := activity.TaskExternalID(e.meeting.ZoomUUID, 1)
		if _, err := e.sfc.UpsertRecords(context.Background(), salesforce.ObjectTask, salesforce.FieldZoomMeetingID, true, []salesforce.Fields{{
			salesforce.FieldZoomMeetingID: k1, salesforce.FieldSubject: "Quote sent (edited)", salesforce.FieldOwnerID: e.demo.AdminID,
			salesforce.FieldWhatID: e.meeting.RecordID,
		}}); err != nil {
			t.Fatal(err)
		}
		tk, csrf := tok(e, t)
		rec, doc := e.do(t, http.MethodPost, tasksURL(e.meeting.ID), tk, csrf, true)
		if rec.Code != http.StatusOK || !strings.Contains(doc.Text(), "Created 2 tasks; the other 1 already existed.") {
			t.Fatalf("POST = %d %s", rec.Code, rec.Body)
		}
		checkTasks(t, e)
		if r := e.tasks()[k1]; r["Subject"] != "Quote sent (edited)" || r["OwnerId"] != e.demo.AdminID {
			t.Errorf("the pipeline's Task was changed: %v", r)
		}
		if c := e.zoomCalls(); len(c) != 0 {
			t.Errorf("with a stored summary, creating tasks called Zoom: %v", c)
		}
	})

	t.Run("CSRFRequired", func(t *testing.T) {
		e := newMediaEnv(t)
		tk, _ := tok(e, t)
		for _, csrf := range []string{"", "forged-token"} {
			rec, _ := e.do(t, http.MethodPost, tasksURL(e.meeting.ID), tk, csrf, true)
			if rec.Code != http.StatusForbidden {
				t.Errorf("POST with CSRF %q = %d, want 403", csrf, rec.Code)
			}
		}
		if n := len(e.tasks()); n != 0 {
			t.Errorf("Tasks created without CSRF: %d", n)
		}
	})

	t.Run("NoSummary", func(t *testing.T) {
		e := newMediaEnv(t)
		e.logAsPipeline(t, false) // logged; Zoom made no summary
		tk, csrf := tok(e, t)
		rec, doc := e.do(t, http.MethodPost, tasksURL(e.meeting.ID), tk, csrf, true)
		if rec.Code != http.StatusNotFound || !strings.Contains(doc.Text(), "This meeting has no AI summary, so there are no action items to turn into tasks.") {
			t.Fatalf("POST = %d %s", rec.Code, rec.Body)
		}
		if n := len(e.tasks()); n != 0 {
			t.Errorf("Tasks = %d, want 0", n)
		}
	})

	t.Run("CannotReadRecord", func(t *testing.T) {
		e := newMediaEnv(t)
		tk, csrf := e.session(t, e.demo.OrgID, e.demo.OverrideRepID)
		rec, _ := e.do(t, http.MethodPost, tasksURL(e.meeting.ID), tk, csrf, true)
		if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "no longer have access") {
			t.Fatalf("POST = %d %s", rec.Code, rec.Body)
		}
		if n := len(e.tasks()); n != 0 {
			t.Errorf("Tasks = %d, want 0", n)
		}
	})
}

// TestMeetingMedia_PrefersStoredData counts the Zoom calls of the record
// page's media section. A meeting the pipeline logged costs none except the
// transcript's text, which sfzoom does not store: the first view reads it
// (the recording list and the file), later views reuse it from memory.
// Playing still asks Zoom for a fresh download URL.
func TestMeetingMedia_PrefersStoredData(t *testing.T) {
	const (
		listing  = "GET /v2/meetings/{meetingId}/recordings"
		summary  = "GET /v2/meetings/{meetingId}/meeting_summary"
		download = "GET /rec/download/{key}"
	)
	t.Run("NotLoggedAsksZoom", func(t *testing.T) {
		e := newMediaEnv(t)
		tok, csrf := e.session(t, e.demo.OrgID, e.demo.RepID)
		if rec, _ := e.do(t, http.MethodGet, mediaURL(e.meeting.ID), tok, csrf, true); rec.Code != http.StatusOK {
			t.Fatalf("GET = %d", rec.Code)
		}
		if diff := cmp.Diff(map[string]int{listing: 1, summary: 1, download: 1}, e.zoomCalls()); diff != "" {
			t.Errorf("Zoom calls (-want +got):\n%s", diff)
		}
	})
	t.Run("Logged", func(t *testing.T) {
		e := newMediaEnv(t)
		e.logAsPipeline(t, true)
		tok, csrf := e.session(t, e.demo.OrgID, e.demo.RepID)
		var player string
		for i, want := range []map[string]int{{listing: 1, download: 1}, {}} {
			e.zoom.ResetRequests()
			rec, doc := e.do(t, http.MethodGet, mediaURL(e.meeting.ID), tok, csrf, true)
			if rec.Code != http.StatusOK {
				t.Fatalf("view %d = %d", i+1, rec.Code)
			}
			if diff := cmp.Diff(want, e.zoomCalls()); diff != "" {
				t.Errorf("view %d: Zoom calls (-want +got):\n%s", i+1, diff)
			}
			if n := doc.Find(`[data-testid="transcript-line"]`).Length(); n != 2 {
				t.Errorf("view %d: transcript lines = %d, want 2", i+1, n)
			}
			if !strings.Contains(doc.Find(`[data-testid="summary-body"]`).Text(), "Globex wants a revised quote.") ||
				doc.Find(`[data-testid="action-items"] li`).Length() != len(testNextSteps) {
				t.Errorf("view %d: stored summary not shown", i+1)
			}
			player, _ = doc.Find(`[data-testid="media-player"]`).Attr("src")
		}
		// Playing fetches a fresh download URL (the listing is reused for
		// a short while) and streams from Zoom.
		e.zoom.ResetRequests()
		req := httptest.NewRequest(http.MethodGet, player, nil)
		req.Header.Set("Range", "bytes=100-199")
		mrec := httptest.NewRecorder()
		e.srv.Handler().ServeHTTP(mrec, req)
		want, _ := e.zoom.MediaBytes(e.video.ID, 100, 200)
		if mrec.Code != http.StatusPartialContent || mrec.Body.String() != string(want) {
			t.Fatalf("play = %d, %d bytes", mrec.Code, mrec.Body.Len())
		}
		if e.zoomCalls()[download] != 1 {
			t.Errorf("play: Zoom calls %v, want a download", e.zoomCalls())
		}
	})
	t.Run("LoggedWithoutRecording", func(t *testing.T) {
		e := newMediaEnv(t)
		// The pipeline logged an occurrence that had no recording or summary.
		other := e.addMeeting(t, e.demo.OrgID, 123, "no-recording-uuid==", e.demo.OpportunityIDs[0])
		if err := e.be.Store.SaveActivityLog(context.Background(), &sfzoom.ActivityLog{OrgID: other.OrgID, MeetingUUID: other.ZoomUUID,
			MeetingID: other.ID, ZoomMeetingID: 123, Topic: other.Topic, Mode: "direct", StartTime: other.StartTime, LoggedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		tok, csrf := e.session(t, e.demo.OrgID, e.demo.RepID)
		rec, doc := e.do(t, http.MethodGet, mediaURL(other.ID), tok, csrf, true)
		if rec.Code != http.StatusOK || doc.Find(`[data-testid="no-recording"]`).Length() != 1 {
			t.Fatalf("GET = %d %s", rec.Code, rec.Body)
		}
		if c := e.zoomCalls(); len(c) != 0 {
			t.Errorf("Zoom calls = %v, want none", c)
		}
	})
}

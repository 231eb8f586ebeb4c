package zoomtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/oauth2"

	"github.com/sfzoom/sfzoom/internal/zoom/zoomtest"
)

var t0 = time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC)

func newServer(t *testing.T) *zoomtest.Server {
	t.Helper()
	srv := zoomtest.NewServer(zoomtest.WithClock(func() time.Time { return t0 }), zoomtest.WithSeed(3))
	t.Cleanup(srv.Close)
	return srv
}

// noRedirects is a client that returns redirects instead of following them.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// call sends a request with a bearer token and returns status and body.
func call(t *testing.T, method, u, token string, body any) (int, http.Header, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := noRedirects.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// shapeDiff lists how got's structure departs from want's: keys of want
// missing in got, or values of another JSON type. Arrays compare their
// first elements. Extra keys in got are allowed, since Zoom's schemas do not
// set additionalProperties:false (docs/zoom-api.md §9).
func shapeDiff(path string, want, got any, ignore map[string]bool) []string {
	if ignore[path] {
		return nil
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: want object, got %T", path, got)}
		}
		var out []string
		for k, wv := range w {
			gv, ok := g[k]
			if !ok {
				if !ignore[path+"."+k] {
					out = append(out, path+"."+k+": missing")
				}
				continue
			}
			out = append(out, shapeDiff(path+"."+k, wv, gv, ignore)...)
		}
		sort.Strings(out)
		return out
	case []any:
		g, ok := got.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s: want array, got %T", path, got)}
		}
		if len(w) == 0 {
			return nil
		}
		if len(g) == 0 {
			return []string{path + ": want a non-empty array"}
		}
		return shapeDiff(path+"[]", w[0], g[0], ignore)
	default:
		if fmt.Sprintf("%T", want) != fmt.Sprintf("%T", got) {
			return []string{fmt.Sprintf("%s: want %T (%v), got %T (%v)", path, want, want, got, got)}
		}
	}
	return nil
}

func decode(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}

func docExample(t *testing.T, path string) any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return decode(t, b)
}

type seeded struct {
	srv   *zoomtest.Server
	token string
	host  zoomtest.User
	m     zoomtest.Meeting
	uuid  string // ended instance
}

func seed(t *testing.T, hook string) *seeded {
	t.Helper()
	srv := newServer(t)
	if hook != "" {
		srv.SetWebhook(hook, []byte("secret"))
	}
	s := &seeded{srv: srv}
	s.host = srv.AddUser(zoomtest.User{Email: "jchill@example.com", FirstName: "Jill", LastName: "Chill"})
	s.token = srv.IssueAccessToken("")
	m, err := srv.AddMeeting(zoomtest.Meeting{HostID: s.host.ID, Topic: "My Meeting", Duration: 60, StartTime: t0.Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	s.m = m
	for i := range 2 {
		srv.AddParticipant(m.UUID, zoomtest.Participant{ID: "30R7kT7bTIKSNUFEuH_Qlg", Name: fmt.Sprint("P", i), Email: "p@example.com"})
	}
	srv.AddRecording(m.UUID, zoomtest.RecordingFile{FileType: "MP4", Size: 7220})
	srv.AddRecording(m.UUID, zoomtest.RecordingFile{FileType: "M4A", Size: 1000})
	srv.AddSummary(m.UUID, zoomtest.Summary{Overview: "Meeting overview", Details: []zoomtest.SummaryDetail{{"Pricing", "Tiers"}},
		NextSteps: []string{"step1"}, Content: "## Quick recap", DocURL: "https://docs.example.com/d"})
	uuid, err := srv.EndMeeting(context.Background(), m.ID)
	if err != nil {
		t.Fatal(err)
	}
	s.uuid = uuid
	return s
}

// TestFidelityREST compares the fake's answers with the documented examples
// of docs/zoom-api.md, field by field (names and JSON types).
func TestFidelityREST(t *testing.T) {
	s := seed(t, "")
	api := s.srv.APIURL()
	createBody := docExample(t, "testdata/create_meeting_request.json").(map[string]any)
	createBody["type"] = 8 // recurring, so occurrences are present as in the example
	tests := []struct {
		name    string
		doc     string // testdata file, copied from the cited section
		method  string
		url     string
		body    any
		status  int
		ignore  []string
		extract func(any) any
	}{
		{"§3.1 create meeting", "create_meeting_response.json", "POST", api + "users/me/meetings", createBody, 201, nil, nil},
		{"§3.2 list meetings", "list_meetings.json", "GET", api + "users/" + s.host.ID + "/meetings", nil, 200, nil, nil},
		{"§3.3 get meeting", "create_meeting_response.json", "GET", api + "meetings/" + fmt.Sprint(s.m.ID), nil, 200,
			// occurrences only exist for recurring meetings; tracking fields only when set.
			[]string{"$.occurrences", "$.tracking_fields"}, nil},
		{"§3.4 past participants", "past_participants.json", "GET", api + "past_meetings/" + url.PathEscape(s.uuid) + "/participants", nil, 200, nil, nil},
		// Not in docs/zoom-api.md: Zoom Meeting API "List past meeting instances"
		// (GET /past_meetings/{meetingId}/instances); Zoom's rivet SDK type
		// MeetingsListPastMeetingInstancesResponse has exactly
		// meetings[].uuid and meetings[].start_time.
		{"past meeting instances", "past_instances.json", "GET", api + "past_meetings/" + fmt.Sprint(s.m.ID) + "/instances", nil, 200, nil, nil},
		// deleted_time appears only for trash queries, file_path only on
		// premise, participant_audio_files only when enabled (§3.6).
		{"§3.6 recordings", "recordings.json", "GET", api + "meetings/" + fmt.Sprint(s.m.ID) + "/recordings?include_fields=download_access_token", nil, 200,
			[]string{"$.recording_files[].deleted_time", "$.recording_files[].file_path", "$.participant_audio_files"}, nil},
		// edited_summary exists only when the host edited the summary (§3.7).
		{"§3.7 meeting summary", "meeting_summary.json", "GET", api + "meetings/" + url.PathEscape(s.uuid) + "/meeting_summary", nil, 200,
			[]string{"$.edited_summary"}, nil},
		{"§3.8 user", "user.json", "GET", api + "users/" + s.host.Email, nil, 200, nil, nil},
		{"§3.9 SCIM users", "scim_users.json", "GET", s.srv.URL() + "/scim2/Users?count=10&filter=" + url.QueryEscape(`userName eq "jchill@example.com"`), nil, 200, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body any
			if tt.body != nil {
				body = tt.body
			}
			status, h, b := call(t, tt.method, tt.url, s.token, body)
			if status != tt.status {
				t.Fatalf("status = %d, want %d: %s", status, tt.status, b)
			}
			// Every answer, SCIM2's included, is application/json: the SCIM2
			// OpenAPI declares its 200 responses as content "application/json"
			// (https://developers.zoom.us/docs/api/scim2/, GET /scim2/Users),
			// even though it asks callers to send Accept: application/scim+json.
			if ct, _, err := mime.ParseMediaType(h.Get("Content-Type")); err != nil || ct != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", h.Get("Content-Type"))
			}
			ignore := map[string]bool{}
			for _, p := range tt.ignore {
				ignore[p] = true
			}
			if diff := shapeDiff("$", docExample(t, "testdata/"+tt.doc), decode(t, b), ignore); len(diff) > 0 {
				t.Errorf("fake differs from docs/zoom-api.md example %s:\n%s", tt.doc, strings.Join(diff, "\n"))
			}
		})
	}
}

// TestFidelityWebhooks compares the fake's webhook bodies with the examples
// of docs/zoom-api.md §2 (kept in ../testdata for the client's tests).
func TestFidelityWebhooks(t *testing.T) {
	var mu sync.Mutex
	bodies := map[string][]byte{}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var env struct{ Event string }
		json.Unmarshal(b, &env)
		mu.Lock()
		bodies[env.Event] = b
		mu.Unlock()
	}))
	t.Cleanup(hook.Close)
	s := seed(t, "")
	s.srv.SetWebhook(hook.URL, []byte("secret"))
	m, _ := s.srv.AddMeeting(zoomtest.Meeting{HostID: s.host.ID, Topic: "Again"})
	s.srv.AddRecording(m.UUID, zoomtest.RecordingFile{FileType: "MP4"})
	s.srv.AddSummary(m.UUID, zoomtest.Summary{Overview: "o", Details: []zoomtest.SummaryDetail{{"a", "b"}}, NextSteps: []string{"n"},
		Content: "## c", DocURL: "https://docs.example.com/x"})
	ctx := t.Context()
	if err := s.srv.StartMeeting(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.srv.JoinParticipant(ctx, m.ID, zoomtest.Participant{Name: "Guest"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.srv.EndMeeting(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		event, doc string
		ignore     []string
	}{
		{"meeting.started", "meeting_started.json", nil},
		{"meeting.ended", "meeting_ended.json", nil},
		{"meeting.participant_joined", "participant_joined.json", nil},
		{"recording.completed", "recording_completed.json", []string{"$.payload.object.participant_audio_files"}},
		{"meeting.summary_completed", "summary_completed.json", nil},
	}
	for _, tt := range tests {
		t.Run(tt.event, func(t *testing.T) {
			mu.Lock()
			b := bodies[tt.event]
			mu.Unlock()
			if b == nil {
				t.Fatalf("no %s delivered", tt.event)
			}
			ignore := map[string]bool{}
			for _, p := range tt.ignore {
				ignore[p] = true
			}
			if diff := shapeDiff("$", docExample(t, filepath.Join("..", "testdata", tt.doc)), decode(t, b), ignore); len(diff) > 0 {
				t.Errorf("fake differs from docs/zoom-api.md example %s:\n%s", tt.doc, strings.Join(diff, "\n"))
			}
		})
	}
}

func TestDoubleEncodedUUIDs(t *testing.T) {
	srv := newServer(t)
	host := srv.AddUser(zoomtest.User{})
	tok := srv.IssueAccessToken("")
	m, _ := srv.AddMeeting(zoomtest.Meeting{HostID: host.ID, UUID: "/ajXp112QmuoKj4854875=="})
	srv.AddParticipant(m.UUID, zoomtest.Participant{Name: "a"})
	srv.AddParticipant(m.UUID, zoomtest.Participant{Name: "b"})
	if _, err := srv.EndMeeting(t.Context(), m.ID); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		want       int
	}{
		// docs/zoom-api.md §8: "/ajXp112QmuoKj4854875==" → "%252FajXp112QmuoKj4854875%253D%253D".
		{"DocForm", "%252FajXp112QmuoKj4854875%253D%253D", 200},
		{"PathEscapeTwice", url.PathEscape(url.PathEscape(m.UUID)), 200},
		{"ErrEncodedOnce", url.PathEscape(m.UUID), 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, b := call(t, "GET", srv.APIURL()+"past_meetings/"+tt.path+"/participants", tok, nil)
			if status != tt.want {
				t.Errorf("status = %d, want %d: %s", status, tt.want, b)
			}
		})
	}
}

// TestPathDecoding: the router decodes a path parameter once, as RFC 3986
// does ('+' is '+', https://www.rfc-editor.org/rfc/rfc3986#section-3.3) or,
// with SetFormDecodedPaths, as a form-decoding hop does ('+' is a space,
// https://url.spec.whatwg.org/#urlencoded-parsing); a double-encoded UUID is
// decoded a second time the same way. Encoding as Zoom's SDK does
// (encodeURIComponent, twice for a UUID with a leading '/' or a "//") works
// behind both; a raw '+' works only behind the first.
func TestPathDecoding(t *testing.T) {
	tests := []struct {
		name, uuid, path string
		rfc, form        int // status behind each router
	}{
		{"RawPlus", "ab+cd/ef==", "ab+cd%2Fef==", 200, 404},
		{"EncodedPlus", "ab+cd/ef==", "ab%2Bcd%2Fef%3D%3D", 200, 200},
		{"DoubleEncodedRawPlus", "/ab+cd//ef==", "%252Fab+cd%252F%252Fef==", 200, 404},
		{"DoubleEncodedAll", "/ab+cd//ef==", "%252Fab%252Bcd%252F%252Fef%253D%253D", 200, 200},
		{"LeadingSlashEncodedOnce", "/ab+cd//ef==", "%2Fab%2Bcd%2F%2Fef%3D%3D", 404, 404},
	}
	for _, form := range []bool{false, true} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("form=%t/%s", form, tt.name), func(t *testing.T) {
				srv := newServer(t)
				srv.SetFormDecodedPaths(form)
				host := srv.AddUser(zoomtest.User{})
				tok := srv.IssueAccessToken("")
				m, _ := srv.AddMeeting(zoomtest.Meeting{HostID: host.ID, UUID: tt.uuid})
				srv.AddParticipant(m.UUID, zoomtest.Participant{Name: "a"})
				srv.AddParticipant(m.UUID, zoomtest.Participant{Name: "b"})
				if _, err := srv.EndMeeting(t.Context(), m.ID); err != nil {
					t.Fatal(err)
				}
				want := tt.rfc
				if form {
					want = tt.form
				}
				status, _, b := call(t, "GET", srv.APIURL()+"past_meetings/"+tt.path+"/participants", tok, nil)
				if status != want {
					t.Errorf("status = %d, want %d: %s", status, want, b)
				}
			})
		}
	}
}

func TestQuirks(t *testing.T) {
	s := seed(t, "")
	api := s.srv.APIURL()
	t.Run("OneParticipantReturnsNothing", func(t *testing.T) {
		m, _ := s.srv.AddMeeting(zoomtest.Meeting{HostID: s.host.ID})
		s.srv.AddParticipant(m.UUID, zoomtest.Participant{Name: "alone"})
		uuid, _ := s.srv.EndMeeting(t.Context(), m.ID)
		_, _, b := call(t, "GET", api+"past_meetings/"+url.PathEscape(uuid)+"/participants", s.token, nil)
		if !bytes.Contains(b, []byte(`"participants":[]`)) || !bytes.Contains(b, []byte(`"next_page_token":""`)) {
			t.Errorf("body = %s, want no participants (docs/zoom-api.md §3.4)", b)
		}
	})
	t.Run("PastInstancesOnlyEnded", func(t *testing.T) {
		// Only ended instances, with the start EndMeeting gave the
		// never-started instance (its end minus the 60-minute duration).
		_, _, b := call(t, "GET", api+"past_meetings/"+fmt.Sprint(s.m.ID)+"/instances", s.token, nil)
		want := `{"meetings":[{"start_time":"` + t0.Add(-time.Hour).Format(time.RFC3339) + `","uuid":"` + s.uuid + `"}]}`
		if string(b) != want {
			t.Errorf("instances = %s, want %s", b, want)
		}
		next, _ := s.srv.CurrentUUID(s.m.ID)
		if bytes.Contains(b, []byte(next)) {
			t.Errorf("instances list the next instance %s", next)
		}
		status, _, b := call(t, "GET", api+"past_meetings/123/instances", s.token, nil)
		if status != 404 || !bytes.Contains(b, []byte(`"code":3001`)) {
			t.Errorf("unknown meeting = %d %s, want 404/3001", status, b)
		}
	})
	t.Run("MeetingNeedsNumericID", func(t *testing.T) {
		status, _, b := call(t, "GET", api+"meetings/"+url.PathEscape(s.uuid), s.token, nil)
		if status != 404 || !bytes.Contains(b, []byte(`"code":3001`)) {
			t.Errorf("GET meeting by UUID = %d %s, want 404/3001", status, b)
		}
	})
	t.Run("RecordingTypeIsString", func(t *testing.T) {
		_, _, b := call(t, "GET", api+"meetings/"+fmt.Sprint(s.m.ID)+"/recordings", s.token, nil)
		if !bytes.Contains(b, []byte(`"type":"2"`)) || bytes.Contains(b, []byte("download_access_token")) {
			t.Errorf("recordings = %s", b)
		}
	})
	t.Run("ErrorBody", func(t *testing.T) {
		status, _, b := call(t, "GET", api+"users/nobody", s.token, nil)
		if status != 404 || string(b) != `{"code":1001,"message":"User does not exist: nobody."}` {
			t.Errorf("= %d %s", status, b)
		}
		status, _, b = call(t, "GET", api+"users/nobody", "bad-token", nil)
		if status != 401 || !bytes.Contains(b, []byte(`"code":124`)) {
			t.Errorf("bad token = %d %s", status, b)
		}
	})
	t.Run("RateLimitHeaders", func(t *testing.T) {
		s.srv.Fail(zoomtest.Failure{Status: 429, RetryAfter: time.Minute, Category: "Light", Type: "QPS"})
		status, h, b := call(t, "GET", api+"users/me", s.token, nil)
		if status != 429 || h.Get("Retry-After") != "2024-01-01T10:01:00Z" || h.Get("X-RateLimit-Category") != "Light" || !bytes.Contains(b, []byte(`"code":429`)) {
			t.Errorf("= %d %v %s", status, h, b)
		}
	})
	t.Run("ExpiredPageToken", func(t *testing.T) {
		_, _, b := call(t, "GET", api+"users/me/meetings?next_page_token=nope", s.token, nil)
		if !bytes.Contains(b, []byte(`"code":300`)) {
			t.Errorf("= %s", b)
		}
	})
}

func TestOAuthS2S(t *testing.T) {
	srv := newServer(t)
	tests := []struct {
		name, user, pass, account, wantErr string
	}{
		{"OK", zoomtest.DefaultClientID, zoomtest.DefaultClientSecret, zoomtest.DefaultAccountID, ""},
		{"ErrSecret", zoomtest.DefaultClientID, "wrong", zoomtest.DefaultAccountID, "invalid_client"},
		{"ErrAccount", zoomtest.DefaultClientID, zoomtest.DefaultClientSecret, "other", "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Zoom's documented form: parameters in the query, Basic auth (§5.1).
			req, _ := http.NewRequest("POST", srv.TokenURL()+"?grant_type=account_credentials&account_id="+tt.account, nil)
			req.SetBasicAuth(tt.user, tt.pass)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if tt.wantErr != "" {
				if !bytes.Contains(b, []byte(`"error":"`+tt.wantErr+`"`)) {
					t.Errorf("= %d %s, want error %s", resp.StatusCode, b, tt.wantErr)
				}
				return
			}
			if diff := shapeDiff("$", docExample(t, "testdata/token_s2s.json"), decode(t, b), nil); len(diff) > 0 || bytes.Contains(b, []byte("refresh_token")) {
				t.Errorf("S2S token differs from §5.1 (and must lack refresh_token): %v %s", diff, b)
			}
			// Zoom's docs say the token lives "one hour (3600 seconds)"; the
			// token endpoint itself answers "expires_in": 3599, as recorded
			// S2S responses show, and as the device-authorization example of
			// https://developers.zoom.us/docs/integrations/oauth/#using-device-authorization does.
			if got := decode(t, b).(map[string]any)["expires_in"]; got != float64(3599) {
				t.Errorf("expires_in = %v, want 3599", got)
			}
		})
	}
	if n := srv.TokenRequests("account_credentials"); n != 3 {
		t.Errorf("TokenRequests = %d, want 3", n)
	}
}

func TestOAuthAuthorizationCode(t *testing.T) {
	srv := newServer(t)
	u := srv.AddUser(zoomtest.User{Email: "rep@example.com"})
	conf := &oauth2.Config{
		ClientID: zoomtest.DefaultClientID, ClientSecret: zoomtest.DefaultClientSecret,
		Endpoint:    oauth2.Endpoint{AuthURL: srv.AuthorizeURL(), TokenURL: srv.TokenURL(), AuthStyle: oauth2.AuthStyleInHeader},
		RedirectURL: "https://app.example.com/oauth/zoom/callback",
	}
	verifier := oauth2.GenerateVerifier()
	authURL := conf.AuthCodeURL("st4te", oauth2.S256ChallengeOption(verifier))

	// The approval page, then its form's POST.
	status, _, page := call(t, "GET", authURL, "", nil)
	if status != 200 || !bytes.Contains(page, []byte(`data-testid="approve"`)) || !bytes.Contains(page, []byte("rep@example.com")) {
		t.Fatalf("authorize page = %d %s", status, page)
	}
	form := url.Values{}
	for _, mm := range regexp.MustCompile(`name="([a-z_]+)" value="([^"]*)"`).FindAllStringSubmatch(string(page), -1) {
		form.Set(mm[1], htmlUnescape(mm[2]))
	}
	form.Set("approve", "1")
	form.Set("zoom_user", u.ID)
	resp, err := noRedirects.PostForm(srv.AuthorizeURL(), form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != 302 || loc.Query().Get("state") != "st4te" || loc.Query().Get("code") == "" ||
		!strings.HasPrefix(loc.String(), conf.RedirectURL) {
		t.Fatalf("approve = %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	code := loc.Query().Get("code")

	ctx := t.Context()
	if _, err := conf.Exchange(ctx, code, oauth2.VerifierOption("wrong-verifier-wrong-verifier-wrong-verifier")); err == nil {
		t.Fatal("Exchange with a wrong PKCE verifier succeeded")
	}
	tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if got := tok.Extra("expires_in"); got != float64(3599) {
		t.Errorf("expires_in = %v, want 3599 as Zoom answers", got)
	}
	if tok.RefreshToken == "" || tok.Extra("api_url") == nil || tok.Extra("scope") == nil {
		t.Errorf("token = %+v", tok)
	}
	if _, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier)); err == nil {
		t.Error("a code was accepted twice")
	}
	// The token acts as its user: /users/me is the rep.
	status, _, b := call(t, "GET", srv.APIURL()+"users/me", tok.AccessToken, nil)
	if status != 200 || !bytes.Contains(b, []byte(`"email":"rep@example.com"`)) {
		t.Errorf("users/me = %d %s", status, b)
	}

	// Refresh rotates: the new refresh token works once, the old one never again.
	old := tok.RefreshToken
	expired := &oauth2.Token{RefreshToken: old, Expiry: time.Now().Add(-time.Hour)}
	fresh, err := conf.TokenSource(ctx, expired).Token()
	if err != nil {
		t.Fatal(err)
	}
	if fresh.RefreshToken == "" || fresh.RefreshToken == old || fresh.AccessToken == tok.AccessToken {
		t.Errorf("refresh did not rotate: %+v", fresh)
	}
	_, err = conf.TokenSource(ctx, expired).Token()
	var re *oauth2.RetrieveError
	if !asRetrieveError(err, &re) || re.ErrorCode != "invalid_grant" || !bytes.Contains(re.Body, []byte(`"reason":"Invalid Token!"`)) {
		t.Errorf("reused refresh token = %v, want invalid_grant / Invalid Token!", err)
	}
	if diff := shapeDiff("$", docExample(t, "testdata/token_user.json"), decode(t, mustTokenBody(t, srv, fresh.RefreshToken)), nil); len(diff) > 0 {
		t.Errorf("user token differs from §5.2: %v", diff)
	}
	if got := []int{srv.TokenRequests("authorization_code"), srv.TokenRequests("refresh_token")}; !slices.Equal(got, []int{3, 3}) {
		t.Errorf("token requests by grant = %v, want [3 3]", got)
	}

	// Revoke.
	req, _ := http.NewRequest("POST", srv.URL()+"/oauth/revoke", strings.NewReader("token="+fresh.AccessToken))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(zoomtest.DefaultClientID, zoomtest.DefaultClientSecret)
	rresp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	rb, _ := io.ReadAll(rresp.Body)
	rresp.Body.Close()
	if string(rb) != `{"status":"success"}` {
		t.Errorf("revoke = %s", rb)
	}
	if status, _, _ := call(t, "GET", srv.APIURL()+"users/me", fresh.AccessToken, nil); status != 401 {
		t.Errorf("revoked token: status %d, want 401", status)
	}
}

// mustTokenBody refreshes with the raw endpoint to see the JSON as sent.
func mustTokenBody(t *testing.T, srv *zoomtest.Server, refresh string) []byte {
	t.Helper()
	req, _ := http.NewRequest("POST", srv.TokenURL(), strings.NewReader("grant_type=refresh_token&refresh_token="+url.QueryEscape(refresh)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(zoomtest.DefaultClientID, zoomtest.DefaultClientSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return b
}

func asRetrieveError(err error, re **oauth2.RetrieveError) bool {
	for err != nil {
		if r, ok := err.(*oauth2.RetrieveError); ok {
			*re = r
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&#43;", "+", "&#34;", `"`, "&lt;", "<", "&gt;", ">", "&#39;", "'").Replace(s)
}

func TestDownloads(t *testing.T) {
	srv := newServer(t)
	host := srv.AddUser(zoomtest.User{})
	tok := srv.IssueAccessToken("")
	m, _ := srv.AddMeeting(zoomtest.Meeting{HostID: host.ID})
	const big = 300 << 20 // generated on the fly: no memory needed
	f, _ := srv.AddRecording(m.UUID, zoomtest.RecordingFile{FileType: "MP4", Size: big})
	srv.EndMeeting(t.Context(), m.ID)
	_, _, b := call(t, "GET", srv.APIURL()+"meetings/"+fmt.Sprint(m.ID)+"/recordings", tok, nil)
	var rec struct {
		RecordingFiles []struct {
			DownloadURL string `json:"download_url"`
		} `json:"recording_files"`
	}
	json.Unmarshal(b, &rec)
	dl := rec.RecordingFiles[0].DownloadURL

	if status, _, _ := call(t, "GET", dl, "", nil); status != 401 {
		t.Errorf("no token: %d, want 401", status)
	}
	// The legacy ?access_token= form and the Bearer form both redirect.
	for _, u := range []string{dl + "?access_token=" + tok, dl} {
		status, h, _ := call(t, "GET", u, tok, nil)
		if status != 302 || !strings.Contains(h.Get("Location"), "/_storage/") {
			t.Fatalf("download = %d %v, want 302 to storage", status, h)
		}
		loc := h.Get("Location")
		req, _ := http.NewRequest("GET", loc, nil)
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", big-100, big-1))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want, _ := srv.MediaBytes(f.ID, big-100, big)
		if resp.StatusCode != 206 || !bytes.Equal(got, want) || resp.Header.Get("Content-Type") != "video/mp4" ||
			resp.Header.Get("Content-Range") != fmt.Sprintf("bytes %d-%d/%d", big-100, big-1, big) {
			t.Errorf("range = %d %v (%d bytes)", resp.StatusCode, resp.Header, len(got))
		}
		tampered := strings.Replace(loc, "data=", "data=00", 1)
		if status, _, _ := call(t, "GET", tampered, "", nil); status != 403 {
			t.Errorf("tampered signed URL: %d, want 403", status)
		}
	}
	srv.SetDownloadHTML(true)
	status, h, body := call(t, "GET", dl, tok, nil)
	if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") || !bytes.Contains(body, []byte("Only the host can download")) {
		t.Errorf("HTML failure mode = %d %v", status, h)
	}
}

func TestControlPage(t *testing.T) {
	var mu sync.Mutex
	var events []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var env struct{ Event string }
		json.NewDecoder(r.Body).Decode(&env)
		mu.Lock()
		events = append(events, env.Event)
		mu.Unlock()
	}))
	t.Cleanup(hook.Close)
	srv := newServer(t)
	srv.SetWebhook(hook.URL, []byte("s"))
	host := srv.AddUser(zoomtest.User{Email: "h@example.com"})
	m, _ := srv.AddMeeting(zoomtest.Meeting{HostID: host.ID, Topic: "Pipeline <review>"})
	srv.AddRecording(m.UUID, zoomtest.RecordingFile{FileType: "M4A"})

	status, _, page := call(t, "GET", srv.URL()+"/_control", "", nil)
	if status != 200 || !bytes.Contains(page, []byte("Pipeline &lt;review&gt;")) || !bytes.Contains(page, []byte(fmt.Sprintf(`data-testid="meeting-%d"`, m.ID))) {
		t.Fatalf("control page = %d %s", status, page)
	}
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(page)
	if csrf == nil {
		t.Fatal("no csrf token on the page")
	}
	post := func(action, token string) int {
		resp, err := noRedirects.PostForm(srv.URL()+"/_control", url.Values{"action": {action}, "meeting_id": {fmt.Sprint(m.ID)}, "csrf": {token}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := post("end", "forged"); got != 403 {
		t.Errorf("forged CSRF: %d, want 403", got)
	}
	for _, a := range []string{"start", "end", "recording"} {
		if got := post(a, string(csrf[1])); got != 303 {
			t.Errorf("%s: %d, want 303", a, got)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{"meeting.started", "meeting.ended", "recording.completed", "recording.completed"}
	if diff := cmp.Diff(want, events); diff != "" {
		t.Errorf("webhooks (-want +got):\n%s", diff)
	}
}

// TestConcurrent exercises the fake from many goroutines (run with -race).
func TestConcurrent(t *testing.T) {
	srv := newServer(t)
	host := srv.AddUser(zoomtest.User{})
	tok := srv.IssueAccessToken("")
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			m, err := srv.AddMeeting(zoomtest.Meeting{HostID: host.ID, Topic: fmt.Sprint(i)})
			if err != nil {
				t.Error(err)
				return
			}
			srv.AddParticipant(m.UUID, zoomtest.Participant{Name: "x"})
			call(t, "GET", srv.APIURL()+"meetings/"+fmt.Sprint(m.ID), tok, nil)
			call(t, "POST", srv.APIURL()+"users/me/meetings", tok, map[string]any{"topic": "c"})
			srv.EndMeeting(context.Background(), m.ID)
			srv.Requests()
		})
	}
	wg.Wait()
	if n := srv.Requests()["POST /v2/users/{userId}/meetings"]; n != 20 {
		t.Errorf("creates = %d, want 20", n)
	}
}

func TestDeterministic(t *testing.T) {
	ids := func() []string {
		srv := zoomtest.NewServer(zoomtest.WithSeed(9), zoomtest.WithClock(func() time.Time { return t0 }))
		defer srv.Close()
		u := srv.AddUser(zoomtest.User{})
		m, _ := srv.AddMeeting(zoomtest.Meeting{HostID: u.ID})
		return []string{u.ID, fmt.Sprint(m.ID), m.UUID, srv.IssueAccessToken("")}
	}
	if a, b := ids(), ids(); !slices.Equal(a, b) {
		t.Errorf("same seed, different ids: %v vs %v", a, b)
	}
}

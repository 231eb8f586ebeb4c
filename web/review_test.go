package web_test

import (
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/sfzoom/sfzoom/internal/activity"
	"github.com/sfzoom/sfzoom/internal/appsession"
	"github.com/sfzoom/sfzoom/internal/backend"
	"github.com/sfzoom/sfzoom/internal/canvas"
	"github.com/sfzoom/sfzoom/internal/salesforce"
	"github.com/sfzoom/sfzoom/internal/salesforce/salesforcetest"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/web"
)

// reviewHarness serves the review queue with the real activity.Review, a
// real SQLite store and the real Salesforce client against the fake org.
type reviewHarness struct {
	*appHarness
	be       *backend.Backend
	sf       *salesforcetest.Server
	seed     salesforcetest.Demo
	stranger *sfzoom.Attendee // unmatched, with an email
	dialIn   *sfzoom.Attendee // unmatched, no email
	uuid     string
}

const reviewUUID = "aDYlohsHRtCd4ii1uC2+hA=="

func newReviewHarness(t *testing.T) *reviewHarness {
	t.Helper()
	ctx := context.Background()
	h := &reviewHarness{uuid: reviewUUID}
	h.sf = salesforcetest.NewServer()
	t.Cleanup(h.sf.Close)
	h.seed = h.sf.SeedDemo()
	sc, err := salesforce.NewClient(&http.Client{Transport: reviewBearer{h.sf.IssueToken(h.seed.AdminID)}}, h.sf.URL())
	if err != nil {
		t.Fatal(err)
	}
	h.be, err = backend.Open(ctx, backend.Options{DatabaseURL: "sqlite:" + filepath.Join(t.TempDir(), "review.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.be.Close() })
	st := h.be.Store
	if err := st.UpsertOrg(ctx, &sfzoom.Org{ID: tOrg, Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	ps := []*sfzoom.Participant{
		{Name: "Hank Scorpio", Email: "hank@globex.example", JoinTime: start, LeaveTime: start.Add(30 * time.Minute), Duration: 1800, Match: sfzoom.MatchContact, SFRecordID: h.seed.ContactIDs[0]},
		{Name: "Stranger", Email: "someone@unknown-company.example", JoinTime: start, LeaveTime: start.Add(3 * time.Minute), Duration: 180, Match: sfzoom.MatchUnmatched},
		{Name: "Dial-in +1 555", JoinTime: start.Add(time.Minute), LeaveTime: start.Add(20 * time.Minute), Duration: 1140, Match: sfzoom.MatchUnmatched},
	}
	if err := st.SaveAttendance(ctx, tOrg, h.uuid, 0, ps); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveActivityLog(ctx, &sfzoom.ActivityLog{OrgID: tOrg, MeetingUUID: h.uuid, ZoomMeetingID: 85746065432, Topic: "Globex renewal",
		Mode: sfzoom.ActivityModeDirect, Fingerprint: "x", StartTime: start}); err != nil {
		t.Fatal(err)
	}
	q, err := st.FindUnmatched(ctx, tOrg, 0)
	if err != nil || len(q) != 2 {
		t.Fatalf("FindUnmatched = %d rows, %v; want 2", len(q), err)
	}
	for _, a := range q {
		if a.Email != "" {
			h.stranger = a
		} else {
			h.dialIn = a
		}
	}

	rv := activity.NewReview(activity.ReviewOptions{Store: st, Enqueue: h.be.Client(), RelogDelay: time.Minute,
		Salesforce: func(context.Context, string) (activity.SalesforceAPI, error) { return sc, nil }})
	codec, err := appsession.NewCodec([][]byte{make([]byte, 32)})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := web.NewServer(web.Options{
		Store: fakeStore{}, PublicURL: &url.URL{Scheme: "https", Host: "sfzoom.example.com"},
		Canvas: &web.CanvasOptions{
			ConsumerSecrets: canvas.UnboundSecrets([]byte(testSecret)), Sessions: codec, Orgs: &fakeOrgStore{org: sfzoom.Org{ID: tOrg}},
			Review: &web.ReviewPages{Review: rv},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	h.appHarness = &appHarness{srv: srv, codec: codec}
	return h
}

type reviewBearer struct{ token string }

func (b reviewBearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r2 := r.Clone(r.Context())
	r2.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r2)
}

func (h *reviewHarness) linkPath(a *sfzoom.Attendee) string {
	return "/app/review/" + strconv.FormatInt(a.ID, 10) + "/link"
}

func alertText(s string) string { return strings.Join(strings.Fields(s), " ") }

func TestReview_AdminOnly(t *testing.T) {
	h := newReviewHarness(t)
	tok, csrf := h.session(t, tRep, false)
	tests := []struct {
		name, method, path string
		form               url.Values
	}{
		{"Queue", http.MethodGet, "/app/review", nil},
		{"Search", http.MethodGet, "/app/review/" + strconv.FormatInt(h.stranger.ID, 10) + "/candidates?q=hank", nil},
		{"Link", http.MethodPost, h.linkPath(h.stranger), url.Values{"record_id": {h.seed.ContactIDs[1]}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, doc := h.do(t, tt.method, tt.path, tt.form, tok, csrf, false)
			if rec.Code != http.StatusForbidden {
				t.Fatalf("%s %s as a rep = %d, want 403", tt.method, tt.path, rec.Code)
			}
			if got := doc.Find(`[data-testid="error-message"]`).Text(); !strings.Contains(got, "Only sfzoom admins can review unmatched participants") {
				t.Fatalf("error message = %q", got)
			}
		})
	}
	q, _ := h.be.Store.FindUnmatched(context.Background(), tOrg, 0)
	if len(q) != 2 {
		t.Fatalf("a rep's link changed the queue: %d rows left, want 2", len(q))
	}
}

func TestReview_Queue(t *testing.T) {
	h := newReviewHarness(t)
	tok, csrf := h.session(t, h.seed.AdminID, true)
	rec, doc := h.do(t, http.MethodGet, "/app/review", nil, tok, csrf, false)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /app/review = %d\n%s", rec.Code, rec.Body)
	}
	rows := doc.Find(`[data-testid="review-row"]`)
	if rows.Length() != 2 {
		t.Fatalf("%d review rows, want 2", rows.Length())
	}
	var names []string
	rows.Each(func(_ int, s *goquery.Selection) {
		names = append(names, alertText(s.Find(`[data-testid="review-name"]`).Text()))
	})
	want := "Dial-in +1 555 no email (dial-in or guest)|Stranger someone@unknown-company.example"
	if got := strings.Join(names, "|"); got != want {
		t.Errorf("rows = %q, want %q", got, want)
	}
	row := doc.Find(`[data-testid="review-row"][data-participant-id="` + strconv.FormatInt(h.stranger.ID, 10) + `"]`)
	if v, _ := row.Find(`input[name="q"]`).Attr("value"); v != "someone@unknown-company.example" {
		t.Errorf("search prefilled with %q, want the email", v)
	}
	if v, _ := row.Find(`[data-testid="review-link-id"]`).Attr("hx-post"); !strings.HasPrefix(v, h.linkPath(h.stranger)+"?_s=") {
		t.Errorf("link form posts to %q", v)
	}
	if v, _ := row.Find(`[data-testid="review-link-id"] input[name="_csrf"]`).Attr("value"); v != csrf {
		t.Errorf("link form carries CSRF %q, want %q", v, csrf)
	}
	if v, _ := doc.Find(`[data-testid="tab-users"]`).Attr("href"); !strings.HasPrefix(v, "/app/settings?tab=users&_s=") {
		t.Errorf("Users tab links to %q", v)
	}
	if v, _ := doc.Find(`[data-testid="tab-review"]`).Attr("aria-current"); v != "page" {
		t.Errorf("Review tab aria-current = %q, want page", v)
	}
}

// TestReview_SettingsTab: the Settings page links to the review queue with the session.
func TestReview_SettingsTab(t *testing.T) {
	h := newAppHarness(t)
	tok, csrf := h.session(t, tAdmin, true)
	_, doc := h.do(t, http.MethodGet, "/app/settings", nil, tok, csrf, false)
	if v, _ := doc.Find(`[data-testid="tab-review"]`).Attr("href"); !strings.HasPrefix(v, "/app/review?_s=") {
		t.Fatalf("Review tab links to %q, want /app/review with the session", v)
	}
}

func TestReview_Search(t *testing.T) {
	h := newReviewHarness(t)
	tok, csrf := h.session(t, h.seed.AdminID, true)
	base := "/app/review/" + strconv.FormatInt(h.stranger.ID, 10) + "/candidates?q="
	tests := []struct {
		name   string
		q      string
		status int
		ids    []string // the candidates' record ids, in order
		msg    string   // the error or empty-result text
	}{
		{"ContactByName", "scorpio", 200, []string{h.seed.ContactIDs[0]}, ""},
		{"ContactsByDomain", "globex.example", 200, []string{h.seed.ContactIDs[0], h.seed.ContactIDs[1]}, ""},
		{"LeadByEmail", "dana.scully@", 200, []string{h.seed.LeadIDs[0]}, ""},
		// '_' is a LIKE wildcard: escaped, it only matches a literal underscore.
		{"UnderscoreIsLiteral", "peter_g", 200, []string{h.seed.ContactIDs[3]}, ""},
		{"WildcardIsLiteral", "%", 400, nil, "Type 2 to 80 characters of a name or email to search Contacts and Leads."},
		{"PercentIsLiteral", "%%", 200, nil, "No Contact or Lead matches “%%”. Try part of the name or the email domain, or paste the record id."},
		{"QuoteIsEscaped", "o'neil' OR Name != '", 200, nil, "No Contact or Lead matches “o'neil' OR Name != '”. Try part of the name or the email domain, or paste the record id."},
		{"TooShort", "a", 400, nil, "Type 2 to 80 characters of a name or email to search Contacts and Leads."},
		// A control character SOQL has no escape for is the searcher's
		// mistake (400 saying so), not a server error.
		{"ControlCharacter", "scor\x01pio", 400, nil, "The text contains a control character Salesforce can't search for. Remove special characters and try again."},
		{"NULCharacter", "\x00scorpio", 400, nil, "The text contains a control character Salesforce can't search for. Remove special characters and try again."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, doc := h.do(t, http.MethodGet, base+url.QueryEscape(tt.q), nil, tok, csrf, true)
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d\n%s", rec.Code, tt.status, rec.Body)
			}
			if tt.status != 200 {
				if got := alertText(doc.Find(`[data-testid="alert"] h2`).Text()); got != tt.msg {
					t.Fatalf("error = %q, want %q", got, tt.msg)
				}
				return
			}
			var ids []string
			doc.Find(`[data-testid="candidate"]`).Each(func(_ int, s *goquery.Selection) {
				id, _ := s.Attr("data-record-id")
				ids = append(ids, id)
				if v, _ := s.Find(`input[name="record_id"]`).Attr("value"); v != id {
					t.Errorf("candidate %s posts record_id %q", id, v)
				}
				if v, _ := s.Find(`input[name="_csrf"]`).Attr("value"); v != csrf {
					t.Errorf("candidate form carries CSRF %q", v)
				}
			})
			if strings.Join(ids, ",") != strings.Join(tt.ids, ",") {
				t.Fatalf("candidates = %v, want %v", ids, tt.ids)
			}
			if got := alertText(doc.Find(`[data-testid="no-candidates"]`).Text()); got != tt.msg {
				t.Fatalf("empty text = %q, want %q", got, tt.msg)
			}
		})
	}
}

// TestReview_AdminRecordAccess: the search and the link run with the
// integration connection, which sees every record; the admin is shown, and
// may link, only the Contacts and Leads Salesforce shares with them (one
// UserRecordAccess query per search).
func TestReview_AdminRecordAccess(t *testing.T) {
	h := newReviewHarness(t)
	tok, csrf := h.session(t, h.seed.AdminID, true)
	hidden := h.seed.ContactIDs[1]
	h.sf.SetRecordAccess(h.seed.AdminID, hidden, false)

	rec, doc := h.do(t, http.MethodGet, "/app/review/"+strconv.FormatInt(h.stranger.ID, 10)+"/candidates?q=globex.example", nil, tok, csrf, true)
	if rec.Code != http.StatusOK {
		t.Fatalf("search = %d\n%s", rec.Code, rec.Body)
	}
	var ids []string
	doc.Find(`[data-testid="candidate"]`).Each(func(_ int, s *goquery.Selection) {
		id, _ := s.Attr("data-record-id")
		ids = append(ids, id)
	})
	if strings.Join(ids, ",") != h.seed.ContactIDs[0] {
		t.Fatalf("candidates = %v, want only %s (not the hidden %s)", ids, h.seed.ContactIDs[0], hidden)
	}
	if strings.Contains(rec.Body.String(), hidden) {
		t.Errorf("the page names the hidden Contact %s", hidden)
	}

	// Pasting the hidden id is refused as if it did not exist.
	rec, doc = h.do(t, http.MethodPost, h.linkPath(h.stranger), url.Values{"record_id": {hidden}}, tok, csrf, true)
	want := "No Contact with id " + hidden + " exists in Salesforce (or the integration user cannot see it). Check the id, or search by name instead."
	if got := alertText(doc.Find(`[data-testid="alert"] h2`).Text()); rec.Code != http.StatusBadRequest || got != want {
		t.Fatalf("link to a hidden Contact = %d %q, want 400 %q", rec.Code, got, want)
	}
	if q, _ := h.be.Store.FindUnmatched(context.Background(), tOrg, 0); len(q) != 2 {
		t.Fatalf("the refused link changed the queue: %d rows, want 2", len(q))
	}
}

func TestReview_LinkRejects(t *testing.T) {
	h := newReviewHarness(t)
	tok, csrf := h.session(t, h.seed.AdminID, true)
	tests := []struct {
		name     string
		path     string
		recordID string
		status   int
		msg      string
	}{
		{"Empty", h.linkPath(h.stranger), "", 400, "Choose a Contact or Lead from the search, or paste its record id (003… or 00Q…)."},
		{"NotAnID", h.linkPath(h.stranger), "hank@globex.example", 400, "\"hank@globex.example\" is not a Salesforce record id. Paste the 15- or 18-character id from the Contact's or Lead's URL, like 003… or 00Q…."},
		{"Unknown15CharContact", h.linkPath(h.stranger), "003xx0000012345", 400, "No Contact with id 003xx0000012345 exists in Salesforce (or the integration user cannot see it). Check the id, or search by name instead."},
		{"TooLong", h.linkPath(h.stranger), h.seed.ContactIDs[1] + "X", 400, "\"" + h.seed.ContactIDs[1] + "X\" is not a Salesforce record id. Paste the 15- or 18-character id from the Contact's or Lead's URL, like 003… or 00Q…."},
		{"AccountID", h.linkPath(h.stranger), h.seed.AccountIDs[0], 400, h.seed.AccountIDs[0] + " is not a Contact or Lead id: Contact ids start with 003 and Lead ids with 00Q. Open the person's record and copy the id from its URL."},
		{"UnknownContact", h.linkPath(h.stranger), "003000000000000AAA", 400, "No Contact with id 003000000000000AAA exists in Salesforce (or the integration user cannot see it). Check the id, or search by name instead."},
		{"UnknownParticipant", "/app/review/999999/link", h.seed.ContactIDs[1], 404, "That participant is not in the review queue any more; reload the page."},
		{"BadParticipant", "/app/review/x/link", h.seed.ContactIDs[1], 404, "That participant is not in the review queue. Reload the page."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, doc := h.do(t, http.MethodPost, tt.path, url.Values{"record_id": {tt.recordID}}, tok, csrf, true)
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d\n%s", rec.Code, tt.status, rec.Body)
			}
			if got := alertText(doc.Find(`[data-testid="alert"] h2`).Text()); got != tt.msg {
				t.Fatalf("message = %q, want %q", got, tt.msg)
			}
			if rec.Header().Get("HX-Retarget") != "#sfzoom-flash" {
				t.Fatalf("error not retargeted to the flash area")
			}
		})
	}
	q, _ := h.be.Store.FindUnmatched(context.Background(), tOrg, 0)
	if len(q) != 2 {
		t.Fatalf("rejected links changed the queue: %d rows, want 2", len(q))
	}
}

func TestReview_Link(t *testing.T) {
	h := newReviewHarness(t)
	ctx := context.Background()
	tok, csrf := h.session(t, h.seed.AdminID, true)
	mindy := h.seed.ContactIDs[1]
	rec, doc := h.do(t, http.MethodPost, h.linkPath(h.stranger), url.Values{"record_id": {mindy}}, tok, csrf, true)
	if rec.Code != http.StatusOK {
		t.Fatalf("link = %d\n%s", rec.Code, rec.Body)
	}
	if got, want := alertText(doc.Find(`[data-testid="alert"] h2`).Text()), "Linked Stranger to Contact Mindy Simmons. The meeting's Salesforce Event will show it shortly."; got != want {
		t.Fatalf("message = %q, want %q", got, want)
	}
	if n := doc.Find(`[data-testid="review-row"]`).Length(); n != 1 {
		t.Fatalf("%d rows left in the answer, want 1", n)
	}

	// The link is persisted and marked as by hand.
	att, err := h.be.Store.FindAttendance(ctx, tOrg, h.uuid)
	if err != nil {
		t.Fatal(err)
	}
	var got *sfzoom.Attendee
	for _, a := range att {
		if a.ID == h.stranger.ID {
			got = a
		}
	}
	if got == nil || got.Match != sfzoom.MatchContact || got.SFRecordID != mindy || !got.Linked {
		t.Fatalf("participant after link = %+v, want linked contact %s", got, mindy)
	}
	// The cache learned the email.
	m, err := h.be.Store.FindCachedMatches(ctx, tOrg, []string{"someone@unknown-company.example"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if c := m["someone@unknown-company.example"]; c == nil || c.Kind != sfzoom.MatchContact || c.SFRecordID != mindy {
		t.Fatalf("cache = %+v, want the link", c)
	}
	// The meeting is re-logged shortly, so its Event shows the new attendee.
	depth, err := h.be.QueueDepth(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if depth["scheduled"] != 1 {
		t.Fatalf("queue = %v, want one scheduled re-log", depth)
	}

	// A dial-in has no email: linked to a Lead by pasted id, nothing cached.
	lead := h.seed.LeadIDs[1]
	rec, doc = h.do(t, http.MethodPost, h.linkPath(h.dialIn), url.Values{"record_id": {" " + lead + " "}}, tok, csrf, true)
	if rec.Code != http.StatusOK {
		t.Fatalf("link dial-in = %d\n%s", rec.Code, rec.Body)
	}
	if doc.Find(`[data-testid="empty-state"]`).Length() != 1 {
		t.Fatalf("queue not empty after both links:\n%s", rec.Body)
	}
	att, _ = h.be.Store.FindAttendance(ctx, tOrg, h.uuid)
	for _, a := range att {
		if a.ID == h.dialIn.ID && (a.Match != sfzoom.MatchLead || a.SFRecordID != lead || !a.Linked) {
			t.Fatalf("dial-in after link = %+v, want linked lead %s", a, lead)
		}
	}
}

package salesforce_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sfzoom/sfzoom/internal/httpretry"
	"github.com/sfzoom/sfzoom/internal/httpretry/retrytest"
	"github.com/sfzoom/sfzoom/internal/salesforce"
	"github.com/sfzoom/sfzoom/internal/salesforce/salesforcetest"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// tokenTransport adds a bearer token that tests can swap, standing in for
// the oauth2 transport internal/tokens provides.
type tokenTransport struct {
	mu    sync.Mutex
	token string
}

func (t *tokenTransport) set(tok string) { t.mu.Lock(); t.token = tok; t.mu.Unlock() }

func (t *tokenTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.mu.Lock()
	tok := t.token
	t.mu.Unlock()
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+tok)
	return http.DefaultTransport.RoundTrip(r)
}

type env struct {
	srv    *salesforcetest.Server
	demo   salesforcetest.Demo
	tr     *tokenTransport
	client *salesforce.Client
}

// MustSetup starts a seeded fake and a client authenticated as the admin.
func MustSetup(tb testing.TB, opts ...salesforce.Option) *env {
	tb.Helper()
	srv := salesforcetest.NewServer()
	tb.Cleanup(srv.Close)
	demo := srv.SeedDemo()
	tr := &tokenTransport{token: srv.IssueToken(demo.AdminID)}
	opts = append([]salesforce.Option{salesforce.WithSleep(func(context.Context, time.Duration) error { return nil })}, opts...)
	c, err := salesforce.NewClient(&http.Client{Transport: tr}, srv.URL(), opts...)
	if err != nil {
		tb.Fatal(err)
	}
	return &env{srv: srv, demo: demo, tr: tr, client: c}
}

func TestQuery(t *testing.T) {
	e := MustSetup(t)
	ctx := context.Background()
	t.Run("RelationshipField", func(t *testing.T) {
		recs, err := e.client.Query(ctx, salesforce.Select(salesforce.FieldID, salesforce.FieldName, salesforce.FieldAccountWebsite).
			From(salesforce.ObjectContact).Where(salesforce.Eq(salesforce.FieldEmail, "HANK@globex.example")))
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 1 {
			t.Fatalf("Query() = %d records, want 1", len(recs))
		}
		got := []string{recs[0].Type, recs[0].ID(), recs[0].String(salesforce.FieldName), recs[0].String(salesforce.FieldAccountWebsite)}
		want := []string{"Contact", e.demo.ContactIDs[0], "Hank Scorpio", "https://www.globex.example"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("record mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("Pagination", func(t *testing.T) {
		e.srv.SetQueryBatchSize(2)
		defer e.srv.SetQueryBatchSize(salesforcetest.DefaultBatchSize)
		e.srv.ResetRequests()
		recs, err := e.client.Query(ctx, salesforce.Select(salesforce.FieldID, salesforce.FieldEmail).From(salesforce.ObjectContact).OrderBy(salesforce.FieldEmail, salesforce.Desc))
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 6 {
			t.Fatalf("Query() = %d records, want 6", len(recs))
		}
		if got := e.srv.APICalls(); got != 3 {
			t.Errorf("API calls = %d, want 3 (pages of 2)", got)
		}
		if recs[0].String(salesforce.FieldEmail) != "peter_gibbons@initech.example" {
			t.Errorf("first record = %q, want DESC order", recs[0].String(salesforce.FieldEmail))
		}
	})
	t.Run("InjectionIsData", func(t *testing.T) {
		recs, err := e.client.Query(ctx, salesforce.Select(salesforce.FieldID).From(salesforce.ObjectContact).
			Where(salesforce.Eq(salesforce.FieldEmail, `x' OR Email != '`)))
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 0 {
			t.Errorf("Query(injection) = %d records, want 0", len(recs))
		}
	})
	t.Run("LikeEscapesUnderscore", func(t *testing.T) {
		recs, err := e.client.Query(ctx, salesforce.Select(salesforce.FieldEmail).From(salesforce.ObjectContact).
			Where(salesforce.Contains(salesforce.FieldEmail, "_gib")))
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 1 || recs[0].String(salesforce.FieldEmail) != "peter_gibbons@initech.example" {
			t.Errorf("Contains(_gib) = %v, want only peter_gibbons", recs)
		}
	})
	t.Run("ErrInvalidField", func(t *testing.T) {
		_, err := e.client.Query(ctx, salesforce.Select("Dispenser__c").From(salesforce.ObjectContact))
		if got := sfzoom.ErrorCode(err); got != sfzoom.EINVALID || !salesforce.HasCode(err, salesforce.CodeInvalidField) {
			t.Errorf("Query(bad field) code = %q (%v), want EINVALID with INVALID_FIELD", got, err)
		}
	})
	t.Run("ErrInvalidName", func(t *testing.T) {
		_, err := e.client.Query(ctx, salesforce.Select("Id FROM User --").From(salesforce.ObjectContact))
		if got := sfzoom.ErrorCode(err); got != sfzoom.EINVALID {
			t.Errorf("Query(bad name) code = %q, want EINVALID", got)
		}
	})
}

func TestFindByEmail(t *testing.T) {
	e := MustSetup(t)
	ctx := context.Background()
	contacts, err := e.client.FindContactsByEmail(ctx, []string{"Hank@Globex.example", "alice@umbrella-health.example", "nobody@example.com", "dana.scully@fbi-consulting.example"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range contacts {
		got = append(got, c.Email+" "+c.AccountWebsite)
	}
	want := []string{"hank@globex.example https://www.globex.example", "alice@umbrella-health.example https://umbrella-health.example"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("FindContactsByEmail mismatch (-want +got):\n%s", diff)
	}
	leads, err := e.client.FindLeadsByEmail(ctx, []string{"dana.scully@fbi-consulting.example", "hank@globex.example"})
	if err != nil {
		t.Fatal(err)
	}
	if len(leads) != 1 || leads[0].ID != e.demo.LeadIDs[0] {
		t.Errorf("FindLeadsByEmail = %+v, want Dana's lead", leads)
	}
	users, err := e.client.FindUsers(ctx, []string{e.demo.OverrideRepID})
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 1 || users[0].ZoomEmail != "sam@zoom.acme-demo.com" {
		t.Errorf("FindUsers = %+v, want the Zoom_Email__c override", users)
	}
	roles, err := e.client.ContactRoles(ctx, e.demo.OpportunityIDs[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(roles) != 2 || roles[0].ContactEmail != "hank@globex.example" || !roles[0].IsPrimary {
		t.Errorf("ContactRoles = %+v", roles)
	}
}

func TestQueryInChunks(t *testing.T) {
	tests := []struct {
		name      string
		maxLen    int
		wantCalls int
	}{
		{"OneCallFor200", salesforce.DefaultMaxQueryLength, 1},
		{"SplitWhenLong", 3000, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := MustSetup(t, salesforce.WithMaxQueryLength(tt.maxLen))
			emails := make([]string, 200)
			for i := range emails {
				emails[i] = fmt.Sprintf("participant.%03d@customer-domain.example", i)
			}
			emails[7] = "hank@globex.example"
			e.srv.ResetRequests()
			got, err := e.client.FindContactsByEmail(context.Background(), emails)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 {
				t.Errorf("FindContactsByEmail = %d contacts, want 1", len(got))
			}
			if calls := e.srv.APICalls(); calls != tt.wantCalls {
				t.Errorf("API calls = %d, want %d", calls, tt.wantCalls)
			}
			for _, r := range e.srv.Requests() {
				if len(r.Path)+len(r.Query) > 16000 {
					t.Errorf("request URL %d bytes, over the 16 KB URI limit", len(r.Path)+len(r.Query))
				}
			}
		})
	}
}

func TestSObjectCRUD(t *testing.T) {
	e := MustSetup(t)
	ctx := context.Background()
	start := time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)
	id, err := e.client.Create(ctx, salesforce.ObjectEvent, salesforce.Fields{
		salesforce.FieldSubject: "Zoom: Demo", salesforce.FieldStartDateTime: start, salesforce.FieldDurationInMins: 30,
		salesforce.FieldWhatID: e.demo.OpportunityIDs[0],
	})
	if err != nil {
		t.Fatal(err)
	}
	if !salesforce.ValidID(id) || len(id) != 18 {
		t.Fatalf("Create() id = %q, want an 18-character id", id)
	}
	if err := e.client.Update(ctx, salesforce.ObjectEvent, id, salesforce.Fields{salesforce.FieldDescription: "notes"}); err != nil {
		t.Fatal(err)
	}
	rec, err := e.client.Get(ctx, salesforce.ObjectEvent, id)
	if err != nil {
		t.Fatal(err)
	}
	end, ok := rec.Time(salesforce.FieldEndDateTime)
	if !ok || !end.Equal(start.Add(30*time.Minute)) {
		t.Errorf("EndDateTime = %v (%q), want %v", end, rec.String(salesforce.FieldEndDateTime), start.Add(30*time.Minute))
	}
	if got := rec.String(salesforce.FieldDescription); got != "notes" {
		t.Errorf("Description = %q, want notes", got)
	}
	if err := e.client.Delete(ctx, salesforce.ObjectEvent, id); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.Get(ctx, salesforce.ObjectEvent, id)
	if sfzoom.ErrorCode(err) != sfzoom.ENOTFOUND || !salesforce.IsNotFound(err) {
		t.Errorf("Get(deleted) = %v, want ENOTFOUND", err)
	}
	_, err = e.client.Create(ctx, salesforce.ObjectEvent, salesforce.Fields{"Bogus__c": "x"})
	if !salesforce.HasCode(err, salesforce.CodeInvalidField) || sfzoom.ErrorCode(err) != sfzoom.EINVALID {
		t.Errorf("Create(unknown field) = %v, want INVALID_FIELD / EINVALID", err)
	}
}

func TestUpsert(t *testing.T) {
	e := MustSetup(t)
	ctx := context.Background()
	// A URL-safe form of a Zoom UUID (docs/salesforce-api.md §5.2).
	key := "aBc-_123xyz"
	fields := salesforce.Fields{salesforce.FieldSubject: "Zoom: Kickoff", salesforce.FieldStartDateTime: time.Date(2026, 1, 2, 15, 0, 0, 0, time.UTC), salesforce.FieldDurationInMins: 45}
	id1, created, err := e.client.Upsert(ctx, salesforce.ObjectEvent, salesforce.FieldZoomMeetingID, key, fields)
	if err != nil || !created {
		t.Fatalf("Upsert() = %q, %v, %v; want created", id1, created, err)
	}
	id2, created, err := e.client.Upsert(ctx, salesforce.ObjectEvent, salesforce.FieldZoomMeetingID, key, salesforce.Fields{salesforce.FieldSubject: "Zoom: Kickoff (ended)"})
	if err != nil || created || id2 != id1 {
		t.Fatalf("Upsert() again = %q, %v, %v; want same id, updated", id2, created, err)
	}
	_, _, err = e.client.Upsert(ctx, salesforce.ObjectEvent, salesforce.FieldSubject, "x", fields)
	if sfzoom.ErrorCode(err) != sfzoom.ENOTFOUND {
		t.Errorf("Upsert(non-external field) = %v, want ENOTFOUND", err)
	}
}

func TestComposite(t *testing.T) {
	e := MustSetup(t)
	ctx := context.Background()
	opp := e.demo.OpportunityIDs[0]
	t.Run("OK", func(t *testing.T) {
		res, err := e.client.Composite(ctx, true, meetingSteps("m-ok", opp, e.demo.ContactIDs[0]))
		if err != nil {
			t.Fatal(err)
		}
		if len(res) != 5 {
			t.Fatalf("Composite() = %d responses, want 5", len(res))
		}
		sr, _ := res[0].SaveResult()
		if !sr.Created || res[0].StatusCode != http.StatusCreated {
			t.Errorf("event step = %d %+v, want 201 created", res[0].StatusCode, sr)
		}
		tasks := e.srv.Records("Task")
		if len(tasks) != 3 {
			t.Errorf("tasks stored = %d, want 3", len(tasks))
		}
		o, _ := e.srv.Record(opp)
		if o["Meeting_Count__c"] != 1.0 || o["Last_Meeting_Date__c"] != "2026-01-02" {
			t.Errorf("opportunity roll-ups = %v, %v", o["Meeting_Count__c"], o["Last_Meeting_Date__c"])
		}
	})
	t.Run("PartialFailureAllOrNone", func(t *testing.T) {
		steps := meetingSteps("m-bad", opp, e.demo.ContactIDs[0])
		steps[3].Body = salesforce.Fields{"Bogus__c": "x"}
		before := len(e.srv.Records("Event"))
		res, err := e.client.Composite(ctx, true, steps)
		if err == nil {
			t.Fatal("Composite() error = nil, want failure")
		}
		if !salesforce.HasCode(err, salesforce.CodeInvalidField) || sfzoom.ErrorCode(err) != sfzoom.EINVALID {
			t.Errorf("Composite() error = %v, want the root cause INVALID_FIELD", err)
		}
		var halted int
		for _, r := range res {
			if salesforce.HasCode(r.Err(), salesforce.CodeProcessingHalted) {
				halted++
			}
		}
		if halted != 4 {
			t.Errorf("PROCESSING_HALTED steps = %d, want 4", halted)
		}
		if got := len(e.srv.Records("Event")); got != before {
			t.Errorf("events after rollback = %d, want %d", got, before)
		}
	})
}

// TestCompositeQueryLimit: at most 5 of a composite's subrequests may be
// queries, as Salesforce documents
// (https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-composite-post.html);
// the fake refuses a sixth, so a caller that would fail in a real org fails
// in tests too.
func TestCompositeQueryLimit(t *testing.T) {
	e := MustSetup(t)
	ctx := context.Background()
	query := func(n int) []salesforce.Subrequest {
		var steps []salesforce.Subrequest
		for i := range n {
			steps = append(steps, salesforce.Subrequest{Method: http.MethodGet, ReferenceID: fmt.Sprintf("q%d", i),
				URL: "query?q=" + url.QueryEscape("SELECT Id FROM Contact LIMIT 1")})
		}
		return steps
	}
	if res, err := e.client.Composite(ctx, false, query(5)); err != nil || len(res) != 5 {
		t.Fatalf("five queries: %d answers, %v; want 5 and no error", len(res), err)
	}
	if _, err := e.client.Composite(ctx, false, query(6)); err == nil {
		t.Fatal("six queries in one composite: no error, want Salesforce's limit")
	}
}

func meetingSteps(key, opp, contact string) []salesforce.Subrequest {
	start := time.Date(2026, 1, 2, 15, 0, 0, 0, time.UTC)
	steps := []salesforce.Subrequest{
		salesforce.UpsertRequest("evt", salesforce.ObjectEvent, salesforce.FieldZoomMeetingID, key, salesforce.Fields{
			salesforce.FieldSubject: "Zoom: Review", salesforce.FieldStartDateTime: start, salesforce.FieldDurationInMins: 30,
			salesforce.FieldWhatID: opp, salesforce.FieldWhoID: contact,
		}),
		salesforce.UpdateRequest("opp", salesforce.ObjectOpportunity, opp, salesforce.Fields{
			salesforce.FieldLastMeetingDate: salesforce.DateOf(start), salesforce.FieldMeetingCount: 1, salesforce.FieldLastMeetingSummary: "Agreed next steps.",
		}),
	}
	for i := range 3 {
		steps = append(steps, salesforce.CreateRequest(fmt.Sprintf("task%d", i), salesforce.ObjectTask, salesforce.Fields{
			salesforce.FieldSubject: fmt.Sprintf("Follow up %d", i), salesforce.FieldWhatID: opp, salesforce.FieldStatus: "Not Started",
			salesforce.FieldDescription: "From Zoom meeting @{evt.id}",
		}))
	}
	return steps
}

func TestCollections(t *testing.T) {
	e := MustSetup(t)
	ctx := context.Background()
	t.Run("CreatePartial", func(t *testing.T) {
		res, err := e.client.CreateRecords(ctx, false, []salesforce.SObject{
			{Type: salesforce.ObjectTask, Fields: salesforce.Fields{salesforce.FieldSubject: "ok"}},
			{Type: salesforce.ObjectTask, Fields: salesforce.Fields{"Nope__c": 1}},
		})
		if err == nil || !salesforce.HasCode(err, salesforce.CodeInvalidField) {
			t.Errorf("CreateRecords() error = %v, want INVALID_FIELD from statusCode", err)
		}
		if len(res) != 2 || !res[0].Success || res[0].ID == "" || res[1].Success || res[1].ID != "" {
			t.Errorf("CreateRecords() = %+v, want [success, failure without id]", res)
		}
	})
	t.Run("CreateAllOrNone", func(t *testing.T) {
		before := len(e.srv.Records("Task"))
		res, err := e.client.CreateRecords(ctx, true, []salesforce.SObject{
			{Type: salesforce.ObjectTask, Fields: salesforce.Fields{salesforce.FieldSubject: "ok"}},
			{Type: salesforce.ObjectTask, Fields: salesforce.Fields{"Nope__c": 1}},
		})
		if err == nil {
			t.Fatal("CreateRecords(allOrNone) error = nil")
		}
		if len(res) != 2 || res[0].Success || res[0].Errors[0].Code != salesforce.CodeAllOrNoneRolledBack {
			t.Errorf("CreateRecords(allOrNone)[0] = %+v, want rolled back", res)
		}
		if got := len(e.srv.Records("Task")); got != before {
			t.Errorf("tasks = %d, want %d", got, before)
		}
	})
	t.Run("Upsert", func(t *testing.T) {
		recs := []salesforce.Fields{
			{salesforce.FieldZoomMeetingID: "uuid/with+slash=", salesforce.FieldSubject: "a"},
			{salesforce.FieldZoomMeetingID: "other", salesforce.FieldSubject: "b"},
		}
		res, err := e.client.UpsertRecords(ctx, salesforce.ObjectTask, salesforce.FieldZoomMeetingID, false, recs)
		if err != nil || !res[0].Created || !res[1].Created {
			t.Fatalf("UpsertRecords() = %+v, %v", res, err)
		}
		res2, err := e.client.UpsertRecords(ctx, salesforce.ObjectTask, salesforce.FieldZoomMeetingID, false, recs[:1])
		if err != nil || res2[0].Created || res2[0].ID != res[0].ID {
			t.Errorf("UpsertRecords() again = %+v, %v; want update of %s", res2, err, res[0].ID)
		}
	})
	t.Run("Update", func(t *testing.T) {
		res, err := e.client.UpdateRecords(ctx, false, []salesforce.SObject{
			{Type: salesforce.ObjectOpportunity, ID: e.demo.OpportunityIDs[1], Fields: salesforce.Fields{salesforce.FieldMeetingCount: 3}},
		})
		if err != nil || !res[0].Success {
			t.Errorf("UpdateRecords() = %+v, %v", res, err)
		}
	})
}

func TestPublishEvent(t *testing.T) {
	e := MustSetup(t)
	res, err := e.client.PublishEvent(context.Background(), salesforce.ObjectZoomMeetingEvent, salesforce.Fields{
		salesforce.FieldPEMeetingID: "123", salesforce.FieldPEEventType: "meeting.ended", salesforce.FieldPEDurationMinutes: 30,
		salesforce.FieldPEStartTime: time.Date(2026, 1, 2, 15, 0, 0, 0, time.UTC),
	})
	if err != nil {
		t.Fatal(err)
	}
	evs := e.srv.PublishedEvents()
	if len(evs) != 1 || res.EventUUID == "" || evs[0].UUID != res.EventUUID || evs[0].Fields["Event_Type__c"] != "meeting.ended" {
		t.Errorf("PublishEvent() = %+v, published %+v", res, evs)
	}
}

func TestRecordAccess(t *testing.T) {
	e := MustSetup(t)
	ctx := context.Background()
	d := e.demo
	e.srv.SetRecordAccess(d.RepID, d.OpportunityIDs[2], true)
	ids := []string{d.OpportunityIDs[0], d.OpportunityIDs[1], d.OpportunityIDs[2], d.ContactIDs[4][:15]}
	got, err := e.client.RecordAccess(ctx, d.RepID, ids)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{d.OpportunityIDs[0]: true, d.OpportunityIDs[1]: true, d.OpportunityIDs[2]: true, d.ContactIDs[4]: false}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("RecordAccess mismatch (-want +got):\n%s", diff)
	}
	many := make([]string, 0, 250)
	for range 250 {
		many = append(many, d.OpportunityIDs[0])
	}
	for i := range 249 {
		many[i+1] = fmt.Sprintf("006%012d", i) // 15-char ids that do not exist
	}
	e.srv.ResetRequests()
	if _, err := e.client.RecordAccess(ctx, d.RepID, many); err != nil {
		t.Fatal(err)
	}
	if calls := e.srv.APICalls(); calls != 2 {
		t.Errorf("RecordAccess(250 ids) calls = %d, want 2 (batches of 200)", calls)
	}
	for _, tc := range []struct {
		user string
		want bool
	}{{d.AdminID, true}, {d.RepID, false}} {
		ok, err := e.client.HasPermissionSet(ctx, tc.user, salesforce.PermissionSetAdmin)
		if err != nil || ok != tc.want {
			t.Errorf("HasPermissionSet(%s) = %v, %v; want %v", tc.user, ok, err, tc.want)
		}
	}
}

func TestMissingFields(t *testing.T) {
	e := MustSetup(t)
	missing, err := e.client.MissingFields(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(missing) != 0 {
		t.Errorf("MissingFields() = %+v, want none against the default schema", missing)
	}
	// An org without the Activity fields.
	sc := salesforcetest.DefaultSchema()
	for i := range sc.Objects {
		if sc.Objects[i].Name == "Task" {
			var kept []salesforcetest.FieldSchema
			for _, f := range sc.Objects[i].Fields {
				if f.Name != "Zoom_Meeting_ID__c" {
					kept = append(kept, f)
				}
			}
			sc.Objects[i].Fields = kept
		}
	}
	srv := salesforcetest.NewServer(salesforcetest.WithSchema(sc))
	defer srv.Close()
	d := srv.SeedDemo()
	c, _ := salesforce.NewClient(&http.Client{Transport: &tokenTransport{token: srv.IssueToken(d.AdminID)}}, srv.URL())
	missing, err = c.MissingFields(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []salesforce.FieldSpec{{Object: "Task", Field: "Zoom_Meeting_ID__c", Type: "Text", Length: 255, ExternalID: true, Unique: true}}
	if diff := cmp.Diff(want, missing); diff != "" {
		t.Errorf("MissingFields mismatch (-want +got):\n%s", diff)
	}
}

func TestIdentity(t *testing.T) {
	e := MustSetup(t)
	ctx := context.Background()
	idURL := e.srv.URL() + "/id/" + e.demo.OrgID + "/" + e.demo.AdminID
	id, err := e.client.Identity(ctx, idURL)
	if err != nil {
		t.Fatal(err)
	}
	if id.UserID != e.demo.AdminID || id.OrganizationID != e.demo.OrgID || id.Email != "alex.morgan@acme-demo.com" {
		t.Errorf("Identity() = %+v", id)
	}
	ui, err := e.client.UserInfo(ctx)
	if err != nil || ui.UserID != e.demo.AdminID || ui.ID != idURL {
		t.Errorf("UserInfo() = %+v, %v", ui, err)
	}
	e.tr.set("00Dbogus!token")
	_, err = e.client.Identity(ctx, idURL)
	if !salesforce.IsInvalidSession(err) || sfzoom.ErrorCode(err) != sfzoom.EUNAUTHORIZED {
		t.Errorf("Identity(bad token) = %v, want Bad_OAuth_Token / EUNAUTHORIZED", err)
	}
}

func TestErrors(t *testing.T) {
	q := salesforce.Select(salesforce.FieldID).From(salesforce.ObjectAccount)
	t.Run("InvalidSessionRefreshesOnce", func(t *testing.T) {
		var refreshes int
		var e *env
		e = MustSetup(t, salesforce.WithRefresher(salesforce.RefresherFunc(func(context.Context) error {
			refreshes++
			e.tr.set(e.srv.IssueToken(e.demo.AdminID))
			return nil
		})))
		e.srv.ExpireTokens()
		if _, err := e.client.Query(context.Background(), q); err != nil {
			t.Fatalf("Query() after expiry = %v, want success after refresh", err)
		}
		if refreshes != 1 {
			t.Errorf("refreshes = %d, want 1", refreshes)
		}
	})
	t.Run("InvalidSessionNoLoop", func(t *testing.T) {
		var refreshes int
		e := MustSetup(t, salesforce.WithRefresher(salesforce.RefresherFunc(func(context.Context) error { refreshes++; return nil })))
		e.srv.ExpireTokens()
		_, err := e.client.Query(context.Background(), q)
		if !salesforce.IsInvalidSession(err) || sfzoom.ErrorCode(err) != sfzoom.EUNAUTHORIZED || refreshes != 1 {
			t.Errorf("Query() = %v after %d refreshes, want EUNAUTHORIZED after 1", err, refreshes)
		}
	})
	tests := []struct {
		name     string
		status   int
		code     string
		msg      string
		wantCode string
		check    func(error) bool
	}{
		{"DailyLimit", http.StatusForbidden, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.", sfzoom.ERATELIMIT, func(err error) bool {
			var rl *salesforce.RateLimitError
			return errors.As(err, &rl) && rl.Daily
		}},
		{"ConcurrentLimit", http.StatusForbidden, "REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded.", sfzoom.ERATELIMIT, func(err error) bool {
			var rl *salesforce.RateLimitError
			return errors.As(err, &rl) && !rl.Daily && rl.RetryAfter < time.Minute
		}},
		{"MalformedQuery", http.StatusBadRequest, "MALFORMED_QUERY", "bad", sfzoom.EINVALID, func(err error) bool { return salesforce.HasCode(err, "MALFORMED_QUERY") }},
		{"ServerError", http.StatusInternalServerError, "UNKNOWN_EXCEPTION", "boom", sfzoom.EUNAVAILABLE, func(err error) bool { return true }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := MustSetup(t, salesforce.WithMaxRetries(0))
			e.srv.FailNext(tt.status, tt.code, tt.msg)
			_, err := e.client.Query(context.Background(), q)
			if got := sfzoom.ErrorCode(err); got != tt.wantCode || !tt.check(err) {
				t.Errorf("Query() = %v (code %q), want %q", err, got, tt.wantCode)
			}
		})
	}
	t.Run("RetryGETOn5xx", func(t *testing.T) {
		e := MustSetup(t)
		e.srv.FailNext(http.StatusServiceUnavailable, "SERVER_UNAVAILABLE", "try later")
		if _, err := e.client.Query(context.Background(), q); err != nil {
			t.Errorf("Query() = %v, want success on retry", err)
		}
	})
	t.Run("BreakerOpens", func(t *testing.T) {
		reg := prometheus.NewRegistry()
		clk := retrytest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
		e := MustSetup(t, salesforce.WithMaxRetries(0), salesforce.WithRegisterer(reg), salesforce.WithClock(clk.Now))
		e.srv.SetDown(true)
		for range 5 {
			_, _ = e.client.Query(context.Background(), q)
		}
		e.srv.ResetRequests()
		_, err := e.client.Query(context.Background(), q)
		if sfzoom.ErrorCode(err) != sfzoom.EUNAVAILABLE || e.srv.APICalls() != 0 {
			t.Errorf("Query() with open breaker = %v after %d calls, want EUNAVAILABLE without a call", err, e.srv.APICalls())
		}
		if got := gauge(t, reg, "sfzoom_salesforce_breaker_state"); got != 2 {
			t.Errorf("breaker gauge = %v, want 2 (open)", got)
		}
		// Health says when it tries again: the breaker's 30 s timeout after it opened.
		if at := e.client.BreakerRetryAt(); !at.Equal(clk.Now().Add(30 * time.Second)) {
			t.Errorf("BreakerRetryAt = %v, want 30s after %v", at, clk.Now())
		}
		if since := e.client.FailingSince(); !since.Equal(clk.Now()) {
			t.Errorf("FailingSince = %v, want %v", since, clk.Now())
		}
		// Salesforce is back; after the 30 s (on the client's clock) one trial closes it.
		e.srv.SetDown(false)
		clk.Add(30 * time.Second)
		if _, err := e.client.Query(context.Background(), q); err != nil || e.client.BreakerState() != httpretry.StateClosed {
			t.Errorf("Query() after the open period = %v, breaker %v; want success and closed", err, e.client.BreakerState())
		}
	})
}

// blockingTransport is a Salesforce that never answers: each request waits
// for its context.
type blockingTransport struct{}

func (blockingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	<-r.Context().Done()
	return nil, r.Context().Err()
}

// failingTransport is a Salesforce that cannot be reached.
type failingTransport struct{}

func (failingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("connection refused")
}

// TestBreaker_AbandonedRequests: requests whose caller gave up (a closed
// page, a job's deadline) while Salesforce was slow never open the org's
// breaker, however many; requests that fail on their own do.
func TestBreaker_AbandonedRequests(t *testing.T) {
	q := salesforce.Select(salesforce.FieldID).From(salesforce.ObjectAccount)
	settings := salesforce.BreakerSettings{ConsecutiveFailures: 2}
	c, err := salesforce.NewClient(&http.Client{Transport: blockingTransport{}}, "https://acme.my.salesforce.com",
		salesforce.WithMaxRetries(0), salesforce.WithBreakerSettings(settings))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(10*time.Millisecond, cancel)
		if _, err := c.Query(ctx, q); !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled Query %d = %v, want context.Canceled", i, err)
		}
		ctx, cancel = context.WithTimeout(context.Background(), 10*time.Millisecond)
		_, err := c.Query(ctx, q)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Query %d past its deadline = %v, want context.DeadlineExceeded", i, err)
		}
	}
	if st := c.BreakerState(); st != httpretry.StateClosed {
		t.Fatalf("breaker after 6 abandoned requests = %v, want closed", st)
	}
	c, err = salesforce.NewClient(&http.Client{Transport: failingTransport{}}, "https://acme.my.salesforce.com",
		salesforce.WithMaxRetries(0), salesforce.WithBreakerSettings(settings))
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		_, _ = c.Query(context.Background(), q)
	}
	if st := c.BreakerState(); st != httpretry.StateOpen {
		t.Errorf("breaker after 2 unreachable requests = %v, want open", st)
	}
}

func gauge(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("metric %s not registered", name)
	return 0
}

func TestBudget(t *testing.T) {
	reg := prometheus.NewRegistry()
	e := MustSetup(t, salesforce.WithRegisterer(reg), salesforce.WithBackgroundShare(0.8))
	ctx := context.Background()
	q := salesforce.Select(salesforce.FieldID).From(salesforce.ObjectAccount)
	e.srv.SetAPIUsage(8500, 10000)
	if _, err := e.client.Query(ctx, q); err != nil {
		t.Fatal(err)
	}
	b := e.client.Budget()
	if b.Used != 8501 || b.Max != 10000 {
		t.Errorf("Budget() = %+v, want 8501/10000", b)
	}
	if got := gauge(t, reg, "sfzoom_salesforce_api_usage_used"); got != 8501 {
		t.Errorf("usage gauge = %v, want 8501", got)
	}
	e.srv.ResetRequests()
	_, err := e.client.Query(salesforce.WithPriority(ctx, salesforce.Background), q)
	if !salesforce.IsRateLimit(err) || sfzoom.ErrorCode(err) != sfzoom.ERATELIMIT || e.srv.APICalls() != 0 {
		t.Errorf("background Query() = %v with %d calls, want ERATELIMIT without a call", err, e.srv.APICalls())
	}
	if _, err := e.client.Query(ctx, q); err != nil {
		t.Errorf("interactive Query() = %v, want success", err)
	}
	e.srv.SetAPIUsage(10000, 10000)
	_, err = e.client.Query(ctx, q)
	if !salesforce.IsRateLimit(err) || !strings.Contains(err.Error(), "TotalRequests") {
		t.Errorf("Query() at the limit = %v, want REQUEST_LIMIT_EXCEEDED rate limit", err)
	}
}

// TestMissingFields_PlatformEvent: with WithPlatformEvent an org without the
// Zoom_Meeting_Event__e platform event reports each of its fields, and an
// org with it reports nothing.
func TestMissingFields_PlatformEvent(t *testing.T) {
	e := MustSetup(t)
	missing, err := e.client.MissingFields(context.Background(), salesforce.WithPlatformEvent())
	if err != nil || len(missing) != 0 {
		t.Fatalf("MissingFields(WithPlatformEvent) = %+v, %v; want none against the default schema", missing, err)
	}
	sc := salesforcetest.DefaultSchema()
	var kept []salesforcetest.ObjectSchema
	for _, o := range sc.Objects {
		if o.Name != "Zoom_Meeting_Event__e" {
			kept = append(kept, o)
		}
	}
	sc.Objects = kept
	srv := salesforcetest.NewServer(salesforcetest.WithSchema(sc))
	defer srv.Close()
	d := srv.SeedDemo()
	c, _ := salesforce.NewClient(&http.Client{Transport: &tokenTransport{token: srv.IssueToken(d.AdminID)}}, srv.URL())
	missing, err = c.MissingFields(context.Background(), salesforce.WithPlatformEvent())
	if err != nil {
		t.Fatal(err)
	}
	var want int
	for _, f := range salesforce.CustomFields() {
		if f.Object == "Zoom_Meeting_Event__e" {
			want++
		}
	}
	if len(missing) != want || want == 0 {
		t.Fatalf("MissingFields without the platform event = %d fields (%+v), want its %d fields", len(missing), missing, want)
	}
	for _, f := range missing {
		if f.Object != "Zoom_Meeting_Event__e" {
			t.Errorf("unexpected missing field %s.%s", f.Object, f.Field)
		}
	}
}

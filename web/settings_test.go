package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/go-cmp/cmp"

	"github.com/sfzoom/sfzoom/internal/identity"
	"github.com/sfzoom/sfzoom/internal/setup"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/templates"
)

type fakeUserAdmin struct {
	overrides map[string]string
	many      []identity.UserStatus // when set, the org's users
}

func (f *fakeUserAdmin) Users(context.Context, string) ([]identity.UserStatus, error) {
	if f.many != nil {
		return f.many, nil
	}
	return []identity.UserStatus{
		{SFUserID: tRep, Name: "Riley Chen", Email: "riley@acme.example", ZoomEmail: f.overrides[tRep],
			Mapping: &sfzoom.UserMapping{Status: sfzoom.MappingMatched, Source: sfzoom.MappingSourceEmail, ZoomEmail: "riley@acme.example"}},
		{SFUserID: tAdmin, Name: "Alex Morgan", Email: "alex@acme.example",
			Mapping: &sfzoom.UserMapping{Status: sfzoom.MappingUnmatched, Detail: "No Zoom user has the email alex@acme.example. Set a Zoom email override."}},
	}, nil
}

func (f *fakeUserAdmin) SetOverride(_ context.Context, org, id, email string) (*sfzoom.UserMapping, error) {
	if email == "ghost@zoom.example" {
		return &sfzoom.UserMapping{SFName: "Riley Chen", Status: sfzoom.MappingUnmatched, ZoomEmail: email,
			Detail: "No Zoom user has the email ghost@zoom.example. Check the spelling or add the user in Zoom."}, nil
	}
	if email == "bad" {
		return nil, sfzoom.Errorf(sfzoom.EINVALID, "\"bad\" is not an email address. Enter the Zoom login email, like name@example.com.")
	}
	if f.overrides == nil {
		f.overrides = map[string]string{}
	}
	f.overrides[id] = email
	return &sfzoom.UserMapping{SFName: "Riley Chen", Status: sfzoom.MappingMatched, Source: sfzoom.MappingSourceOverride, ZoomEmail: email}, nil
}

func (f *fakeUserAdmin) VerifyAll(context.Context, string) (int, int, error) { return 1, 1, nil }

type noConnections struct{}

func (noConnections) FindConnection(context.Context, string, string, string) (*sfzoom.Connection, error) {
	return nil, sfzoom.Errorf(sfzoom.ENOTFOUND, "no connection")
}

// fakeSetup reports a checklist with the Salesforce connection missing and
// users to verify, or all green once allOK is set.
type fakeSetup struct{ allOK bool }

func (f *fakeSetup) Run(context.Context, string, *time.Location) setup.Report {
	if f.allOK {
		return setup.Report{Checks: []setup.Check{{ID: setup.CheckCanvas, Title: "Canvas", Status: setup.OK, Detail: "fine"}}}
	}
	return setup.Report{Checks: []setup.Check{
		{ID: setup.CheckCanvas, Title: "Canvas", Status: setup.OK, Detail: "Verified."},
		{ID: setup.CheckSalesforce, Title: "Salesforce integration user connected", Status: setup.Failing, Detail: "Not connected.",
			Fix: "Click Connect Salesforce.", Action: setup.ActionConnectSalesforce},
		{ID: setup.CheckSchema, Title: "Fields", Status: setup.Failing, Detail: "Event.Zoom_Meeting_ID__c missing.", Fix: "Deploy.",
			Command: setup.DeployCommand},
		{ID: setup.CheckUsers, Title: "Users", Status: setup.Warning, Detail: "2 never checked.", Fix: "Click Verify all users.",
			Action: setup.ActionVerifyUsers},
	}}
}

type fakeHealth struct{}

func (fakeHealth) Health(context.Context, string) (templates.HealthView, error) {
	return templates.HealthView{APIUsed: 12, APIMax: 15000, BudgetKnown: true, QueueDepth: map[string]int{"available": 2},
		FailedJobs:    []templates.JobRow{{ID: 7, Kind: "upsert_event", Attempt: 3, Error: "salesforce down"}},
		MissingFields: []string{"Event.Zoom_Meeting_ID__c (Text)"}, DeployCommand: "sf project deploy start",
		BlockedTotal: 1, Blocked: []templates.BlockedRow{{Topic: "Globex renewal", Reason: "Zoom refused the stored authorization.",
			Fix: "Riley Rep must reconnect Zoom (Connect Zoom on the sfzoom home page, or Settings → Connections)."}}}, nil
}

// RetryJob knows job 7, of the session's org (tOrg) only.
func (fakeHealth) RetryJob(_ context.Context, orgID string, id int64) error {
	if orgID != tOrg || id != 7 {
		return sfzoom.Errorf(sfzoom.ENOTFOUND, "That job is not in this org's list. Reload the Health tab.")
	}
	return nil
}

func TestSettings_AdminOnly(t *testing.T) {
	h := newAppHarness(t)
	tok, csrf := h.session(t, tRep, false)
	rec, doc := h.do(t, http.MethodGet, "/app/settings", nil, tok, csrf, false)
	if rec.Code != http.StatusForbidden || !strings.Contains(doc.Find(`[data-testid="error-message"]`).Text(), "Only sfzoom admins can open Settings") {
		t.Fatalf("rep GET settings = %d %s", rec.Code, rec.Body)
	}
	rec, _ = h.do(t, http.MethodPost, "/app/settings/org", url.Values{"activity_mode": {"direct"}}, tok, csrf, true)
	if rec.Code != http.StatusForbidden {
		t.Fatalf("rep POST org settings = %d, want 403", rec.Code)
	}
}

func TestSettings_Tabs(t *testing.T) {
	h := newAppHarness(t)
	tok, csrf := h.session(t, tAdmin, true)
	tests := []struct{ tab, sel, want string }{
		{"users", `[data-testid="user-row"] [data-testid="badge"]`, "Matched"},
		{"connections", `[data-testid="connection-salesforce"] [data-testid="badge"]`, "Not connected"},
		{"org", `input[name="activity_mode"][checked]`, ""},
		{"health", `[data-testid="api-budget"]`, "12 of 15,000"},
		{"health", `[data-testid="blocked-meeting"] [data-testid="blocked-fix"]`, "Riley Rep must reconnect Zoom (Connect Zoom on the sfzoom home page, or Settings → Connections)."},
	}
	for _, tt := range tests {
		t.Run(tt.tab, func(t *testing.T) {
			rec, doc := h.do(t, http.MethodGet, "/app/settings?tab="+tt.tab, nil, tok, csrf, false)
			if rec.Code != 200 {
				t.Fatalf("status = %d\n%s", rec.Code, rec.Body)
			}
			s := doc.Find(tt.sel).First()
			if s.Length() == 0 {
				t.Fatalf("%s not found", tt.sel)
			}
			if tt.want != "" && strings.Join(strings.Fields(s.Text()), " ") != tt.want {
				t.Fatalf("%s = %q, want %q", tt.sel, s.Text(), tt.want)
			}
		})
	}
	rec, _ := h.do(t, http.MethodGet, "/app/settings?tab=nope", nil, tok, csrf, false)
	if rec.Code != 404 {
		t.Fatalf("unknown tab = %d, want 404", rec.Code)
	}
	_, doc := h.do(t, http.MethodGet, "/app/settings?tab=connections", nil, tok, csrf, false)
	href, _ := doc.Find(`[data-testid="connection-salesforce"] a[data-popup]`).Attr("href")
	if !strings.HasPrefix(href, "/oauth/salesforce/start?t=") {
		t.Fatalf("connect link = %q", href)
	}
	_, doc = h.do(t, http.MethodGet, "/app/settings?tab=health", nil, tok, csrf, false)
	if got, _ := doc.Find(`[data-testid="retry-job"]`).Attr("hx-post"); !strings.HasPrefix(got, "/app/settings/jobs/7/retry") {
		t.Fatalf("retry URL = %q", got)
	}
}

func TestSettings_Actions(t *testing.T) {
	h := newAppHarness(t)
	tok, csrf := h.session(t, tAdmin, true)
	tests := []struct {
		name   string
		path   string
		form   url.Values
		status int
		msg    string
	}{
		{"Override", "/app/settings/users/" + tRep + "/override", url.Values{"zoom_email": {"riley@zoom.example"}}, 200, "Saved. Riley Chen is matched to Zoom user riley@zoom.example."},
		{"OverrideBadEmail", "/app/settings/users/" + tRep + "/override", url.Values{"zoom_email": {"bad"}}, 400, "\"bad\" is not an email address. Enter the Zoom login email, like name@example.com."},
		{"OverrideBadUser", "/app/settings/users/nobody/override", url.Values{"zoom_email": {"a@b.example"}}, 404, "That Salesforce user doesn't exist. Reload Settings."},
		{"VerifyAll", "/app/settings/users/verify", url.Values{}, 200, "1 users matched to Zoom, 1 without a Zoom user."},
		{"OrgSave", "/app/settings/org", url.Values{"internal_domains": {"acme.example\n@acme.co.uk"}, "activity_mode": {"platform_event"}, "join_before_host": {"1"}}, 200, "Settings saved."},
		{"OrgBadDomain", "/app/settings/org", url.Values{"internal_domains": {"not a domain"}, "activity_mode": {"direct"}}, 400, "\"not\" is not an email domain; use a form like example.com."},
		{"OrgBadMode", "/app/settings/org", url.Values{"activity_mode": {"carrier pigeon"}}, 400, "Activity mode must be \"direct\" or \"platform_event\"."},
		{"Disconnect", "/app/settings/connections/salesforce/disconnect", url.Values{}, 200, "Salesforce is disconnected. Meetings are not logged until someone connects again."},
		{"Retry", "/app/settings/jobs/7/retry", url.Values{}, 200, "Job 7 will run again shortly."},
		{"RetryUnknown", "/app/settings/jobs/8/retry", url.Values{}, 404, "That job is not in this org's list. Reload the Health tab."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, doc := h.do(t, http.MethodPost, tt.path, tt.form, tok, csrf, true)
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d\n%s", rec.Code, tt.status, rec.Body)
			}
			if got := strings.TrimSpace(doc.Find(`[data-testid="alert"] h2`).First().Text()); got != tt.msg {
				t.Fatalf("message = %q, want %q", got, tt.msg)
			}
		})
	}
	// Saved but not matched is a warning, not a success.
	_, doc := h.do(t, http.MethodPost, "/app/settings/users/"+tRep+"/override", url.Values{"zoom_email": {"ghost@zoom.example"}}, tok, csrf, true)
	alert := doc.Find(`[data-testid="alert"]`).First()
	if kind, _ := alert.Attr("data-kind"); kind != "warning" || !strings.HasPrefix(alert.Find("h2").Text(), "Saved, but Riley Chen has no Zoom user yet: No Zoom user has the email ghost@zoom.example.") {
		t.Errorf("unmatched override alert = %s %q, want a warning saying what to do", kind, alert.Find("h2").Text())
	}
	if got := h.orgs.org.Settings; got.ActivityMode != "platform_event" || !got.MeetingDefaults.JoinBeforeHost ||
		strings.Join(got.InternalDomains, ",") != "acme.example,acme.co.uk" {
		t.Fatalf("saved settings = %+v", got)
	}
}

// TestSettings_Setup: Settings opens on the Setup checklist while a check
// is not done, with each check's status, detail, fix and in-app action
// (the Connect Salesforce popup, Verify all users answering with the
// checklist, a command to copy); once all pass it opens on Users.
func TestSettings_Setup(t *testing.T) {
	h := newAppHarness(t)
	tok, csrf := h.session(t, tAdmin, true)
	rec, doc := h.do(t, http.MethodGet, "/app/settings", nil, tok, csrf, false)
	if rec.Code != 200 || doc.Find(`[data-testid="setup-panel"]`).Length() != 1 {
		t.Fatalf("GET /app/settings = %d, want the Setup panel\n%s", rec.Code, rec.Body)
	}
	if first := doc.Find(`[data-testid="settings-tabs"] a`).First(); first.AttrOr("data-testid", "") != "tab-setup" {
		t.Errorf("first tab = %q, want tab-setup", first.AttrOr("data-testid", ""))
	}
	if got := strings.Join(strings.Fields(doc.Find(`[data-testid="setup-summary"]`).Text()), " "); !strings.HasPrefix(got, "1 of 4 steps done.") {
		t.Errorf("summary = %q", got)
	}
	type row struct{ status, badge, fix, action, kind string }
	var got []row
	doc.Find(`[data-testid="setup-check"]`).Each(func(_ int, s *goquery.Selection) {
		a := s.Find(`[data-testid="setup-action"]`)
		kind := "link"
		if _, ok := a.Attr("data-popup"); ok {
			kind = "popup"
		} else if _, ok := a.Attr("hx-post"); ok {
			kind = "post"
		}
		if a.Length() == 0 {
			kind = ""
		}
		got = append(got, row{s.AttrOr("data-status", ""), strings.TrimSpace(s.Find(`[data-testid="badge"]`).Text()),
			strings.TrimSpace(s.Find(`[data-testid="setup-fix"]`).Text()), strings.TrimSpace(a.Text()), kind})
	})
	want := []row{
		{"ok", "Done", "", "", ""},
		{"failing", "To do", "To fix: Click Connect Salesforce.", "Connect Salesforce", "popup"},
		{"failing", "To do", "To fix: Deploy.", "", ""},
		{"warning", "Needs attention", "To fix: Click Verify all users.", "Verify all users", "post"},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(row{})); diff != "" {
		t.Errorf("setup rows (-want +got):\n%s", diff)
	}
	if href := doc.Find(`[data-check="salesforce"] [data-testid="setup-action"]`).AttrOr("href", ""); !strings.HasPrefix(href, "/oauth/salesforce/start?t=") {
		t.Errorf("Connect Salesforce = %q", href)
	}
	if cmd := doc.Find(`[data-check="schema"] [data-testid="setup-command"]`).Text(); cmd != setup.DeployCommand {
		t.Errorf("command = %q", cmd)
	}
	verify := doc.Find(`[data-check="users"] [data-testid="setup-action"]`).AttrOr("hx-post", "")
	u, _ := url.Parse(verify)
	rec, doc = h.do(t, http.MethodPost, u.Path+"?"+u.RawQuery, url.Values{}, tok, csrf, true)
	if rec.Code != 200 || doc.Find(`[data-testid="setup-panel"]`).Length() != 1 || !strings.Contains(doc.Find(`[data-testid="alert"] h2`).Text(), "1 users matched") {
		t.Fatalf("Verify all users from Setup = %d, want the checklist with the result\n%s", rec.Code, rec.Body)
	}

	h.setup.allOK = true
	_, doc = h.do(t, http.MethodGet, "/app/settings", nil, tok, csrf, false)
	if doc.Find(`[data-testid="users-panel"]`).Length() != 1 {
		t.Fatalf("with every check done, Settings opens on %q, want Users", doc.Find(`[data-testid="settings-panel"] section`).AttrOr("data-testid", ""))
	}
	_, doc = h.do(t, http.MethodGet, "/app/settings?tab=setup", nil, tok, csrf, false)
	if !strings.HasPrefix(strings.TrimSpace(doc.Find(`[data-testid="setup-summary"]`).Text()), "Everything sfzoom needs is in place") {
		t.Errorf("all-green summary = %q", doc.Find(`[data-testid="setup-summary"]`).Text())
	}
}

// TestSettings_Users5000 pages, filters and searches an org of 5,000 users on
// the server: a page is 50 table rows, each filter counts its users, a
// search narrows the counts and the rows, pages past the end show the last
// page, and an htmx request redraws only the panel.
func TestSettings_Users5000(t *testing.T) {
	h := newAppHarness(t)
	var many []identity.UserStatus
	for i := range 5000 {
		u := identity.UserStatus{SFUserID: fmt.Sprintf("0055g%09dAAA", i), Name: fmt.Sprintf("User %04d", i), Email: fmt.Sprintf("user%04d@acme.example", i)}
		switch i % 4 {
		case 0: // never checked
		case 1:
			u.Mapping = &sfzoom.UserMapping{Status: sfzoom.MappingMatched, Source: sfzoom.MappingSourceEmail, ZoomEmail: u.Email}
		case 2:
			u.ZoomEmail = fmt.Sprintf("z%04d@zoom.example", i)
			u.Mapping = &sfzoom.UserMapping{Status: sfzoom.MappingMatched, Source: sfzoom.MappingSourceOverride, ZoomEmail: u.ZoomEmail}
		case 3:
			u.Mapping = &sfzoom.UserMapping{Status: sfzoom.MappingUnmatched}
		}
		many = append(many, u)
	}
	h.users.many = many
	tok, csrf := h.session(t, tAdmin, true)
	type page struct {
		Rows          int
		First, Last   string
		Statuses      string
		Counts        map[string]string
		Showing, Page string
		HasNext       bool
	}
	get := func(t *testing.T, query string, htmx bool) (page, *goquery.Document) {
		t.Helper()
		rec, doc := h.do(t, http.MethodGet, "/app/settings?tab=users&"+query, nil, tok, csrf, htmx)
		if rec.Code != 200 {
			t.Fatalf("GET %s = %d\n%s", query, rec.Code, rec.Body)
		}
		rows := doc.Find(`table[data-testid="users"] tbody tr[data-testid="user-row"]`)
		p := page{Rows: rows.Length(), Counts: map[string]string{}, Showing: doc.Find(`[data-testid="users-showing"]`).Text(),
			Page: doc.Find(`[data-testid="users-page"]`).Text(), HasNext: doc.Find(`[data-testid="users-next"]`).Length() == 1}
		p.First = rows.First().Find(`[data-testid="user-name"]`).Text()
		p.Last = rows.Last().Find(`[data-testid="user-name"]`).Text()
		seen := map[string]bool{}
		rows.Each(func(_ int, s *goquery.Selection) { seen[s.AttrOr("data-status", "")] = true })
		var st []string
		for k := range seen {
			st = append(st, k)
		}
		sort.Strings(st)
		p.Statuses = strings.Join(st, ",")
		doc.Find(`[data-testid="users-filter"]`).Each(func(_ int, s *goquery.Selection) {
			p.Counts[s.AttrOr("data-filter", "")] = s.AttrOr("data-count", "")
		})
		return p, doc
	}
	all := map[string]string{"all": "5000", "unmapped": "1250", "override": "1250", "nozoom": "1250"}
	tests := []struct {
		name, query string
		want        page
	}{
		{"FirstPage", "", page{Rows: 50, First: "User 0000", Last: "User 0049", Statuses: "matched,override,unchecked,unmatched", Counts: all,
			Showing: "Showing 1–50 of 5000 users (5000 active in Salesforce).", Page: "Page 1 of 100", HasNext: true}},
		{"LastPage", "page=100", page{Rows: 50, First: "User 4950", Last: "User 4999", Statuses: "matched,override,unchecked,unmatched", Counts: all,
			Showing: "Showing 4951–5000 of 5000 users (5000 active in Salesforce).", Page: "Page 100 of 100"}},
		{"PastTheEnd", "page=999", page{Rows: 50, First: "User 4950", Last: "User 4999", Statuses: "matched,override,unchecked,unmatched", Counts: all,
			Showing: "Showing 4951–5000 of 5000 users (5000 active in Salesforce).", Page: "Page 100 of 100"}},
		{"Unmapped", "filter=unmapped&page=2", page{Rows: 50, First: "User 0200", Last: "User 0396", Statuses: "unchecked", Counts: all,
			Showing: "Showing 51–100 of 1250 users (5000 active in Salesforce).", Page: "Page 2 of 25", HasNext: true}},
		{"Override", "filter=override", page{Rows: 50, First: "User 0002", Last: "User 0198", Statuses: "override", Counts: all,
			Showing: "Showing 1–50 of 1250 users (5000 active in Salesforce).", Page: "Page 1 of 25", HasNext: true}},
		{"NoZoom", "filter=nozoom", page{Rows: 50, First: "User 0003", Last: "User 0199", Statuses: "unmatched", Counts: all,
			Showing: "Showing 1–50 of 1250 users (5000 active in Salesforce).", Page: "Page 1 of 25", HasNext: true}},
		{"SearchName", "q=user+123", page{Rows: 10, First: "User 1230", Last: "User 1239", Statuses: "matched,override,unchecked,unmatched",
			Counts:  map[string]string{"all": "10", "unmapped": "2", "override": "3", "nozoom": "3"},
			Showing: "Showing 1–10 of 10 users (5000 active in Salesforce)."}},
		{"SearchZoomEmail", "q=Z0042%40ZOOM", page{Rows: 1, First: "User 0042", Last: "User 0042", Statuses: "override",
			Counts:  map[string]string{"all": "1", "unmapped": "0", "override": "1", "nozoom": "0"},
			Showing: "Showing 1–1 of 1 users (5000 active in Salesforce)."}},
		{"SearchAndFilter", "q=user+123&filter=nozoom", page{Rows: 3, First: "User 1231", Last: "User 1239", Statuses: "unmatched",
			Counts:  map[string]string{"all": "10", "unmapped": "2", "override": "3", "nozoom": "3"},
			Showing: "Showing 1–3 of 3 users (5000 active in Salesforce)."}},
		{"NoMatch", "q=nobody", page{Counts: map[string]string{"all": "0", "unmapped": "0", "override": "0", "nozoom": "0"}, Showing: "No users match."}},
		{"UnknownFilterIsAll", "filter=bogus", page{Rows: 50, First: "User 0000", Last: "User 0049", Statuses: "matched,override,unchecked,unmatched", Counts: all,
			Showing: "Showing 1–50 of 5000 users (5000 active in Salesforce).", Page: "Page 1 of 100", HasNext: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := get(t, tt.query, false)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("users page (-want +got):\n%s", diff)
			}
		})
	}
	// The next-page link keeps the search and filter; htmx gets the panel only.
	_, doc := get(t, "q=user&filter=override", false)
	next := doc.Find(`[data-testid="users-next"]`).AttrOr("hx-get", "")
	if u, err := url.Parse(next); err != nil || u.Query().Get("q") != "user" || u.Query().Get("filter") != "override" || u.Query().Get("page") != "2" {
		t.Errorf("next link = %q, want the same search and filter, page 2", next)
	}
	rec, _ := h.do(t, http.MethodGet, "/app/settings?tab=users&page=2", nil, tok, csrf, true)
	if body := rec.Body.String(); strings.Contains(body, "<html") || !strings.Contains(body, `data-testid="users-panel"`) {
		t.Errorf("htmx page = a full document or no panel:\n%.300s", body)
	}
}

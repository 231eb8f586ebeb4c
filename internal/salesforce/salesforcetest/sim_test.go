package salesforcetest_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/sfzoom/sfzoom/internal/salesforce/salesforcetest"
)

func fetch(t *testing.T, c *http.Client, method, u string, form url.Values) (int, string) {
	t.Helper()
	var resp *http.Response
	var err error
	if method == http.MethodPost {
		resp, err = c.PostForm(u, form)
	} else {
		resp, err = c.Get(u)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var (
	signedRE = regexp.MustCompile(`name="signed_request" value="([^"]+)"`)
	formRE   = regexp.MustCompile(`<form id="canvas-form"[^>]*method="post" action="([^"]+)" target="([^"]+)"`)
	frameRE  = regexp.MustCompile(`<iframe name="([^"]+)"[^>]*data-testid="canvas-frame"`)
)

// getAs opens path in the simulator as user ("View as", in a fresh cookie jar).
func getAs(t *testing.T, srv *salesforcetest.Server, user, path string) (int, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	fetch(t, c, http.MethodPost, srv.URL()+"/_sim/view-as", url.Values{"user_id": {user}})
	return fetch(t, c, http.MethodGet, srv.URL()+path, nil)
}

func TestSimulatorRecordPage(t *testing.T) {
	srv := salesforcetest.NewServer()
	defer srv.Close()
	d := srv.SeedDemo()
	secret := []byte("test-consumer-secret")
	srv.SetCanvasApp("http://127.0.0.1:9/canvas", secret)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}

	status, body := fetch(t, c, http.MethodGet, srv.URL()+"/", nil)
	if status != http.StatusOK || !strings.Contains(body, `data-testid="opportunity-row"`) || !strings.Contains(body, "/lightning/r/Opportunity/"+d.OpportunityIDs[0]+"/view") {
		t.Fatalf("home = %d, missing opportunity links", status)
	}
	// Switch to the rep with the Zoom e-mail override.
	fetch(t, c, http.MethodPost, srv.URL()+"/_sim/view-as", url.Values{"user_id": {d.OverrideRepID}, "back": {"/"}})
	status, body = fetch(t, c, http.MethodGet, srv.URL()+"/lightning/r/Opportunity/"+d.OpportunityIDs[2]+"/view", nil)
	if status != http.StatusOK {
		t.Fatalf("record page = %d", status)
	}
	fm, fr, sm := formRE.FindStringSubmatch(body), frameRE.FindStringSubmatch(body), signedRE.FindStringSubmatch(body)
	if fm == nil || fr == nil || sm == nil {
		t.Fatalf("record page lacks the canvas form/iframe/signed_request:\n%s", body)
	}
	if html.UnescapeString(fm[1]) != "http://127.0.0.1:9/canvas" || fm[2] != fr[1] || !strings.HasPrefix(fr[1], "canvas-frame-") {
		t.Errorf("form action=%q target=%q iframe=%q", fm[1], fm[2], fr[1])
	}
	// Verify exactly as docs/canvas.md §1.3: HMAC over the base64 payload text.
	sr := html.UnescapeString(sm[1])
	sig, payload, _ := strings.Cut(sr, ".")
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(payload))
	if want := base64.StdEncoding.EncodeToString(mac.Sum(nil)); sig != want {
		t.Fatalf("signature = %q, want %q", sig, want)
	}
	raw, err := base64.StdEncoding.DecodeString(payload)
	if err != nil {
		t.Fatalf("payload is not padded standard base64: %v", err)
	}
	var cr struct {
		Algorithm string `json:"algorithm"`
		UserID    string `json:"userId"`
		Client    struct {
			OAuthToken, InstanceURL, TargetOrigin, InstanceID string
		} `json:"client"`
		Context struct {
			User struct {
				UserID string `json:"userId"`
				Email  string `json:"email"`
			} `json:"user"`
			Environment struct {
				Record struct {
					Attributes struct{ Type string } `json:"attributes"`
					ID         string                `json:"Id"`
				} `json:"record"`
				Version struct{ API string } `json:"version"`
			} `json:"environment"`
			Organization struct{ OrganizationID string } `json:"organization"`
		} `json:"context"`
	}
	if err := json.Unmarshal(raw, &cr); err != nil {
		t.Fatal(err)
	}
	if cr.Algorithm != "HMACSHA256" || cr.UserID != d.OverrideRepID || cr.Context.User.Email != "sam.oneil@acme-demo.com" ||
		cr.Client.InstanceURL != srv.URL() || cr.Client.TargetOrigin != srv.URL() || fr[1] != "canvas-frame-"+cr.Client.InstanceID ||
		cr.Context.Environment.Record.ID != d.OpportunityIDs[2] || cr.Context.Environment.Record.Attributes.Type != "Opportunity" ||
		cr.Context.Environment.Version.API == "" || cr.Context.Organization.OrganizationID != d.OrgID {
		t.Errorf("canvas request = %+v", cr)
	}
	// The embedded token is accepted by the identity URL.
	req, _ := http.NewRequest(http.MethodGet, srv.URL()+"/id/"+d.OrgID+"/"+d.OverrideRepID, nil)
	req.Header.Set("Authorization", "Bearer "+cr.Client.OAuthToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("identity with canvas token = %v, %v", resp.StatusCode, err)
	}
	// A fresh signed request for refreshSignedRequest.
	status, body = fetch(t, c, http.MethodPost, srv.URL()+"/_sim/signed-request", url.Values{"object": {"Opportunity"}, "id": {d.OpportunityIDs[2]}})
	if status != http.StatusOK || !strings.Contains(body, `"signedRequest"`) || strings.Contains(body, sr) {
		t.Errorf("refresh = %d %s, want a new signed request", status, body)
	}
}

func TestSimulatorPages(t *testing.T) {
	srv := salesforcetest.NewServer()
	defer srv.Close()
	d := srv.SeedDemo()
	srv.SetCanvasApp("http://127.0.0.1:9/canvas", []byte("s"))
	tests := []struct {
		name   string
		user   string
		path   string
		status int
		want   string
	}{
		{"SetupAdmin", d.AdminID, "/lightning/setup/sfzoom/home", http.StatusOK, `data-testid="canvas-frame"`},
		{"SetupRepForbidden", d.RepID, "/lightning/setup/sfzoom/home", http.StatusForbidden, "Insufficient Privileges"},
		{"AppHome", d.RepID, "/lightning/n/sfzoom", http.StatusOK, `data-testid="canvas-form"`},
		{"UnknownRecord", d.RepID, "/lightning/r/Opportunity/006000000000000AAA/view", http.StatusNotFound, `data-testid="sim-error"`},
		{"SDK", d.RepID, "/canvas/sdk/js/62.0/canvas-all.js", http.StatusOK, "refreshSignedRequest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := getAs(t, srv, tt.user, tt.path)
			if status != tt.status || !strings.Contains(body, tt.want) {
				t.Errorf("GET %s = %d, want %d containing %q", tt.path, status, tt.status, tt.want)
			}
		})
	}
}

func TestParseSOQL(t *testing.T) {
	tests := []struct {
		q, want string
		bad     bool
	}{
		{q: `SELECT Id FROM Contact WHERE (Email = 'a\'b' OR Email IN ('x','y')) AND NOT Name LIKE 'T\_%'`,
			want: `AND(OR(=(Email; string:"a'b"), IN(Email; string:"x", string:"y")), NOT(LIKE(Name; like:"T_"*%)))`},
		{q: `SELECT Id FROM Event WHERE StartDateTime > 2026-01-02T15:04:05Z AND Meeting_Count__c >= 2`,
			want: `AND(>(StartDateTime; datetime:2026-01-02T15:04:05Z), >=(Meeting_Count__c; number:2))`},
		{q: `SELECT Id FROM Contact WHERE Email = 'unterminated`, bad: true},
		{q: `SELECT Id FROM Contact WHERE Email = 'bad\q'`, bad: true},
		{q: `SELECT Id FROM Contact WHERE Email = 'pct\%'`, bad: true},
		{q: `SELECT Id FROM Contact GROUP BY Name`, bad: true},
		{q: `SELECT COUNT() FROM Contact`, bad: true},
	}
	for _, tt := range tests {
		got, err := salesforcetest.ParseSOQL(tt.q)
		if tt.bad {
			if err == nil {
				t.Errorf("ParseSOQL(%q) error = nil, want MALFORMED_QUERY", tt.q)
			}
			continue
		}
		if err != nil || got.Where.String() != tt.want {
			t.Errorf("ParseSOQL(%q) = %v, %v; want %s", tt.q, got.Where, err, tt.want)
		}
	}
}

// TestSimulatorOrgPages is issue 16's item 11: Home lists Leads beside
// Opportunities and Contacts; every page's banner says who is viewing, who
// the sfzoom admin is and that "View as" switches users; a record page
// shows its Events and Tasks related lists; the app is framed only on the
// objects it is placed on (SetCanvasObjects).
func TestSimulatorOrgPages(t *testing.T) {
	srv := salesforcetest.NewServer()
	defer srv.Close()
	d := srv.SeedDemo()
	srv.SetCanvasApp("http://127.0.0.1:9/canvas", []byte("s"))
	srv.SetCanvasObjects("Opportunity", "Contact", "Lead")
	opp := d.OpportunityIDs[0]
	mustAdd := func(object string, fields map[string]any) string {
		t.Helper()
		id, err := srv.AddRecord(object, fields)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	older := mustAdd("Event", map[string]any{"Subject": "Zoom: kickoff", "WhatId": opp, "StartDateTime": "2026-11-02T17:00:00.000+0000", "EndDateTime": "2026-11-02T17:30:00.000+0000", "OwnerId": d.RepID})
	newer := mustAdd("Event", map[string]any{"Subject": "Zoom: pricing", "WhatId": opp, "StartDateTime": "2026-12-01T17:00:00.000+0000", "EndDateTime": "2026-12-01T17:30:00.000+0000", "OwnerId": d.RepID})
	onLead := mustAdd("Event", map[string]any{"Subject": "Zoom: intro", "WhoId": d.LeadIDs[0], "StartDateTime": "2026-12-02T17:00:00.000+0000", "EndDateTime": "2026-12-02T17:30:00.000+0000", "OwnerId": d.RepID})
	task := mustAdd("Task", map[string]any{"Subject": "Zoom meeting notes", "WhatId": opp, "Status": "Completed", "ActivityDate": "2026-12-01", "OwnerId": d.RepID})

	rowRE := func(testid string) *regexp.Regexp {
		return regexp.MustCompile(`data-testid="` + testid + `" data-id="([^"]+)"`)
	}
	ids := func(body, testid string) string {
		var out []string
		for _, m := range rowRE(testid).FindAllStringSubmatch(body, -1) {
			out = append(out, m[1])
		}
		return strings.Join(out, ",")
	}
	tests := []struct {
		name    string
		user    string
		path    string
		want    []string // substrings of the page
		notWant []string
		check   func(t *testing.T, body string)
	}{
		{name: "HomeListsLeads", user: d.RepID, path: "/",
			want: []string{`data-testid="lead-list"`, "/lightning/r/Lead/" + d.LeadIDs[0] + "/view", "/lightning/r/Lead/" + d.LeadIDs[1] + "/view", "FBI Consulting"},
			check: func(t *testing.T, body string) {
				if got, want := ids(body, "lead-row"), strings.Join(d.LeadIDs, ","); got != want {
					t.Errorf("lead rows = %s, want %s", got, want)
				}
			}},
		{name: "BannerAsRep", user: d.RepID, path: "/",
			want: []string{`data-testid="sim-banner"`, `<strong data-testid="banner-user">Riley Chen</strong> (a sales rep)`, `The sfzoom admin is <strong data-testid="banner-admin">Alex Morgan</strong>`, "“View as” at the top right to switch users"}},
		{name: "BannerAsAdmin", user: d.AdminID, path: "/lightning/r/Opportunity/" + opp + "/view",
			want: []string{`<strong data-testid="banner-user">Alex Morgan</strong> (the sfzoom admin)`, "switch users"}},
		{name: "OpportunityRelatedLists", user: d.RepID, path: "/lightning/r/Opportunity/" + opp + "/view",
			want:    []string{`data-testid="canvas-frame"`, "Events (2)", "Tasks (1)", "Zoom: pricing", "/lightning/r/Event/" + newer + "/view", "/lightning/r/Task/" + task + "/view", "Completed"},
			notWant: []string{onLead, `data-testid="canvas-absent"`},
			check: func(t *testing.T, body string) {
				if got, want := ids(body, "related-event"), newer+","+older; got != want {
					t.Errorf("related events = %s, want newest first %s", got, want)
				}
				if got := ids(body, "related-task"); got != task {
					t.Errorf("related tasks = %s, want %s", got, task)
				}
			}},
		{name: "LeadFramedWithItsEvent", user: d.RepID, path: "/lightning/r/Lead/" + d.LeadIDs[0] + "/view",
			want: []string{`data-testid="canvas-frame"`, "Events (1)", "/lightning/r/Event/" + onLead + "/view", "Tasks (0)", "No tasks."}},
		{name: "AccountNotFramed", user: d.RepID, path: "/lightning/r/Account/" + d.AccountIDs[0] + "/view",
			want:    []string{`data-testid="canvas-absent"`, "sfzoom is not on Account pages: its record page component is placed on Contact, Lead and Opportunity records.", `data-testid="related-events"`},
			notWant: []string{`data-testid="canvas-frame"`, `name="signed_request"`}},
		{name: "EventNotFramedNoRelatedLists", user: d.RepID, path: "/lightning/r/Event/" + newer + "/view",
			want:    []string{`data-testid="canvas-absent"`, "Zoom: pricing"},
			notWant: []string{`data-testid="canvas-frame"`, `data-testid="related-events"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := getAs(t, srv, tt.user, tt.path)
			if status != http.StatusOK {
				t.Fatalf("GET %s = %d", tt.path, status)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("GET %s lacks %q", tt.path, w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(body, w) {
					t.Errorf("GET %s has %q", tt.path, w)
				}
			}
			if tt.check != nil {
				tt.check(t, body)
			}
		})
	}
}

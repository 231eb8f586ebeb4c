package salesforce_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/oauth2"

	"github.com/sfzoom/sfzoom/internal/salesforce"
	"github.com/sfzoom/sfzoom/internal/salesforce/salesforcetest"
)

func keys(tb testing.TB, b []byte) []string {
	tb.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		tb.Fatalf("unmarshal %s: %v", b, err)
	}
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func get(tb testing.TB, srv *salesforcetest.Server, token, path string) (*http.Response, []byte) {
	tb.Helper()
	return send(tb, srv, token, http.MethodGet, path, "")
}

// send makes one API request, with a JSON body unless body is "".
func send(tb testing.TB, srv *salesforcetest.Server, token, method, path, body string) (*http.Response, []byte) {
	tb.Helper()
	req, _ := http.NewRequest(method, srv.URL()+path, strings.NewReader(body))
	req.Header.Set("Authorization", "OAuth "+token) // the Canvas SDK's scheme
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// TestFidelityQuery compares the fake's query replies with the doc
// examples in testdata (docs/salesforce-api.md §4): no nextRecordsUrl on the last
// page, attributes on every record, +0000 datetimes, nulls present.
func TestFidelityQuery(t *testing.T) {
	srv := salesforcetest.NewServer()
	defer srv.Close()
	d := srv.SeedDemo()
	tok := srv.IssueToken(d.AdminID)
	q := url.Values{"q": {"SELECT Id, Name, CreatedDate, Title, Account.Website FROM Contact WHERE Email = 'hank@globex.example'"}}
	resp, body := get(t, srv, tok, "/services/data/v62.0/query?"+q.Encode())
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d: %s", resp.StatusCode, body)
	}
	doc, _ := os.ReadFile("testdata/query_last_page.json")
	if diff := cmp.Diff(keys(t, doc), keys(t, body)); diff != "" {
		t.Errorf("last page keys differ from the doc example (-doc +fake):\n%s", diff)
	}
	if used, max, ok := salesforce.ParseLimitInfo(resp.Header.Get("Sforce-Limit-Info")); !ok || used < 1 || max <= used {
		t.Errorf("Sforce-Limit-Info = %q", resp.Header.Get("Sforce-Limit-Info"))
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json;charset=UTF-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	var page struct {
		Records []map[string]json.RawMessage `json:"records"`
	}
	_ = json.Unmarshal(body, &page)
	rec := page.Records[0]
	for _, k := range []string{"attributes", "Title", "Account"} {
		if _, ok := rec[k]; !ok {
			t.Errorf("record lacks %q: %s", k, body)
		}
	}
	if string(rec["Title"]) != `"CEO"` || !strings.Contains(string(rec["Account"]), `"attributes"`) {
		t.Errorf("record = %s", body)
	}
	if !regexp.MustCompile(`^"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000"$`).Match(rec["CreatedDate"]) {
		t.Errorf("CreatedDate = %s, want the +0000 form", rec["CreatedDate"])
	}
	if _, err := time.Parse(time.RFC3339, strings.Trim(string(rec["CreatedDate"]), `"`)); err == nil {
		t.Errorf("CreatedDate parses as RFC 3339; the fake must use Salesforce's +0000 form")
	}
	// A REST error is a JSON array; a bad identity token is 403 text.
	resp, body = get(t, srv, tok, "/services/data/v62.0/query?q=SELEKT")
	if resp.StatusCode != http.StatusBadRequest || !strings.HasPrefix(string(body), `[{"message":`) || !strings.Contains(string(body), "MALFORMED_QUERY") {
		t.Errorf("malformed query = %d %s", resp.StatusCode, body)
	}
	resp, body = get(t, srv, "nope", "/id/"+d.OrgID+"/"+d.AdminID)
	if resp.StatusCode != http.StatusForbidden || string(body) != "Bad_OAuth_Token" {
		t.Errorf("identity with bad token = %d %q, want 403 Bad_OAuth_Token", resp.StatusCode, body)
	}
	resp, body = get(t, srv, tok, "/id/"+d.OrgID+"/"+d.AdminID)
	idDoc, _ := os.ReadFile("testdata/identity_response.json")
	var missing []string
	got := map[string]bool{}
	for _, k := range keys(t, body) {
		got[k] = true
	}
	for _, k := range keys(t, idDoc) {
		if !got[k] && k != "nick_name" && k != "photos" {
			missing = append(missing, k)
		}
	}
	if resp.StatusCode != http.StatusOK || len(missing) > 0 {
		t.Errorf("identity = %d, missing doc keys %v", resp.StatusCode, missing)
	}
}

// TestFidelityErrors compares the fake's error bodies with Salesforce's.
//
// A record id that names no record answers 404
// [{"errorCode":"NOT_FOUND","message":"The requested resource does not exist"}]
// (status per https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm;
// the message as Salesforce sends it for a record that is gone, e.g.
// https://github.com/MinnPost/object-sync-for-salesforce/issues/212 "Message: The requested
// resource does not exist … Code: 404"), while a segment that is not an id
// is read as an external id field ("Provided external ID field does not
// exist or is not accessible: …").
//
// A SOQL syntax error is 400 MALFORMED_QUERY whose message echoes the query
// line, puts a caret under the offending token and gives its 1-based row
// and column, as Salesforce answers for example
// "SELECT ,    FROM hed__Facility__c\n          ^\nERROR at Row:1:Column:11\nunexpected token: 'FROM'"
// (a real answer kept as a test fixture by a public integration) or, for a
// bad field (an observed response),
// "\nSELECT Id, Dispenser__c, …\n           ^\nERROR at Row:1:Column:12\nNo such column 'Dispenser__c' …".
func TestFidelityErrors(t *testing.T) {
	srv := salesforcetest.NewServer()
	defer srv.Close()
	d := srv.SeedDemo()
	tok := srv.IssueToken(d.AdminID)
	type sfError struct {
		ErrorCode string `json:"errorCode"`
		Message   string `json:"message"`
	}
	notFound := []sfError{{"NOT_FOUND", "The requested resource does not exist"}}
	do := func(t *testing.T, method, path string) (int, []sfError) {
		t.Helper()
		resp, b := send(t, srv, tok, method, path, `{"Name":"x"}`)
		var errs []sfError
		if resp.StatusCode == http.StatusNoContent {
			return resp.StatusCode, nil
		}
		if err := json.Unmarshal(b, &errs); err != nil {
			t.Fatalf("%s %s = %d %s: not an error array", method, path, resp.StatusCode, b)
		}
		return resp.StatusCode, errs
	}
	const v = "/services/data/v62.0"
	t.Run("MissingRecord", func(t *testing.T) {
		// A Contact's id under Account: well formed, not an Account.
		for _, method := range []string{http.MethodGet, http.MethodPatch, http.MethodDelete} {
			status, errs := do(t, method, v+"/sobjects/Account/"+d.ContactIDs[0])
			if status != http.StatusNotFound || !cmp.Equal(errs, notFound) {
				t.Errorf("%s Account/%s = %d %+v, want 404 %+v", method, d.ContactIDs[0], status, errs, notFound)
			}
		}
		// A deleted one reads as missing too.
		gone := d.AccountIDs[len(d.AccountIDs)-1]
		if status, errs := do(t, http.MethodDelete, v+"/sobjects/Account/"+gone); status != http.StatusNoContent {
			t.Fatalf("DELETE = %d %v", status, errs)
		}
		if status, errs := do(t, http.MethodGet, v+"/sobjects/Account/"+gone); status != http.StatusNotFound || !cmp.Equal(errs, notFound) {
			t.Errorf("GET deleted Account/%s = %d %+v, want 404 %+v", gone, status, errs, notFound)
		}
	})
	t.Run("NotAnID", func(t *testing.T) {
		status, errs := do(t, http.MethodGet, v+"/sobjects/Account/Website")
		want := []sfError{{"NOT_FOUND", "Provided external ID field does not exist or is not accessible: Website"}}
		if status != http.StatusNotFound || !cmp.Equal(errs, want) {
			t.Errorf("GET Account/Website = %d %+v, want 404 %+v", status, errs, want)
		}
	})
	tests := []struct {
		name, q, code, want string
	}{
		{"MissingField", "SELECT Id, FROM Account", "MALFORMED_QUERY",
			"\nSELECT Id, FROM Account\n           ^\nERROR at Row:1:Column:12\nunexpected token: 'FROM'"},
		{"SecondRow", "SELECT Id, Name\nFROM Account\nWHERE Name = 'Globex' LIMIT",
			"MALFORMED_QUERY", "\nWHERE Name = 'Globex' LIMIT\n                           ^\nERROR at Row:3:Column:28\nunexpected token: <EOF>"},
		{"BadOperator", "SELECT Id FROM Account WHERE Name == 'x'", "MALFORMED_QUERY",
			"\nSELECT Id FROM Account WHERE Name == 'x'\n                                   ^\nERROR at Row:1:Column:36\nunexpected token: '='"},
		{"NoSuchColumn", "SELECT Id, Dispenser__c FROM Account", "INVALID_FIELD",
			"\nSELECT Id, Dispenser__c FROM Account\n           ^\nERROR at Row:1:Column:12\nNo such column 'Dispenser__c' on entity 'Account'. " +
				"If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. " +
				"Please reference your WSDL or the describe call for the appropriate names."},
		{"NoSuchObject", "SELECT Id FROM Widget__c", "INVALID_TYPE",
			"\nSELECT Id FROM Widget__c\n               ^\nERROR at Row:1:Column:16\nsObject type 'Widget__c' is not supported. " +
				"If you are attempting to use a custom object, be sure to append the '__c' after the entity name. " +
				"Please reference your WSDL or the describe call for the appropriate names."},
	}
	for _, tt := range tests {
		t.Run("Query/"+tt.name, func(t *testing.T) {
			status, errs := do(t, http.MethodGet, v+"/query?"+url.Values{"q": {tt.q}}.Encode())
			want := []sfError{{tt.code, tt.want}}
			if status != http.StatusBadRequest || !cmp.Equal(errs, want) {
				t.Errorf("query %q = %d\n%+v\nwant 400\n%+v", tt.q, status, errs, want)
			}
		})
	}
}

// TestFidelityOAuth runs x/oauth2 against the fake: the token response has
// the doc example's keys, no expires_in, and issued_at in epoch ms.
func TestFidelityOAuth(t *testing.T) {
	now := time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)
	srv := salesforcetest.NewServer(salesforcetest.WithClock(func() time.Time { return now }), salesforcetest.WithConnectedApp("cid", "csecret"))
	defer srv.Close()
	d := srv.SeedDemo()
	cfg := oauth2.Config{ClientID: "cid", ClientSecret: "csecret", RedirectURL: "https://app.example/callback",
		Endpoint: oauth2.Endpoint{AuthURL: srv.URL() + "/services/oauth2/authorize", TokenURL: srv.URL() + "/services/oauth2/token", AuthStyle: oauth2.AuthStyleInParams}}
	// Approve the consent page as the rep.
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	form := url.Values{"response_type": {"code"}, "client_id": {"cid"}, "redirect_uri": {cfg.RedirectURL}, "state": {"st8"}, "decision": {"allow"}, "user_id": {d.RepID}}
	resp, err := noRedirect.PostForm(srv.URL()+"/services/oauth2/authorize", form)
	if err != nil {
		t.Fatal(err)
	}
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || loc.Query().Get("state") != "st8" || loc.Query().Get("code") == "" {
		t.Fatalf("authorize = %d %s", resp.StatusCode, loc)
	}
	// Raw exchange to check the wire shape.
	raw, err := http.PostForm(cfg.Endpoint.TokenURL, url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")},
		"client_id": {"cid"}, "client_secret": {"csecret"}, "redirect_uri": {cfg.RedirectURL}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(raw.Body)
	raw.Body.Close()
	doc, _ := os.ReadFile("testdata/token_response.json")
	want := append(keys(t, doc), "refresh_token")
	sort.Strings(want)
	var noIDToken []string
	for _, k := range want {
		if k != "id_token" { // only with the openid scope
			noIDToken = append(noIDToken, k)
		}
	}
	if diff := cmp.Diff(noIDToken, keys(t, body)); diff != "" {
		t.Errorf("token response keys (-want +got):\n%s", diff)
	}
	var tok map[string]any
	_ = json.Unmarshal(body, &tok)
	if tok["issued_at"] != strconv.FormatInt(now.UnixMilli(), 10) {
		t.Errorf("issued_at = %v, want epoch ms string %d", tok["issued_at"], now.UnixMilli())
	}
	// Through x/oauth2: zero expiry, extras available, refresh works.
	ts := cfg.TokenSource(context.Background(), &oauth2.Token{RefreshToken: tok["refresh_token"].(string)})
	fresh, err := ts.Token()
	if err != nil {
		t.Fatal(err)
	}
	if !fresh.Expiry.IsZero() || fresh.Extra("instance_url") != srv.URL() || !strings.HasSuffix(fresh.Extra("id").(string), "/"+d.RepID) {
		t.Errorf("refreshed token expiry=%v instance_url=%v id=%v", fresh.Expiry, fresh.Extra("instance_url"), fresh.Extra("id"))
	}
	c, _ := salesforce.NewClient(oauth2.NewClient(context.Background(), ts), srv.URL())
	if ui, err := c.UserInfo(context.Background()); err != nil || ui.UserID != d.RepID {
		t.Errorf("UserInfo() with refreshed token = %+v, %v", ui, err)
	}
	// A bad refresh token is an OAuth error object.
	_, err = cfg.TokenSource(context.Background(), &oauth2.Token{RefreshToken: "bogus"}).Token()
	var re *oauth2.RetrieveError
	if !asRetrieve(err, &re) || re.ErrorCode != "invalid_grant" {
		t.Errorf("refresh(bogus) = %v, want invalid_grant", err)
	}
}

func asRetrieve(err error, target **oauth2.RetrieveError) bool {
	re, ok := err.(*oauth2.RetrieveError)
	if ok {
		*target = re
	}
	return ok
}

func TestParseTime(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2013-05-20T20:49:32.000+0000", time.Date(2013, 5, 20, 20, 49, 32, 0, time.UTC)},
		{"2026-01-02T15:04:05Z", time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)},
		{"2026-01-02", time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		got, err := salesforce.ParseTime(tt.in)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	if used, max, ok := salesforce.ParseLimitInfo("api-usage=10018/100000; per-app-api-usage=17/250(appName=sample-connected-app)"); !ok || used != 10018 || max != 100000 {
		t.Errorf("ParseLimitInfo = %d, %d, %v", used, max, ok)
	}
}

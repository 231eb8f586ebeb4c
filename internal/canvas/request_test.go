package canvas_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sfzoom/sfzoom/internal/canvas"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

func mustRead(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// mustVerify signs payload as Salesforce would and verifies it.
func mustVerify(tb testing.TB, payload []byte) *canvas.Request {
	tb.Helper()
	r, err := canvas.Verify(canvas.Sign(payload, []byte("secret")), secrets("secret"))
	if err != nil {
		tb.Fatalf("Verify(%s) = %v, want nil", payload, err)
	}
	return r
}

// summary is what sfzoom reads from a request.
type summary struct {
	UserID, OrgID    string
	Object, RecordID string
	RecordOK         bool
	Location         string
	Sublocation      string
	Name             string
	InstanceURL      string
	API              string
}

func summarize(r *canvas.Request) summary {
	object, id, ok := r.RecordContext()
	u := r.User()
	return summary{
		UserID: r.UserID18(), OrgID: r.OrgID18(),
		Object: object, RecordID: id, RecordOK: ok,
		Location:    r.Context.Environment.Location(),
		Sublocation: r.Context.Environment.EffectiveSublocation(),
		Name:        u.Name,
		InstanceURL: u.InstanceURL,
		API:         r.Context.Environment.Version.API,
	}
}

// TestRequest_Payloads decodes the documented example (docs/canvas.md §2.1) and the
// real payloads of docs/canvas.md §2.2, each signed by the test.
func TestRequest_Payloads(t *testing.T) {
	tests := []struct {
		file string
		want summary
	}{
		{"documented.json", summary{
			UserID: "005x0000001SyyEAAS", OrgID: "00Dx00000001hxyEAA",
			Object: "Account", RecordID: "001xx000003DGWiAAO", RecordOK: true,
			Location: "Chatter", Name: "Sean Forbes",
			InstanceURL: "http://MyDomainName.my.salesforce.com:8080", API: "66.0",
		}},
		// (B) Contact page layout, Classic, API 31.0; numeric issuedAt.
		{"contact_pagelayout_v31.json", summary{
			UserID: "005o0000000KmuMAAS", OrgID: "00Do0000000YsLjEAK",
			Object: "Contact", RecordID: "003o0000005s1KDAAY", RecordOK: true,
			Location: "PageLayout", Name: "Sam O'Brien",
			InstanceURL: "https://na17.salesforce.com", API: "31.0",
		}},
		// (B) Canvas App Previewer: displayLocation null, record {}.
		{"previewer.json", summary{
			UserID: "005o0000000KmuMAAS", OrgID: "00Do0000000YsLjEAK",
			Location: "None", Name: "Sam's S1 Test Org User",
			InstanceURL: "https://na17.salesforce.com", API: "33.0",
		}},
		// (C) custom object page layout, API 35.0.
		{"custom_object_v35.json", summary{
			UserID: "005580000018ldEAAQ", OrgID: "00D58000000Hlh6EAC",
			Object: "khowling__Bid__c", RecordID: "a05580000004DwnAAE", RecordOK: true,
			Location: "PageLayout", Name: "Keith Howling",
			InstanceURL: "https://kforce-dev-ed.my.salesforce.com", API: "35.0",
		}},
		// (D) Chatter tab: 15-character top-level userId, no record key, odd key order.
		{"chatter_v29.json", summary{
			UserID: "005R0000000DgJAIA0", OrgID: "00DR00000008bPCMAY",
			Location: "Chatter", Name: "Jürgen Ödegaard",
			InstanceURL: "https://cs15.salesforce.com", API: "29.0",
		}},
		// Lightning Aura wrapper: record id (15 chars) in parameters.recordId.
		{"aura_parameters.json", summary{
			UserID: "005x0000001SyyEAAS", OrgID: "00Dx00000001hxyEAA",
			Object: "Opportunity", RecordID: "006xx000004TmiQAAS", RecordOK: true,
			Location: "None", Sublocation: "S1RecordHomeFullview", Name: "Sean Forbes",
			InstanceURL: "https://acme.my.salesforce.com", API: "62.0",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			r := mustVerify(t, mustRead(t, "testdata/payloads/"+tt.file))
			if diff := cmp.Diff(tt.want, summarize(r)); diff != "" {
				t.Errorf("summary mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRequest_DocumentedFields(t *testing.T) {
	r := mustVerify(t, mustRead(t, "testdata/payloads/documented.json"))
	rec := r.Context.Environment.Record
	if got, want := string(rec.Fields["Phone"]), `"(555) 555-5555"`; got != want {
		t.Errorf("Record.Fields[Phone] = %s, want %s", got, want)
	}
	if _, ok := rec.Fields["Id"]; ok {
		t.Errorf("Record.Fields contains Id; want it only in Record.ID")
	}
	if got, want := rec.URL, "/services/data/v66.0/sobjects/Account/001xx000003DGWiAAO"; got != want {
		t.Errorf("Record.URL = %q, want %q", got, want)
	}
	if got, want := r.Context.User.CurrencyISOCode, "USD"; got != want {
		t.Errorf("User.CurrencyISOCode = %q, want %q", got, want)
	}
	if got, want := r.Context.Organization.CurrencyISOCode, "USD"; got != want {
		t.Errorf("Organization.CurrencyISOCode = %q, want %q", got, want)
	}
	if got, want := r.Context.Environment.Dimensions.MaxHeight, "2000px"; got != want {
		t.Errorf("Dimensions.MaxHeight = %q, want %q", got, want)
	}
	if got, want := r.Context.Links.RestURL, "/services/data/v66.0/"; got != want {
		t.Errorf("Links.RestURL = %q, want %q", got, want)
	}
	if got, want := r.Context.Application.AuthType, "SIGNED_REQUEST"; got != want {
		t.Errorf("Application.AuthType = %q, want %q", got, want)
	}
	if got, want := r.Client.RefreshToken, "<SALESFORCE_ACCESS_TOKEN>"; got != want {
		t.Errorf("Client.RefreshToken = %q, want %q", got, want)
	}
	var params map[string]any
	if err := json.Unmarshal(r.Context.Environment.Parameters, &params); err != nil || params["simple"] != "This is a simple string." {
		t.Errorf("Parameters = %s (%v), want the documented object", r.Context.Environment.Parameters, err)
	}
}

// quirk wraps an environment object in an otherwise ordinary payload.
func quirk(env string) []byte {
	return fmt.Appendf(nil, `{"algorithm":"HMACSHA256","issuedAt":null,"userId":"005x0000001SyyE",
		"client":{"oauthToken":"00Dx!tok","instanceUrl":"https://acme.my.salesforce.com/"},
		"context":{"user":{"userId":"005x0000001SyyEAAS","firstName":"Zoë","lastName":"D'Arcy"},
		"organization":{"organizationId":"00Dx00000001hxy"},"environment":%s}}`, env)
}

func TestRequest_RecordContext(t *testing.T) {
	type record struct {
		Object, ID string
		OK         bool
	}
	tests := []struct {
		name string
		env  string
		want record
	}{
		{"RecordWithType", `{"record":{"attributes":{"type":"Opportunity"},"Id":"006xx000004TmiQAAS"}}`, record{"Opportunity", "006xx000004TmiQAAS", true}},
		{"Record15Chars", `{"record":{"attributes":{"type":"Opportunity"},"Id":"006xx000004TmiQ"}}`, record{"Opportunity", "006xx000004TmiQAAS", true}},
		{"RecordNoAttributesPrefix", `{"record":{"Id":"003xx000004Zz9YAAS"}}`, record{"Contact", "003xx000004Zz9YAAS", true}},
		{"RecordLowercaseIdKey", `{"record":{"id":"00Qxx000001AbCd"}}`, record{"Lead", "00Qxx000001AbCdEAK", true}},
		{"RecordEmptyObject", `{"record":{},"parameters":{}}`, record{}},
		{"RecordNull", `{"record":null,"parameters":null}`, record{}},
		{"RecordMissing", `{"displayLocation":"Chatter"}`, record{}},
		{"RecordNotObject", `{"record":"006xx000004TmiQAAS"}`, record{}},
		{"RecordUnknownPrefixNoType", `{"record":{"Id":"a0Bxx000000XyZwEAK"}}`, record{"", "a0Bxx000000XyZwEAK", false}},
		{"RecordInvalidIDFallsBackToParameters", `{"record":{"Id":"bogus"},"parameters":{"recordId":"001xx000003DGWi"}}`, record{"Account", "001xx000003DGWiAAO", true}},
		{"RecordWinsOverParameters", `{"record":{"attributes":{"type":"Contact"},"Id":"003xx000004Zz9YAAS"},"parameters":{"recordId":"001xx000003DGWi"}}`, record{"Contact", "003xx000004Zz9YAAS", true}},
		{"ParamsRecordID", `{"parameters":{"recordId":"006xx000004TmiQAAS"}}`, record{"Opportunity", "006xx000004TmiQAAS", true}},
		{"ParamsRecordIDOtherCase", `{"parameters":{"RecordId":"00Qxx000001AbCdEAK"}}`, record{"Lead", "00Qxx000001AbCdEAK", true}},
		{"ParamsSnakeCase", `{"parameters":{"record_id":"003xx000004Zz9Y"}}`, record{"Contact", "003xx000004Zz9YAAS", true}},
		{"ParamsID", `{"parameters":{"Id":"001xx000003DGWiAAO"}}`, record{"Account", "001xx000003DGWiAAO", true}},
		{"ParamsSObjectName", `{"parameters":{"recordId":"500xx000000AbCd","sObjectName":"Case"}}`, record{"Case", "500xx000000AbCdAAK", true}},
		{"ParamsObjectAPIName", `{"parameters":{"recordId":"a0Bxx000000XyZw","objectApiName":"Bid__c"}}`, record{"Bid__c", "a0Bxx000000XyZwEAK", true}},
		{"ParamsUnknownPrefix", `{"parameters":{"recordId":"a0Bxx000000XyZw"}}`, record{"", "a0Bxx000000XyZwEAK", false}},
		{"ParamsAsJSONString", `{"parameters":"{\"recordId\":\"006xx000004TmiQ\"}"}`, record{"Opportunity", "006xx000004TmiQAAS", true}},
		{"ParamsArray", `{"parameters":[{"recordId":"006xx000004TmiQ"}]}`, record{}},
		{"ParamsNumber", `{"parameters":10}`, record{}},
		{"ParamsRecordIDNotString", `{"parameters":{"recordId":6}}`, record{}},
		{"ParamsRecordIDBadChecksum", `{"parameters":{"recordId":"006xx000004TmiQAAA"}}`, record{}},
		{"ParamsEmpty", `{"parameters":{}}`, record{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustVerify(t, quirk(tt.env))
			var got record
			got.Object, got.ID, got.OK = r.RecordContext()
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("RecordContext() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRequest_Quirks(t *testing.T) {
	tests := []struct {
		name, env             string
		location, sublocation string
	}{
		{"DisplayLocationMissing", `{}`, "None", ""},
		{"DisplayLocationNull", `{"displayLocation":null}`, "None", ""},
		{"DisplayLocationNone", `{"displayLocation":"None"}`, "None", ""},
		{"SublocationRealSpelling", `{"displayLocation":"PageLayout","sublocation":"S1MobileCardFullview"}`, "PageLayout", "S1MobileCardFullview"},
		{"SubLocationDocsSpelling", `{"displayLocation":"Publisher","subLocation":"S1RecordHomePreview"}`, "Publisher", "S1RecordHomePreview"},
		{"EnvironmentNull", `null`, "None", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustVerify(t, quirk(tt.env))
			env := r.Context.Environment
			if got := env.Location(); got != tt.location {
				t.Errorf("Location() = %q, want %q", got, tt.location)
			}
			if got := env.EffectiveSublocation(); got != tt.sublocation {
				t.Errorf("EffectiveSublocation() = %q, want %q", got, tt.sublocation)
			}
			// The common part: 15-char org id normalised, name from first/last.
			want := &sfzoom.User{
				OrgID: "00Dx00000001hxyEAA", UserID: "005x0000001SyyEAAS", Name: "Zoë D'Arcy",
				InstanceURL: "https://acme.my.salesforce.com",
			}
			if diff := cmp.Diff(want, r.User()); diff != "" {
				t.Errorf("User() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRequest_NoSecretsInOutput checks that printing or logging a request
// never shows the OAuth tokens or the session id inside locationUrl
// (docs/canvas.md pitfall 9).
func TestRequest_NoSecretsInOutput(t *testing.T) {
	payload := bytes.Replace(mustRead(t, "testdata/payloads/custom_object_v35.json"),
		[]byte(`"refreshToken":null`), []byte(`"refreshToken":"5Aep8-REFRESH"`), 1)
	r := mustVerify(t, payload)

	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	logger.Info("canvas", "request", r, "client", r.Client)
	outputs := map[string]string{
		"%v request":  fmt.Sprintf("%v", r),
		"%+v request": fmt.Sprintf("%+v", *r),
		"%#v client":  fmt.Sprintf("%#v", r.Client),
		"%v context":  fmt.Sprintf("%v", r.Client),
		"slog":        buf.String(),
	}
	for name, out := range outputs {
		assertNoLeak(t, name+": "+out, "00D58000000Hlh6!redacted", "5Aep8-REFRESH")
	}
	for _, name := range []string{"%v request", "slog"} {
		assertNoLeak(t, name+": "+outputs[name], "SESSIONSECRET")
	}
	if !bytes.Contains(buf.Bytes(), []byte(`"org_id":"00D58000000Hlh6EAC"`)) {
		t.Errorf("slog output %s lacks org_id", buf.String())
	}
}

func TestID18(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		// Real 15/18 pairs seen in one payload (docs/canvas.md §2.2).
		{in: "003o0000005s1KD", want: "003o0000005s1KDAAY"},
		{in: "005R0000000DgJA", want: "005R0000000DgJAIA0"},
		{in: "00Do0000000YsLj", want: "00Do0000000YsLjEAK"},
		{in: "001xx000003DGWi", want: "001xx000003DGWiAAO"},
		{in: "ABCDEABCDEABCDE", want: "ABCDEABCDEABCDE555"},
		{in: "abcdeabcdeabcde", want: "abcdeabcdeabcdeAAA"},
		{in: "003o0000005s1KDAAY", want: "003o0000005s1KDAAY"},
		{in: "003o0000005s1KDaay", want: "003o0000005s1KDAAY"},
		{in: "003o0000005s1KDAAA", wantErr: true},
		{in: "003O0000005s1KDAAY", wantErr: true}, // case of the first 15 changed
		{in: "", wantErr: true},
		{in: "003o0000005s1K", wantErr: true},
		{in: "003o0000005s1KDA", wantErr: true},
		{in: "003o0000005s1KDAAYX", wantErr: true},
		{in: "003o0000005s1K!", wantErr: true},
		{in: "003o0000005s1Kü", wantErr: true},
	}
	for _, tt := range tests {
		got, err := canvas.ID18(tt.in)
		if tt.wantErr {
			if err == nil || !errors.Is(err, canvas.ErrInvalidID) || sfzoom.ErrorCode(err) != sfzoom.EINVALID {
				t.Errorf("ID18(%q) = %q, %v, want ErrInvalidID", tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ID18(%q) = %q, %v, want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestObjectForID(t *testing.T) {
	tests := map[string]string{
		"006xx000004TmiQAAS": "Opportunity",
		"003xx000004Zz9Y":    "Contact",
		"00Qxx000001AbCd":    "Lead",
		"001xx000003DGWi":    "Account",
		"00qxx000001AbCd":    "", // key prefixes are case-sensitive
		"500xx000000AbCd":    "",
		"00":                 "",
	}
	for id, want := range tests {
		if got := canvas.ObjectForID(id); got != want {
			t.Errorf("ObjectForID(%q) = %q, want %q", id, got, want)
		}
	}
}

package canvas_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/sfzoom/sfzoom/internal/canvas"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

const (
	orgA   = "00Dx00000001hxyEAA" // testOrg
	orgA15 = "00Dx00000001hxy"
	orgB   = "00Do0000000YsLjEAK"
)

func orgPayload(org string) []byte {
	return fmt.Appendf(nil, `{"algorithm":"HMACSHA256","client":{"oauthToken":"t","instanceUrl":"https://acme.my.salesforce.com"},
		"context":{"user":{"userId":%q},"organization":{"organizationId":%q}}}`, testUser, org)
}

func bind(t *testing.T, org, key string) canvas.Secret {
	t.Helper()
	s, err := canvas.BindSecret(org, []byte(key))
	if err != nil {
		t.Fatalf("BindSecret(%q) = %v", org, err)
	}
	return s
}

// TestVerify_SecretBoundToOrg proves a consumer secret verifies only the
// requests of the org it is configured for: the holder of org B's secret
// cannot sign a request naming org A.
func TestVerify_SecretBoundToOrg(t *testing.T) {
	tests := []struct {
		name    string
		org     string // the org the payload names
		signKey string
		secrets []canvas.Secret
		wantErr error
	}{
		{name: "OK/OwnOrg", org: orgA, signKey: "a", secrets: []canvas.Secret{bind(t, orgA, "a"), bind(t, orgB, "b")}},
		{name: "OK/15CharConfigured", org: orgA, signKey: "a", secrets: []canvas.Secret{bind(t, orgA15, "a")}},
		{name: "OK/15CharInPayload", org: orgA15, signKey: "a", secrets: []canvas.Secret{bind(t, orgA, "a")}},
		{name: "OK/RotationTwoSecretsOneOrg", org: orgA, signKey: "a-new", secrets: []canvas.Secret{bind(t, orgA, "a-old"), bind(t, orgA, "a-new")}},
		{name: "OK/SameKeyTwoOrgs", org: orgB, signKey: "shared", secrets: []canvas.Secret{bind(t, orgA, "shared"), bind(t, orgB, "shared")}},
		{name: "OK/UnboundSingleOrg", org: orgB, signKey: "bare", secrets: []canvas.Secret{{Key: []byte("bare")}}},
		{name: "ErrWrongOrg/OtherOrgsSecret", org: orgA, signKey: "b", secrets: []canvas.Secret{bind(t, orgA, "a"), bind(t, orgB, "b")}, wantErr: canvas.ErrWrongOrg},
		{name: "ErrWrongOrg/NoOrgInPayload", org: "", signKey: "a", secrets: []canvas.Secret{bind(t, orgA, "a")}, wantErr: canvas.ErrWrongOrg},
		{name: "ErrWrongOrg/GarbageOrgInPayload", org: "00Dx00000001hxyZZZ", signKey: "a", secrets: []canvas.Secret{bind(t, orgA, "a")}, wantErr: canvas.ErrWrongOrg},
		{name: "ErrBadSignature/UnknownKey", org: orgA, signKey: "c", secrets: []canvas.Secret{bind(t, orgA, "a")}, wantErr: canvas.ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := canvas.Verify(canvas.Sign(orgPayload(tt.org), []byte(tt.signKey)), tt.secrets)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Verify() = %v, want nil", err)
				}
				if r.OrgID18() == "" {
					t.Errorf("OrgID18() empty")
				}
				return
			}
			if !errors.Is(err, tt.wantErr) || r != nil {
				t.Fatalf("Verify() = %v, %v; want %v", r, err, tt.wantErr)
			}
			if sfzoom.ErrorCode(err) != sfzoom.EUNAUTHORIZED {
				t.Errorf("ErrorCode = %q, want unauthorized", sfzoom.ErrorCode(err))
			}
		})
	}
}

func TestBindSecret(t *testing.T) {
	for _, org := range []string{"005x0000001SyyEAAS", "00Dx00000001hxyZZZ", "00D", "not-an-id"} {
		if _, err := canvas.BindSecret(org, []byte("k")); err == nil {
			t.Errorf("BindSecret(%q) = nil error, want one", org)
		}
	}
	if s := bind(t, orgA15, "k"); s.OrgID != orgA {
		t.Errorf("BindSecret(15-char).OrgID = %q, want %q", s.OrgID, orgA)
	}
}

// TestInstancePolicy pins which instance URLs may vouch for a request.
// Salesforce's domains: https://help.salesforce.com/apex/HTViewHelpDoc?id=domain_name_overview.htm
// and the hosts quoted in internal/canvas/instance.go.
func TestInstancePolicy(t *testing.T) {
	tests := []struct {
		raw, want string
		dev       []string
	}{
		{raw: "https://acme.my.salesforce.com", want: "https://acme.my.salesforce.com"},
		{raw: "https://ACME.my.salesforce.com/", want: "https://acme.my.salesforce.com"},
		{raw: "https://acme.my.salesforce.com:443", want: "https://acme.my.salesforce.com"},
		{raw: "https://acme--uat.sandbox.my.salesforce.com", want: "https://acme--uat.sandbox.my.salesforce.com"},
		{raw: "https://acme-dev-ed.develop.my.salesforce.com", want: "https://acme-dev-ed.develop.my.salesforce.com"},
		{raw: "https://na17.salesforce.com", want: "https://na17.salesforce.com"},
		{raw: "https://cs15.salesforce.com", want: "https://cs15.salesforce.com"},
		{raw: "https://acme.lightning.force.com", want: "https://acme.lightning.force.com"},
		{raw: "https://acme.cloudforce.com", want: "https://acme.cloudforce.com"},
		{raw: "https://acme.my.salesforce.mil", want: "https://acme.my.salesforce.mil"},
		{raw: "https://acme.lightning.force.mil", want: "https://acme.lightning.force.mil"},
		{raw: "http://localhost:8081", dev: []string{"http://localhost:8081"}, want: "http://localhost:8081"},

		{raw: "http://acme.my.salesforce.com"},
		{raw: "https://acme.my.salesforce.com:8443"},
		{raw: "https://salesforce.com"},
		{raw: "https://force.com"},
		{raw: "https://evilsalesforce.com"},
		{raw: "https://acme.my.salesforce.com.evil.example"},
		{raw: "https://evil.example/acme.my.salesforce.com"},
		{raw: "https://user:pw@acme.my.salesforce.com"},
		{raw: "https://acme.my.salesforce.com/services/data"},
		{raw: "https://acme.my.salesforce.com?x=1"},
		{raw: "https://127.0.0.1"},
		{raw: "http://localhost:8081"},
		{raw: "http://localhost:8082", dev: []string{"http://localhost:8081"}},
		{raw: "https://sfzoom.example.com"},
		{raw: "javascript:alert(1)"},
		{raw: ""},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			got, err := canvas.InstancePolicy{DevOrigins: tt.dev}.Check(tt.raw)
			if tt.want == "" {
				if err == nil || !errors.Is(err, canvas.ErrUntrustedInstance) || sfzoom.ErrorCode(err) != sfzoom.EFORBIDDEN {
					t.Fatalf("Check(%q) = %q, %v; want EFORBIDDEN ErrUntrustedInstance", tt.raw, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Check(%q) = %q, %v; want %q", tt.raw, got, err, tt.want)
			}
		})
	}
}

// TestTokenChecker_NeverCallsAnUntrustedHost: a "Salesforce" that says yes
// to everything, on a host outside the policy, is never asked.
func TestTokenChecker_NeverCallsAnUntrustedHost(t *testing.T) {
	var calls atomic.Int64
	yes := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		fmt.Fprint(w, userInfo(testUser, testOrg))
	}))
	t.Cleanup(yes.Close)
	c := canvas.NewTokenChecker(yes.Client()) // the serve policy
	_, err := c.Check(context.Background(), canvasRequest(t, yes.URL, liveToken, testUser, testOrg))
	if !errors.Is(err, canvas.ErrUntrustedInstance) {
		t.Fatalf("Check() = %v, want ErrUntrustedInstance", err)
	}
	if n := calls.Load(); n != 0 {
		t.Fatalf("the untrusted host got %d requests, want 0", n)
	}
}

package main

import (
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sfzoom/sfzoom/internal/backend"
	"github.com/sfzoom/sfzoom/internal/integrations"
	"github.com/sfzoom/sfzoom/internal/salesforce/salesforcetest"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/tokens"
)

// TestSchemaCheck: /readyz's Salesforce schema check fails, naming the
// field and the deploy command, when a connected org lacks a custom field
// sfzoom writes, and passes when the org has them all.
func TestSchemaCheck(t *testing.T) {
	full := salesforcetest.DefaultSchema()
	reduced := salesforcetest.DefaultSchema()
	for i, o := range reduced.Objects {
		if o.Name != "Opportunity" {
			continue
		}
		var keep []salesforcetest.FieldSchema
		for _, f := range o.Fields {
			if f.Name != "Meeting_Count__c" {
				keep = append(keep, f)
			}
		}
		reduced.Objects[i].Fields = keep
	}
	for _, tc := range []struct {
		name   string
		schema salesforcetest.Schema
		want   string // "" = ready
	}{{"AllFieldsDeployed", full, ""}, {"FieldMissing", reduced, "Opportunity.Meeting_Count__c"}} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			sf := salesforcetest.NewServer(salesforcetest.WithSchema(tc.schema), salesforcetest.WithConnectedApp("c", "s"))
			t.Cleanup(sf.Close)
			d := sf.AddUser(salesforcetest.User{FirstName: "Alex", LastName: "Admin", Email: "alex@example.com", SystemAdmin: true})
			be, in := salesforceIntegrations(t, sf)
			check := &schemaCheck{store: be.Store, integrations: in}
			if err := check.Check(ctx); err != nil {
				t.Fatalf("with no org connected the check = %v, want ready", err)
			}
			verifier := tokens.GenerateVerifier()
			code := approve(t, sf, in.SalesforceAuthURL("st", verifier), d)
			if _, err := in.ConnectSalesforce(ctx, sf.DefaultOrgID(), code, verifier); err != nil {
				t.Fatal(err)
			}
			err := check.Check(ctx)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Check = %v, want ready", err)
				}
				return
			}
			if sfzoom.ErrorCode(err) != sfzoom.EUNAVAILABLE || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "sf project deploy start") {
				t.Fatalf("Check = %v, want EUNAVAILABLE naming %s and the deploy command", err, tc.want)
			}
		})
	}
}

func approve(t *testing.T, sf *salesforcetest.Server, authURL, adminID string) string {
	t.Helper()
	u, _ := url.Parse(authURL)
	form := url.Values{"decision": {"allow"}, "user_id": {adminID}}
	for k, v := range u.Query() {
		form.Set(k, v[0])
	}
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.PostForm(sf.URL()+"/services/oauth2/authorize", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	return loc.Query().Get("code")
}

// salesforceIntegrations opens a fresh SQLite backend and the integrations
// over it, pointed at sf's connected app "c"/"s".
func salesforceIntegrations(t *testing.T, sf *salesforcetest.Server) (*backend.Backend, *integrations.Integrations) {
	t.Helper()
	be, err := backend.Open(context.Background(), backend.Options{DatabaseURL: "sqlite:" + filepath.Join(t.TempDir(), "db.sqlite")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { be.Close() })
	key, _ := tokens.NewKey("k", make([]byte, 32))
	vault, err := tokens.NewVault(be.Store, []tokens.Key{key})
	if err != nil {
		t.Fatal(err)
	}
	return be, integrations.New(integrations.Options{Store: be.Store, Vault: vault, SalesforceClientID: "c",
		SalesforceClientSecret: "s", SalesforceLoginURL: sf.URL(), PublicURL: "https://sfzoom.example.com", BackgroundBudget: 0.8})
}

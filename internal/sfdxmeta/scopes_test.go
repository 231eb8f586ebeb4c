package sfdxmeta_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sfzoom/sfzoom/internal/canvas"
	"github.com/sfzoom/sfzoom/internal/integrations"
	"github.com/sfzoom/sfzoom/internal/salesforce/salesforcetest"
)

// metadataScopes maps ConnectedAppOauthAccessScope values to the OAuth
// scope names tokens carry ("Basic" is "Access the identity URL service
// (id, profile, email, address, phone)"), per
// https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_tokens_scopes.htm .
var metadataScopes = map[string]string{
	"Api": "api", "Basic": "id", "RefreshToken": "refresh_token", "OpenID": "openid", "Web": "web",
	"Full": "full", "Profile": "profile", "Email": "email", "Address": "address", "Phone": "phone",
	"OfflineAccess": "offline_access", "Chatter": "chatter_api", "CustomApplications": "visualforce",
}

// TestScopesMatchWhatTheCodeCalls keeps three things in step: the scopes the
// shipped External Client App (and the legacy Connected App) grant, the
// scopes the fake org grants by default, and the scopes sfzoom's own calls
// need: the replay guard's identity URL (canvas.RequiredScope), the REST API
// with the rep's Canvas token (admin check, record access) and the
// integration connection's OAuth request.
func TestScopesMatchWhatTheCodeCalls(t *testing.T) {
	dir := sfdxDir(t)
	eca := regexp.MustCompile(`<commaSeparatedOauthScopes>([^<]*)</commaSeparatedOauthScopes>`).FindStringSubmatch(mustRead(t, dir, oauthScopeFile))
	if eca == nil {
		t.Fatalf("%s has no commaSeparatedOauthScopes", oauthScopeFile)
	}
	var legacy []string
	for _, m := range regexp.MustCompile(`<scopes>([^<]*)</scopes>`).FindAllStringSubmatch(mustRead(t, dir, connectedFile), -1) {
		legacy = append(legacy, m[1])
	}
	toOAuth := func(what string, values []string) []string {
		var out []string
		for _, v := range values {
			s, ok := metadataScopes[strings.TrimSpace(v)]
			if !ok {
				t.Fatalf("%s: unknown scope %q", what, v)
			}
			out = append(out, s)
		}
		slices.Sort(out)
		return out
	}
	granted := toOAuth(oauthScopeFile, strings.Split(eca[1], ","))
	if diff := cmp.Diff(granted, toOAuth(connectedFile, legacy)); diff != "" {
		t.Errorf("the legacy Connected App grants other scopes than the External Client App (-eca +legacy):\n%s", diff)
	}
	fake := slices.Clone(salesforcetest.DefaultAppScopes)
	slices.Sort(fake)
	if diff := cmp.Diff(granted, fake); diff != "" {
		t.Errorf("salesforcetest.DefaultAppScopes differ from sfdx/ (-sfdx +fake):\n%s", diff)
	}
	needs := map[string]string{
		canvas.RequiredScope: "the replay guard's identity URL call",
		"api":                "the admin check and record access with the rep's Canvas token",
	}
	for _, s := range integrations.SalesforceScopes {
		needs[s] = "the integration connection's OAuth request"
	}
	for scope, why := range needs {
		if !slices.Contains(granted, scope) {
			t.Errorf("sfdx/ does not grant %q, which %s needs", scope, why)
		}
	}
}

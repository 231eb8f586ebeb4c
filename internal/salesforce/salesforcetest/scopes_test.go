package salesforcetest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/sfzoom/sfzoom/internal/salesforce/salesforcetest"
)

// TestScopesEnforced: the fake org checks a token's OAuth scopes the way
// Salesforce does (https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_tokens_scopes.htm):
// the identity URL needs id (or a synonym, or full), userinfo id or openid,
// and the REST API needs api (or full). A token lacking the scope is refused
// like a dead one.
func TestScopesEnforced(t *testing.T) {
	tests := []struct {
		name                   string
		scopes                 []string
		identity, userinfo, db int
	}{
		{"Default", salesforcetest.DefaultAppScopes, 200, 200, 200},
		{"APIOnly", []string{"api", "refresh_token"}, 403, 403, 200},
		{"IDOnly", []string{"id"}, 200, 200, 401},
		{"ProfileIsID", []string{"profile", "api"}, 200, 200, 200},
		{"OpenIDOnly", []string{"openid"}, 403, 200, 401},
		{"Full", []string{"full"}, 200, 200, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sf := salesforcetest.NewServer(salesforcetest.WithAppScopes(tt.scopes...))
			t.Cleanup(sf.Close)
			d := sf.SeedDemo()
			tok := sf.IssueToken(d.RepID)
			for _, c := range []struct {
				path string
				want int
			}{
				{"/id/" + d.OrgID + "/" + d.RepID, tt.identity},
				{"/services/oauth2/userinfo", tt.userinfo},
				{"/services/data/v" + salesforcetest.DefaultAPIVersion + "/query?q=SELECT+Id+FROM+User+LIMIT+1", tt.db},
			} {
				req, _ := http.NewRequest(http.MethodGet, sf.URL()+c.path, nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != c.want {
					t.Errorf("GET %s with scopes %v = %d, want %d", strings.SplitN(c.path, "?", 2)[0], tt.scopes, resp.StatusCode, c.want)
				}
			}
		})
	}
}

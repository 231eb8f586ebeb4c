package demo

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// ApproveSalesforce runs the fake org's OAuth consent for userID as if the
// person clicked Allow: it takes the authorization URL the app built
// (client id, redirect URI, state, PKCE challenge) and returns the code the
// fake redirects back with. The demo uses it to connect the integration
// user at start, so background work (the post-meeting pipeline) runs
// without anyone clicking Connect Salesforce first.
func (d *Demo) ApproveSalesforce(ctx context.Context, authURL, userID string) (string, error) {
	u, err := url.Parse(authURL)
	if err != nil {
		return "", fmt.Errorf("demo: approve salesforce: %w", err)
	}
	q := u.Query()
	form := url.Values{"decision": {"allow"}, "user_id": {userID}}
	for _, k := range []string{"response_type", "client_id", "redirect_uri", "state", "scope", "code_challenge", "code_challenge_method"} {
		if v := q.Get(k); v != "" {
			form.Set(k, v)
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.Salesforce.URL()+"/services/oauth2/authorize", strings.NewReader(form.Encode()))
	if err != nil {
		return "", fmt.Errorf("demo: approve salesforce: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("demo: approve salesforce: %w", err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		return "", errors.New("demo: approve salesforce: the fake org returned no authorization code")
	}
	return loc.Query().Get("code"), nil
}

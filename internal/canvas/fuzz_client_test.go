package canvas_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/sfzoom/sfzoom/internal/canvas"
)

// recordingTransport records every request and answers like a Salesforce
// that refuses the token; it never touches the network.
type recordingTransport struct {
	mu   sync.Mutex
	reqs []*http.Request
}

func (rt *recordingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rt.mu.Lock()
	rt.reqs = append(rt.reqs, r)
	rt.mu.Unlock()
	return &http.Response{StatusCode: http.StatusForbidden, Body: io.NopCloser(strings.NewReader("Bad_OAuth_Token")), Header: http.Header{}, Request: r}, nil
}

// FuzzClientBlock mutates the signed request's client block (and the org it
// names) and checks the trust rules hold for any value: a request signed with
// org A's secret verifies only when it names org A, and the replay guard
// sends the token to nothing but an https Salesforce host (or the one listed
// dev origin), at /id/<org>/<user> of the payload's own ids. The seed corpus
// lives in testdata/fuzz/FuzzClientBlock.
func FuzzClientBlock(f *testing.F) {
	f.Add("https://acme.my.salesforce.com", "00Dx00000001hxy!tok", "https://acme.lightning.force.com", "09H:", orgA)
	f.Add("http://localhost:8081", "tok", "", "", orgA)
	f.Add("https://acme.my.salesforce.com.evil.example", "tok", "", "", orgA)
	f.Add("https://acme.my.salesforce.com@evil.example", "tok", "", "", orgA)
	f.Add("https://evil.example#.my.salesforce.com", "tok", "", "", orgB)
	f.Add("//acme.my.salesforce.com", "", "", "", orgA15)

	secretA, err := canvas.BindSecret(orgA, []byte("secret-a"))
	if err != nil {
		f.Fatal(err)
	}
	const dev = "http://localhost:8081"
	f.Fuzz(func(t *testing.T, instanceURL, token, targetOrigin, instanceID, org string) {
		payload, err := json.Marshal(map[string]any{
			"algorithm": "HMACSHA256",
			"client":    map[string]any{"instanceUrl": instanceURL, "oauthToken": token, "targetOrigin": targetOrigin, "instanceId": instanceID},
			"context":   map[string]any{"user": map[string]any{"userId": testUser}, "organization": map[string]any{"organizationId": org}},
		})
		if err != nil {
			t.Skip() // invalid UTF-8 is replaced, not a client block we can send
		}
		r, err := canvas.Verify(canvas.Sign(payload, []byte("secret-a")), []canvas.Secret{secretA})
		if err != nil {
			if r != nil {
				t.Fatal("Verify returned a request with an error")
			}
			return
		}
		if r.OrgID18() != orgA {
			t.Fatalf("org A's secret verified a request naming %q", org)
		}

		rt := &recordingTransport{}
		c := canvas.NewTokenChecker(&http.Client{Transport: rt}, canvas.WithInstancePolicy(canvas.InstancePolicy{DevOrigins: []string{dev}}))
		_, _ = c.Check(context.Background(), r)
		for _, req := range rt.reqs {
			u := req.URL
			origin := u.Scheme + "://" + u.Host
			if origin != dev && (u.Scheme != "https" || u.Port() != "" || !canvas.IsSalesforceHost(u.Hostname())) {
				t.Fatalf("instanceUrl %q made the guard call %s", instanceURL, u)
			}
			if want := "/id/" + orgA + "/" + testUser; u.Path != want || u.RawQuery != "" || u.User != nil {
				t.Fatalf("instanceUrl %q made the guard call %s, want path %s", instanceURL, u, want)
			}
			if _, err := url.Parse(origin); err != nil {
				t.Fatal(err)
			}
		}
	})
}

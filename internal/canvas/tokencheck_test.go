package canvas_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sfzoom/sfzoom/internal/canvas"
	"github.com/sfzoom/sfzoom/internal/httpretry/retrytest"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

const (
	liveToken = "00Dx00000001hxy!LIVE.token"
	deadToken = "00Dx00000001hxy!DEAD.token"
	testOrg   = "00Dx00000001hxyEAA"
	testUser  = "005x0000001SyyEAAS"
)

// userInfo is a reply of GET /id/ORGID/USERID, shaped like Salesforce's
// identity URL answer
// (https://developer.salesforce.com/docs/atlas.en-us.mobile_sdk.meta/mobile_sdk/oauth_using_identity_urls.htm).
func userInfo(userID, orgID string) string {
	return identityReply(userID, orgID, true)
}

func identityReply(userID, orgID string, asserted bool) string {
	return fmt.Sprintf(`{"id":"https://login.salesforce.com/id/%[2]s/%[1]s","asserted_user":%[3]t,"user_id":%[1]q,"organization_id":%[2]q,
"username":"rep@example.com","nick_name":"User1674","display_name":"Sean Forbes","email":"rep@example.com",
"email_verified":true,"first_name":"Sean","last_name":"Forbes","timezone":"America/Los_Angeles",
"photos":{"picture":"https://acme.file.force.com/p","thumbnail":"https://acme.file.force.com/t"},
"active":true,"user_type":"STANDARD","language":"en_US","locale":"en_US","utcOffset":-28800000,
"last_modified_date":"2021-04-28T20:54:09.000+0000","is_app_installed":true}`, userID, orgID, asserted)
}

// devPolicy lets a TokenChecker call the local test servers, as only the
// demo and tests may.
func devPolicy(urls ...string) canvas.TokenCheckerOption {
	return canvas.WithInstancePolicy(canvas.InstancePolicy{DevOrigins: urls})
}

// identityServer fakes the org's identity endpoint. replies maps a token to
// the status and body to answer; any other token gets 403 Bad_OAuth_Token,
// as Salesforce answers for a bad token (docs/salesforce-api.md §3).
type identityServer struct {
	*httptest.Server
	calls atomic.Int64
	mu    sync.Mutex
	// replies maps a bearer token to a status and body.
	replies map[string][2]string
	badAuth atomic.Int64 // requests without a proper Bearer header or path
}

func newIdentityServer(t *testing.T) *identityServer {
	t.Helper()
	s := &identityServer{replies: map[string][2]string{
		liveToken: {"200", userInfo(testUser, testOrg)},
	}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.calls.Add(1)
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || !strings.HasPrefix(r.URL.Path, canvas.IdentityPathPrefix) || r.Method != http.MethodGet {
			s.badAuth.Add(1)
		}
		s.mu.Lock()
		reply, found := s.replies[token]
		s.mu.Unlock()
		if !found {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, "Bad_OAuth_Token")
			return
		}
		var status int
		fmt.Sscan(reply[0], &status)
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		w.WriteHeader(status)
		fmt.Fprint(w, reply[1])
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *identityServer) set(token string, status int, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.replies[token] = [2]string{fmt.Sprint(status), body}
}

// canvasRequest returns a verified request whose client points at base.
func canvasRequest(t *testing.T, base, token, userID, orgID string) *canvas.Request {
	t.Helper()
	payload := fmt.Sprintf(`{"algorithm":"HMACSHA256","userId":%q,
		"client":{"oauthToken":%q,"instanceUrl":%q},
		"context":{"user":{"userId":%q},"organization":{"organizationId":%q}}}`,
		userID, token, base, userID, orgID)
	return mustVerify(t, []byte(payload))
}

func TestTokenChecker_Check(t *testing.T) {
	srv := newIdentityServer(t)
	srv.set("tok-401", http.StatusUnauthorized, `[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]`)
	srv.set("tok-500", http.StatusInternalServerError, `oops`)
	srv.set("tok-429", http.StatusTooManyRequests, `slow down`)
	srv.set("tok-badjson", http.StatusOK, `<html>`)
	srv.set("tok-noids", http.StatusOK, `{"sub":"x"}`)
	srv.set("tok-otheruser", http.StatusOK, userInfo("005xx000001SwiUAAS", testOrg))
	srv.set("tok-otherorg", http.StatusOK, userInfo(testUser, "00Do0000000YsLjEAK"))
	srv.set("tok-15", http.StatusOK, userInfo("005x0000001SyyE", "00Dx00000001hxy"))
	srv.set("tok-notasserted", http.StatusOK, identityReply(testUser, testOrg, false))
	srv.set("tok-400", http.StatusBadRequest, `Bad_OAuth_Token`)
	srv.set("tok-404", http.StatusNotFound, `Not found`)

	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()

	tests := []struct {
		name      string
		base      string
		token     string
		user, org string
		want      canvas.Identity
		code      string
		message   string
		noCall    bool
	}{
		{name: "OK", base: srv.URL, token: liveToken, user: testUser, org: testOrg, want: canvas.Identity{UserID: testUser, OrgID: testOrg, InstanceURL: srv.URL}},
		{name: "OK/15CharIDsInPayload", base: srv.URL, token: liveToken, user: "005x0000001SyyE", org: "00Dx00000001hxy", want: canvas.Identity{UserID: testUser, OrgID: testOrg, InstanceURL: srv.URL}},
		{name: "OK/15CharIDsFromIdentity", base: srv.URL + "/", token: "tok-15", user: testUser, org: testOrg, want: canvas.Identity{UserID: testUser, OrgID: testOrg, InstanceURL: srv.URL}},
		{name: "ErrExpired/403BadOAuthToken", base: srv.URL, token: deadToken, user: testUser, org: testOrg, code: sfzoom.EUNAUTHORIZED, message: canvas.MsgSessionExpired},
		{name: "ErrExpired/401", base: srv.URL, token: "tok-401", user: testUser, org: testOrg, code: sfzoom.EUNAUTHORIZED, message: canvas.MsgSessionExpired},
		{name: "ErrExpired/400", base: srv.URL, token: "tok-400", user: testUser, org: testOrg, code: sfzoom.EUNAUTHORIZED, message: canvas.MsgSessionExpired},
		{name: "ErrMismatch/NotAssertedUser", base: srv.URL, token: "tok-notasserted", user: testUser, org: testOrg, code: sfzoom.EUNAUTHORIZED},
		{name: "ErrMismatch/404", base: srv.URL, token: "tok-404", user: testUser, org: testOrg, code: sfzoom.EUNAUTHORIZED},
		{name: "ErrExpired/NoToken", base: srv.URL, token: "", user: testUser, org: testOrg, code: sfzoom.EUNAUTHORIZED, message: canvas.MsgSessionExpired, noCall: true},
		{name: "ErrMismatch/User", base: srv.URL, token: "tok-otheruser", user: testUser, org: testOrg, code: sfzoom.EUNAUTHORIZED},
		{name: "ErrMismatch/Org", base: srv.URL, token: "tok-otherorg", user: testUser, org: testOrg, code: sfzoom.EUNAUTHORIZED},
		{name: "ErrUnavailable/500", base: srv.URL, token: "tok-500", user: testUser, org: testOrg, code: sfzoom.EUNAVAILABLE},
		{name: "ErrUnavailable/429", base: srv.URL, token: "tok-429", user: testUser, org: testOrg, code: sfzoom.EUNAVAILABLE},
		{name: "ErrUnavailable/BadJSON", base: srv.URL, token: "tok-badjson", user: testUser, org: testOrg, code: sfzoom.EUNAVAILABLE},
		{name: "ErrUnavailable/NoIDs", base: srv.URL, token: "tok-noids", user: testUser, org: testOrg, code: sfzoom.EUNAVAILABLE},
		{name: "ErrUnavailable/NetworkDown", base: closed.URL, token: liveToken, user: testUser, org: testOrg, code: sfzoom.EUNAVAILABLE, noCall: true},
		{name: "ErrInvalid/NoOrg", base: srv.URL, token: liveToken, user: testUser, org: "", code: sfzoom.EINVALID, noCall: true},
		{name: "ErrInvalid/NoUser", base: srv.URL, token: liveToken, user: "", org: testOrg, code: sfzoom.EINVALID, noCall: true},
		{name: "ErrForbidden/InstanceURLScheme", base: "javascript:alert(1)", token: liveToken, user: testUser, org: testOrg, code: sfzoom.EFORBIDDEN, noCall: true},
		{name: "ErrForbidden/InstanceURLEmpty", base: "", token: liveToken, user: testUser, org: testOrg, code: sfzoom.EFORBIDDEN, noCall: true},
		{name: "ErrForbidden/InstanceURLUserinfo", base: "https://evil@acme.my.salesforce.com", token: liveToken, user: testUser, org: testOrg, code: sfzoom.EFORBIDDEN, noCall: true},
		{name: "ErrForbidden/NotSalesforce", base: "https://evil.example.com", token: liveToken, user: testUser, org: testOrg, code: sfzoom.EFORBIDDEN, noCall: true},
		{name: "ErrForbidden/LookalikeHost", base: "https://acme.my.salesforce.com.evil.example", token: liveToken, user: testUser, org: testOrg, code: sfzoom.EFORBIDDEN, noCall: true},
		// The same local server the other cases use, under another origin
		// spelling: the dev allowance is exact.
		{name: "ErrForbidden/LocalhostNotListed", base: strings.Replace(srv.URL, "127.0.0.1", "localhost", 1), token: liveToken, user: testUser, org: testOrg, code: sfzoom.EFORBIDDEN, noCall: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A fresh checker per case, so the cache never hides a call.
			c := canvas.NewTokenChecker(srv.Client(), devPolicy(srv.URL, closed.URL))
			before := srv.calls.Load()
			got, err := c.Check(context.Background(), canvasRequest(t, tt.base, tt.token, tt.user, tt.org))
			calls := srv.calls.Load() - before
			if tt.noCall && calls != 0 {
				t.Errorf("identity calls = %d, want 0", calls)
			}
			if !tt.noCall && calls != 1 {
				t.Errorf("identity calls = %d, want 1", calls)
			}
			if tt.code == "" {
				if err != nil {
					t.Fatalf("Check() = %v, want nil", err)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("Check() mismatch (-want +got):\n%s", diff)
				}
				return
			}
			if got := sfzoom.ErrorCode(err); got != tt.code {
				t.Fatalf("Check() = %v, want code %q", err, tt.code)
			}
			if tt.message != "" && sfzoom.ErrorMessage(err) != tt.message {
				t.Errorf("ErrorMessage(Check()) = %q, want %q", sfzoom.ErrorMessage(err), tt.message)
			}
			assertNoLeak(t, err.Error(), liveToken, deadToken, tt.token)
		})
	}
	if n := srv.badAuth.Load(); n != 0 {
		t.Errorf("%d identity requests lacked GET %s… with a Bearer token", n, canvas.IdentityPathPrefix)
	}
}

func TestTokenChecker_Cache(t *testing.T) {
	srv := newIdentityServer(t)
	srv.set("tok-500", http.StatusInternalServerError, `oops`)
	clock := retrytest.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	c := canvas.NewTokenChecker(srv.Client(), devPolicy(srv.URL), canvas.WithClock(clock.Now), canvas.WithCacheTTL(time.Minute, 5*time.Minute))
	ctx := context.Background()

	check := func(token string) string {
		t.Helper()
		_, err := c.Check(ctx, canvasRequest(t, srv.URL, token, testUser, testOrg))
		return sfzoom.ErrorCode(err)
	}
	steps := []struct {
		name      string
		token     string
		advance   time.Duration
		wantCode  string
		wantCalls int64 // cumulative
	}{
		{name: "LiveFirstCall", token: liveToken, wantCalls: 1},
		{name: "LiveCached", token: liveToken, advance: 30 * time.Second, wantCalls: 1},
		{name: "LiveExpiredRefetched", token: liveToken, advance: 31 * time.Second, wantCalls: 2},
		{name: "DeadFirstCall", token: deadToken, wantCode: sfzoom.EUNAUTHORIZED, wantCalls: 3},
		{name: "DeadCachedPastPositiveTTL", token: deadToken, advance: 2 * time.Minute, wantCode: sfzoom.EUNAUTHORIZED, wantCalls: 3},
		{name: "DeadExpiredRefetched", token: deadToken, advance: 4 * time.Minute, wantCode: sfzoom.EUNAUTHORIZED, wantCalls: 4},
		{name: "FailureNotCached", token: "tok-500", wantCode: sfzoom.EUNAVAILABLE, wantCalls: 5},
		{name: "FailureRetried", token: "tok-500", wantCode: sfzoom.EUNAVAILABLE, wantCalls: 6},
	}
	for _, s := range steps {
		clock.Add(s.advance)
		if got := check(s.token); got != s.wantCode {
			t.Errorf("%s: Check() code = %q, want %q", s.name, got, s.wantCode)
		}
		if got := srv.calls.Load(); got != s.wantCalls {
			t.Errorf("%s: identity calls = %d, want %d", s.name, got, s.wantCalls)
		}
	}

	// A cached live token is still compared with each payload: the same
	// token presented with another user id fails without a call.
	if got := check(liveToken); got != "" {
		t.Fatalf("Check(live) code = %q, want success", got)
	}
	before := srv.calls.Load()
	_, err := c.Check(ctx, canvasRequest(t, srv.URL, liveToken, "005xx000001SwiUAAS", testOrg))
	if sfzoom.ErrorCode(err) != sfzoom.EUNAUTHORIZED {
		t.Errorf("Check(cached token, other user) = %v, want EUNAUTHORIZED", err)
	}
	if srv.calls.Load() != before {
		t.Errorf("Check(cached token, other user) called the identity endpoint")
	}
}

func TestTokenChecker_Timeout(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(release) })

	tests := []struct {
		name string
		opt  canvas.TokenCheckerOption
		ctx  func() (context.Context, context.CancelFunc)
	}{
		{"CheckTimeout", canvas.WithCheckTimeout(50 * time.Millisecond), func() (context.Context, context.CancelFunc) {
			return context.WithCancel(context.Background())
		}},
		{"ContextDeadline", canvas.WithCheckTimeout(0), func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 50*time.Millisecond)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := canvas.NewTokenChecker(slow.Client(), tt.opt, devPolicy(slow.URL))
			ctx, cancel := tt.ctx()
			defer cancel()
			start := time.Now()
			_, err := c.Check(ctx, canvasRequest(t, slow.URL, liveToken, testUser, testOrg))
			if sfzoom.ErrorCode(err) != sfzoom.EUNAVAILABLE {
				t.Errorf("Check() = %v, want EUNAVAILABLE", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("Check() took %v, want it bounded", d)
			}
		})
	}
}

func TestTokenChecker_Concurrent(t *testing.T) {
	srv := newIdentityServer(t)
	c := canvas.NewTokenChecker(srv.Client(), devPolicy(srv.URL), canvas.WithMaxCacheEntries(4))
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			token := liveToken
			if i%2 == 1 {
				token = fmt.Sprintf("dead-%d", i)
			}
			_, err := c.Check(context.Background(), canvasRequest(t, srv.URL, token, testUser, testOrg))
			if (err == nil) != (i%2 == 0) {
				t.Errorf("Check(#%d) = %v", i, err)
			}
		})
	}
	wg.Wait()
}

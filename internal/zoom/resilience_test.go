package zoom_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/zoom"
	"github.com/sfzoom/sfzoom/internal/zoom/zoomtest"
)

func identity(d time.Duration) time.Duration { return d }

func mustMeeting(t testing.TB, e *env) zoomtest.Meeting {
	t.Helper()
	m, err := e.srv.AddMeeting(zoomtest.Meeting{HostID: e.host.ID, Topic: "Standup"})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestRateLimitRetry(t *testing.T) {
	tests := []struct {
		name       string
		failure    zoomtest.Failure
		wantSleeps []time.Duration
		wantErr    bool
		wantReqs   int
	}{
		// Retry-After is an ISO-8601 timestamp (docs/zoom-api.md §6, old
		// marketplace rate-limit page): wait until then.
		{"RetryAfterTimestamp", zoomtest.Failure{Status: 429, RetryAfter: 3 * time.Second, Category: "Light", Type: "QPS"},
			[]time.Duration{3 * time.Second}, false, 2},
		// Without it: exponential backoff (jitter disabled here).
		{"Backoff", zoomtest.Failure{Status: 429, Count: 2}, []time.Duration{100 * time.Millisecond, 200 * time.Millisecond}, false, 3},
		// Too far away: hand the wait to the caller (a worker snoozes).
		{"RetryAfterTooLong", zoomtest.Failure{Status: 429, RetryAfter: time.Hour}, nil, true, 1},
		{"DailyLimitNotRetried", zoomtest.Failure{Status: 429, Type: "Daily-limit", Category: "Light"}, nil, true, 1},
		{"GiveUpAfterMaxAttempts", zoomtest.Failure{Status: 429, Count: 10}, []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond}, true, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t, zoom.WithJitter(identity), zoom.WithRetryPolicy(zoom.RetryPolicy{
				MaxAttempts: 4, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second, MaxRetryAfter: 30 * time.Second}))
			m := mustMeeting(t, e)
			e.srv.Fail(tt.failure)
			_, err := e.client.Meeting(t.Context(), m.ID)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Meeting() error = %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				var rle *zoom.RateLimitError
				if !errors.As(err, &rle) || sfzoom.ErrorCode(err) != sfzoom.ERATELIMIT {
					t.Fatalf("error %v is not a RateLimitError/ERATELIMIT", err)
				}
				if tt.failure.RetryAfter > 0 && rle.RetryAfter != tt.failure.RetryAfter {
					t.Errorf("RetryAfter = %s, want %s", rle.RetryAfter, tt.failure.RetryAfter)
				}
				if tt.failure.Type == "Daily-limit" && (!rle.Daily() || rle.RetryAfter != 14*time.Hour) {
					t.Errorf("daily limit: %+v, want Daily and 14h until 00:00 UTC", rle)
				}
			}
			if diff := cmp.Diff(tt.wantSleeps, e.clock.Sleeps()); diff != "" {
				t.Errorf("sleeps (-want +got):\n%s", diff)
			}
			if n := e.srv.Requests()["GET /v2/meetings/{meetingId}"]; n != tt.wantReqs {
				t.Errorf("requests = %d, want %d", n, tt.wantReqs)
			}
		})
	}
}

func TestDailyMeetingWriteLimit(t *testing.T) {
	req := &zoom.MeetingRequest{Topic: "x", Type: zoom.MeetingScheduled}
	t.Run("ZoomSays", func(t *testing.T) {
		tt := &tokenTransport{}
		e := setup(t)
		tt.srv = e.srv
		// Tokens come from the fake's clock here, since the test moves it a day on.
		e.client = zoom.NewClient(&http.Client{Transport: tt}, zoom.WithBaseURL(e.srv.APIURL()), zoom.WithClock(e.clock.Now),
			zoom.WithSleeper(e.clock.Sleep), zoom.WithRateLimits(zoom.RateLimits{DailyMeetingWrites: 100}))
		e.srv.SetDailyMeetingLimit(2)
		for range 2 {
			if _, err := e.client.CreateMeeting(t.Context(), e.host.ID, req); err != nil {
				t.Fatal(err)
			}
		}
		_, err := e.client.CreateMeeting(t.Context(), e.host.ID, req)
		var rle *zoom.RateLimitError
		if !errors.As(err, &rle) || rle.Category != zoom.CategoryUserDaily || !rle.Daily() || rle.Local {
			t.Fatalf("3rd create = %v, want Zoom's per-user daily 429", err)
		}
		if rle.RetryAfter != 14*time.Hour {
			t.Errorf("RetryAfter = %s, want 14h (until 00:00 UTC)", rle.RetryAfter)
		}
		// The client remembers: no more calls to Zoom today for this user.
		_, err = e.client.CreateMeeting(t.Context(), e.host.ID, req)
		if !errors.As(err, &rle) || !rle.Local {
			t.Fatalf("4th create = %v, want a local refusal", err)
		}
		if n := e.srv.Requests()["POST /v2/users/{userId}/meetings"]; n != 3 {
			t.Errorf("create requests = %d, want 3", n)
		}
		// A new UTC day resets the budget.
		e.clock.Add(15 * time.Hour)
		tt.reset()
		e.srv.SetDailyMeetingLimit(100)
		if _, err := e.client.CreateMeeting(t.Context(), e.host.ID, req); err != nil {
			t.Errorf("create next day: %v", err)
		}
	})
	t.Run("ClientCounts", func(t *testing.T) {
		e := setup(t, zoom.WithRateLimits(zoom.RateLimits{DailyMeetingWrites: 2}))
		m, err := e.client.CreateMeeting(t.Context(), e.host.ID, req)
		if err != nil {
			t.Fatal(err)
		}
		// Updates count against the host learned from the create.
		if err := e.client.UpdateMeeting(t.Context(), int64(m.ID), &zoom.MeetingRequest{Topic: "y"}); err != nil {
			t.Fatal(err)
		}
		_, err = e.client.CreateMeeting(t.Context(), e.host.ID, req)
		var rle *zoom.RateLimitError
		if !errors.As(err, &rle) || !rle.Local || sfzoom.ErrorCode(err) != sfzoom.ERATELIMIT {
			t.Fatalf("3rd write = %v, want local daily refusal", err)
		}
		if n := e.srv.Requests()["POST /v2/users/{userId}/meetings"]; n != 1 {
			t.Errorf("create requests = %d, want 1", n)
		}
	})
}

func TestServerErrorRetries(t *testing.T) {
	tests := []struct {
		name     string
		fails    int
		call     func(ctx context.Context, e *env, m zoomtest.Meeting) error
		pattern  string
		wantReqs int
		wantCode string
	}{
		{"GetRetried", 2, func(ctx context.Context, e *env, m zoomtest.Meeting) error {
			_, err := e.client.Meeting(ctx, m.ID)
			return err
		}, "GET /v2/meetings/{meetingId}", 3, ""},
		{"GetGivesUp", 10, func(ctx context.Context, e *env, m zoomtest.Meeting) error {
			_, err := e.client.Meeting(ctx, m.ID)
			return err
		}, "GET /v2/meetings/{meetingId}", 4, sfzoom.EUNAVAILABLE},
		{"PostNotRetried", 1, func(ctx context.Context, e *env, m zoomtest.Meeting) error {
			_, err := e.client.CreateMeeting(ctx, e.host.ID, &zoom.MeetingRequest{Topic: "x"})
			return err
		}, "POST /v2/users/{userId}/meetings", 1, sfzoom.EUNAVAILABLE},
		{"PatchNotRetried", 1, func(ctx context.Context, e *env, m zoomtest.Meeting) error {
			return e.client.UpdateMeeting(ctx, m.ID, &zoom.MeetingRequest{Topic: "x"})
		}, "PATCH /v2/meetings/{meetingId}", 1, sfzoom.EUNAVAILABLE},
		{"DeleteRetried", 1, func(ctx context.Context, e *env, m zoomtest.Meeting) error {
			return e.client.DeleteMeeting(ctx, m.ID)
		}, "DELETE /v2/meetings/{meetingId}", 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t, zoom.WithBreakerSettings(zoom.BreakerSettings{ConsecutiveFailures: 100, OpenTimeout: time.Minute}))
			m := mustMeeting(t, e)
			e.srv.FailFor(tt.fails, http.StatusServiceUnavailable)
			err := tt.call(t.Context(), e, m)
			if got := sfzoom.ErrorCode(err); got != tt.wantCode {
				t.Errorf("ErrorCode(%v) = %q, want %q", err, got, tt.wantCode)
			}
			if tt.wantCode == sfzoom.EUNAVAILABLE && !errors.Is(err, zoom.ErrUnavailable) {
				t.Errorf("errors.Is(%v, ErrUnavailable) = false", err)
			}
			if n := e.srv.Requests()[tt.pattern]; n != tt.wantReqs {
				t.Errorf("requests = %d, want %d", n, tt.wantReqs)
			}
		})
	}
}

func gauge(t *testing.T, reg *prometheus.Registry, api string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "sfzoom_zoom_circuit_breaker_state" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "api" && l.GetValue() == api {
					return m.GetGauge().GetValue()
				}
			}
		}
	}
	t.Fatalf("no gauge for api %q", api)
	return -1
}

// TestBreakerOutage runs a 5xx outage: the breaker opens after 3 failures
// and fails fast without calling Zoom, half-opens after its timeout, and
// closes after a successful trial; the gauge follows. The breaker runs on
// the client's injected clock, so its minute open passes without waiting.
func TestBreakerOutage(t *testing.T) {
	const openFor = time.Minute
	e := setup(t,
		zoom.WithRetryPolicy(zoom.RetryPolicy{MaxAttempts: 1}),
		zoom.WithBreakerSettings(zoom.BreakerSettings{ConsecutiveFailures: 3, OpenTimeout: openFor, HalfOpenRequests: 1}))
	m := mustMeeting(t, e)
	e.srv.FailFor(1000, http.StatusBadGateway)
	for range 3 {
		if _, err := e.client.Meeting(t.Context(), m.ID); sfzoom.ErrorCode(err) != sfzoom.EUNAVAILABLE {
			t.Fatalf("Meeting during outage = %v, want EUNAVAILABLE", err)
		}
	}
	if got := e.client.BreakerState(zoom.APIMeetings); got != "open" {
		t.Fatalf("state = %q, want open", got)
	}
	// Health says when it tries again: OpenTimeout after it opened.
	opened := e.clock.Now()
	if at := e.client.BreakerRetryAt(zoom.APIMeetings); !at.Equal(opened.Add(openFor)) {
		t.Errorf("BreakerRetryAt = %v, want %v", at, opened.Add(openFor))
	}
	if since := e.client.FailingSince(zoom.APIMeetings); !since.Equal(opened) {
		t.Errorf("FailingSince = %v, want %v", since, opened)
	}
	if at := e.client.BreakerRetryAt(zoom.APIUsers); !at.IsZero() {
		t.Errorf("BreakerRetryAt(users) = %v, want zero for a closed breaker", at)
	}
	if g := gauge(t, e.reg, zoom.APIMeetings); g != 2 {
		t.Errorf("gauge = %v, want 2 (open)", g)
	}
	if g := gauge(t, e.reg, zoom.APIUsers); g != 0 {
		t.Errorf("users gauge = %v, want 0: breakers are per API", g)
	}
	e.srv.ClearFailures() // Zoom recovers, but the breaker stays open until its timeout
	before := e.srv.Requests()["GET /v2/meetings/{meetingId}"]
	_, err := e.client.Meeting(t.Context(), m.ID)
	if !errors.Is(err, zoom.ErrUnavailable) || sfzoom.ErrorCode(err) != sfzoom.EUNAVAILABLE {
		t.Errorf("Meeting while open = %v, want ErrUnavailable", err)
	}
	if after := e.srv.Requests()["GET /v2/meetings/{meetingId}"]; after != before {
		t.Errorf("open breaker let %d requests through", after-before)
	}
	// Other APIs still work.
	if _, err := e.client.User(t.Context(), e.host.ID); err != nil {
		t.Errorf("User while meetings breaker open: %v", err)
	}

	e.clock.Add(openFor - time.Second)
	if got := e.client.BreakerState(zoom.APIMeetings); got != "open" {
		t.Fatalf("state a second before the timeout = %q, want open", got)
	}
	e.clock.Add(time.Second)
	if got := e.client.BreakerState(zoom.APIMeetings); got != "half-open" {
		t.Fatalf("state after timeout = %q, want half-open", got)
	}
	if g := gauge(t, e.reg, zoom.APIMeetings); g != 1 {
		t.Errorf("gauge = %v, want 1 (half-open)", g)
	}
	if _, err := e.client.Meeting(t.Context(), m.ID); err != nil {
		t.Fatalf("trial request: %v", err)
	}
	if got := e.client.BreakerState(zoom.APIMeetings); got != "closed" {
		t.Errorf("state after success = %q, want closed", got)
	}
	if g := gauge(t, e.reg, zoom.APIMeetings); g != 0 {
		t.Errorf("gauge = %v, want 0 (closed)", g)
	}
}

// TestRateLimitStorm sends concurrent calls into a wall of 429s with real
// time: every call returns by its deadline, 429s never open the breaker,
// and the client does not hammer Zoom.
func TestRateLimitStorm(t *testing.T) {
	srv := zoomtest.NewServer()
	t.Cleanup(srv.Close)
	host := srv.AddUser(zoomtest.User{Email: "storm@example.com"})
	m, err := srv.AddMeeting(zoomtest.Meeting{HostID: host.ID, Topic: "Storm"})
	if err != nil {
		t.Fatal(err)
	}
	c := zoom.NewClient(s2sClient(srv), zoom.WithBaseURL(srv.APIURL()), zoom.WithRateLimits(zoom.RateLimits{}),
		zoom.WithRetryPolicy(zoom.RetryPolicy{MaxAttempts: 4, BaseDelay: 20 * time.Millisecond, MaxDelay: 200 * time.Millisecond, MaxRetryAfter: 5 * time.Second}))
	if _, err := c.User(t.Context(), host.ID); err != nil { // fetch the token before the storm
		t.Fatal(err)
	}
	srv.ResetRequests()
	srv.Fail(zoomtest.Failure{Status: 429, Count: 10000, RetryAfter: 2 * time.Second})
	const calls, deadline = 20, 300 * time.Millisecond
	var wg sync.WaitGroup
	errs := make([]error, calls)
	took := make([]time.Duration, calls)
	for i := range calls {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), deadline)
			defer cancel()
			start := time.Now()
			_, errs[i] = c.Meeting(ctx, m.ID)
			took[i] = time.Since(start)
		})
	}
	wg.Wait()
	for i := range calls {
		if code := sfzoom.ErrorCode(errs[i]); code != sfzoom.ERATELIMIT && code != sfzoom.EUNAVAILABLE {
			t.Errorf("call %d: %v, want ERATELIMIT or EUNAVAILABLE", i, errs[i])
		}
		if took[i] > deadline+100*time.Millisecond {
			t.Errorf("call %d took %s, past its %s deadline", i, took[i], deadline)
		}
	}
	if got := c.BreakerState(zoom.APIMeetings); got != "closed" {
		t.Errorf("breaker = %q after 429s, want closed", got)
	}
	if n := srv.Requests()["GET /v2/meetings/{meetingId}"]; n > calls*4 {
		t.Errorf("%d requests for %d calls, want at most 4 each", n, calls)
	}
}

func TestDeadline(t *testing.T) {
	srv := zoomtest.NewServer()
	t.Cleanup(srv.Close)
	host := srv.AddUser(zoomtest.User{Email: "slow@example.com"})
	c := zoom.NewClient(s2sClient(srv), zoom.WithBaseURL(srv.APIURL()))
	if _, err := c.User(t.Context(), host.ID); err != nil {
		t.Fatal(err)
	}
	srv.SetLatency(2 * time.Second)
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.User(ctx, host.ID)
	if took := time.Since(start); took > 400*time.Millisecond {
		t.Errorf("User took %s with a 100ms deadline", took)
	}
	if sfzoom.ErrorCode(err) != sfzoom.EUNAVAILABLE || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("User = %v, want EUNAVAILABLE wrapping DeadlineExceeded", err)
	}
}

func TestRateLimiter(t *testing.T) {
	e := setup(t, zoom.WithRateLimits(zoom.RateLimits{Light: 10}))
	start := time.Now()
	for range 13 { // burst of 10, then 3 more at 10/s
		if _, err := e.client.User(t.Context(), e.host.ID); err != nil {
			t.Fatal(err)
		}
	}
	if took := time.Since(start); took < 250*time.Millisecond {
		t.Errorf("13 light calls at 10/s took %s, want ≥ 250ms", took)
	}
}

// swapSource is a token source that a Reauthorizer can replace.
type swapSource struct {
	mu  sync.Mutex
	src oauth2.TokenSource
}

func (s *swapSource) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.src.Token()
}

func TestReauthorize(t *testing.T) {
	conf := func(srv *zoomtest.Server) *clientcredentials.Config {
		return &clientcredentials.Config{ClientID: zoomtest.DefaultClientID, ClientSecret: zoomtest.DefaultClientSecret,
			TokenURL: srv.TokenURL(), AuthStyle: oauth2.AuthStyleInHeader,
			EndpointParams: map[string][]string{"grant_type": {"account_credentials"}, "account_id": {zoomtest.DefaultAccountID}}}
	}
	tests := []struct {
		name       string
		fix        bool // whether the reauthorizer gets a fresh token
		hook       bool
		wantCode   string
		wantTokens int
		wantReqs   int
	}{
		{"Fixed", true, true, "", 2, 3},
		{"StillUnauthorized", false, true, sfzoom.EUNAUTHORIZED, 1, 3},
		{"NoHook", false, false, sfzoom.EUNAUTHORIZED, 1, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := zoomtest.NewServer()
			t.Cleanup(srv.Close)
			host := srv.AddUser(zoomtest.User{Email: "a@example.com"})
			cc := conf(srv)
			src := &swapSource{src: oauth2.ReuseTokenSource(nil, cc.TokenSource(context.Background()))}
			hc := &http.Client{Transport: &oauth2.Transport{Source: src}}
			calls := 0
			opts := []zoom.Option{zoom.WithBaseURL(srv.APIURL())}
			if tt.hook {
				opts = append(opts, zoom.WithReauthorizer(zoom.ReauthorizerFunc(func(ctx context.Context) error {
					calls++
					if tt.fix {
						src.mu.Lock()
						src.src = oauth2.ReuseTokenSource(nil, cc.TokenSource(ctx))
						src.mu.Unlock()
					}
					return nil
				})))
			}
			c := zoom.NewClient(hc, opts...)
			if _, err := c.User(t.Context(), host.ID); err != nil {
				t.Fatal(err)
			}
			srv.ExpireTokens()
			_, err := c.User(t.Context(), host.ID)
			if got := sfzoom.ErrorCode(err); got != tt.wantCode {
				t.Errorf("ErrorCode(%v) = %q, want %q", err, got, tt.wantCode)
			}
			if tt.hook && calls != 1 {
				t.Errorf("reauthorizer called %d times, want 1", calls)
			}
			if n := srv.TokenRequests("account_credentials"); n != tt.wantTokens {
				t.Errorf("token requests = %d, want %d", n, tt.wantTokens)
			}
			if n := srv.Requests()["GET /v2/users/{userId}"]; n != tt.wantReqs {
				t.Errorf("user requests = %d, want %d", n, tt.wantReqs)
			}
		})
	}
}

func TestErrorMapping(t *testing.T) {
	tests := []struct {
		status   int
		wantCode string
	}{
		{400, sfzoom.EINVALID},
		{401, sfzoom.EUNAUTHORIZED},
		{403, sfzoom.EFORBIDDEN},
		{404, sfzoom.ENOTFOUND},
		{409, sfzoom.ECONFLICT},
		{429, sfzoom.ERATELIMIT},
		{500, sfzoom.EUNAVAILABLE},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			e := setup(t, zoom.WithRetryPolicy(zoom.RetryPolicy{MaxAttempts: 1}))
			e.srv.Fail(zoomtest.Failure{Status: tt.status, Code: 9999, Message: "boom"})
			_, err := e.client.User(t.Context(), e.host.ID)
			if got := sfzoom.ErrorCode(err); got != tt.wantCode {
				t.Errorf("ErrorCode(%v) = %q, want %q", err, got, tt.wantCode)
			}
			if msg := sfzoom.ErrorMessage(err); msg == "" || msg == sfzoom.ErrorMessage(errors.New("x")) {
				t.Errorf("ErrorMessage = %q, want a specific message", msg)
			}
		})
	}
}

// tokenTransport authenticates with a token minted by the fake on demand.
type tokenTransport struct {
	mu  sync.Mutex
	srv *zoomtest.Server
	tok string
}

func (t *tokenTransport) reset() {
	t.mu.Lock()
	t.tok = ""
	t.mu.Unlock()
}

func (t *tokenTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.mu.Lock()
	if t.tok == "" {
		t.tok = t.srv.IssueAccessToken("")
	}
	tok := t.tok
	t.mu.Unlock()
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+tok)
	return http.DefaultTransport.RoundTrip(r)
}

func TestTokenSourceFailure(t *testing.T) {
	tests := []struct {
		name     string
		src      oauth2.TokenSource
		wantCode string
	}{
		// What tokens returns when a refresh token was refused.
		{"DomainError", errSource{sfzoom.Errorf(sfzoom.EUNAUTHORIZED, "Reconnect Zoom.")}, sfzoom.EUNAUTHORIZED},
		{"RetrieveError", errSource{&oauth2.RetrieveError{ErrorCode: "invalid_grant"}}, sfzoom.EUNAUTHORIZED},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t)
			c := zoom.NewClient(&http.Client{Transport: &oauth2.Transport{Source: tt.src}}, zoom.WithBaseURL(e.srv.APIURL()),
				zoom.WithSleeper(e.clock.Sleep))
			_, err := c.User(t.Context(), e.host.ID)
			if got := sfzoom.ErrorCode(err); got != tt.wantCode {
				t.Errorf("ErrorCode(%v) = %q, want %q", err, got, tt.wantCode)
			}
			if len(e.clock.Sleeps()) != 0 || c.BreakerState(zoom.APIUsers) != "closed" {
				t.Errorf("a credential failure was retried (%v) or tripped the breaker", e.clock.Sleeps())
			}
		})
	}
}

type errSource struct{ err error }

func (s errSource) Token() (*oauth2.Token, error) { return nil, s.err }

// TestAbandonedRequestsKeepBreakerClosed: calls whose caller gave up (a
// cancelled page load, a job past its deadline) while Zoom was slow say
// nothing about Zoom's health: however many there are, the breaker stays
// closed and the next call goes through.
func TestAbandonedRequestsKeepBreakerClosed(t *testing.T) {
	e := setup(t, zoom.WithRetryPolicy(zoom.RetryPolicy{MaxAttempts: 1}),
		zoom.WithBreakerSettings(zoom.BreakerSettings{ConsecutiveFailures: 2, OpenTimeout: time.Minute}))
	if _, err := e.client.User(t.Context(), e.host.ID); err != nil { // the token, before Zoom slows down
		t.Fatal(err)
	}
	e.srv.SetLatency(time.Second)
	for i := range 3 {
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(20*time.Millisecond, cancel)
		if _, err := e.client.User(ctx, e.host.ID); !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled call %d = %v, want context.Canceled", i, err)
		}
		ctx, cancel = context.WithTimeout(t.Context(), 20*time.Millisecond)
		_, err := e.client.User(ctx, e.host.ID)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("call %d past its deadline = %v, want context.DeadlineExceeded", i, err)
		}
	}
	if got := e.client.BreakerState(zoom.APIUsers); got != "closed" {
		t.Fatalf("breaker after 6 abandoned calls = %q, want closed", got)
	}
	e.srv.SetLatency(0)
	if _, err := e.client.User(t.Context(), e.host.ID); err != nil {
		t.Errorf("call after the abandoned ones: %v", err)
	}
}

package httpretry_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/oauth2"

	"github.com/sfzoom/sfzoom/internal/httpretry"
	"github.com/sfzoom/sfzoom/internal/httpretry/retrytest"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

var start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// script is a server that answers each request with the next of its
// answers (the last one repeats) and counts requests.
type script struct {
	mu      sync.Mutex
	answers []answer
	n       int
}

type answer struct {
	status     int
	retryAfter string
}

func (s *script) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	a := s.answers[min(s.n, len(s.answers)-1)]
	s.n++
	s.mu.Unlock()
	if a.retryAfter != "" {
		w.Header().Set("Retry-After", a.retryAfter)
	}
	w.WriteHeader(a.status)
	fmt.Fprintf(w, `{"status":%d}`, a.status)
}

// serve starts a script server and returns it with its URL.
func serve(t *testing.T, answers ...answer) (*script, string) {
	s := &script{answers: answers}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv.URL
}

func (s *script) requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// classify is a vendor's view: 5xx transient, 429 throttled, 401 unauthorized.
func classify(now func() time.Time) func(*httpretry.Response) httpretry.Outcome {
	return func(r *httpretry.Response) httpretry.Outcome {
		err := fmt.Errorf("HTTP %d", r.StatusCode)
		wait, _, _ := httpretry.ParseRetryAfter(r.Header.Get("Retry-After"), now())
		switch {
		case r.StatusCode < 300:
			return httpretry.Outcome{}
		case r.StatusCode == http.StatusTooManyRequests:
			return httpretry.Outcome{Verdict: httpretry.Throttled, Err: err, RetryAfter: wait}
		case r.StatusCode == http.StatusUnauthorized:
			return httpretry.Outcome{Verdict: httpretry.Unauthorized, Err: err}
		case r.StatusCode >= 500:
			return httpretry.Outcome{Verdict: httpretry.Transient, Err: err, RetryAfter: wait}
		}
		return httpretry.Outcome{Err: err}
	}
}

func get(url string) func(ctx context.Context) (*http.Request, error) {
	return func(ctx context.Context) (*http.Request, error) {
		return http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	}
}

func newClient(clk *retrytest.Clock) *httpretry.Client {
	return &httpretry.Client{
		HTTP:   http.DefaultClient,
		Policy: httpretry.Policy{MaxAttempts: 4, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second, MaxRetryAfter: 30 * time.Second},
		Now:    clk.Now, Sleep: clk.Sleep,
		Jitter: func(d time.Duration) time.Duration { return d },
	}
}

func TestDo(t *testing.T) {
	httpDate := start.Add(20 * time.Second).Format(http.TimeFormat)
	tests := []struct {
		name       string
		answers    []answer
		idempotent bool
		noWait     bool
		wantStatus int
		wantErr    bool
		wantSleeps []time.Duration
		wantReqs   int
	}{
		{"OK", []answer{{200, ""}}, true, false, 200, false, nil, 1},
		// Backoff doubles from BaseDelay, capped at MaxDelay (1 s).
		{"TransientRetried", []answer{{503, ""}, {502, ""}, {200, ""}}, true, false, 200, false,
			[]time.Duration{100 * time.Millisecond, 200 * time.Millisecond}, 3},
		{"TransientGivesUp", []answer{{500, ""}}, true, false, 500, true,
			[]time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond}, 4},
		{"TransientNotIdempotent", []answer{{500, ""}}, false, false, 500, true, nil, 1},
		// A 503's Retry-After replaces the backoff when short enough.
		{"TransientRetryAfter", []answer{{503, "7"}, {200, ""}}, true, false, 200, false, []time.Duration{7 * time.Second}, 2},
		{"RetryAfterSeconds", []answer{{429, "3"}, {200, ""}}, false, false, 200, false, []time.Duration{3 * time.Second}, 2},
		{"RetryAfterHTTPDate", []answer{{429, httpDate}, {200, ""}}, false, false, 200, false, []time.Duration{20 * time.Second}, 2},
		// Capped: a wait beyond MaxRetryAfter is the caller's to take.
		{"RetryAfterTooLong", []answer{{429, "3600"}}, true, false, 429, true, nil, 1},
		// No hint, or "0": back off rather than hot-loop.
		{"RetryAfterZero", []answer{{429, "0"}, {429, ""}, {200, ""}}, true, false, 200, false,
			[]time.Duration{100 * time.Millisecond, 200 * time.Millisecond}, 3},
		{"ThrottledNoWait", []answer{{429, "3"}}, true, true, 429, true, nil, 1},
		{"ThrottledGivesUp", []answer{{429, "1"}}, true, false, 429, true,
			[]time.Duration{time.Second, time.Second, time.Second}, 4},
		{"ClientError", []answer{{400, ""}}, true, false, 400, true, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, url := serve(t, tt.answers...)
			clk := retrytest.NewClock(start)
			c := newClient(clk)
			resp, err := c.Do(t.Context(), httpretry.Request{Idempotent: tt.idempotent, Build: get(url),
				Classify: classify(clk.Now), NoThrottleWait: tt.noWait})
			if (err != nil) != tt.wantErr {
				t.Errorf("Do() error = %v, want error %v", err, tt.wantErr)
			}
			if resp == nil || resp.StatusCode != tt.wantStatus {
				t.Errorf("Do() answer = %+v, want status %d", resp, tt.wantStatus)
			}
			if diff := cmp.Diff(tt.wantSleeps, clk.Sleeps()); diff != "" {
				t.Errorf("sleeps (-want +got):\n%s", diff)
			}
			if n := s.requests(); n != tt.wantReqs {
				t.Errorf("requests = %d, want %d", n, tt.wantReqs)
			}
		})
	}
}

// TestDo_ThrottledUntil: a 429 is remembered (for the Health tab) until its
// Retry-After has passed, even when the caller does not wait.
func TestDo_ThrottledUntil(t *testing.T) {
	s := &script{answers: []answer{{429, "90"}}}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	clk := retrytest.NewClock(start)
	c := newClient(clk)
	if !c.ThrottledUntil().IsZero() {
		t.Fatal("ThrottledUntil before any 429 is not zero")
	}
	_, _ = c.Do(t.Context(), httpretry.Request{Build: get(srv.URL), Classify: classify(clk.Now), NoThrottleWait: true})
	if got, want := c.ThrottledUntil(), start.Add(90*time.Second); !got.Equal(want) {
		t.Errorf("ThrottledUntil = %v, want %v", got, want)
	}
	clk.Add(91 * time.Second)
	if got := c.ThrottledUntil(); !got.IsZero() {
		t.Errorf("ThrottledUntil after the wait = %v, want zero", got)
	}
}

func TestDo_Reauth(t *testing.T) {
	tests := []struct {
		name      string
		answers   []answer
		reauthErr error
		wantErr   bool
		wantReqs  int
		wantCalls int
	}{
		{"Fixed", []answer{{401, ""}, {200, ""}}, nil, false, 2, 1},
		{"StillRefused", []answer{{401, ""}}, nil, true, 2, 1},
		{"ReauthFails", []answer{{401, ""}}, errors.New("token endpoint down"), true, 1, 1},
		// The retry after reauthorising is free: a 401 then 5xx still gets
		// the policy's full retries.
		{"FreeRetry", []answer{{401, ""}, {500, ""}, {500, ""}, {500, ""}, {200, ""}}, nil, false, 5, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, url := serve(t, tt.answers...)
			clk := retrytest.NewClock(start)
			c := newClient(clk)
			calls := 0
			c.Reauth = func(context.Context) error { calls++; return tt.reauthErr }
			_, err := c.Do(t.Context(), httpretry.Request{Idempotent: true, Build: get(url), Classify: classify(clk.Now)})
			if (err != nil) != tt.wantErr {
				t.Errorf("Do() error = %v, want error %v", err, tt.wantErr)
			}
			var re *httpretry.ReauthError
			if tt.reauthErr != nil && (!errors.As(err, &re) || !errors.Is(err, tt.reauthErr)) {
				t.Errorf("Do() error = %v, want a ReauthError wrapping %v", err, tt.reauthErr)
			}
			if calls != tt.wantCalls {
				t.Errorf("Reauth called %d times, want %d", calls, tt.wantCalls)
			}
			if n := s.requests(); n != tt.wantReqs {
				t.Errorf("requests = %d, want %d", n, tt.wantReqs)
			}
		})
	}
}

// errTransport fails every request with err, as an oauth2.Transport does
// when its token source fails.
type errTransport struct{ err error }

func (t errTransport) RoundTrip(*http.Request) (*http.Response, error) { return nil, t.err }

// TestDo_CredentialFailure: a token source that cannot produce a token is
// neither retried nor counted against the breaker.
func TestDo_CredentialFailure(t *testing.T) {
	for _, cause := range []error{
		sfzoom.Errorf(sfzoom.EUNAUTHORIZED, "Reconnect."),
		&oauth2.RetrieveError{ErrorCode: "invalid_grant"},
	} {
		t.Run(fmt.Sprintf("%T", cause), func(t *testing.T) {
			clk := retrytest.NewClock(start)
			c := newClient(clk)
			c.HTTP = &http.Client{Transport: errTransport{cause}}
			b := httpretry.NewBreaker(httpretry.BreakerSettings{ConsecutiveFailures: 2, Now: clk.Now})
			for range 5 {
				_, err := c.Do(t.Context(), httpretry.Request{Idempotent: true, Build: get("http://vendor.invalid/x"),
					Classify: classify(clk.Now), Breaker: b})
				if !httpretry.CredentialFailure(err) {
					t.Fatalf("Do() = %v, want the credential failure", err)
				}
			}
			if len(clk.Sleeps()) != 0 || b.State() != httpretry.StateClosed || !b.FailingSince().IsZero() {
				t.Errorf("credential failures were retried (%v) or counted (breaker %v)", clk.Sleeps(), b.State())
			}
		})
	}
}

// TestDo_Deadline: a wait that would outlive the context's deadline is not
// taken; the call returns at once.
func TestDo_Deadline(t *testing.T) {
	s := &script{answers: []answer{{429, "20"}}}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	clk := retrytest.NewClock(time.Now())
	c := newClient(clk)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	_, err := c.Do(ctx, httpretry.Request{Idempotent: true, Build: get(srv.URL), Classify: classify(clk.Now)})
	if err == nil || len(clk.Sleeps()) != 0 || s.requests() != 1 {
		t.Errorf("Do() = %v after %d requests, sleeps %v; want the 429 at once", err, s.requests(), clk.Sleeps())
	}
}

// TestBreaker_Clock runs a breaker's whole cycle on the injected clock, with
// no real waiting: it opens after 3 failures and refuses without calling
// the vendor, stays open for exactly OpenTimeout, half-opens for one trial,
// re-opens when the trial fails, and closes when it succeeds.
func TestBreaker_Clock(t *testing.T) {
	var status atomic.Int32
	status.Store(http.StatusBadGateway)
	var reqs atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		reqs.Add(1)
		w.WriteHeader(int(status.Load()))
	}))
	t.Cleanup(srv.Close)
	clk := retrytest.NewClock(start)
	var changes []string
	b := httpretry.NewBreaker(httpretry.BreakerSettings{Name: "api", ConsecutiveFailures: 3, OpenTimeout: time.Minute, Now: clk.Now,
		OnStateChange: func(name string, from, to httpretry.State) { changes = append(changes, from.String()+">"+to.String()) }})
	c := newClient(clk)
	c.Policy.MaxAttempts = 1
	call := func() error {
		_, err := c.Do(t.Context(), httpretry.Request{Idempotent: true, Build: get(srv.URL), Classify: classify(clk.Now), Breaker: b})
		return err
	}
	for range 3 {
		clk.Add(time.Second)
		if err := call(); err == nil || errors.Is(err, httpretry.ErrOpen) {
			t.Fatalf("call during outage = %v, want the 502", err)
		}
	}
	opened := clk.Now()
	if b.State() != httpretry.StateOpen || !b.RetryAt().Equal(opened.Add(time.Minute)) {
		t.Fatalf("after 3 failures: state %v, retry at %v; want open until %v", b.State(), b.RetryAt(), opened.Add(time.Minute))
	}
	if got, want := b.FailingSince(), start.Add(time.Second); !got.Equal(want) {
		t.Errorf("FailingSince = %v, want the first failure at %v", got, want)
	}
	clk.Add(time.Minute - time.Nanosecond)
	if err := call(); !errors.Is(err, httpretry.ErrOpen) || reqs.Load() != 3 {
		t.Fatalf("call just before OpenTimeout = %v (%d requests), want ErrOpen without a request", err, reqs.Load())
	}
	clk.Add(time.Nanosecond)
	if got := b.State(); got != httpretry.StateHalfOpen {
		t.Fatalf("state at OpenTimeout = %v, want half-open", got)
	}
	if err := call(); err == nil || errors.Is(err, httpretry.ErrOpen) { // the trial fails
		t.Fatalf("trial = %v, want the 502", err)
	}
	if b.State() != httpretry.StateOpen || !b.RetryAt().Equal(clk.Now().Add(time.Minute)) {
		t.Fatalf("after a failed trial: %v until %v, want open for another minute", b.State(), b.RetryAt())
	}
	status.Store(http.StatusOK)
	clk.Add(time.Minute)
	if err := call(); err != nil {
		t.Fatalf("trial after recovery: %v", err)
	}
	if b.State() != httpretry.StateClosed || !b.FailingSince().IsZero() || !b.RetryAt().IsZero() {
		t.Errorf("after a good trial: %v, failing since %v", b.State(), b.FailingSince())
	}
	want := []string{"closed>open", "open>half-open", "half-open>open", "open>half-open", "half-open>closed"}
	if diff := cmp.Diff(want, changes); diff != "" {
		t.Errorf("state changes (-want +got):\n%s", diff)
	}
}

// TestBreaker_AbandonedRequests: requests the caller gave up on (a page
// closed, a deadline passed) while the vendor was slow never open the
// breaker, however many there are; the client's own timeout, which means
// the vendor is too slow, does count.
func TestBreaker_AbandonedRequests(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	clk := retrytest.NewClock(start)
	b := httpretry.NewBreaker(httpretry.BreakerSettings{ConsecutiveFailures: 2, Now: clk.Now})
	c := newClient(clk)
	c.Policy.MaxAttempts = 1
	do := func(ctx context.Context) error {
		_, err := c.Do(ctx, httpretry.Request{Idempotent: true, Build: get(srv.URL), Classify: classify(clk.Now), Breaker: b})
		return err
	}
	for i := range 5 {
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(20*time.Millisecond, cancel)
		if err := do(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled call %d = %v, want context.Canceled", i, err)
		}
		ctx, cancel = context.WithTimeout(t.Context(), 20*time.Millisecond)
		err := do(ctx)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("call %d past its deadline = %v, want context.DeadlineExceeded", i, err)
		}
	}
	if st := b.State(); st != httpretry.StateClosed || !b.FailingSince().IsZero() {
		t.Fatalf("after 10 abandoned requests the breaker is %v (failing since %v), want closed", st, b.FailingSince())
	}
	// The client's own timeout: the vendor did not answer in time.
	c.Timeout = 20 * time.Millisecond
	for range 2 {
		if err := do(t.Context()); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("call past the client's timeout = %v", err)
		}
	}
	if st := b.State(); st != httpretry.StateOpen {
		t.Errorf("after 2 calls past the client's own timeout the breaker is %v, want open", st)
	}
}

func TestParseRetryAfter(t *testing.T) {
	tests := []struct {
		in     string
		want   time.Duration
		wantOK bool
	}{
		{"120", 2 * time.Minute, true},
		{"0", 0, true},
		{start.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{start.Add(-time.Hour).Format(http.TimeFormat), 0, true}, // in the past: no wait
		{start.Add(time.Hour).Format(time.RFC3339), time.Hour, true},
		{"soon", 0, false},
		{"-5", 0, false},
		{"", 0, false},
		{strconv.Itoa(1 << 40), 365 * 24 * time.Hour, true}, // absurd: capped, never overflows
	}
	for _, tt := range tests {
		got, _, ok := httpretry.ParseRetryAfter(tt.in, start)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

// Package httpretry is how sfzoom's vendor clients (internal/zoom and
// internal/salesforce) send a request: through a circuit breaker, retried on
// transient failures with jittered exponential backoff, waiting out a
// rate limit's Retry-After when it is short, and re-authorising once when
// the vendor rejects the credentials. The vendor packages keep what is
// theirs: building requests, and classifying answers (which status or
// error code means "throttled", "reconnect", "try again").
//
// Every wait goes through an injectable clock (Client.Now, Client.Sleep,
// BreakerSettings.Now), so tests assert backoff schedules and breaker
// timeouts without sleeping; see the retrytest package.
//
// The backoff follows tailscale's util/backoff
// (https://github.com/tailscale/tailscale/blob/main/util/backoff/backoff.go):
// doubling from a base delay up to a cap, each wait drawn uniformly from
// its upper half, so that clients failing together do not retry together.
package httpretry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// MaxBody bounds how much of an answer is read.
const MaxBody = 32 << 20

// Response is a fully read answer.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte
}

// Verdict is what a vendor makes of an answer.
type Verdict int

// Verdicts.
const (
	// Final: hand the answer (and Outcome.Err, nil for success) to the caller.
	Final Verdict = iota
	// Transient: a server failure; idempotent requests are retried after a
	// backoff (or the answer's Retry-After, when it is short enough).
	Transient
	// Throttled: the vendor asks to slow down; the request is retried after
	// Retry-After (or a backoff when there is none) when that wait is at
	// most Policy.MaxRetryAfter and the caller allows waiting.
	Throttled
	// Unauthorized: the credentials were refused; Client.Reauth is called
	// once and the request is sent once more (that retry is free).
	Unauthorized
)

// Outcome classifies one answer.
type Outcome struct {
	Verdict Verdict
	// Err is the error the caller gets if the answer is the last one.
	Err error
	// RetryAfter is the vendor's requested wait (0 when it gave none).
	RetryAfter time.Duration
}

// Policy bounds retries.
type Policy struct {
	// MaxAttempts counts the first attempt (at least 1).
	MaxAttempts int
	// BaseDelay is the first backoff; each retry doubles it up to MaxDelay.
	BaseDelay time.Duration
	MaxDelay  time.Duration
	// MaxRetryAfter caps how long a Retry-After is waited inside a call; a
	// longer wait is returned to the caller (a job snoozes instead).
	MaxRetryAfter time.Duration
}

// Delay returns the un-jittered wait before retry n (n ≥ 1): BaseDelay
// doubled n-1 times, at most MaxDelay.
func (p Policy) Delay(n int) time.Duration {
	d := p.BaseDelay
	for i := 1; i < n && d < p.MaxDelay; i++ {
		d *= 2
	}
	return min(d, p.MaxDelay)
}

// Request is one logical API request; Build is called for every attempt.
type Request struct {
	// Idempotent requests are retried after transport errors and
	// Transient answers; others are sent once (a Throttled or
	// Unauthorized answer proves the vendor did nothing, so those are
	// retried whatever the method).
	Idempotent bool
	// Build makes the HTTP request of one attempt, with ctx.
	Build func(ctx context.Context) (*http.Request, error)
	// Wait, when set, runs before every attempt (a client-side rate limiter).
	Wait func(ctx context.Context) error
	// Classify maps an answer to an Outcome. Answers of 500 and above count
	// as breaker failures whatever it says.
	Classify func(*Response) Outcome
	// Breaker, when set, guards the attempts.
	Breaker *Breaker
	// NoThrottleWait returns a Throttled answer at once instead of waiting
	// (background jobs snooze rather than hold a worker asleep).
	NoThrottleWait bool
}

// Client sends Requests. The zero value is not usable; set HTTP and Policy,
// the rest has defaults. It is safe for concurrent use once built.
type Client struct {
	HTTP   *http.Client
	Policy Policy
	// Timeout bounds a request whose context has no deadline (0: none). It
	// is the client's own deadline, so a vendor too slow to answer within
	// it counts against the breaker, unlike the caller giving up.
	Timeout time.Duration
	// Now and Sleep are the clock (time.Now and a timer if nil).
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	// Jitter spreads a backoff (default: uniform in [d/2, d]).
	Jitter func(d time.Duration) time.Duration
	// Reauth renews the credentials after an Unauthorized answer.
	Reauth func(ctx context.Context) error
	// Observe, when set, sees every answer (e.g. a usage header).
	Observe func(*Response)

	mu             sync.Mutex
	throttledUntil time.Time
}

// ReauthError is an Unauthorized answer whose reauthorisation failed.
type ReauthError struct {
	Answer error // the vendor's refusal
	Err    error // why reauthorising failed
}

// Error implements error.
func (e *ReauthError) Error() string {
	return "reauthorize: " + errors.Join(e.Answer, e.Err).Error()
}

// Unwrap returns both errors.
func (e *ReauthError) Unwrap() []error { return []error{e.Answer, e.Err} }

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) jitter(d time.Duration) time.Duration {
	if c.Jitter != nil {
		return c.Jitter(d)
	}
	return Jitter(d)
}

// Jitter returns a uniformly random duration in [d/2, d].
func Jitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	half := d / 2
	return half + rand.N(half+1)
}

// ThrottledUntil returns when the vendor's last rate limit ends (the
// latest Retry-After seen, or a backoff when it gave none); zero once past.
func (c *Client) ThrottledUntil() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.throttledUntil.After(c.now()) {
		return time.Time{}
	}
	return c.throttledUntil
}

func (c *Client) noteThrottle(wait time.Duration) {
	until := c.now().Add(wait)
	c.mu.Lock()
	if until.After(c.throttledUntil) {
		c.throttledUntil = until
	}
	c.mu.Unlock()
}

// Do sends r until an answer is final or the policy gives up. It returns
// the last answer, if any, with its Outcome.Err; or, when there is no
// answer, the transport error, a credential failure (CredentialFailure),
// an error matching ErrOpen, or ctx's error. It never sleeps past ctx's
// deadline.
func (c *Client) Do(ctx context.Context, r Request) (*Response, error) {
	caller := ctx
	if _, ok := ctx.Deadline(); !ok && c.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.Timeout)
		defer cancel()
	}
	reauthed := false
	for attempt := 1; ; attempt++ {
		if r.Wait != nil {
			if err := r.Wait(ctx); err != nil {
				return nil, fmt.Errorf("rate limiter: %w", err)
			}
		}
		resp, err := c.attempt(ctx, caller, r)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if !c.retrySend(ctx, r, attempt, err) {
				return nil, err
			}
			continue
		}
		out := r.Classify(resp)
		if out.Verdict == Unauthorized {
			if c.Reauth == nil || reauthed {
				return resp, out.Err
			}
			reauthed = true
			if rerr := c.Reauth(ctx); rerr != nil {
				return resp, &ReauthError{Answer: out.Err, Err: rerr}
			}
			attempt-- // the retry after reauthorisation is free
			continue
		}
		if !c.retryAnswer(ctx, r, attempt, out) {
			return resp, out.Err
		}
	}
}

// retrySend reports whether a request that got no answer is sent again,
// after waiting the backoff: only an idempotent one with attempts left,
// never past a credential failure or an open breaker.
func (c *Client) retrySend(ctx context.Context, r Request, attempt int, err error) bool {
	if CredentialFailure(err) || errors.Is(err, ErrOpen) || !r.Idempotent || attempt >= max(c.Policy.MaxAttempts, 1) {
		return false
	}
	return c.pause(ctx, c.jitter(c.Policy.Delay(attempt))) == nil
}

// retryAnswer reports whether an answer is retried, after waiting: a
// Transient one (idempotent requests only) after its Retry-After or the
// backoff, a Throttled one after its Retry-After or the backoff (a wait
// the caller may decline). A server-given wait beyond MaxRetryAfter is
// left to the caller.
func (c *Client) retryAnswer(ctx context.Context, r Request, attempt int, out Outcome) bool {
	wait := out.RetryAfter
	if wait <= 0 { // no hint: back off rather than hammer
		wait = c.jitter(c.Policy.Delay(attempt))
	}
	switch out.Verdict {
	case Transient:
		if !r.Idempotent || out.RetryAfter > c.Policy.MaxRetryAfter {
			return false
		}
	case Throttled:
		c.noteThrottle(wait)
		if r.NoThrottleWait || wait > c.Policy.MaxRetryAfter {
			return false
		}
	default:
		return false
	}
	return attempt < max(c.Policy.MaxAttempts, 1) && c.pause(ctx, wait) == nil
}

// ErrServerStatus is what a function run by Breaker.Execute returns for an
// answer of 500 or above: the answer is kept, but it counts as a failure.
var ErrServerStatus = errors.New("server error status")

// attempt sends one request through the breaker and reads the answer.
func (c *Client) attempt(ctx, caller context.Context, r Request) (*Response, error) {
	req, err := r.Build(ctx)
	if err != nil {
		return nil, err
	}
	var resp *Response
	send := func() error {
		hr, err := c.HTTP.Do(req)
		if err != nil {
			return err
		}
		defer hr.Body.Close()
		body, err := io.ReadAll(io.LimitReader(hr.Body, MaxBody))
		if err != nil {
			return fmt.Errorf("read body: %w", err)
		}
		resp = &Response{StatusCode: hr.StatusCode, Header: hr.Header, Body: body}
		if c.Observe != nil {
			c.Observe(resp)
		}
		if hr.StatusCode >= 500 {
			return ErrServerStatus
		}
		return nil
	}
	if r.Breaker != nil {
		err = r.Breaker.Execute(caller, send)
	} else {
		err = send()
	}
	if resp != nil {
		return resp, nil
	}
	return nil, err
}

// pause sleeps for d unless that would outlive ctx's deadline, in which case
// it returns at once: no request is ever sent after its deadline.
func (c *Client) pause(ctx context.Context, d time.Duration) error {
	if dl, ok := ctx.Deadline(); ok && c.now().Add(d).After(dl) {
		return context.DeadlineExceeded
	}
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	return SleepContext(ctx, d)
}

// SleepContext waits for d or until ctx is done, returning ctx.Err() then.
func SleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// CredentialFailure reports whether err is a failure of the authenticating
// transport rather than of the vendor: a domain error from the token
// source (internal/tokens answers EUNAUTHORIZED "reconnect required" or
// EUNAVAILABLE "did not issue a token"), or an OAuth token endpoint's
// refusal. Such failures are not retried here and never count against a
// breaker.
func CredentialFailure(err error) bool {
	var se *sfzoom.Error
	var re *oauth2.RetrieveError
	return errors.As(err, &se) || errors.As(err, &re)
}

// ParseRetryAfter reads a Retry-After header: delay-seconds or an HTTP-date
// (RFC 9110 §10.2.3, https://www.rfc-editor.org/rfc/rfc9110#field.retry-after),
// or the ISO-8601 timestamp Zoom documents ("2020-05-31T00:00:00Z",
// docs/zoom-api.md §6). ok is false when the header is absent or
// unreadable; a time in the past waits 0.
func ParseRetryAfter(v string, now time.Time) (wait time.Duration, reset time.Time, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, time.Time{}, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil && secs >= 0 {
		d := time.Duration(min(secs, int64(365*24*time.Hour/time.Second))) * time.Second
		return d, now.Add(d), true
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", http.TimeFormat, time.RFC850, time.ANSIC} {
		if t, err := time.Parse(layout, v); err == nil {
			return max(t.Sub(now), 0), t, true
		}
	}
	return 0, time.Time{}, false
}

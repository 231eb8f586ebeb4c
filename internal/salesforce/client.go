package salesforce

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sfzoom/sfzoom/internal/httpretry"
)

// DefaultAPIVersion is the REST API version sfzoom speaks.
const DefaultAPIVersion = "62.0"

// DefaultMaxQueryLength bounds the URL-encoded length of the q= parameter
// of one query. Salesforce refuses request URIs beyond 16,384 bytes (HTTP
// 414); this leaves room for the host and path while still fitting a
// 200-address e-mail IN list in one call. QueryIn splits past it.
const DefaultMaxQueryLength = 12000

// DefaultBackgroundShare is the share of the daily API allowance above which
// background calls are refused (interactive calls go on).
const DefaultBackgroundShare = 0.8

// Refresher renews the access token behind the *http.Client after
// Salesforce answered 401 INVALID_SESSION_ID. The client calls it at most
// once per request and then retries once. internal/tokens implements it.
type Refresher interface {
	Refresh(ctx context.Context) error
}

// RefresherFunc adapts a function to Refresher.
type RefresherFunc func(ctx context.Context) error

// Refresh calls f.
func (f RefresherFunc) Refresh(ctx context.Context) error { return f(ctx) }

// Client is a Salesforce REST API client for one org connection.
type Client struct {
	httpClient  *http.Client
	baseURL     *url.URL // instance URL, with a trailing slash
	apiVersion  string
	refresher   Refresher
	logger      *slog.Logger
	maxQueryLen int
	bgShare     float64
	maxRetries  int
	sleep       func(ctx context.Context, d time.Duration) error
	now         func() time.Time
	breaker     *httpretry.Breaker
	rt          *httpretry.Client
	budget      *budget
	metrics     *metrics
	brkSettings BreakerSettings
	reg         prometheus.Registerer
}

// BreakerSettings configure the org's circuit breaker (httpretry): it opens
// after ConsecutiveFailures (default 5) failed calls, stays open for
// OpenTimeout (default 30 s), then lets HalfOpenRequests (default 1) trial
// calls through. Name, Now and OnStateChange are the client's.
type BreakerSettings = httpretry.BreakerSettings

// Option configures a Client.
type Option func(*Client)

// WithRefresher sets the hook called once on 401 INVALID_SESSION_ID.
func WithRefresher(r Refresher) Option { return func(c *Client) { c.refresher = r } }

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(c *Client) { c.logger = l } }

// WithMaxQueryLength overrides DefaultMaxQueryLength.
func WithMaxQueryLength(n int) Option { return func(c *Client) { c.maxQueryLen = n } }

// WithBackgroundShare sets the API-usage share (0–1) above which calls made
// with WithPriority(ctx, Background) fail fast with a *RateLimitError.
func WithBackgroundShare(share float64) Option { return func(c *Client) { c.bgShare = share } }

// WithMaxRetries sets how many times an idempotent read is retried after a
// network error or 5xx (default 2).
func WithMaxRetries(n int) Option { return func(c *Client) { c.maxRetries = n } }

// WithSleep replaces the backoff sleep (tests pass a no-op or a fake
// clock's Sleep).
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(c *Client) { c.sleep = sleep }
}

// WithClock sets the clock used for the budget timestamp, Retry-After and
// the circuit breaker's open period.
func WithClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }

// WithRegisterer exports the API-usage and breaker gauges to reg. Clients
// sharing a registry share the collectors.
func WithRegisterer(reg prometheus.Registerer) Option { return func(c *Client) { c.reg = reg } }

// WithBreakerSettings overrides the circuit breaker settings.
func WithBreakerSettings(s BreakerSettings) Option { return func(c *Client) { c.brkSettings = s } }

// NewClient returns a client for the org at instanceURL (from the token
// response's instance_url or the canvas request's client.instanceUrl).
// httpClient must add the Authorization header (oauth2.NewClient); nil means
// http.DefaultClient, which only works against endpoints needing no token.
func NewClient(httpClient *http.Client, instanceURL string, opts ...Option) (*Client, error) {
	if httpClient == nil {
		httpClient = http.DefaultClient
	}
	u, err := url.Parse(instanceURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("salesforce: invalid instance URL %q", instanceURL)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	c := &Client{
		httpClient:  httpClient,
		baseURL:     u,
		apiVersion:  DefaultAPIVersion,
		logger:      slog.Default(),
		maxQueryLen: DefaultMaxQueryLength,
		bgShare:     DefaultBackgroundShare,
		maxRetries:  2,
		sleep:       httpretry.SleepContext,
		now:         time.Now,
		budget:      &budget{},
	}
	for _, o := range opts {
		o(c)
	}
	c.metrics = newMetrics(c.reg)
	c.breaker = c.newBreaker()
	c.rt = &httpretry.Client{
		HTTP: c.httpClient,
		// Backoff 250 ms, 500 ms, 1 s … up to 8 s, jittered.
		Policy: httpretry.Policy{MaxAttempts: c.maxRetries + 1, BaseDelay: 250 * time.Millisecond, MaxDelay: 8 * time.Second,
			MaxRetryAfter: 30 * time.Second},
		Now: c.now, Sleep: c.sleep, Observe: c.observe,
	}
	if c.refresher != nil {
		c.rt.Reauth = c.refresher.Refresh
	}
	return c, nil
}

// APIVersion returns the REST API version in use, e.g. "62.0".
func (c *Client) APIVersion() string { return c.apiVersion }

// InstanceURL returns the org's instance URL.
func (c *Client) InstanceURL() string { return strings.TrimSuffix(c.baseURL.String(), "/") }

func (c *Client) dataPath() string { return "services/data/v" + c.apiVersion + "/" }

// resolve turns a path into a URL: "http…" is absolute, "/…" is relative to
// the instance root (nextRecordsUrl, identity), anything else is relative to
// the versioned data API root.
func (c *Client) resolve(p string) (*url.URL, error) {
	switch {
	case strings.HasPrefix(p, "http://") || strings.HasPrefix(p, "https://"):
		return url.Parse(p)
	case strings.HasPrefix(p, "/"):
		ref, err := url.Parse(strings.TrimPrefix(p, "/"))
		if err != nil {
			return nil, err
		}
		return c.baseURL.ResolveReference(ref), nil
	default:
		ref, err := url.Parse(c.dataPath() + p)
		if err != nil {
			return nil, err
		}
		return c.baseURL.ResolveReference(ref), nil
	}
}

// response is a fully read HTTP response; the body is small JSON.
type response = httpretry.Response

// call performs one API request and decodes a 2xx JSON body into v (when v
// is not nil). It returns the response so callers can tell 200 from 201.
// Errors are *APIError, *RateLimitError, or transport errors, not yet mapped
// to sfzoom codes; public methods do that with toDomain. Retries, backoff,
// the breaker and the refresh after INVALID_SESSION_ID are httpretry's.
func (c *Client) call(ctx context.Context, method, path string, body any, v any) (*response, error) {
	if err := c.checkBudget(ctx); err != nil {
		return nil, err
	}
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return nil, fmt.Errorf("salesforce: encode request: %w", err)
		}
	}
	u, err := c.resolve(path)
	if err != nil {
		return nil, fmt.Errorf("salesforce: bad path: %w", err)
	}
	resp, err := c.rt.Do(ctx, httpretry.Request{
		Idempotent: method == http.MethodGet || method == http.MethodHead,
		Build:      func(ctx context.Context) (*http.Request, error) { return newRequest(ctx, method, u, payload) },
		Classify:   c.classify,
		Breaker:    c.breaker,
	})
	var re *httpretry.ReauthError
	switch {
	case errors.As(err, &re):
		return resp, fmt.Errorf("salesforce: refresh after INVALID_SESSION_ID: %w", errors.Join(re.Err, re.Answer))
	case errors.Is(err, httpretry.ErrOpen):
		return nil, fmt.Errorf("salesforce: circuit open: %w", err)
	case err != nil && resp == nil:
		return nil, fmt.Errorf("salesforce: %s %s: %w", method, u.Path, err)
	case err != nil:
		return resp, err
	}
	if v != nil && len(bytes.TrimSpace(resp.Body)) > 0 {
		if err := json.Unmarshal(resp.Body, v); err != nil {
			return resp, fmt.Errorf("salesforce: decode %s response: %w", u.Path, err)
		}
	}
	return resp, nil
}

func newRequest(ctx context.Context, method string, u *url.URL, payload []byte) (*http.Request, error) {
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// classify tells httpretry what a Salesforce answer means: 401
// INVALID_SESSION_ID calls for a token refresh, a 5xx is transient, a 429
// is throttled; 403 REQUEST_LIMIT_EXCEEDED is returned at once as a
// *RateLimitError, since its limits clear in seconds (concurrency) or
// hours (daily), never within one call.
func (c *Client) classify(r *response) httpretry.Outcome {
	if r.StatusCode >= 200 && r.StatusCode < 300 {
		return httpretry.Outcome{}
	}
	apiErr := &APIError{StatusCode: r.StatusCode, Errors: decodeErrorBody(r.Body)}
	wait, _, _ := httpretry.ParseRetryAfter(r.Header.Get("Retry-After"), c.now())
	switch {
	case r.StatusCode == http.StatusUnauthorized && apiErr.Has(CodeInvalidSession):
		return httpretry.Outcome{Verdict: httpretry.Unauthorized, Err: apiErr}
	case r.StatusCode == http.StatusForbidden && apiErr.Has(CodeRequestLimitExceeded):
		return httpretry.Outcome{Err: rateLimitFrom(apiErr)}
	case r.StatusCode == http.StatusTooManyRequests:
		return httpretry.Outcome{Verdict: httpretry.Throttled, RetryAfter: wait,
			Err: &RateLimitError{RetryAfter: max(wait, time.Second), Message: apiErr.firstMessage()}}
	case r.StatusCode >= 500:
		return httpretry.Outcome{Verdict: httpretry.Transient, Err: apiErr, RetryAfter: wait}
	}
	return httpretry.Outcome{Err: apiErr}
}

func rateLimitFrom(ae *APIError) *RateLimitError {
	msg := ae.firstMessage()
	// "ConcurrentPerOrgLongTxn Limit exceeded." clears in seconds; the
	// daily "TotalRequests Limit exceeded." only when the 24-hour window
	// rolls, so wait long.
	if strings.Contains(msg, "Concurrent") {
		return &RateLimitError{RetryAfter: 5 * time.Second, Message: msg}
	}
	return &RateLimitError{RetryAfter: time.Hour, Daily: true, Message: msg}
}

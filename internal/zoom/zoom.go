// Package zoom is the client for the Zoom REST API v2 (meetings, past
// participants, cloud recordings, AI meeting summaries, users and SCIM2) and
// the helpers for Zoom webhooks (signature verification, URL validation and
// typed payload decoding).
//
// Authentication belongs to the *http.Client given to NewClient (normally
// oauth2.NewClient with a token source from the tokens package); this
// package never sees a secret. The client adds what Zoom requires of a
// well-behaved caller: per-category rate limiting, the per-user daily meeting
// write limit, 429 handling that honours Retry-After, retries of idempotent
// requests on 5xx with jittered backoff, one circuit breaker per API whose
// state is exported as a Prometheus gauge, and a one-shot reauthorisation on
// 401.
//
// Zoom's documentation: https://developers.zoom.us/docs/api/
package zoom

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
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/oauth2"
	"golang.org/x/time/rate"

	"github.com/sfzoom/sfzoom/internal/httpretry"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// DefaultBaseURL is the global Zoom API base. SCIM2 lives beside it at
// https://api.zoom.us/scim2/.
const DefaultBaseURL = "https://api.zoom.us/v2/"

// API names: one circuit breaker (and one gauge label) each.
const (
	APIUsers        = "users"
	APISCIM         = "scim"
	APIMeetings     = "meetings"
	APIPastMeetings = "past_meetings"
	APIRecordings   = "recordings"
	APISummaries    = "summaries"
	APIDownloads    = "downloads"
)

var apiNames = []string{APIUsers, APISCIM, APIMeetings, APIPastMeetings, APIRecordings, APISummaries, APIDownloads}

// Reauthorizer is called once when Zoom answers 401, before the request is
// retried once; the tokens package plugs in here (for example to drop a
// cached access token). It must not return secrets in its error.
type Reauthorizer interface {
	Reauthorize(ctx context.Context) error
}

// ReauthorizerFunc adapts a function to Reauthorizer.
type ReauthorizerFunc func(ctx context.Context) error

// Reauthorize calls f(ctx).
func (f ReauthorizerFunc) Reauthorize(ctx context.Context) error { return f(ctx) }

// Sleeper waits for d or until ctx is done, returning ctx.Err() in the latter
// case. Tests inject one to observe backoff without waiting.
type Sleeper func(ctx context.Context, d time.Duration) error

// RateLimits are the client-side limits. Zoom's limits are per account and
// shared by every app, so these default to the Pro plan's per-second numbers
// (light 30/s, medium 20/s, heavy 10/s) and 100 meeting writes per user per
// UTC day. A zero rate means unlimited.
type RateLimits struct {
	Light, Medium, Heavy rate.Limit
	DailyMeetingWrites   int
}

// DefaultRateLimits returns the Pro plan limits.
func DefaultRateLimits() RateLimits {
	return RateLimits{Light: 30, Medium: 20, Heavy: 10, DailyMeetingWrites: 100}
}

// BreakerSettings configure the per-API circuit breakers (httpretry):
// ConsecutiveFailures (5xx answers, transport errors) open one, it stays
// open for OpenTimeout, then HalfOpenRequests trial requests may pass; all
// must succeed to close it. Name, Now and OnStateChange are the client's.
type BreakerSettings = httpretry.BreakerSettings

// RetryPolicy bounds retries (httpretry.Policy): MaxAttempts counts the
// first attempt, and MaxRetryAfter caps how long a 429's Retry-After is
// waited inside a call; a longer wait is returned to the caller as
// *RateLimitError.
type RetryPolicy = httpretry.Policy

// Client calls the Zoom API. It is safe for concurrent use.
type Client struct {
	httpClient     *http.Client
	downloadClient *http.Client
	// extraDownloadOrigins are non-Zoom origins downloads may reach
	// (WithDemoDownloadOrigin); normally empty.
	extraDownloadOrigins []string
	baseURL              *url.URL
	initErr              error

	logger  *slog.Logger
	now     func() time.Time
	sleep   Sleeper
	jitter  func(d time.Duration) time.Duration
	reauth  Reauthorizer
	timeout time.Duration
	retry   RetryPolicy
	limits  RateLimits
	bset    BreakerSettings
	reg     prometheus.Registerer

	limiters map[string]*rate.Limiter
	breakers map[string]*httpretry.Breaker
	gauge    *prometheus.GaugeVec
	rt       *httpretry.Client

	mu     sync.Mutex
	daily  map[string]*dailyCount // per Zoom user (id or email), for meeting writes
	hostOf map[int64]string       // meeting id → host, learned from responses
}

type dailyCount struct {
	day          string
	n            int
	blockedUntil time.Time
}

// Option configures a Client.
type Option func(*Client)

// WithBaseURL points the client at another API base, such as a zoomtest
// server's APIURL(). It must end in the version segment ("…/v2/"); SCIM2
// calls go to "../scim2/" relative to it. A trailing slash is added if
// missing. An invalid URL makes every call fail.
func WithBaseURL(rawURL string) Option {
	return func(c *Client) {
		if !strings.HasSuffix(rawURL, "/") {
			rawURL += "/"
		}
		u, err := url.Parse(rawURL)
		if err != nil {
			c.initErr = fmt.Errorf("zoom: base url: %w", err)
			return
		}
		c.baseURL = u
	}
}

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(c *Client) { c.logger = l } }

// WithClock sets the clock used for Retry-After, daily limits and the
// circuit breakers' open periods.
func WithClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }

// WithSleeper sets how the client waits between retries.
func WithSleeper(s Sleeper) Option { return func(c *Client) { c.sleep = s } }

// WithJitter replaces the backoff jitter (default: uniform in [d/2, d]).
func WithJitter(f func(d time.Duration) time.Duration) Option {
	return func(c *Client) { c.jitter = f }
}

// WithReauthorizer sets the hook called once on 401 before one retry.
func WithReauthorizer(r Reauthorizer) Option { return func(c *Client) { c.reauth = r } }

// WithRetryPolicy replaces the default retry policy (4 attempts, 250 ms
// base, 10 s cap, Retry-After honoured up to 30 s).
func WithRetryPolicy(p RetryPolicy) Option { return func(c *Client) { c.retry = p } }

// WithRateLimits replaces DefaultRateLimits().
func WithRateLimits(l RateLimits) Option { return func(c *Client) { c.limits = l } }

// WithBreakerSettings replaces the default breaker settings (open after 5
// consecutive failures, half-open after 30 s, 1 trial request).
func WithBreakerSettings(s BreakerSettings) Option { return func(c *Client) { c.bset = s } }

// WithRegisterer registers the breaker-state gauge
// (sfzoom_zoom_circuit_breaker_state{api}: 0 closed, 1 half-open, 2 open).
func WithRegisterer(r prometheus.Registerer) Option { return func(c *Client) { c.reg = r } }

// WithDownloadClient sets the client used for hops after the first one of a
// recording download (the pre-signed storage URL carries its own
// credentials) and for downloads with an explicit token. It should not
// follow redirects itself. The default uses http.DefaultTransport.
func WithDownloadClient(hc *http.Client) Option { return func(c *Client) { c.downloadClient = hc } }

// WithDemoDownloadOrigin lets recording downloads reach origin (scheme and
// host, e.g. "http://127.0.0.1:8082") besides Zoom's own https hosts. Only
// `sfzoom demo` and tests use it, for the fake Zoom on localhost; `sfzoom
// serve` never sets it, so a download there follows https Zoom hosts only.
func WithDemoDownloadOrigin(origin string) Option {
	return func(c *Client) {
		if u, err := url.Parse(origin); err == nil && u.Host != "" {
			c.extraDownloadOrigins = append(c.extraDownloadOrigins, strings.ToLower(u.Scheme+"://"+u.Host))
		}
	}
}

// NewClient returns a client that sends requests through httpClient, which
// carries the authentication. A nil httpClient means http.DefaultClient.
func NewClient(httpClient *http.Client, opts ...Option) *Client {
	if httpClient == nil {
		httpClient = http.DefaultClient
	}
	base, _ := url.Parse(DefaultBaseURL)
	c := &Client{
		httpClient: httpClient,
		baseURL:    base,
		logger:     slog.Default(),
		now:        time.Now,
		sleep:      httpretry.SleepContext,
		jitter:     httpretry.Jitter,
		timeout:    30 * time.Second,
		retry:      RetryPolicy{MaxAttempts: 4, BaseDelay: 250 * time.Millisecond, MaxDelay: 10 * time.Second, MaxRetryAfter: 30 * time.Second},
		limits:     DefaultRateLimits(),
		bset:       BreakerSettings{ConsecutiveFailures: 5, OpenTimeout: 30 * time.Second, HalfOpenRequests: 1},
		daily:      make(map[string]*dailyCount),
		hostOf:     make(map[int64]string),
	}
	for _, o := range opts {
		o(c)
	}
	c.fillUnset()
	c.limiters = map[string]*rate.Limiter{
		CategoryLight:  newLimiter(c.limits.Light),
		CategoryMedium: newLimiter(c.limits.Medium),
		CategoryHeavy:  newLimiter(c.limits.Heavy),
	}
	c.gauge = c.breakerGauge()
	c.breakers = make(map[string]*httpretry.Breaker, len(apiNames))
	for _, name := range apiNames {
		c.breakers[name] = c.newBreaker(name)
		c.gauge.WithLabelValues(name).Set(0)
	}
	c.rt = &httpretry.Client{HTTP: c.httpClient, Policy: c.retry, Timeout: c.timeout, Now: c.now,
		Sleep: c.sleep, Jitter: c.jitter}
	if c.reauth != nil {
		c.rt.Reauth = c.reauth.Reauthorize
	}
	return c
}

// fillUnset puts back the defaults an option set to nil or out of range.
func (c *Client) fillUnset() {
	c.now = sfzoom.NowOrTimeNow(c.now)
	if c.sleep == nil {
		c.sleep = httpretry.SleepContext
	}
	if c.jitter == nil {
		c.jitter = httpretry.Jitter
	}
	if c.logger == nil {
		c.logger = slog.Default()
	}
	if c.downloadClient == nil {
		c.downloadClient = &http.Client{CheckRedirect: noRedirect}
	}
	if c.retry.MaxAttempts < 1 {
		c.retry.MaxAttempts = 1
	}
}

// breakerGauge is the gauge of the breakers' states, registered with the
// WithRegisterer registry if any (httpretry.Register: a gauge another client
// registered there first is shared).
func (c *Client) breakerGauge() *prometheus.GaugeVec {
	gauge := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "sfzoom_zoom_circuit_breaker_state",
		Help: "State of the Zoom API circuit breakers: 0 closed, 1 half-open, 2 open.",
	}, []string{"api"})
	if c.reg == nil {
		return gauge
	}
	gauge, err := httpretry.Register(c.reg, gauge)
	if err != nil {
		c.logger.Warn("zoom: register breaker gauge", "err", err)
	}
	return gauge
}

func newLimiter(r rate.Limit) *rate.Limiter {
	if r <= 0 {
		return rate.NewLimiter(rate.Inf, 1)
	}
	return rate.NewLimiter(r, max(int(r), 1))
}

func (c *Client) newBreaker(name string) *httpretry.Breaker {
	s := c.bset
	return httpretry.NewBreaker(httpretry.BreakerSettings{
		Name:                name,
		ConsecutiveFailures: max(s.ConsecutiveFailures, 1),
		OpenTimeout:         s.OpenTimeout,
		HalfOpenRequests:    s.HalfOpenRequests,
		Now:                 c.now,
		OnStateChange: func(name string, from, to httpretry.State) {
			c.gauge.WithLabelValues(name).Set(float64(to))
			c.logger.Warn("zoom: circuit breaker state change", "api", name, "from", from.String(), "to", to.String())
		},
	})
}

// BreakerState returns the state of an API's breaker ("closed",
// "half-open", "open"), or "" for an unknown API name.
func (c *Client) BreakerState(api string) string {
	if b, ok := c.breakers[api]; ok {
		return b.State().String()
	}
	return ""
}

// BreakerRetryAt returns when an open breaker lets a trial request through
// again (it opened at the last failure streak, and half-opens after
// BreakerSettings.OpenTimeout); zero when the breaker is not open.
func (c *Client) BreakerRetryAt(api string) time.Time {
	if b, ok := c.breakers[api]; ok {
		return b.RetryAt()
	}
	return time.Time{}
}

// FailingSince returns when an API's current failure streak began; zero
// while it answers.
func (c *Client) FailingSince(api string) time.Time {
	if b, ok := c.breakers[api]; ok {
		return b.FailingSince()
	}
	return time.Time{}
}

// RateLimitedUntil returns when Zoom's latest 429 (on any API) allows
// requests again, by its Retry-After or the client's backoff; zero when no
// rate limit is in force. Daily limits are not included: they are per
// user, and refused locally until UTC midnight.
func (c *Client) RateLimitedUntil() time.Time { return c.rt.ThrottledUntil() }

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// call describes one logical API request; it is re-sent on retries.
type call struct {
	method   string
	path     string // relative, already escaped
	query    url.Values
	body     []byte
	api      string
	category string
	accept   string
	userKey  string // for the per-user daily meeting write limit
}

func (cl *call) idempotent() bool {
	switch cl.method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

// newCall builds a call, encoding body as JSON when non-nil.
func newCall(method, path, api, category string, body any) (*call, error) {
	cl := &call{method: method, path: path, api: api, category: category}
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("zoom: encode %s %s: %w", method, path, err)
		}
		cl.body = b
	}
	return cl, nil
}

// newRequest builds the HTTP request of one attempt. Paths are relative to
// the base URL and are parsed so that pre-escaped segments (double-encoded
// UUIDs) are sent unchanged.
func (c *Client) newRequest(ctx context.Context, cl *call) (*http.Request, error) {
	rel, err := url.Parse(cl.path)
	if err != nil {
		return nil, fmt.Errorf("zoom: path %q: %w", cl.path, err)
	}
	u := c.baseURL.ResolveReference(rel)
	if len(cl.query) > 0 {
		u.RawQuery = cl.query.Encode()
	}
	var body io.Reader
	if cl.body != nil {
		body = bytes.NewReader(cl.body)
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("zoom: new request: %w", err)
	}
	if cl.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	accept := cl.accept
	if accept == "" {
		accept = "application/json"
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", "sfzoom")
	return req, nil
}

// do runs a call with rate limiting, retries, reauthorisation and error
// mapping (httpretry), and decodes a 2xx body into v (when v is non-nil).
func (c *Client) do(ctx context.Context, cl *call, v any) error {
	if c.initErr != nil {
		return c.initErr
	}
	if err := c.checkDaily(cl); err != nil {
		return err
	}
	resp, err := c.rt.Do(ctx, c.retryRequest(ctx, cl))
	if err != nil {
		return c.callError(cl, resp, err)
	}
	c.countDaily(cl)
	if v == nil || len(resp.Body) == 0 {
		return nil
	}
	if err := json.Unmarshal(resp.Body, v); err != nil {
		return fmt.Errorf("zoom: %s %s: decode: %w", cl.method, cl.path, err)
	}
	return nil
}

// retryRequest is how httpretry sends cl: through the API's breaker, after
// its category's rate limiter, with Zoom's answers classified.
func (c *Client) retryRequest(ctx context.Context, cl *call) httpretry.Request {
	r := httpretry.Request{
		Idempotent:     cl.idempotent(),
		Build:          func(ctx context.Context) (*http.Request, error) { return c.newRequest(ctx, cl) },
		Classify:       func(resp *httpretry.Response) httpretry.Outcome { return c.classify(cl, resp) },
		Breaker:        c.breakers[cl.api],
		NoThrottleWait: noRateLimitWait(ctx),
	}
	if lim := c.limiters[cl.category]; lim != nil {
		r.Wait = lim.Wait
	}
	return r
}

// classify tells httpretry what a Zoom answer means: a 429 (other than a
// daily limit, which no short wait helps) is throttled, a 401 calls for
// reauthorisation, a 5xx is transient.
func (c *Client) classify(cl *call, resp *httpretry.Response) httpretry.Outcome {
	err := c.checkResponse(cl, resp)
	var rle *RateLimitError
	var apiErr *APIError
	switch {
	case err == nil:
		return httpretry.Outcome{}
	case errors.As(err, &rle) && !rle.Daily():
		return httpretry.Outcome{Verdict: httpretry.Throttled, Err: err, RetryAfter: rle.RetryAfter}
	case errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusUnauthorized:
		return httpretry.Outcome{Verdict: httpretry.Unauthorized, Err: err}
	case errors.As(err, &apiErr) && apiErr.StatusCode >= 500:
		wait, _, _ := httpretry.ParseRetryAfter(resp.Header.Get("Retry-After"), c.now())
		return httpretry.Outcome{Verdict: httpretry.Transient, Err: err, RetryAfter: wait}
	}
	return httpretry.Outcome{Err: err}
}

// callError maps what httpretry gave up with: Zoom's last answer (a daily
// limit is remembered, so no more calls go out for that user today), a
// failed reauthorisation, a credential failure, or Zoom being unreachable.
func (c *Client) callError(cl *call, resp *httpretry.Response, err error) error {
	op := cl.method + " " + cl.path
	var rle *RateLimitError
	var re *httpretry.ReauthError
	switch {
	case errors.As(err, &re):
		return fmt.Errorf("zoom: %s: %w", op, re)
	case resp != nil:
		if errors.As(err, &rle) && rle.Daily() {
			c.blockDaily(cl, rle.Reset)
		}
		return err
	case httpretry.CredentialFailure(err):
		return fmt.Errorf("zoom: %s: %w", op, credentialError(err))
	}
	return &unavailableError{op: op, err: redact(err)}
}

type noWaitKey struct{}

// WithoutRateLimitWait returns a copy of ctx under which a 429 is returned
// at once as *RateLimitError (with Zoom's Retry-After) instead of being
// waited out inside the call. Background jobs use it so that a rate-limit
// storm snoozes them (river.JobSnooze) rather than holding their workers
// asleep while other orgs' work queues.
func WithoutRateLimitWait(ctx context.Context) context.Context {
	return context.WithValue(ctx, noWaitKey{}, true)
}

func noRateLimitWait(ctx context.Context) bool {
	v, _ := ctx.Value(noWaitKey{}).(bool)
	return v
}

// checkResponse maps a non-2xx answer to *RateLimitError or *APIError.
func (c *Client) checkResponse(cl *call, r *httpretry.Response) error {
	if r.StatusCode >= 200 && r.StatusCode < 300 {
		return nil
	}
	var body struct {
		Code    FlexInt64    `json:"code"`
		Message string       `json:"message"`
		Errors  []FieldError `json:"errors"`
	}
	_ = json.Unmarshal(r.Body, &body) // non-JSON bodies (proxies) keep the status only
	if body.Message == "" {
		body.Message = http.StatusText(r.StatusCode)
	}
	if r.StatusCode == http.StatusTooManyRequests {
		now := c.now()
		e := &RateLimitError{
			Method: cl.method, Path: cl.path, Code: int(body.Code), Message: body.Message,
			Category: strings.ToLower(r.Header.Get("X-RateLimit-Category")),
			Type:     r.Header.Get("X-RateLimit-Type"),
		}
		if wait, reset, ok := httpretry.ParseRetryAfter(r.Header.Get("Retry-After"), now); ok {
			e.RetryAfter, e.Reset = wait, reset
		}
		msg := strings.ToLower(body.Message)
		if e.Type == "" && strings.Contains(msg, "daily") {
			e.Type = LimitDaily
		}
		if strings.Contains(msg, "meeting create/update") {
			// The per-user limit has neither headers nor Retry-After (docs/zoom-api.md §6).
			e.Category = CategoryUserDaily
		}
		if e.Daily() && e.Reset.IsZero() {
			e.Reset = nextUTCMidnight(now)
			e.RetryAfter = e.Reset.Sub(now)
		}
		return e
	}
	return &APIError{
		Method: cl.method, Path: cl.path, StatusCode: r.StatusCode, Code: int(body.Code),
		Message: body.Message, Errors: body.Errors, TrackingID: r.Header.Get("X-Zm-Trackingid"),
	}
}

// checkDaily refuses a meeting write locally when the user's daily budget
// is known to be spent.
func (c *Client) checkDaily(cl *call) error {
	if cl.userKey == "" || c.limits.DailyMeetingWrites <= 0 {
		return nil
	}
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	d := c.dailyFor(cl.userKey, now)
	if d.n < c.limits.DailyMeetingWrites && now.After(d.blockedUntil) {
		return nil
	}
	reset := nextUTCMidnight(now)
	if d.blockedUntil.After(reset) {
		reset = d.blockedUntil
	}
	return &RateLimitError{
		Method: cl.method, Path: cl.path, Code: 429, Local: true,
		Message:  fmt.Sprintf("daily limit of %d meeting create/update requests for this user reached", c.limits.DailyMeetingWrites),
		Category: CategoryUserDaily, Type: LimitDaily, Reset: reset, RetryAfter: reset.Sub(now),
	}
}

func (c *Client) dailyFor(key string, now time.Time) *dailyCount {
	day := now.UTC().Format(time.DateOnly)
	d := c.daily[key]
	if d == nil || d.day != day {
		if len(c.daily) > 10000 {
			clear(c.daily) // a new day or a flood of users: old counts are worthless
		}
		d = &dailyCount{day: day}
		c.daily[key] = d
	}
	return d
}

func (c *Client) countDaily(cl *call) {
	if cl.userKey == "" {
		return
	}
	c.mu.Lock()
	c.dailyFor(cl.userKey, c.now()).n++
	c.mu.Unlock()
}

func (c *Client) blockDaily(cl *call, until time.Time) {
	if cl.userKey == "" {
		return
	}
	c.mu.Lock()
	c.dailyFor(cl.userKey, c.now()).blockedUntil = until
	c.mu.Unlock()
}

func (c *Client) rememberHost(id int64, host string) {
	if id == 0 || host == "" {
		return
	}
	c.mu.Lock()
	if len(c.hostOf) > 10000 {
		clear(c.hostOf)
	}
	c.hostOf[id] = host
	c.mu.Unlock()
}

func (c *Client) hostFor(id int64) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hostOf[id]
}

// credentialError reports a failure of the authenticating transport, not of
// Zoom: a domain error from the token source (the tokens package returns
// EUNAUTHORIZED "reconnect required"), or an OAuth token endpoint refusal.
// Such failures are not retried and do not count against the breaker.
func credentialError(err error) error {
	var se *sfzoom.Error
	if errors.As(err, &se) {
		return redact(err)
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		return &sfzoom.Error{Code: sfzoom.EUNAUTHORIZED, Message: "The Zoom connection needs to be reconnected.",
			Err: fmt.Errorf("token endpoint refused: %s", re.ErrorCode)}
	}
	return nil
}

// redact strips URLs from transport errors, whose query strings may carry
// download tokens or storage signatures.
func redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		u, perr := url.Parse(ue.URL)
		where := "?"
		if perr == nil {
			where = u.Scheme + "://" + u.Host + u.Path
		}
		return fmt.Errorf("%s %s: %w", ue.Op, where, ue.Err)
	}
	return err
}

// escapeID escapes an id, UUID or email for one path segment exactly as
// Zoom's own clients do: with JavaScript's encodeURIComponent, applied twice
// to a UUID that begins with '/' or contains "//". Zoom's reference says "If
// a UUID starts with "/" or contains "//" (example: "/ajXp112QmuoKj4854875=="),
// you must double encode the UUID before making an API request"
// (https://developers.zoom.us/docs/api/meetings/#tag/cloud-recording/GET/meetings/{meetingId}/recordings),
// and Zoom's SDK does the double encoding with
// encodeURIComponent(encodeURIComponent(url)) (zoom/rivet-javascript,
// WebEndpoints.makeRequest, option doubleEncodeUrl). Every other value is
// encoded once, which escapes the '+', '/' and '=' of base64 UUIDs too. RFC
// 3986 §3.3 allows a raw '+' in a path, but a hop that decodes the path as
// application/x-www-form-urlencoded (https://url.spec.whatwg.org/#urlencoded-parsing)
// reads it as a space, while "%2B" means '+' to every decoder.
func escapeID(id string) string {
	if strings.HasPrefix(id, "/") || strings.Contains(id, "//") {
		return encodeURIComponent(encodeURIComponent(id))
	}
	return encodeURIComponent(id)
}

// encodeURIComponent percent-encodes s as ECMAScript's encodeURIComponent
// does: every UTF-8 byte except A-Z a-z 0-9 - _ . ! ~ * ' ( ) becomes %XX
// with upper-case hex (ECMA-262 §19.2.6.5,
// https://tc39.es/ecma262/#sec-encodeuricomponent-uricomponent).
func encodeURIComponent(s string) string {
	const hexdigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) * 3)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if uriUnreserved(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexdigits[c>>4])
		b.WriteByte(hexdigits[c&0xF])
	}
	return b.String()
}

// uriUnreserved reports whether encodeURIComponent leaves c as is.
func uriUnreserved(c byte) bool {
	switch {
	case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-_.!~*'()", c) >= 0
}

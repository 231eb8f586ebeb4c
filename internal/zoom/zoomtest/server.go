// Package zoomtest is an in-memory fake of the Zoom API, OAuth endpoints,
// recording storage and webhook sender, faithful to the wire formats of
// Zoom's API reference (https://developers.zoom.us/docs/api/) and webhook
// docs (https://developers.zoom.us/docs/api/webhooks/). It is production code: sfzoom demo serves it to
// real browsers and workers, so it is safe for concurrent use, deterministic
// (injectable clock and id seed) and does not import testing.
//
// Replies are built from embedded fixtures (fixtures/*.json, copied from the
// Zoom documentation) and literal JSON keys written from the docs, never by
// marshalling the zoom package's types.
package zoomtest

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

//go:embed fixtures/*
var fixtures embed.FS

// Default OAuth credentials accepted by a Server built without
// WithCredentials.
const (
	DefaultClientID     = "zoomtest-client-id"
	DefaultClientSecret = "zoomtest-client-secret"
	DefaultAccountID    = "zoomtest-account-id"
)

// Option configures a Server.
type Option func(*Server)

// WithClock sets the clock used for timestamps, token expiry, daily limits
// and webhook signatures (default time.Now).
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithSeed seeds the generator of ids, UUIDs and tokens (default 1).
func WithSeed(seed uint64) Option { return func(s *Server) { s.seed = seed } }

// WithCredentials sets the OAuth client and the S2S account id accepted by
// /oauth/token.
func WithCredentials(clientID, clientSecret, accountID string) Option {
	return func(s *Server) { s.clientID, s.clientSecret, s.accountID = clientID, clientSecret, accountID }
}

// WithoutListener builds the server without starting an httptest listener:
// mount Handler() yourself at baseURL, the public URL that replies and
// redirects point to.
func WithoutListener(baseURL string) Option {
	return func(s *Server) { s.noListen, s.base = true, strings.TrimSuffix(baseURL, "/") }
}

// Server is the fake Zoom. Build it with NewServer and Close it when done.
type Server struct {
	now           func() time.Time
	seed          uint64
	clientID      string
	clientSecret  string
	accountID     string
	noListen      bool
	base          string
	webhookClient *http.Client
	demoContent   bool

	ts      *httptest.Server
	handler http.Handler
	csrf    string

	mu        sync.Mutex
	rng       *rand.Rand
	users     []*user
	meetings  map[int64]*meeting
	instances map[string]*instance
	files     map[string]*recFile // by storage key
	pages     map[string]pageCursor

	accessTokens   map[string]*accessToken
	refreshTokens  map[string]*refreshToken
	codes          map[string]*authCode
	downloadTokens map[string]time.Time
	tokenRequests  map[string]int
	tokenDelay     time.Duration // DelayTokenResponses
	autoApprove    bool

	requests     map[string]int
	log          []Request
	failures     []Failure
	latency      time.Duration
	dailyLimit   int
	dailyWrites  map[string]int // host|day → count
	downloadHTML bool
	formPaths    atomic.Bool

	webhookURL    string
	webhookSecret []byte
	retryDelays   []time.Duration
	deliveries    []Delivery
	deliveryN     int
}

// Request is one request the fake served.
type Request struct {
	Method  string
	Pattern string // the route, e.g. "GET /v2/meetings/{meetingId}"
	RawPath string // the path exactly as sent (escaped)
	Query   string
}

// NewServer starts a fake Zoom on a loopback listener (unless
// WithoutListener is given).
func NewServer(opts ...Option) *Server {
	s := &Server{
		now:            time.Now,
		seed:           1,
		clientID:       DefaultClientID,
		clientSecret:   DefaultClientSecret,
		accountID:      DefaultAccountID,
		meetings:       make(map[int64]*meeting),
		instances:      make(map[string]*instance),
		files:          make(map[string]*recFile),
		pages:          make(map[string]pageCursor),
		accessTokens:   make(map[string]*accessToken),
		refreshTokens:  make(map[string]*refreshToken),
		codes:          make(map[string]*authCode),
		downloadTokens: make(map[string]time.Time),
		tokenRequests:  make(map[string]int),
		requests:       make(map[string]int),
		dailyWrites:    make(map[string]int),
		dailyLimit:     100,
	}
	for _, o := range opts {
		o(s)
	}
	s.rng = rand.New(rand.NewPCG(s.seed, s.seed^0x9e3779b97f4a7c15))
	s.csrf = s.randHex(16)
	if s.webhookClient == nil {
		s.webhookClient = &http.Client{Timeout: 3 * time.Second}
	}
	s.handler = s.routes()
	if !s.noListen {
		s.ts = httptest.NewServer(s.handler)
		s.base = s.ts.URL
	}
	return s
}

// URL returns the server's base URL (no trailing slash). OAuth lives at
// URL()+"/oauth/token", the control page at URL()+"/_control".
func (s *Server) URL() string { return s.base }

// APIURL returns the REST base to give zoom.WithBaseURL (URL()+"/v2/").
func (s *Server) APIURL() string { return s.base + "/v2/" }

// TokenURL returns the OAuth token endpoint.
func (s *Server) TokenURL() string { return s.base + "/oauth/token" }

// AuthorizeURL returns the OAuth authorization page.
func (s *Server) AuthorizeURL() string { return s.base + "/oauth/authorize" }

// Handler returns the fake's handler, to mount on another listener.
func (s *Server) Handler() http.Handler { return s.handler }

// Close stops the listener, if any.
func (s *Server) Close() {
	if s.ts != nil {
		s.ts.Close()
	}
}

// Requests returns how many requests each route served, keyed by route
// pattern ("POST /v2/users/{userId}/meetings", "POST /oauth/token", …).
func (s *Server) Requests() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.requests))
	for k, v := range s.requests {
		out[k] = v
	}
	return out
}

// APICalls returns how many REST API requests (under /v2/) were served.
func (s *Server) APICalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for route, c := range s.requests {
		if strings.Contains(route, "/v2/") {
			n += c
		}
	}
	return n
}

// RequestLog returns every request served, in order.
func (s *Server) RequestLog() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.log...)
}

// ResetRequests clears the request counters and log.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.requests)
	s.log = nil
}

// Failure is an injected failure for the next API requests (/v2 and
// /scim2). A 429 gets Zoom's per-second message unless Message is set, a
// Retry-After ISO-8601 timestamp when RetryAfter > 0, and the
// X-RateLimit-Category/Type headers when Category/Type are set.
type Failure struct {
	Status     int
	Count      int // how many requests fail (≥ 1)
	RetryAfter time.Duration
	Category   string // e.g. "Light"
	Type       string // "QPS" or "Daily-limit"
	Code       int
	Message    string
}

// Fail queues a failure.
func (s *Server) Fail(f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f.Count = max(f.Count, 1)
	s.failures = append(s.failures, f)
}

// FailNext makes the next API request fail with status; for 429 a positive
// retryAfter is sent as an ISO-8601 Retry-After timestamp.
func (s *Server) FailNext(status int, retryAfter time.Duration) {
	s.Fail(Failure{Status: status, Count: 1, RetryAfter: retryAfter})
}

// FailFor makes the next n API requests fail with status.
func (s *Server) FailFor(n int, status int) { s.Fail(Failure{Status: status, Count: n}) }

// ClearFailures drops queued failures.
func (s *Server) ClearFailures() { s.locked(func() { s.failures = nil }) }

// SetLatency delays every API and download answer by d.
func (s *Server) SetLatency(d time.Duration) { s.locked(func() { s.latency = d }) }

// SetDailyMeetingLimit sets the per-user limit of meeting create/update
// requests per UTC day (default 100, Zoom's).
func (s *Server) SetDailyMeetingLimit(n int) { s.locked(func() { s.dailyLimit = n }) }

// SetFormDecodedPaths makes the API decode path parameters as
// application/x-www-form-urlencoded, so that a raw '+' reads as a space, the
// way a gateway or proxy that form-decodes paths would. The default is RFC
// 3986 path decoding, where '+' is itself. A client that encodes ids as
// Zoom's own SDK does (encodeURIComponent) is understood either way.
func (s *Server) SetFormDecodedPaths(on bool) { s.formPaths.Store(on) }

// SetDownloadHTML makes recording downloads answer 200 with an HTML error
// page, as Zoom does when it refuses a download.
func (s *Server) SetDownloadHTML(on bool) { s.locked(func() { s.downloadHTML = on }) }

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	api := func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, s.apiMiddleware(h)) }
	plain := func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, s.countMiddleware(h)) }

	plain("POST /oauth/token", s.handleToken)
	plain("POST /oauth/revoke", s.handleRevoke)
	plain("GET /oauth/authorize", s.handleAuthorizePage)
	plain("POST /oauth/authorize", s.handleAuthorizeApprove)

	api("GET /v2/users/{userId}", s.handleUser)
	api("GET /scim2/Users", s.handleSCIMUsers)
	api("POST /v2/users/{userId}/meetings", s.meetingWrite(s.createMeeting))
	api("GET /v2/users/{userId}/meetings", s.handleListMeetings)
	api("GET /v2/meetings/{meetingId}", s.handleMeeting)
	api("PATCH /v2/meetings/{meetingId}", s.meetingWrite(s.updateMeeting))
	api("DELETE /v2/meetings/{meetingId}", s.handleDeleteMeeting)
	api("GET /v2/past_meetings/{meetingId}/participants", s.handleParticipants)
	api("GET /v2/past_meetings/{meetingId}/instances", s.handlePastInstances)
	api("GET /v2/meetings/{meetingId}/recordings", s.handleRecordings)
	api("GET /v2/meetings/{meetingId}/meeting_summary", s.handleSummary)

	plain("GET /rec/download/{key}", s.handleDownload)
	plain("GET /rec/webhook_download/{key}", s.handleDownload)
	plain("GET /_storage/{key}", s.handleStorage)

	plain("GET /_control", s.handleControl)
	plain("POST /_control", s.handleControlAction)
	return mux
}

// locked runs f holding s.mu; the one-line setters use it.
func (s *Server) locked(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f()
}

func (s *Server) record(r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests[r.Pattern]++
	s.log = append(s.log, Request{Method: r.Method, Pattern: r.Pattern, RawPath: r.URL.EscapedPath(), Query: r.URL.RawQuery})
}

func (s *Server) countMiddleware(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.record(r)
		h.ServeHTTP(w, r)
	})
}

// apiMiddleware counts, delays, injects failures and checks the bearer
// token, in that order (Zoom rate-limits and fails before authorising too).
func (s *Server) apiMiddleware(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.record(r)
		if !s.delay(r.Context()) {
			return
		}
		if f, ok := s.nextFailure(); ok {
			s.writeFailure(w, f)
			return
		}
		tok, ok := s.authenticate(r)
		if !ok {
			writeError(w, http.StatusUnauthorized, 124, "Invalid access token.")
			return
		}
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), tokenKey{}, tok)))
	})
}

type tokenKey struct{}

func (s *Server) delay(ctx context.Context) bool {
	s.mu.Lock()
	d := s.latency
	s.mu.Unlock()
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func (s *Server) nextFailure() (Failure, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.failures) == 0 {
		return Failure{}, false
	}
	f := s.failures[0]
	s.failures[0].Count--
	if s.failures[0].Count <= 0 {
		s.failures = s.failures[1:]
	}
	return f, true
}

func (s *Server) writeFailure(w http.ResponseWriter, f Failure) {
	code, msg := f.Code, f.Message
	switch {
	case f.Status == http.StatusTooManyRequests:
		if code == 0 {
			code = 429
		}
		if msg == "" {
			msg = "You have reached the maximum per-second rate limit for this API. Try again later."
			if f.Type == "Daily-limit" {
				msg = "You have reached the maximum daily rate limit for this API. Refer to the response header for details on when you can make another request."
			}
		}
		if f.Category != "" {
			w.Header().Set("X-RateLimit-Category", f.Category)
		}
		if f.Type != "" {
			w.Header().Set("X-RateLimit-Type", f.Type)
		}
		if f.RetryAfter > 0 {
			w.Header().Set("Retry-After", s.now().Add(f.RetryAfter).UTC().Format("2006-01-02T15:04:05Z"))
		}
	case msg == "":
		msg = http.StatusText(f.Status)
	}
	w.Header().Set("X-Zm-Trackingid", "v=2.0;clid=us06;rid=ZOOMTEST_"+strconv.Itoa(f.Status))
	writeError(w, f.Status, code, msg)
}

// writeJSON writes v as Zoom does: compact JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	w.Write(b)
}

// writeError writes Zoom's {"code","message"} error body.
func writeError(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, obj{"code": code, "message": msg})
}

// obj is a JSON object built from literal keys.
type obj = map[string]any

// marshal encodes v as Zoom's Node.js services do, with JSON.stringify:
// compact, without HTML escaping, and with U+2028 and U+2029 written as
// themselves. encoding/json escapes those two even with SetEscapeHTML(false);
// JSON.stringify does not (ECMA-262 QuoteJSONString escapes only '"', '\\'
// and code points below U+0020,
// https://tc39.es/ecma262/#sec-quotejsonstring). The difference matters to a
// receiver that verifies the signature over JSON.stringify(JSON.parse(body))
// as Zoom's sample does (https://github.com/zoom/webhook-sample, index.js).
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("zoomtest: encode: %w", err)
	}
	return unescapeLineSeparators(bytes.TrimSuffix(b.Bytes(), []byte("\n"))), nil
}

// unescapeLineSeparators replaces the escapes \u2028 and \u2029 that
// encoding/json writes inside strings with the raw characters. An escaped
// backslash (the JSON text \\u2028, meaning the six characters \u2028) is
// left alone.
func unescapeLineSeparators(b []byte) []byte {
	if !bytes.Contains(b, []byte(`\u202`)) {
		return b
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 >= len(b) {
			out = append(out, b[i])
			continue
		}
		if esc := b[i:min(i+6, len(b))]; string(esc) == `\u2028` || string(esc) == `\u2029` {
			out = utf8.AppendRune(out, rune(0x2028+int(esc[5]-'8')))
			i += 5
			continue
		}
		out = append(out, b[i], b[i+1]) // any other escape, kept whole
		i++
	}
	return out
}

// fixture decodes an embedded fixture into a fresh map.
func fixture(name string) obj {
	b, err := fixtures.ReadFile("fixtures/" + name)
	if err != nil {
		panic("zoomtest: missing fixture " + name) // embedded at build time; cannot happen
	}
	var m obj
	if err := json.Unmarshal(b, &m); err != nil {
		panic("zoomtest: bad fixture " + name + ": " + err.Error())
	}
	return m
}

// Random helpers; callers hold s.mu.

func (s *Server) randHex(n int) string {
	const hexdigits = "0123456789abcdef"
	b := make([]byte, n*2)
	for i := range b {
		b[i] = hexdigits[s.rng.IntN(16)]
	}
	return string(b)
}

const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
const b64url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// newUUID returns a Zoom-style instance UUID: 16 random bytes in standard
// base64, so it may contain '+', '/' and end in "==".
func (s *Server) newUUID() string {
	b := make([]byte, 22)
	for i := range b {
		b[i] = b64[s.rng.IntN(64)]
	}
	// The last character of 16 bytes in base64 carries only 2 bits.
	b[21] = "AQgw"[s.rng.IntN(4)]
	return string(b) + "=="
}

// newUserID returns a Zoom-style user id (22 base64url characters).
func (s *Server) newUserID() string {
	b := make([]byte, 22)
	for i := range b {
		b[i] = b64url[s.rng.IntN(64)]
	}
	return string(b)
}

func (s *Server) newMeetingID() int64 {
	for {
		id := 80000000000 + s.rng.Int64N(19999999999)
		if _, dup := s.meetings[id]; !dup {
			return id
		}
	}
}

func (s *Server) newToken() string { return "eyJ" + s.randHex(24) }

func zoomTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05Z")
}

// Package salesforcetest is an in-memory fake Salesforce org: OAuth,
// identity, the REST data API (SOQL subset, sObject CRUD and upsert,
// describe, Composite, sObject Collections, platform events,
// UserRecordAccess) and a Lightning-like simulator UI that frames a canvas
// app with a signed request. It powers the tests and `sfzoom demo`, so it
// is production code: no testing import, safe for concurrent use, and
// deterministic (ids and tokens come from counters; the clock is
// injectable).
//
// Replies reproduce the vendor quirks in docs/salesforce-api.md: JSON-array REST
// errors, JSON-object OAuth errors, statusCode in collection items, 403
// REQUEST_LIMIT_EXCEEDED, token responses without expires_in and with
// issued_at in milliseconds, datetimes as 2026-01-02T15:04:05.000+0000,
// attributes on every record, and no nextRecordsUrl on the last page.
package salesforcetest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultAPIVersion is the version used in URLs the fake generates when the
// request carries none (attributes.url, canvas links).
const DefaultAPIVersion = "62.0"

// DefaultBatchSize is the number of records per query page (Salesforce's
// default is 2,000).
const DefaultBatchSize = 2000

// Request is one request the fake received.
type Request struct {
	Method string
	Path   string
	Query  string
	// API is true for calls to /services/data (those count against the
	// org's API limit).
	API bool
	At  time.Time
}

// PublishedEvent is a platform event the fake accepted.
type PublishedEvent struct {
	Object string
	UUID   string
	Fields map[string]any
	At     time.Time
}

type record struct {
	obj    *ObjectSchema
	org    string
	id     string
	fields map[string]any // canonical field name → string | float64 | bool | time.Time (datetime) | nil
}

func (r *record) clone() *record {
	c := *r
	c.fields = make(map[string]any, len(r.fields))
	for k, v := range r.fields {
		c.fields[k] = v
	}
	return &c
}

type orgInfo struct {
	id   string
	name string
}

type userMeta struct {
	org     string
	isAdmin bool
}

type session struct {
	user, org string
	refresh   string // the refresh token it came from, if any
	expired   bool
	scopes    []string // OAuth scopes the token carries
}

type refreshGrant struct {
	user, org, clientID string
	revoked             bool
	scopes              []string
}

type authCode struct {
	user, org, clientID, redirectURI, challenge string
	used                                        bool
	scopes                                      []string
}

type cursor struct {
	rows  []json.RawMessage
	total int
}

type failure struct {
	status        int
	code, message string
}

type accessKey struct{ user, record string }

// Server is the fake org. Create it with NewServer and Close it when done.
type Server struct {
	ts       *httptest.Server
	handler  http.Handler
	now      func() time.Time
	schema   Schema
	seedName string

	mu        sync.Mutex
	publicURL string
	seq       int64
	orgs      []*orgInfo
	users     map[string]*userMeta
	records   map[string]*record // by 18-char id
	sessions  map[string]*session
	refreshes map[string]*refreshGrant
	codes     map[string]*authCode
	cursors   map[string]*cursor
	events    []PublishedEvent
	requests  []Request
	access    map[accessKey]bool
	failNext  []failure
	apiUsed   int64
	apiMax    int64
	down      bool
	batchSize int
	rotate    bool
	clientID  string
	secret    string
	canvasURL string
	canvasKey []byte
	// canvasObjects are the objects whose record pages hold the canvas app
	// (SetCanvasObjects); nil: every object's.
	canvasObjects map[string]bool
	appScopes     []string
}

// Option configures a Server.
type Option func(*Server)

// WithClock sets the clock (default time.Now).
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithSchema replaces DefaultSchema.
func WithSchema(sc Schema) Option { return func(s *Server) { s.schema = sc } }

// WithConnectedApp requires this client id and secret on the token endpoint
// and uses the secret to sign token responses. Without it any client id is
// accepted and the secret "secret" is assumed.
func WithConnectedApp(clientID, secret string) Option {
	return func(s *Server) { s.clientID, s.secret = clientID, secret }
}

// WithAppScopes sets the OAuth scopes the connected app grants (default
// DefaultAppScopes, what sfdx/ deploys). Tokens carry only these, and
// Salesforce's endpoints check them.
func WithAppScopes(scopes ...string) Option {
	return func(s *Server) { s.appScopes = scopes }
}

// WithoutListener skips starting an httptest listener; serve Handler()
// yourself and call SetPublicURL.
func WithoutListener() Option { return func(s *Server) { s.ts = nil; s.publicURL = "-" } }

// NewServer starts a fake org on a local listener with one default org
// ("Acme Demo Org") and no users.
func NewServer(opts ...Option) *Server {
	s := &Server{
		now:       time.Now,
		schema:    DefaultSchema(),
		seedName:  "salesforcetest",
		users:     map[string]*userMeta{},
		records:   map[string]*record{},
		sessions:  map[string]*session{},
		refreshes: map[string]*refreshGrant{},
		codes:     map[string]*authCode{},
		cursors:   map[string]*cursor{},
		access:    map[accessKey]bool{},
		apiUsed:   0,
		apiMax:    5000000,
		batchSize: DefaultBatchSize,
		secret:    "secret",
		appScopes: DefaultAppScopes,
	}
	for _, o := range opts {
		o(s)
	}
	s.handler = s.routes()
	if s.publicURL != "-" {
		s.ts = httptest.NewServer(s.handler)
		s.publicURL = s.ts.URL
	} else {
		s.publicURL = ""
	}
	s.AddOrg("Acme Demo Org")
	return s
}

// URL returns the fake's base URL: instance URL, login host and simulator.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.publicURL
}

// SetPublicURL changes the URL the fake advertises (instance_url, identity
// URLs, canvas instanceUrl), e.g. when the demo serves Handler() on
// http://localhost:PORT so the simulator is cross-site from the app.
func (s *Server) SetPublicURL(u string) {
	s.locked(func() { s.publicURL = strings.TrimSuffix(u, "/") })
}

// Handler returns the fake's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Close shuts the listener down.
func (s *Server) Close() {
	if s.ts != nil {
		s.ts.Close()
	}
}

// Requests returns a copy of every request received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// APICalls returns how many /services/data calls were received (a
// Composite or Collections call counts once, as in Salesforce).
func (s *Server) APICalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if r.API {
			n++
		}
	}
	return n
}

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() { s.locked(func() { s.requests = nil }) }

// FailNext makes the next data API call fail with status and a REST error
// array {errorCode, message}. Calls queue up.
func (s *Server) FailNext(status int, errorCode, message string) {
	s.locked(func() { s.failNext = append(s.failNext, failure{status, errorCode, message}) })
}

// SetAPIUsage sets the daily API usage reported in Sforce-Limit-Info. Once
// used reaches max, data API calls get 403 REQUEST_LIMIT_EXCEEDED.
func (s *Server) SetAPIUsage(used, max int64) { s.locked(func() { s.apiUsed, s.apiMax = used, max }) }

// APIUsage returns the usage counters.
func (s *Server) APIUsage() (used, max int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.apiUsed, s.apiMax
}

// ExpireTokens invalidates every access token issued so far; refresh tokens
// keep working.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, se := range s.sessions {
		se.expired = true
	}
}

// SetDown makes every API, OAuth and identity request answer 503.
func (s *Server) SetDown(down bool) { s.locked(func() { s.down = down }) }

// SetQueryBatchSize sets how many records a query page holds.
func (s *Server) SetQueryBatchSize(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n > 0 {
		s.batchSize = n
	}
}

// RotateRefreshTokens makes each refresh return a new refresh token and
// retire the old one.
func (s *Server) RotateRefreshTokens(on bool) { s.locked(func() { s.rotate = on }) }

// SetRecordAccess overrides the sharing model for one user and record.
func (s *Server) SetRecordAccess(userID, recordID string, canRead bool) {
	s.locked(func() { s.access[accessKey{to18(userID), to18(recordID)}] = canRead })
}

// PublishedEvents returns the platform events published so far.
func (s *Server) PublishedEvents() []PublishedEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]PublishedEvent, len(s.events))
	copy(out, s.events)
	return out
}

// Record returns a copy of a stored record's fields (datetimes as
// time.Time, dates as "YYYY-MM-DD").
func (s *Server) Record(id string) (map[string]any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.records[to18(id)]
	if !ok {
		return nil, false
	}
	return r.clone().fields, true
}

// Records returns copies of every record of object, in creation order.
func (s *Server) Records(object string) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, r := range s.sortedRecords() {
		if strings.EqualFold(r.obj.Name, object) {
			out = append(out, r.clone().fields)
		}
	}
	return out
}

// nextSeq returns the next counter value. Callers hold mu.
func (s *Server) nextSeq() int64 { s.seq++; return s.seq }

// token derives an opaque, deterministic token from the seed and counter.
func (s *Server) token(prefix string) string {
	mac := hmac.New(sha256.New, []byte(s.seedName))
	fmt.Fprintf(mac, "%s:%d", prefix, s.nextSeq())
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// locked runs f holding s.mu; the one-line setters use it.
func (s *Server) locked(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f()
}

func (s *Server) record(r *http.Request, api bool) {
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, API: api, At: s.now()})
}

const datetimeLayout = "2006-01-02T15:04:05.000-0700"

// formatDateTime renders a datetime the way Salesforce does: milliseconds
// and a colon-less +0000 offset.
func formatDateTime(t time.Time) string { return t.UTC().Format(datetimeLayout) }

// kv and ordered give JSON objects a stable key order, like Salesforce's.
type kv struct {
	k string
	v any
}

type ordered []kv

// MarshalJSON writes the keys in order.
func (o ordered) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, p := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(p.k)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(p.v)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("salesforcetest: marshal: %v", err))
	}
	return b
}

// restError renders Salesforce's REST error array.
func restError(code, message string, fields ...string) []byte {
	item := ordered{{"message", message}, {"errorCode", code}}
	if len(fields) > 0 {
		item = append(item, kv{"fields", fields})
	}
	return mustJSON([]ordered{item})
}

// oauthError renders the OAuth endpoints' error object.
func oauthError(code, desc string) []byte {
	return mustJSON(ordered{{"error", code}, {"error_description", desc}})
}

// admit records r (api: a REST API call, Request.API) and, while the
// fake is down (SetDown), answers it with unavailable; callers hold s.mu.
// It reports whether to serve the request.
func (s *Server) admit(w http.ResponseWriter, r *http.Request, api bool, unavailable func(w http.ResponseWriter)) bool {
	s.record(r, api)
	if s.down {
		unavailable(w)
		return false
	}
	return true
}

func readBody(r *http.Request) []byte {
	b, _ := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	return b
}

func (s *Server) limitHeader(w http.ResponseWriter) {
	w.Header().Set("Sforce-Limit-Info", "api-usage="+strconv.FormatInt(s.apiUsed, 10)+"/"+strconv.FormatInt(s.apiMax, 10))
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/services/data/", s.handleData)
	mux.HandleFunc("GET /services/oauth2/authorize", s.handleAuthorize)
	mux.HandleFunc("POST /services/oauth2/authorize", s.handleApprove)
	mux.HandleFunc("POST /services/oauth2/token", s.handleToken)
	mux.HandleFunc("/services/oauth2/revoke", s.handleRevoke)
	mux.HandleFunc("GET /services/oauth2/userinfo", s.identity("openid", s.handleUserInfo))
	mux.HandleFunc("GET /id/{org}/{user}", s.identity("", s.handleIdentity))
	s.simRoutes(mux)
	return mux
}

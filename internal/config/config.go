// Package config loads sfzoom's configuration from SFZOOM_* environment
// variables. Load never stops at the first problem: it reports every missing
// or malformed variable in one error, naming each variable and what it
// expects, so an operator can fix the deployment in one go.
package config

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Zoom authentication modes.
const (
	ZoomAuthS2S  = "s2s"  // one Server-to-Server app acts for every user of the account
	ZoomAuthUser = "user" // each rep connects their own Zoom account (authorization code + PKCE)
)

// EncryptionKey is one AES-256 key of the token vault, with its id.
type EncryptionKey struct {
	ID     string
	Secret []byte // 32 bytes
}

// ConsumerSecret is one Canvas consumer secret and the org whose signed
// requests it verifies. OrgID is "" for a bare secret (single-org
// deployments only: it verifies every org).
type ConsumerSecret struct {
	OrgID  string // 15 or 18 characters as configured, starting with 00D
	Secret []byte
}

// RateLimit is a per-client-IP token bucket: Rate requests per second on
// average, Burst at once. "off" is an infinite Rate.
type RateLimit struct {
	Rate  float64
	Burst int
}

// Config is the whole configuration of a sfzoom process.
type Config struct {
	Addr            string        // SFZOOM_ADDR
	PublicURL       *url.URL      // SFZOOM_PUBLIC_URL
	DatabaseURL     string        // SFZOOM_DATABASE_URL
	DBMaxConns      int           // SFZOOM_DB_MAX_CONNS: Postgres connections per process, kept open while idle
	LogFormat       string        // SFZOOM_LOG_FORMAT: json or text
	LogLevel        string        // SFZOOM_LOG_LEVEL
	ShutdownTimeout time.Duration // SFZOOM_SHUTDOWN_TIMEOUT
	Workers         int           // SFZOOM_WORKERS

	CanvasConsumerSecrets []ConsumerSecret // SFZOOM_CANVAS_CONSUMER_SECRET: ORGID:secret entries (several per org for rotation)
	CanvasTokenCheck      bool             // SFZOOM_CANVAS_TOKEN_CHECK
	CanvasTokenCheckTTL   time.Duration    // SFZOOM_CANVAS_TOKEN_CHECK_TTL
	SessionKeys           [][]byte         // SFZOOM_SESSION_KEYS
	SessionTTL            time.Duration    // SFZOOM_SESSION_TTL
	FrameAncestors        []string         // SFZOOM_FRAME_ANCESTORS: extra origins allowed to frame the app
	CanvasRateLimit       RateLimit        // SFZOOM_CANVAS_RATE_LIMIT: POST /canvas per client IP
	AdminUserIDs          []string         // SFZOOM_ADMIN_USER_IDS: bootstrap admins (Salesforce user ids)

	EncryptionKeys []EncryptionKey // SFZOOM_ENCRYPTION_KEYS

	ZoomWebhookSecret    string    // SFZOOM_ZOOM_WEBHOOK_SECRET
	ZoomWebhookRateLimit RateLimit // SFZOOM_ZOOM_WEBHOOK_RATE_LIMIT: POST /webhooks/zoom per client IP
	ZoomAuthMode         string    // SFZOOM_ZOOM_AUTH_MODE
	ZoomAccountID        string    // SFZOOM_ZOOM_ACCOUNT_ID (S2S only)
	ZoomClientID         string    // SFZOOM_ZOOM_CLIENT_ID
	ZoomClientSecret     string    // SFZOOM_ZOOM_CLIENT_SECRET
	ZoomAPIURL           *url.URL  // SFZOOM_ZOOM_API_URL
	ZoomOAuthURL         *url.URL  // SFZOOM_ZOOM_OAUTH_URL

	SalesforceClientID         string   // SFZOOM_SALESFORCE_CLIENT_ID
	SalesforceClientSecret     string   // SFZOOM_SALESFORCE_CLIENT_SECRET
	SalesforceLoginURL         *url.URL // SFZOOM_SALESFORCE_LOGIN_URL
	SalesforceBackgroundBudget float64  // SFZOOM_SALESFORCE_BACKGROUND_BUDGET: share of the daily API limit background work may use

	MediaAccessTTL time.Duration // SFZOOM_MEDIA_ACCESS_CACHE_TTL
	MediaURLTTL    time.Duration // SFZOOM_MEDIA_URL_TTL

	WebhookRetention time.Duration // SFZOOM_WEBHOOK_RETENTION: how long stored webhook payloads are kept
}

// Var documents one environment variable. Vars lists them all; the README
// table and `sfzoom help` are built from the same list.
type Var struct {
	Name     string
	Default  string // "" means no default
	Required bool   // required by `sfzoom serve`
	Secret   bool   // never printed
	Help     string
}

// Vars returns every variable sfzoom reads, in the order of the README table.
func Vars() []Var {
	return []Var{
		{"SFZOOM_ADDR", ":8080", false, false, "Listen address, host:port."},
		{"SFZOOM_PUBLIC_URL", "", true, false, "The https URL Salesforce and Zoom reach sfzoom at, e.g. https://sfzoom.example.com."},
		{"SFZOOM_DATABASE_URL", "sqlite:data/sfzoom.db", false, false, "sqlite:PATH (embedded) or postgres://user:pass@host/db (several replicas)."},
		{"SFZOOM_DB_MAX_CONNS", "16", false, false, "PostgreSQL only: connections each process keeps open for requests (the job workers have their own pool: 4, or one per CPU core above 4). Replicas × (this + that pool) must stay under the server's max_connections."},
		{"SFZOOM_LOG_FORMAT", "json", false, false, "json or text."},
		{"SFZOOM_LOG_LEVEL", "info", false, false, "debug, info, warn or error."},
		{"SFZOOM_SHUTDOWN_TIMEOUT", "30s", false, false, "How long a graceful shutdown waits for requests and jobs."},
		{"SFZOOM_WORKERS", "10", false, false, "Concurrent background jobs per process."},
		{"SFZOOM_CANVAS_CONSUMER_SECRET", "", true, true, "Consumer secret of the Salesforce canvas app, bound to its org as ORGID:secret (15- or 18-character org id); comma-separate several orgs, and two entries for one org during rotation. A bare secret (no ORGID:) verifies every org and is accepted only when it is the only kind listed: use it for a single-org deployment."},
		{"SFZOOM_CANVAS_TOKEN_CHECK", "true", false, false, "Check the signed request's OAuth token against Salesforce before accepting it (replay guard)."},
		{"SFZOOM_CANVAS_TOKEN_CHECK_TTL", "2m", false, false, "How long a token check result is cached."},
		{"SFZOOM_SESSION_KEYS", "", true, true, "Comma-separated base64 keys (32 or 64 bytes) for app sessions; the first signs, all verify. `sfzoom keygen` makes one."},
		{"SFZOOM_SESSION_TTL", "2h", false, false, "Longest app session; never longer than the Salesforce token's life."},
		{"SFZOOM_FRAME_ANCESTORS", "", false, false, "Extra origins allowed to frame the app, space- or comma-separated (Salesforce domains are always allowed)."},
		{"SFZOOM_CANVAS_RATE_LIMIT", "5:60", false, false, "Per-client-IP limit of POST /canvas as RATE:BURST (requests per second, and at once), or off. An office behind one NAT shares a bucket."},
		{"SFZOOM_ADMIN_USER_IDS", "", false, false, "Salesforce users who are sfzoom admins even without the sfzoom Admin permission set, as ORGID:USERID (a bare user id matches in every org; sandbox copies keep user ids)."},
		{"SFZOOM_ENCRYPTION_KEYS", "", true, true, "Token encryption keys, id:base64(32 bytes), comma-separated; the first encrypts, all decrypt. `sfzoom keygen` makes one."},
		{"SFZOOM_ZOOM_WEBHOOK_SECRET", "", true, true, "The Secret Token of the Zoom app's event subscription."},
		{"SFZOOM_ZOOM_WEBHOOK_RATE_LIMIT", "50:1000", false, false, "Per-client-IP limit of the Zoom webhook as RATE:BURST (requests per second, and at once), or off. Zoom sends from a few addresses; raise it (or turn it off) only to load-test from one address."},
		{"SFZOOM_ZOOM_AUTH_MODE", "s2s", false, false, "s2s (Server-to-Server app) or user (each rep connects their own Zoom)."},
		{"SFZOOM_ZOOM_ACCOUNT_ID", "", false, false, "Zoom account id (required in s2s mode)."},
		{"SFZOOM_ZOOM_CLIENT_ID", "", true, false, "Zoom app client id."},
		{"SFZOOM_ZOOM_CLIENT_SECRET", "", true, true, "Zoom app client secret."},
		{"SFZOOM_ZOOM_API_URL", "https://api.zoom.us/v2", false, false, "Zoom REST base URL."},
		{"SFZOOM_ZOOM_OAUTH_URL", "https://zoom.us", false, false, "Zoom OAuth base URL (authorize, token, revoke)."},
		{"SFZOOM_SALESFORCE_CLIENT_ID", "", true, false, "Consumer key of the Salesforce external client app."},
		{"SFZOOM_SALESFORCE_CLIENT_SECRET", "", true, true, "Consumer secret used for the OAuth web-server flow."},
		{"SFZOOM_SALESFORCE_LOGIN_URL", "https://login.salesforce.com", false, false, "Salesforce login URL (https://test.salesforce.com for sandboxes)."},
		{"SFZOOM_SALESFORCE_BACKGROUND_BUDGET", "0.8", false, false, "Share (0-1) of the org's daily API limit above which background work pauses."},
		{"SFZOOM_MEDIA_ACCESS_CACHE_TTL", "60s", false, false, "How long a recording access check is cached."},
		{"SFZOOM_MEDIA_URL_TTL", "15m", false, false, "Lifetime of signed recording URLs."},
		{"SFZOOM_WEBHOOK_RETENTION", "720h", false, false, "How long stored Zoom webhook deliveries are kept (720h = 30 days; at least 24h); an hourly job deletes older ones."},
	}
}

// Mode selects which variables are required.
type Mode int

const (
	// ModeServe requires every secret: production has no defaults for them.
	ModeServe Mode = iota
	// ModeDemo requires nothing: the demo fills secrets and URLs itself.
	ModeDemo
	// ModeMigrate needs only the database.
	ModeMigrate
	// ModeKeys needs the database and the encryption keys (rotate-keys).
	ModeKeys
)

// ValidationError lists every problem found in the environment.
type ValidationError struct {
	Problems []string // "SFZOOM_X: what is wrong and what is expected"
}

// Error implements error.
func (e *ValidationError) Error() string {
	return "config: invalid environment:\n  " + strings.Join(e.Problems, "\n  ")
}

// Load reads the configuration for mode from getenv (os.Getenv in main).
// The error, if any, is a *ValidationError listing every problem.
func Load(getenv func(string) string, mode Mode) (*Config, error) {
	l := loader{getenv: getenv, mode: mode, defaults: map[string]Var{}}
	for _, v := range Vars() {
		l.defaults[v.Name] = v
	}
	c := &Config{}
	l.server(c)
	if mode == ModeServe || mode == ModeDemo {
		l.canvas(c)
		l.zoom(c)
		l.salesforce(c)
		l.media(c)
	}
	if mode == ModeServe || mode == ModeDemo || mode == ModeKeys {
		c.EncryptionKeys = l.encryptionKeys("SFZOOM_ENCRYPTION_KEYS")
	}
	if len(l.problems) > 0 {
		return nil, &ValidationError{Problems: l.problems}
	}
	return c, nil
}

// server reads what every mode needs: the listen address, the public URL,
// the database, logging, shutdown and the worker count.
func (l *loader) server(c *Config) {
	c.Addr = l.str("SFZOOM_ADDR")
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		l.fail("SFZOOM_ADDR", "must be host:port, e.g. :8080 or 127.0.0.1:8080")
	}
	c.PublicURL = l.url("SFZOOM_PUBLIC_URL", true)
	c.DatabaseURL = l.str("SFZOOM_DATABASE_URL")
	if !strings.HasPrefix(c.DatabaseURL, "sqlite:") && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		l.fail("SFZOOM_DATABASE_URL", "must be sqlite:PATH or postgres://user:password@host:port/database")
	} else if c.DatabaseURL == "sqlite:" {
		l.fail("SFZOOM_DATABASE_URL", "sqlite: needs a file path, e.g. sqlite:data/sfzoom.db")
	}
	c.DBMaxConns = l.int("SFZOOM_DB_MAX_CONNS", 1, 1000)
	c.LogFormat = l.oneOf("SFZOOM_LOG_FORMAT", "json", "text")
	c.LogLevel = l.oneOf("SFZOOM_LOG_LEVEL", "debug", "info", "warn", "error")
	c.ShutdownTimeout = l.duration("SFZOOM_SHUTDOWN_TIMEOUT")
	c.Workers = l.int("SFZOOM_WORKERS", 1, 1000)
}

// canvas reads the Canvas app's settings: its consumer secrets, the token
// check, the app session, framing, the rate limit and the admins.
func (l *loader) canvas(c *Config) {
	c.CanvasConsumerSecrets = l.consumerSecrets("SFZOOM_CANVAS_CONSUMER_SECRET")
	l.require("SFZOOM_CANVAS_CONSUMER_SECRET", len(c.CanvasConsumerSecrets) > 0, "the consumer secret of the Salesforce canvas app (Setup → External Client App Manager)")
	c.CanvasTokenCheck = l.bool("SFZOOM_CANVAS_TOKEN_CHECK")
	c.CanvasTokenCheckTTL = l.duration("SFZOOM_CANVAS_TOKEN_CHECK_TTL")
	c.SessionKeys = l.base64Keys("SFZOOM_SESSION_KEYS")
	c.SessionTTL = l.duration("SFZOOM_SESSION_TTL")
	c.FrameAncestors = l.origins("SFZOOM_FRAME_ANCESTORS")
	c.CanvasRateLimit = l.rateLimit("SFZOOM_CANVAS_RATE_LIMIT")
	c.AdminUserIDs = l.adminUserIDs("SFZOOM_ADMIN_USER_IDS")
}

// adminUserIDs reads a list of Salesforce user ids, each either USERID or
// ORGID:USERID, and fails on any entry that is neither.
func (l *loader) adminUserIDs(name string) []string {
	ids := l.list(name)
	for _, id := range ids {
		org, user, bound := strings.Cut(id, ":")
		if !bound {
			user = id
		}
		if (bound && !sfOrgIDPattern.MatchString(org)) || !sfIDPattern.MatchString(user) {
			l.fail(name, fmt.Sprintf("%q is not a Salesforce user id (15 or 18 characters, starting with 005) or ORGID:USERID (the org id starts with 00D)", id))
		}
	}
	return ids
}

// zoom reads the Zoom app's settings: the webhook secret and rate limit,
// the auth mode with its account and client credentials, and the API URLs.
func (l *loader) zoom(c *Config) {
	c.ZoomWebhookSecret = l.str("SFZOOM_ZOOM_WEBHOOK_SECRET")
	l.require("SFZOOM_ZOOM_WEBHOOK_SECRET", c.ZoomWebhookSecret != "", "the Secret Token of the Zoom app's event subscription")
	c.ZoomWebhookRateLimit = l.rateLimit("SFZOOM_ZOOM_WEBHOOK_RATE_LIMIT")
	c.ZoomAuthMode = l.oneOf("SFZOOM_ZOOM_AUTH_MODE", ZoomAuthS2S, ZoomAuthUser)
	c.ZoomAccountID = l.str("SFZOOM_ZOOM_ACCOUNT_ID")
	if c.ZoomAuthMode == ZoomAuthS2S {
		l.require("SFZOOM_ZOOM_ACCOUNT_ID", c.ZoomAccountID != "", "the Zoom account id of the Server-to-Server app (required when SFZOOM_ZOOM_AUTH_MODE=s2s)")
	}
	c.ZoomClientID = l.str("SFZOOM_ZOOM_CLIENT_ID")
	l.require("SFZOOM_ZOOM_CLIENT_ID", c.ZoomClientID != "", "the Zoom app's client id")
	c.ZoomClientSecret = l.str("SFZOOM_ZOOM_CLIENT_SECRET")
	l.require("SFZOOM_ZOOM_CLIENT_SECRET", c.ZoomClientSecret != "", "the Zoom app's client secret")
	c.ZoomAPIURL = l.url("SFZOOM_ZOOM_API_URL", false)
	c.ZoomOAuthURL = l.url("SFZOOM_ZOOM_OAUTH_URL", false)
}

// salesforce reads the Salesforce external client app's credentials, its
// login URL and the share of API calls background jobs may use.
func (l *loader) salesforce(c *Config) {
	c.SalesforceClientID = l.str("SFZOOM_SALESFORCE_CLIENT_ID")
	l.require("SFZOOM_SALESFORCE_CLIENT_ID", c.SalesforceClientID != "", "the consumer key of the Salesforce external client app")
	c.SalesforceClientSecret = l.str("SFZOOM_SALESFORCE_CLIENT_SECRET")
	l.require("SFZOOM_SALESFORCE_CLIENT_SECRET", c.SalesforceClientSecret != "", "the consumer secret of the Salesforce external client app")
	c.SalesforceLoginURL = l.url("SFZOOM_SALESFORCE_LOGIN_URL", false)
	c.SalesforceBackgroundBudget = l.float("SFZOOM_SALESFORCE_BACKGROUND_BUDGET", 0, 1)
}

// media reads how long media access and media URLs last and how long webhook
// deliveries are kept (at least a day, so Zoom's retries stay duplicates).
func (l *loader) media(c *Config) {
	c.MediaAccessTTL = l.duration("SFZOOM_MEDIA_ACCESS_CACHE_TTL")
	c.MediaURLTTL = l.duration("SFZOOM_MEDIA_URL_TTL")
	c.WebhookRetention = l.duration("SFZOOM_WEBHOOK_RETENTION")
	if c.WebhookRetention > 0 && c.WebhookRetention < 24*time.Hour {
		// Zoom retries a failed delivery for up to 85 minutes; a day
		// keeps every retry recognisable as a duplicate.
		l.fail("SFZOOM_WEBHOOK_RETENTION", fmt.Sprintf("got %q; keep deliveries at least 24h (e.g. 720h for 30 days) so Zoom's retries are still recognised as duplicates", l.raw("SFZOOM_WEBHOOK_RETENTION")))
	}
}

var (
	sfIDPattern    = regexp.MustCompile(`^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$`)
	sfOrgIDPattern = regexp.MustCompile(`^00D[a-zA-Z0-9]{12}([a-zA-Z0-9]{3})?$`)
	keyIDPattern   = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,32}$`)
	errNotProvided = errors.New("not provided")
)

type loader struct {
	getenv   func(string) string
	mode     Mode
	defaults map[string]Var
	problems []string
	failed   map[string]bool
}

func (l *loader) fail(name, msg string) {
	if l.failed == nil {
		l.failed = map[string]bool{}
	}
	if l.failed[name] {
		return // one problem per variable is enough
	}
	l.failed[name] = true
	l.problems = append(l.problems, name+": "+msg)
}

// raw returns the value or its default. Secrets have no default in serve
// mode; in demo mode the demo sets them before Load.
func (l *loader) raw(name string) string {
	if v := strings.TrimSpace(l.getenv(name)); v != "" {
		return v
	}
	return l.defaults[name].Default
}

func (l *loader) str(name string) string { return l.raw(name) }

func (l *loader) require(name string, ok bool, what string) {
	if !ok && l.mode == ModeServe {
		l.fail(name, "missing; set it to "+what)
	} else if !ok && l.mode == ModeDemo {
		l.fail(name, "missing (the demo normally sets it); set it to "+what)
	}
}

func (l *loader) list(name string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(l.raw(name), func(r rune) bool { return r == ',' || r == ' ' || r == '\n' }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func (l *loader) oneOf(name string, allowed ...string) string {
	v := strings.ToLower(l.raw(name))
	if !slices.Contains(allowed, v) {
		l.fail(name, fmt.Sprintf("got %q; expected one of %s", v, strings.Join(allowed, ", ")))
	}
	return v
}

func (l *loader) duration(name string) time.Duration {
	v := l.raw(name)
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		l.fail(name, fmt.Sprintf("got %q; expected a positive Go duration such as 30s, 5m or 2h", v))
	}
	return d
}

func (l *loader) int(name string, lo, hi int) int {
	v := l.raw(name)
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		l.fail(name, fmt.Sprintf("got %q; expected a whole number from %d to %d", v, lo, hi))
	}
	return n
}

func (l *loader) float(name string, lo, hi float64) float64 {
	v := l.raw(name)
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < lo || f > hi {
		l.fail(name, fmt.Sprintf("got %q; expected a number from %g to %g", v, lo, hi))
	}
	return f
}

// rateLimit parses RATE:BURST (a positive number of requests per second and
// a positive whole burst) or "off".
func (l *loader) rateLimit(name string) RateLimit {
	v := l.raw(name)
	if strings.EqualFold(v, "off") {
		return RateLimit{Rate: math.Inf(1), Burst: math.MaxInt32}
	}
	r, b, ok := strings.Cut(v, ":")
	rate, errR := strconv.ParseFloat(r, 64)
	burst, errB := strconv.Atoi(b)
	if !ok || errR != nil || errB != nil || rate <= 0 || math.IsInf(rate, 0) || burst < 1 || burst > math.MaxInt32 {
		l.fail(name, fmt.Sprintf("got %q; expected RATE:BURST (requests per second per client IP, and how many at once), e.g. %s, or off", v, l.defaults[name].Default))
	}
	return RateLimit{Rate: rate, Burst: burst}
}

func (l *loader) bool(name string) bool {
	v := l.raw(name)
	b, err := strconv.ParseBool(v)
	if err != nil {
		l.fail(name, fmt.Sprintf("got %q; expected true or false", v))
	}
	return b
}

func (l *loader) url(name string, required bool) *url.URL {
	v := l.raw(name)
	if v == "" {
		if required {
			l.require(name, false, "an absolute http(s) URL")
		}
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		l.fail(name, fmt.Sprintf("got %q; expected an absolute URL such as https://sfzoom.example.com", v))
		return nil
	}
	if u.Scheme == "http" && l.mode == ModeServe && !isLoopback(u.Hostname()) {
		l.fail(name, fmt.Sprintf("got %q; production URLs must use https (http is allowed only for localhost)", v))
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	return u
}

func (l *loader) origins(name string) []string {
	var out []string
	for _, o := range l.list(name) {
		u, err := url.Parse(o)
		if err != nil || u.Scheme == "" || u.Host == "" || (u.Path != "" && u.Path != "/") {
			l.fail(name, fmt.Sprintf("%q is not an origin; expected scheme://host[:port], e.g. https://acme.my.salesforce.com", o))
			continue
		}
		out = append(out, u.Scheme+"://"+u.Host)
	}
	return out
}

func (l *loader) base64Keys(name string) [][]byte {
	var keys [][]byte
	for i, s := range l.list(name) {
		k, err := decodeBase64(s)
		if err != nil || (len(k) != 32 && len(k) != 64) {
			// Never echo the key itself.
			l.fail(name, fmt.Sprintf("key #%d is not base64 of 32 or 64 bytes; generate one with `sfzoom keygen`", i+1))
			return nil
		}
		keys = append(keys, k)
	}
	l.require(name, len(keys) > 0, "one or more base64 keys; generate with `sfzoom keygen`")
	return keys
}

// consumerSecrets parses ORGID:secret entries (or bare secrets, all of one
// kind). Errors never echo a secret.
func (l *loader) consumerSecrets(name string) []ConsumerSecret {
	var out []ConsumerSecret
	bound, bare := 0, 0
	for i, entry := range l.list(name) {
		org, secret, hasOrg := strings.Cut(entry, ":")
		if !hasOrg {
			out = append(out, ConsumerSecret{Secret: []byte(entry)})
			bare++
			continue
		}
		if !sfOrgIDPattern.MatchString(org) {
			l.fail(name, fmt.Sprintf("entry #%d must look like ORGID:secret, where ORGID is the 15- or 18-character Salesforce org id starting with 00D (Setup → Company Information)", i+1))
			return nil
		}
		if secret == "" {
			l.fail(name, fmt.Sprintf("entry #%d (org %s) has no secret after the colon; write ORGID:secret", i+1, org))
			return nil
		}
		out = append(out, ConsumerSecret{OrgID: org, Secret: []byte(secret)})
		bound++
	}
	if bound > 0 && bare > 0 {
		l.fail(name, "mixes ORGID:secret entries with bare secrets; a bare secret verifies requests of every org, so write every entry as ORGID:secret")
		return nil
	}
	return out
}

func (l *loader) encryptionKeys(name string) []EncryptionKey {
	var keys []EncryptionKey
	seen := map[string]bool{}
	for i, s := range l.list(name) {
		id, b64, ok := strings.Cut(s, ":")
		if !ok || !keyIDPattern.MatchString(id) {
			l.fail(name, fmt.Sprintf("entry #%d must look like id:base64key with an id of letters, digits, '.', '_' or '-'; generate with `sfzoom keygen`", i+1))
			return nil
		}
		if seen[id] {
			l.fail(name, fmt.Sprintf("key id %q appears twice; every key needs its own id", id))
			return nil
		}
		seen[id] = true
		k, err := decodeBase64(b64)
		if err != nil || len(k) != 32 {
			l.fail(name, fmt.Sprintf("key %q is not base64 of exactly 32 bytes (AES-256); generate with `sfzoom keygen`", id))
			return nil
		}
		keys = append(keys, EncryptionKey{ID: id, Secret: k})
	}
	if len(keys) == 0 {
		if l.mode == ModeKeys {
			l.fail(name, "missing; set it to id:base64key entries, the first one encrypts")
		}
		l.require(name, false, "id:base64key entries (the first encrypts, all decrypt); generate with `sfzoom keygen`")
	}
	return keys
}

func decodeBase64(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errNotProvided
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

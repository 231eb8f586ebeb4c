package tokens_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/tokens"
)

// memStore is an in-memory tokens.Store with the contract's semantics:
// version compare-and-swap, leases with expiry, audit rows.
type memStore struct {
	mu     sync.Mutex
	now    func() time.Time
	tokens map[int64]*sfzoom.TokenRecord
	audit  []sfzoom.TokenAudit
	leases map[string]memLease
	conns  map[int64]*sfzoom.Connection
}

type memLease struct {
	holder  string
	expires time.Time
}

func newMemStore() *memStore {
	return &memStore{
		now:    time.Now,
		tokens: make(map[int64]*sfzoom.TokenRecord),
		leases: make(map[string]memLease),
		conns:  make(map[int64]*sfzoom.Connection),
	}
}

func cloneRec(r *sfzoom.TokenRecord) *sfzoom.TokenRecord {
	c := *r
	c.Nonce = bytes.Clone(r.Nonce)
	c.Ciphertext = bytes.Clone(r.Ciphertext)
	return &c
}

func (m *memStore) addConnection(id int64, provider string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.conns[id] = &sfzoom.Connection{ID: id, OrgID: "00D000000000001EAA", Provider: provider, Subject: "s" + strconv.FormatInt(id, 10), Status: sfzoom.ConnectionActive}
}

func (m *memStore) LoadToken(_ context.Context, id int64) (*sfzoom.TokenRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.tokens[id]
	if !ok {
		return nil, sfzoom.Errorf(sfzoom.ENOTFOUND, "no token for connection %d", id)
	}
	return cloneRec(r), nil
}

func (m *memStore) SaveToken(_ context.Context, rec *sfzoom.TokenRecord, expect int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.conns[rec.ConnectionID]; !ok {
		return sfzoom.Errorf(sfzoom.ENOTFOUND, "no connection %d", rec.ConnectionID)
	}
	var cur int64
	if r, ok := m.tokens[rec.ConnectionID]; ok {
		cur = r.Version
	}
	if cur != expect {
		return sfzoom.Errorf(sfzoom.ECONFLICT, "token version is %d, not %d", cur, expect)
	}
	rec.Version = cur + 1
	rec.UpdatedAt = m.now()
	m.tokens[rec.ConnectionID] = cloneRec(rec)
	return nil
}

func (m *memStore) ListTokens(context.Context) ([]*sfzoom.TokenRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*sfzoom.TokenRecord
	for _, r := range m.tokens {
		out = append(out, cloneRec(r))
	}
	slices.SortFunc(out, func(a, b *sfzoom.TokenRecord) int { return int(a.ConnectionID - b.ConnectionID) })
	return out, nil
}

func (m *memStore) AppendTokenAudit(_ context.Context, a *sfzoom.TokenAudit) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	a.ID = int64(len(m.audit) + 1)
	m.audit = append(m.audit, *a)
	return nil
}

func (m *memStore) FindTokenAudit(_ context.Context, id int64, limit int) ([]*sfzoom.TokenAudit, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*sfzoom.TokenAudit
	for i := len(m.audit) - 1; i >= 0 && len(out) < limit; i-- {
		if m.audit[i].ConnectionID == id {
			a := m.audit[i]
			out = append(out, &a)
		}
	}
	return out, nil
}

func (m *memStore) AcquireLease(_ context.Context, name, holder string, ttl time.Duration) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if l, ok := m.leases[name]; ok && l.holder != holder && now.Before(l.expires) {
		return false, nil
	}
	m.leases[name] = memLease{holder: holder, expires: now.Add(ttl)}
	return true, nil
}

func (m *memStore) ReleaseLease(_ context.Context, name, holder string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if l, ok := m.leases[name]; ok && l.holder == holder {
		delete(m.leases, name)
	}
	return nil
}

func (m *memStore) UpdateConnectionStatus(_ context.Context, id int64, status, detail string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.conns[id]
	if !ok {
		return sfzoom.Errorf(sfzoom.ENOTFOUND, "no connection %d", id)
	}
	c.Status, c.Detail = status, detail
	return nil
}

func (m *memStore) FindConnectionByID(_ context.Context, id int64) (*sfzoom.Connection, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.conns[id]
	if !ok {
		return nil, sfzoom.Errorf(sfzoom.ENOTFOUND, "no connection %d", id)
	}
	cc := *c
	return &cc, nil
}

func (m *memStore) DeleteConnection(_ context.Context, id int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.conns[id]; !ok {
		return sfzoom.Errorf(sfzoom.ENOTFOUND, "no connection %d", id)
	}
	delete(m.conns, id)
	delete(m.tokens, id)
	return nil
}

// testStore is what the tests need beyond tokens.Store; both memStore and
// the SQLite store provide it.
type testStore interface {
	tokens.Store
	FindTokenAudit(ctx context.Context, connectionID int64, limit int) ([]*sfzoom.TokenAudit, error)
	FindConnectionByID(ctx context.Context, id int64) (*sfzoom.Connection, error)
}

// replicator is a testStore that can open another handle on the same
// database, so each vault instance acts as a separate replica.
type replicator interface {
	Replica(t testing.TB) tokens.Store
}

// clock is a settable clock for the vault's expiry decisions.
type clock struct{ ns atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.ns.Store(time.Now().UnixNano())
	return c
}

func (c *clock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// oauthServer is a token endpoint that behaves like Zoom's (docs/zoom-api.md §5)
// and, in salesforce mode, like Salesforce's (docs/salesforce-api.md §2). Refresh
// tokens rotate: each refresh returns a new one and the previous one stops
// working, answered with invalid_grant ("Invalid Token!",
// devsupport KB 360060332931).
type oauthServer struct {
	*httptest.Server
	clientID, clientSecret string
	salesforce             bool // no expires_in, issued_at in ms, instance_url
	rotate                 bool // refresh returns a new refresh token and kills the old one
	delay                  time.Duration
	// onToken, if set, runs when a token request arrives, before it is
	// handled.
	onToken func(r *http.Request)

	mu       sync.Mutex
	seq      int
	refresh  map[string]bool   // live refresh tokens
	access   map[string]bool   // live access tokens
	codes    map[string]string // code → S256 challenge
	issued   []string          // every secret ever issued, for leak scans
	accessed []string          // access tokens in the order issued
	requests map[string]int    // grant_type or "revoke" → count
	forms    []url.Values
}

func newOAuthServer(t testing.TB, salesforce bool) *oauthServer {
	t.Helper()
	s := &oauthServer{
		clientID: "client-id-x", clientSecret: "client-secret-x",
		salesforce: salesforce, rotate: !salesforce,
		refresh: map[string]bool{}, access: map[string]bool{}, codes: map[string]string{},
		requests: map[string]int{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth/token", s.handleToken)
	mux.HandleFunc("POST /services/oauth2/token", s.handleToken)
	mux.HandleFunc("POST /oauth/revoke", s.handleRevoke)
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func (s *oauthServer) secret(prefix string) string {
	b := make([]byte, 9)
	_, _ = rand.Read(b)
	v := fmt.Sprintf("%s-%d-%s", prefix, s.seq, base64.RawURLEncoding.EncodeToString(b))
	s.issued = append(s.issued, v)
	return v
}

// addCode registers an authorization code bound to a PKCE verifier.
func (s *oauthServer) addCode(code, verifier string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sum := sha256.Sum256([]byte(verifier))
	s.codes[code] = base64.RawURLEncoding.EncodeToString(sum[:])
	s.issued = append(s.issued, code, verifier)
}

func (s *oauthServer) count(kind string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[kind]
}

// lastAccess returns the access token issued last.
func (s *oauthServer) lastAccess() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.accessed) == 0 {
		return ""
	}
	return s.accessed[len(s.accessed)-1]
}

func (s *oauthServer) secrets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string{s.clientSecret}, s.issued...)
}

func (s *oauthServer) validAccess(tok string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.access[tok]
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *oauthServer) clientOK(r *http.Request) bool {
	if id, sec, ok := r.BasicAuth(); ok {
		return id == s.clientID && sec == s.clientSecret
	}
	return r.PostForm.Get("client_id") == s.clientID && r.PostForm.Get("client_secret") == s.clientSecret
}

func (s *oauthServer) handleToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeJSON(w, 400, map[string]string{"error": "invalid_request"})
		return
	}
	if s.onToken != nil {
		s.onToken(r)
	}
	if s.delay > 0 {
		time.Sleep(s.delay) // widens the window in which racing refreshers could collide
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	gt := r.PostForm.Get("grant_type")
	s.requests[gt]++
	s.forms = append(s.forms, r.PostForm)
	if !s.clientOK(r) {
		writeJSON(w, 401, map[string]any{"reason": "Invalid client_id or client_secret", "error": "invalid_client"})
		return
	}
	s.seq++
	resp := map[string]any{"token_type": "bearer"}
	switch gt {
	case "account_credentials":
		if r.PostForm.Get("account_id") == "" {
			writeJSON(w, 400, map[string]any{"reason": "Missing account_id", "error": "invalid_request"})
			return
		}
	case "authorization_code":
		challenge, ok := s.codes[r.PostForm.Get("code")]
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		if !ok || challenge != base64.RawURLEncoding.EncodeToString(sum[:]) {
			writeJSON(w, 400, map[string]any{"reason": "Invalid authorization code", "error": "invalid_grant"})
			return
		}
		delete(s.codes, r.PostForm.Get("code"))
		rt := s.secret("rt")
		s.refresh[rt] = true
		resp["refresh_token"] = rt
	case "refresh_token":
		old := r.PostForm.Get("refresh_token")
		if !s.refresh[old] {
			writeJSON(w, 400, map[string]any{"reason": "Invalid Token!", "error": "invalid_grant"})
			return
		}
		if s.rotate {
			delete(s.refresh, old)
			rt := s.secret("rt")
			s.refresh[rt] = true
			resp["refresh_token"] = rt
		}
	default:
		writeJSON(w, 400, map[string]any{"reason": "Unsupported grant type", "error": "unsupported_grant_type"})
		return
	}
	at := s.secret("at")
	s.access[at] = true
	s.accessed = append(s.accessed, at)
	resp["access_token"] = at
	if s.salesforce {
		resp["token_type"] = "Bearer"
		resp["instance_url"] = "https://acme.my.salesforce.com"
		resp["id"] = "https://login.salesforce.com/id/00D000000000001EAA/005000000000001AAA"
		resp["issued_at"] = strconv.FormatInt(time.Now().UnixMilli(), 10) // epoch ms in a string
		resp["scope"] = "api refresh_token"
	} else {
		resp["expires_in"] = 3600
		resp["scope"] = "meeting:read:meeting user:read:user"
		resp["api_url"] = "https://api.zoom.us"
	}
	writeJSON(w, 200, resp)
}

func (s *oauthServer) handleRevoke(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests["revoke"]++
	s.forms = append(s.forms, r.PostForm)
	if id, sec, ok := r.BasicAuth(); !ok || id != s.clientID || sec != s.clientSecret {
		writeJSON(w, 401, map[string]any{"reason": "Invalid client", "error": "invalid_client"})
		return
	}
	delete(s.access, r.PostForm.Get("token"))
	writeJSON(w, 200, map[string]string{"status": "success"})
}

// testKeys returns a key spec with fresh random keys named ids.
func testKeys(t testing.TB, ids ...string) []tokens.Key {
	t.Helper()
	var keys []tokens.Key
	for _, id := range ids {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		k, err := tokens.NewKey(id, b)
		if err != nil {
			t.Fatalf("NewKey: %v", err)
		}
		keys = append(keys, k)
	}
	return keys
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// env is one test's world: a store, a token endpoint and a log buffer.
type env struct {
	st    testStore
	srv   *oauthServer
	clock *clock
	logs  *syncBuffer
	keys  []tokens.Key
}

func newEnv(t testing.TB, st testStore, salesforce bool) *env {
	return &env{st: st, srv: newOAuthServer(t, salesforce), clock: newClock(), logs: &syncBuffer{}, keys: testKeys(t, "k1")}
}

// vault returns a new vault instance (a "replica") over the env's store.
func (e *env) vault(t testing.TB, opts ...tokens.Option) *tokens.Vault {
	t.Helper()
	base := []tokens.Option{
		tokens.WithClock(e.clock.Now),
		tokens.WithLogger(slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		tokens.WithLease(5*time.Second, 5*time.Millisecond),
		tokens.WithTokenTimeout(2 * time.Second),
		tokens.WithHTTPClient(e.srv.Client()),
	}
	var st tokens.Store = e.st
	if r, ok := e.st.(replicator); ok {
		st = r.Replica(t)
	}
	v, err := tokens.NewVault(st, e.keys, append(base, opts...)...)
	if err != nil {
		t.Fatalf("NewVault: %v", err)
	}
	return v
}

func (e *env) zoomUser(v *tokens.Vault) *tokens.ZoomUser {
	return tokens.NewZoomUser(v, tokens.ZoomUserConfig{
		ClientID: e.srv.clientID, ClientSecret: e.srv.clientSecret,
		RedirectURL: "https://app.example.com/oauth/zoom/callback", OAuthURL: e.srv.URL,
	})
}

func (e *env) s2s(v *tokens.Vault, connectionID int64) *tokens.ZoomS2S {
	return tokens.NewZoomS2S(v, tokens.S2SConfig{
		ConnectionID: connectionID, AccountID: "Wk9PTV9BQ0NPVU5UX0lE",
		ClientID: e.srv.clientID, ClientSecret: e.srv.clientSecret, OAuthURL: e.srv.URL,
	})
}

func (e *env) salesforce(v *tokens.Vault, connectionID int64) *tokens.Salesforce {
	return tokens.NewSalesforce(v, tokens.SalesforceConfig{
		ConnectionID: connectionID, ClientID: e.srv.clientID, ClientSecret: e.srv.clientSecret,
		RedirectURL: "https://app.example.com/oauth/salesforce/callback", LoginURL: e.srv.URL,
	})
}

// connectZoomUser runs the authorization-code flow for connectionID.
func (e *env) connectZoomUser(t testing.TB, z *tokens.ZoomUser, connectionID int64) {
	t.Helper()
	verifier := tokens.GenerateVerifier()
	code := "code-" + strconv.FormatInt(connectionID, 10)
	e.srv.addCode(code, verifier)
	if _, err := z.Exchange(context.Background(), connectionID, code, verifier); err != nil {
		t.Fatalf("Exchange: %v", err)
	}
}

// assertNoSecrets fails if any secret the endpoint issued, or the client
// secret, appears in the audit trail or the logs.
func assertNoSecrets(t *testing.T, e *env, connectionIDs ...int64) {
	t.Helper()
	var audit strings.Builder
	for _, id := range connectionIDs {
		rows, err := e.st.FindTokenAudit(context.Background(), id, 10000)
		if err != nil {
			t.Fatalf("FindTokenAudit(%d): %v", id, err)
		}
		for _, a := range rows {
			fmt.Fprintf(&audit, "%d %s %s %s\n", a.ConnectionID, a.Actor, a.Action, a.Reason)
		}
	}
	logs := e.logs.String()
	for _, s := range e.srv.secrets() {
		if strings.Contains(audit.String(), s) {
			t.Errorf("audit trail contains secret %q", s)
		}
		if strings.Contains(logs, s) {
			t.Errorf("logs contain secret %q", s)
		}
	}
}

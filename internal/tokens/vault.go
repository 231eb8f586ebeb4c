// Package tokens is sfzoom's token vault. It keeps OAuth tokens encrypted
// (AES-256-GCM, with key ids so keys can be rotated) in the store, writes an
// audit row for every read and write, and hands out oauth2.TokenSource values
// for Zoom Server-to-Server, per-user Zoom and the Salesforce integration
// connection.
//
// Refresh tokens rotate (Zoom always, Salesforce optionally), so a refresh is
// a critical section across goroutines and replicas: a per-connection store
// lease elects one refresher, an in-process singleflight collapses local
// callers, the stored token is re-read under the lease, and the new token is
// stored (compare-and-swap on its version) before anyone uses it.
package tokens

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/sync/singleflight"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// Store is the part of store.Store the vault uses; both real stores satisfy
// it. SaveToken is a compare-and-swap on TokenRecord.Version and
// AcquireLease elects one refresher per connection across replicas.
type Store interface {
	LoadToken(ctx context.Context, connectionID int64) (*sfzoom.TokenRecord, error)
	SaveToken(ctx context.Context, rec *sfzoom.TokenRecord, expectVersion int64) error
	ListTokens(ctx context.Context) ([]*sfzoom.TokenRecord, error)
	AppendTokenAudit(ctx context.Context, a *sfzoom.TokenAudit) error
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	ReleaseLease(ctx context.Context, name, holder string) error
	UpdateConnectionStatus(ctx context.Context, id int64, status, detail string) error
	DeleteConnection(ctx context.Context, id int64) error
}

// Audit actions written by the vault.
const (
	ActionRead    = "read"
	ActionWrite   = "write"
	ActionRefresh = "refresh"
	ActionRevoke  = "revoke"
	ActionRotate  = "rotate"
)

// DefaultActor is the audit actor when the context names none.
const DefaultActor = "system"

type actorKey struct{}

type actorInfo struct{ actor, reason string }

// WithActor returns a context whose token accesses are audited as done by
// actor (a Salesforce user id, "cli", "system") for reason.
func WithActor(ctx context.Context, actor, reason string) context.Context {
	return context.WithValue(ctx, actorKey{}, actorInfo{actor: actor, reason: reason})
}

func actorFrom(ctx context.Context) actorInfo {
	a, _ := ctx.Value(actorKey{}).(actorInfo)
	if a.actor == "" {
		a.actor = DefaultActor
	}
	return a
}

// Option configures a Vault.
type Option func(*Vault)

// WithLogger sets the logger (default: discard). Log lines never carry tokens.
func WithLogger(l *slog.Logger) Option { return func(v *Vault) { v.log = l } }

// WithClock sets the clock used for expiry decisions and audit times.
func WithClock(now func() time.Time) Option { return func(v *Vault) { v.now = now } }

// WithHolder names this replica in leases (default: a random id). Two vaults
// must never share a holder name.
func WithHolder(holder string) Option { return func(v *Vault) { v.holder = holder } }

// WithHTTPClient sets the client used to call token and revoke endpoints.
func WithHTTPClient(c *http.Client) Option { return func(v *Vault) { v.httpClient = c } }

// WithFailureBackoff sets how long a failed token request is remembered and
// its error returned without asking again (default 5 s; 0 disables).
func WithFailureBackoff(d time.Duration) Option { return func(v *Vault) { v.backoff = d } }

// WithLease sets the refresh lease's time to live and how often a replica
// waiting for another's refresh polls the store (defaults DefaultLeaseTTL
// and 25 ms). NewVault refuses a lease shorter than twice the token
// request timeout.
func WithLease(ttl, poll time.Duration) Option {
	return func(v *Vault) { v.leaseTTL, v.leasePoll = ttl, poll }
}

// WithTokenTimeout bounds each token endpoint request (default
// DefaultTokenTimeout), whatever the HTTP client's own timeout.
func WithTokenTimeout(d time.Duration) Option { return func(v *Vault) { v.tokenTimeout = d } }

// The refresh lease must outlive the token request by a clear margin. With
// rotating refresh tokens (Zoom always), a holder whose lease expires while
// its request is still in flight lets another replica send the same refresh
// token: whichever request Zoom answers second gets invalid_grant, and if
// the first answer is lost too the connection is dead (issue 19: a 30 s
// lease equal to a 30 s client timeout). The holder's work under the lease
// is one store read, one token request (at most DefaultTokenTimeout, 15 s,
// enforced by a context deadline), then one store write and its audit row;
// a 60 s lease leaves 45 s for the store and for scheduling delays. Zoom's
// token endpoint normally answers in well under a second. A replica that
// dies holding the lease blocks that connection's refresh for at most 60 s
// (its access token, valid an hour and renewed a minute early, is still
// usable meanwhile).
const (
	DefaultTokenTimeout = 15 * time.Second
	DefaultLeaseTTL     = 60 * time.Second
)

// Vault encrypts tokens, persists them through the Store with auditing, and
// coordinates refreshes. It is safe for concurrent use.
type Vault struct {
	st          Store
	primary     string
	aeads       map[string]cipher.AEAD
	log         *slog.Logger
	now         func() time.Time
	holder      string
	httpClient  *http.Client
	expiryDelta time.Duration
	leaseTTL    time.Duration
	leasePoll   time.Duration
	// tokenTimeout bounds one token request; leaseTTL ≥ 2×tokenTimeout.
	tokenTimeout time.Duration

	flights singleflight.Group
	mu      sync.RWMutex
	cache   map[int64]*oauth2.Token // usable access tokens (no refresh token)
	bad     map[int64]string        // access tokens reported as rejected
	locks   map[int64]chan struct{} // per-connection in-process locks
	failed  map[int64]failure       // recent token endpoint failures
	backoff time.Duration
}

// failure is a remembered token endpoint failure: callers within backoff get
// the same error instead of another request (Zoom may disable apps with a
// high error ratio, docs/zoom-api.md §4).
type failure struct {
	until time.Time
	err   error
}

// NewVault returns a vault over st. keys[0] seals; all keys open.
func NewVault(st Store, keys []Key, opts ...Option) (*Vault, error) {
	if len(keys) == 0 {
		return nil, fmt.Errorf("tokens: no vault keys")
	}
	v := &Vault{
		st:           st,
		primary:      keys[0].ID,
		aeads:        make(map[string]cipher.AEAD, len(keys)),
		log:          slog.New(slog.DiscardHandler),
		now:          time.Now,
		httpClient:   &http.Client{Timeout: 20 * time.Second},
		expiryDelta:  60 * time.Second,
		leaseTTL:     DefaultLeaseTTL,
		leasePoll:    25 * time.Millisecond,
		tokenTimeout: DefaultTokenTimeout,
		cache:        make(map[int64]*oauth2.Token),
		bad:          make(map[int64]string),
		locks:        make(map[int64]chan struct{}),
		failed:       make(map[int64]failure),
		backoff:      5 * time.Second,
	}
	for _, k := range keys {
		if len(k.material) != keySize {
			return nil, fmt.Errorf("tokens: key %q: not a parsed 32-byte key", k.ID)
		}
		if _, dup := v.aeads[k.ID]; dup {
			return nil, fmt.Errorf("tokens: duplicate key id %q", k.ID)
		}
		block, err := aes.NewCipher(k.material)
		if err != nil {
			return nil, fmt.Errorf("tokens: key %q: %w", k.ID, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("tokens: key %q: %w", k.ID, err)
		}
		v.aeads[k.ID] = aead
	}
	for _, o := range opts {
		o(v)
	}
	if v.tokenTimeout <= 0 || v.leaseTTL < 2*v.tokenTimeout {
		return nil, fmt.Errorf("tokens: the refresh lease (%s) must be at least twice the token request timeout (%s), "+
			"so that a lease never expires while its holder's token request is in flight", v.leaseTTL, v.tokenTimeout)
	}
	if v.holder == "" {
		var b [8]byte
		_, _ = rand.Read(b[:])
		v.holder = "tokens-" + hex.EncodeToString(b[:])
	}
	return v, nil
}

// RefreshLimits returns the token request timeout and the refresh lease's
// time to live (the lease is at least twice the timeout).
func (v *Vault) RefreshLimits() (tokenTimeout, leaseTTL time.Duration) {
	return v.tokenTimeout, v.leaseTTL
}

// PrimaryKeyID returns the id of the key that seals new tokens.
func (v *Vault) PrimaryKeyID() string { return v.primary }

// ConnectionAAD returns the additional authenticated data that binds a
// token's ciphertext to its connection, so a ciphertext copied to another
// connection's row does not open.
func ConnectionAAD(connectionID int64) []byte {
	return []byte("sfzoom/tokens/v1/connection/" + strconv.FormatInt(connectionID, 10))
}

// Seal encrypts plaintext under the primary key with a random nonce, binding
// aad.
func (v *Vault) Seal(plaintext, aad []byte) (keyID string, nonce, ciphertext []byte, err error) {
	aead := v.aeads[v.primary]
	nonce = make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", nil, nil, fmt.Errorf("tokens: nonce: %w", err)
	}
	return v.primary, nonce, aead.Seal(nil, nonce, plaintext, aad), nil
}

// Open decrypts a ciphertext sealed under keyID. It fails for an unknown key,
// a modified ciphertext or nonce, or a different aad.
func (v *Vault) Open(keyID string, nonce, ciphertext, aad []byte) ([]byte, error) {
	aead, ok := v.aeads[keyID]
	if !ok {
		return nil, fmt.Errorf("tokens: unknown key id %q", keyID)
	}
	if len(nonce) != aead.NonceSize() {
		return nil, fmt.Errorf("tokens: nonce has %d bytes, want %d", len(nonce), aead.NonceSize())
	}
	pt, err := aead.Open(nil, nonce, ciphertext, aad)
	if err != nil {
		return nil, fmt.Errorf("tokens: decrypt under key %q: %w", keyID, err)
	}
	return pt, nil
}

// blobVersion is the version of the JSON inside the ciphertext.
const blobVersion = 1

// blob is the plaintext of a stored token: the oauth2.Token plus the extras
// the vendors return and sfzoom needs later.
type blob struct {
	V                 int       `json:"v"`
	AccessToken       string    `json:"access_token,omitempty"`
	TokenType         string    `json:"token_type,omitempty"`
	RefreshToken      string    `json:"refresh_token,omitempty"`
	Expiry            time.Time `json:"expiry,omitzero"`
	Scope             string    `json:"scope,omitempty"`
	InstanceURL       string    `json:"instance_url,omitempty"` // Salesforce
	IdentityURL       string    `json:"id,omitempty"`           // Salesforce
	IssuedAt          time.Time `json:"issued_at,omitzero"`     // Salesforce
	APIURL            string    `json:"api_url,omitempty"`      // Zoom
	ReconnectRequired bool      `json:"reconnect_required,omitempty"`
}

// public returns the token callers see: the access token and extras, never
// the refresh token.
func (b *blob) public() *oauth2.Token {
	t := &oauth2.Token{AccessToken: b.AccessToken, TokenType: b.TokenType, Expiry: b.Expiry}
	extra := map[string]any{}
	for k, s := range map[string]string{"scope": b.Scope, "instance_url": b.InstanceURL, "id": b.IdentityURL, "api_url": b.APIURL} {
		if s != "" {
			extra[k] = s
		}
	}
	return t.WithExtra(extra)
}

// stored is a decrypted token row.
type stored struct {
	blob    blob
	version int64
	keyID   string
}

func (v *Vault) seal(connectionID int64, b *blob) (*sfzoom.TokenRecord, error) {
	b.V = blobVersion
	pt, err := json.Marshal(b)
	if err != nil {
		return nil, fmt.Errorf("tokens: encode token: %w", err)
	}
	keyID, nonce, ct, err := v.Seal(pt, ConnectionAAD(connectionID))
	if err != nil {
		return nil, err
	}
	return &sfzoom.TokenRecord{ConnectionID: connectionID, KeyID: keyID, Nonce: nonce, Ciphertext: ct}, nil
}

func (v *Vault) open(rec *sfzoom.TokenRecord) (*stored, error) {
	pt, err := v.Open(rec.KeyID, rec.Nonce, rec.Ciphertext, ConnectionAAD(rec.ConnectionID))
	if err != nil {
		return nil, sfzoom.WrapError(sfzoom.EINTERNAL, err, "The stored token of connection %d cannot be decrypted.", rec.ConnectionID)
	}
	var b blob
	if err := json.Unmarshal(pt, &b); err != nil {
		return nil, fmt.Errorf("tokens: decode token of connection %d: %w", rec.ConnectionID, err)
	}
	if b.V != blobVersion {
		return nil, fmt.Errorf("tokens: token of connection %d has blob version %d, want %d", rec.ConnectionID, b.V, blobVersion)
	}
	return &stored{blob: b, version: rec.Version, keyID: rec.KeyID}, nil
}

// load reads and decrypts a connection's token, auditing the read. It returns
// (nil, nil) when the connection has no token yet.
func (v *Vault) load(ctx context.Context, connectionID int64, why string) (*stored, error) {
	rec, err := v.st.LoadToken(ctx, connectionID)
	if sfzoom.ErrorCode(err) == sfzoom.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("tokens: load token of connection %d: %w", connectionID, err)
	}
	s, err := v.open(rec)
	if err != nil {
		return nil, err
	}
	// Fail closed: a secret is never handed out without its audit row.
	if err := v.audit(ctx, connectionID, ActionRead, why); err != nil {
		return nil, err
	}
	return s, nil
}

// save encrypts b and writes it if the stored version is still expect. It
// returns the new version; ECONFLICT if another writer got there first.
func (v *Vault) save(ctx context.Context, connectionID int64, b *blob, expect int64, action, why string) (int64, error) {
	rec, err := v.seal(connectionID, b)
	if err != nil {
		return 0, err
	}
	if err := v.st.SaveToken(ctx, rec, expect); err != nil {
		return 0, fmt.Errorf("tokens: save token of connection %d: %w", connectionID, err)
	}
	// The write is committed; a failed audit row must not make the caller
	// think it was not, so it is only logged.
	if err := v.audit(ctx, connectionID, action, why); err != nil {
		v.log.ErrorContext(ctx, "tokens: audit after write failed", "connection", connectionID, "action", action, "err", err)
	}
	return rec.Version, nil
}

// audit appends one audit row. The reason combines the context's reason with
// the vault's own explanation; neither ever contains a secret.
func (v *Vault) audit(ctx context.Context, connectionID int64, action, why string) error {
	a := actorFrom(ctx)
	reason := a.reason
	switch {
	case reason == "":
		reason = why
	case why != "":
		reason = reason + ": " + why
	}
	err := v.st.AppendTokenAudit(ctx, &sfzoom.TokenAudit{
		ConnectionID: connectionID, Actor: a.actor, Action: action, Reason: reason, At: v.now().UTC(),
	})
	if err != nil {
		return fmt.Errorf("tokens: audit %s of connection %d: %w", action, connectionID, err)
	}
	return nil
}

func leaseName(connectionID int64) string {
	return "tokens/connection/" + strconv.FormatInt(connectionID, 10)
}

// errDone stops acquire's wait early: another replica produced what we need.
var errDone = errors.New("tokens: done while waiting")

// acquire takes the connection's lease, polling while another replica holds
// it. Between polls it calls whileWaiting (if not nil); when that returns
// errDone, acquire gives up waiting and returns errDone. The returned release
// function must be called once.
func (v *Vault) acquire(ctx context.Context, connectionID int64, whileWaiting func() error) (release func(), err error) {
	unlock, err := v.lockConn(ctx, connectionID)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			unlock()
		}
	}()
	name := leaseName(connectionID)
	for {
		ok, err := v.st.AcquireLease(ctx, name, v.holder, v.leaseTTL)
		if err != nil {
			return nil, fmt.Errorf("tokens: acquire lease of connection %d: %w", connectionID, err)
		}
		if ok {
			return func() {
				defer unlock()
				rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
				defer cancel()
				if err := v.st.ReleaseLease(rctx, name, v.holder); err != nil {
					v.log.WarnContext(ctx, "tokens: release lease failed", "connection", connectionID, "err", err)
				}
			}, nil
		}
		if whileWaiting != nil {
			if err := whileWaiting(); err != nil {
				return nil, err
			}
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("tokens: wait for lease of connection %d: %w", connectionID, ctx.Err())
		case <-time.After(v.leasePoll):
		}
	}
}

// RotateKeys re-encrypts every stored token that is not under the primary
// key and returns how many it rewrote. Each rewrite holds the connection's
// lease and is a compare-and-swap, so a concurrent refresh is never lost.
func (v *Vault) RotateKeys(ctx context.Context) (rotated int, err error) {
	recs, err := v.st.ListTokens(ctx)
	if err != nil {
		return 0, fmt.Errorf("tokens: rotate keys: %w", err)
	}
	for _, rec := range recs {
		if rec.KeyID == v.primary {
			continue
		}
		done, err := v.rotateOne(ctx, rec.ConnectionID)
		if err != nil {
			return rotated, fmt.Errorf("tokens: rotate keys: %w", err)
		}
		if done {
			rotated++
		}
	}
	v.log.InfoContext(ctx, "tokens: keys rotated", "rotated", rotated, "primary_key", v.primary)
	return rotated, nil
}

func (v *Vault) rotateOne(ctx context.Context, connectionID int64) (bool, error) {
	release, err := v.acquire(ctx, connectionID, nil)
	if err != nil {
		return false, err
	}
	defer release()
	for range 5 {
		rec, err := v.st.LoadToken(ctx, connectionID)
		if sfzoom.ErrorCode(err) == sfzoom.ENOTFOUND {
			return false, nil // deleted meanwhile
		} else if err != nil {
			return false, fmt.Errorf("load token of connection %d: %w", connectionID, err)
		}
		if rec.KeyID == v.primary {
			return false, nil // rewritten meanwhile (a refresh seals under the primary key)
		}
		s, err := v.open(rec)
		if err != nil {
			return false, err
		}
		if err := v.audit(ctx, connectionID, ActionRead, "key rotation from "+rec.KeyID); err != nil {
			return false, err
		}
		_, err = v.save(ctx, connectionID, &s.blob, rec.Version, ActionRotate, "re-encrypted from key "+rec.KeyID+" to "+v.primary)
		if sfzoom.ErrorCode(err) == sfzoom.ECONFLICT {
			continue // a writer without the lease raced us; re-read and retry
		}
		return err == nil, err
	}
	return false, sfzoom.Errorf(sfzoom.ECONFLICT, "The token of connection %d kept changing during key rotation.", connectionID)
}

// cached returns a usable cached access token, or nil.
func (v *Vault) cached(connectionID int64) *oauth2.Token {
	v.mu.RLock()
	t := v.cache[connectionID]
	v.mu.RUnlock()
	if t != nil && v.fresh(t.AccessToken, t.Expiry, connectionID) {
		return t
	}
	return nil
}

// fresh reports whether an access token may still be used: present, not
// reported as rejected, and not within expiryDelta of its expiry (a zero
// expiry, as Salesforce gives, counts as fresh until rejected).
func (v *Vault) fresh(access string, expiry time.Time, connectionID int64) bool {
	if access == "" {
		return false
	}
	v.mu.RLock()
	bad := v.bad[connectionID]
	v.mu.RUnlock()
	if bad != "" && bad == access {
		return false
	}
	return expiry.IsZero() || v.now().Add(v.expiryDelta).Before(expiry)
}

func (v *Vault) remember(connectionID int64, t *oauth2.Token) {
	v.mu.Lock()
	v.cache[connectionID] = t
	delete(v.failed, connectionID)
	v.mu.Unlock()
}

func (v *Vault) forget(connectionID int64) {
	v.mu.Lock()
	delete(v.cache, connectionID)
	delete(v.bad, connectionID)
	delete(v.failed, connectionID)
	v.mu.Unlock()
}

func (v *Vault) noteFailure(connectionID int64, err error) {
	if v.backoff <= 0 {
		return
	}
	v.mu.Lock()
	v.failed[connectionID] = failure{until: v.now().Add(v.backoff), err: err}
	v.mu.Unlock()
}

func (v *Vault) recentFailure(connectionID int64) error {
	v.mu.RLock()
	f, ok := v.failed[connectionID]
	v.mu.RUnlock()
	if ok && v.now().Before(f.until) {
		return f.err
	}
	return nil
}

// invalidate records that accessToken was rejected by the vendor ("" means
// whatever is cached), so the next Token call refreshes unless another
// replica has stored a different token meanwhile.
func (v *Vault) invalidate(connectionID int64, accessToken string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if c := v.cache[connectionID]; c != nil && (accessToken == "" || c.AccessToken == accessToken) {
		accessToken = c.AccessToken
		delete(v.cache, connectionID)
	}
	if accessToken != "" {
		v.bad[connectionID] = accessToken
	}
}

// revoke asks vendor's OAuth revoke endpoint to revoke token (RFC 7009, a
// form POST; auth, when set, adds the client's credentials). A 5xx or 429
// is EUNAVAILABLE; any other refusal means the token is already unusable
// at the vendor, so deleting it locally is the right outcome.
func (v *Vault) revoke(ctx context.Context, vendor, revokeURL, token string, auth func(*http.Request)) error {
	op := "tokens: " + strings.ToLower(vendor) + " revoke"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, revokeURL, strings.NewReader(url.Values{"token": {token}}.Encode()))
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if auth != nil {
		auth(req)
	}
	resp, err := v.httpClient.Do(req)
	if err != nil {
		// url.Error carries only the URL, which has no token.
		return sfzoom.WrapError(sfzoom.EUNAVAILABLE, fmt.Errorf("%s: %w", op, err), "%s could not be reached. Try again in a moment.", vendor)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode < 300:
		return nil
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return sfzoom.WrapError(sfzoom.EUNAVAILABLE, &EndpointError{StatusCode: resp.StatusCode}, "%s could not revoke the connection right now. Try again in a moment.", vendor)
	default:
		v.log.WarnContext(ctx, op+" refused; deleting locally", "status", resp.StatusCode)
		return nil
	}
}

// refresh trades cur's refresh token for a new token at cfg's endpoint;
// without one the connection is EUNAUTHORIZED, saying notConnected.
func (v *Vault) refresh(ctx context.Context, cfg *oauth2.Config, cur *blob, vendor, notConnected string) (*blob, error) {
	if cur == nil || cur.RefreshToken == "" {
		return nil, sfzoom.Errorf(sfzoom.EUNAUTHORIZED, "%s", notConnected)
	}
	// An empty access token makes x/oauth2 refresh straight away.
	t, err := cfg.TokenSource(v.withHTTP(ctx), &oauth2.Token{RefreshToken: cur.RefreshToken}).Token()
	if err != nil {
		return nil, fmt.Errorf("tokens: %s refresh: %w", vendor, err)
	}
	return blobFromToken(t, v.now()), nil
}

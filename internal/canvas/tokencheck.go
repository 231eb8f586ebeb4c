package canvas

import (
	"context"
	"crypto/sha256"
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

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// UserInfoPath is the identity endpoint TokenChecker calls, relative to the
// request's client.instanceUrl. It answers 200 with user_id and
// organization_id for a live token and 403 "Bad_OAuth_Token" (sometimes 401)
// for a dead one (salesforce-api.md §3).
const UserInfoPath = "/services/oauth2/userinfo"

// Defaults for NewTokenChecker.
const (
	DefaultCacheTTL         = time.Minute
	DefaultNegativeCacheTTL = 5 * time.Minute
	DefaultCheckTimeout     = 5 * time.Second
	defaultMaxCacheEntries  = 10000
	maxUserInfoBody         = 1 << 20
)

// User-facing messages of TokenChecker errors.
const (
	// MsgSessionExpired is the message of the EUNAUTHORIZED error returned
	// when the embedded OAuth token is dead.
	MsgSessionExpired = "This Salesforce session has expired; reload the page in Salesforce."
	msgUnavailable    = "Salesforce could not be reached to confirm your session; try again in a moment."
	msgMismatch       = "This Salesforce session belongs to a different user; reload the page in Salesforce."
)

// Identity is the user an OAuth token belongs to, as the org's identity
// endpoint reports it. Ids are 18 characters.
type Identity struct {
	UserID string
	OrgID  string
}

// TokenChecker is the replay guard for signed requests: it proves that the
// OAuth token embedded in a verified Request is still alive by calling the
// org's identity endpoint, and that it belongs to the user and org the
// payload names. A replayed signed request is therefore useless once its
// token has expired (about two hours) or been revoked.
//
// Results, live and dead alike, are cached briefly under a SHA-256 hash of
// the instance URL and token (never the token itself), so a page that reloads
// costs at most one call per TTL. A TokenChecker is safe for concurrent use.
type TokenChecker struct {
	client      *http.Client
	ttl         time.Duration
	negativeTTL time.Duration
	timeout     time.Duration
	now         func() time.Time
	logger      *slog.Logger
	maxEntries  int

	mu    sync.Mutex
	cache map[[sha256.Size]byte]cacheEntry
}

type cacheEntry struct {
	identity Identity
	dead     bool
	expires  time.Time
}

// TokenCheckerOption configures a TokenChecker.
type TokenCheckerOption func(*TokenChecker)

// WithCacheTTL sets how long live (positive) and dead (negative) results are
// cached. Zero disables caching of that kind.
func WithCacheTTL(positive, negative time.Duration) TokenCheckerOption {
	return func(c *TokenChecker) { c.ttl, c.negativeTTL = positive, negative }
}

// WithClock sets the clock used for cache expiry.
func WithClock(now func() time.Time) TokenCheckerOption {
	return func(c *TokenChecker) { c.now = now }
}

// WithCheckTimeout bounds each identity call (in addition to the caller's
// context). Zero leaves only the context.
func WithCheckTimeout(d time.Duration) TokenCheckerOption {
	return func(c *TokenChecker) { c.timeout = d }
}

// WithLogger sets the logger for diagnostic messages (never with tokens).
func WithLogger(l *slog.Logger) TokenCheckerOption {
	return func(c *TokenChecker) { c.logger = l }
}

// WithMaxCacheEntries bounds the cache size (default 10000).
func WithMaxCacheEntries(n int) TokenCheckerOption {
	return func(c *TokenChecker) { c.maxEntries = n }
}

// NewTokenChecker returns a TokenChecker that calls identity endpoints with
// client (http.DefaultClient when nil).
func NewTokenChecker(client *http.Client, opts ...TokenCheckerOption) *TokenChecker {
	c := &TokenChecker{
		client:      client,
		ttl:         DefaultCacheTTL,
		negativeTTL: DefaultNegativeCacheTTL,
		timeout:     DefaultCheckTimeout,
		now:         time.Now,
		logger:      slog.New(slog.DiscardHandler),
		maxEntries:  defaultMaxCacheEntries,
		cache:       make(map[[sha256.Size]byte]cacheEntry),
	}
	if c.client == nil {
		c.client = http.DefaultClient
	}
	for _, opt := range opts {
		opt(c)
	}
	return c
}

// Check confirms that r's OAuth token is alive and belongs to r's user and
// org, and returns the identity.
//
// Errors: EUNAUTHORIZED with MsgSessionExpired when the token is dead (or
// missing); EUNAUTHORIZED when the token belongs to another user or org;
// EINVALID when the payload lacks a user id, org id or a usable instance URL;
// EUNAVAILABLE when the identity endpoint cannot be reached, times out or
// answers unexpectedly.
func (c *TokenChecker) Check(ctx context.Context, r *Request) (Identity, error) {
	userID, orgID := r.UserID18(), r.OrgID18()
	if userID == "" || orgID == "" {
		return Identity{}, malformed("payload has no valid user or organization id")
	}
	base, err := instanceBase(r.Client.InstanceURL)
	if err != nil {
		return Identity{}, err
	}
	token := r.Client.OAuthToken
	if token == "" || token == "null" {
		return Identity{}, sfzoom.Errorf(sfzoom.EUNAUTHORIZED, MsgSessionExpired)
	}

	key := sha256.Sum256([]byte(base + "\x00" + token))
	id, dead, hit := c.lookup(key)
	if !hit {
		id, dead, err = c.fetch(ctx, base, token)
		if err != nil {
			return Identity{}, err
		}
		c.store(key, id, dead)
	}
	if dead {
		return Identity{}, sfzoom.Errorf(sfzoom.EUNAUTHORIZED, MsgSessionExpired)
	}
	if id.UserID != userID || id.OrgID != orgID {
		c.logger.WarnContext(ctx, "canvas: token identity does not match signed request",
			slog.String("payload_org_id", orgID), slog.String("payload_user_id", userID),
			slog.String("token_org_id", id.OrgID), slog.String("token_user_id", id.UserID))
		return Identity{}, sfzoom.Errorf(sfzoom.EUNAUTHORIZED, msgMismatch)
	}
	return id, nil
}

// instanceBase validates the instance URL and returns it without a trailing
// slash. The URL comes from a payload whose signature has been verified, so
// only its shape is checked here.
func instanceBase(raw string) (string, error) {
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil ||
		u.RawQuery != "" || u.Fragment != "" {
		return "", malformed("client.instanceUrl is not an http(s) URL")
	}
	return u.String(), nil
}

func (c *TokenChecker) lookup(key [sha256.Size]byte) (Identity, bool, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.cache[key]
	if !ok {
		return Identity{}, false, false
	}
	if !c.now().Before(e.expires) {
		delete(c.cache, key)
		return Identity{}, false, false
	}
	return e.identity, e.dead, true
}

func (c *TokenChecker) store(key [sha256.Size]byte, id Identity, dead bool) {
	ttl := c.ttl
	if dead {
		ttl = c.negativeTTL
	}
	if ttl <= 0 || c.maxEntries <= 0 {
		return
	}
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.cache) >= c.maxEntries {
		for k, e := range c.cache {
			if !now.Before(e.expires) {
				delete(c.cache, k)
			}
		}
		// Still full: drop arbitrary entries; they are only a cache.
		for k := range c.cache {
			if len(c.cache) < c.maxEntries {
				break
			}
			delete(c.cache, k)
		}
	}
	c.cache[key] = cacheEntry{identity: id, dead: dead, expires: now.Add(ttl)}
}

// fetch calls the identity endpoint. dead reports a 401/403 answer.
func (c *TokenChecker) fetch(ctx context.Context, base, token string) (id Identity, dead bool, err error) {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+UserInfoPath, nil)
	if err != nil {
		return Identity{}, false, malformed("client.instanceUrl is not an http(s) URL")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")

	resp, err := c.client.Do(req)
	if err != nil {
		// *url.Error names the URL (instance + path), never the header.
		return Identity{}, false, sfzoom.WrapError(sfzoom.EUNAVAILABLE,
			fmt.Errorf("canvas: check token: %w", err), msgUnavailable)
	}
	defer resp.Body.Close()
	body := io.LimitReader(resp.Body, maxUserInfoBody)

	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		_, _ = io.Copy(io.Discard, body)
		c.logger.InfoContext(ctx, "canvas: embedded oauth token is dead",
			slog.String("instance_url", base), slog.Int("status", resp.StatusCode))
		return Identity{}, true, nil
	case resp.StatusCode != http.StatusOK:
		_, _ = io.Copy(io.Discard, body)
		return Identity{}, false, sfzoom.WrapError(sfzoom.EUNAVAILABLE,
			fmt.Errorf("canvas: check token: identity endpoint answered HTTP %d", resp.StatusCode), msgUnavailable)
	}

	var info struct {
		UserID         string `json:"user_id"`
		OrganizationID string `json:"organization_id"`
	}
	if err := json.NewDecoder(body).Decode(&info); err != nil {
		return Identity{}, false, sfzoom.WrapError(sfzoom.EUNAVAILABLE,
			fmt.Errorf("canvas: check token: decode identity: %w", err), msgUnavailable)
	}
	id = Identity{UserID: normalizeID(info.UserID), OrgID: normalizeID(info.OrganizationID)}
	if id.UserID == "" || id.OrgID == "" {
		return Identity{}, false, sfzoom.WrapError(sfzoom.EUNAVAILABLE,
			errors.New("canvas: check token: identity has no valid user_id or organization_id"), msgUnavailable)
	}
	return id, false, nil
}

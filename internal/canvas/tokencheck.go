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
	"time"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/ttlcache"
)

// IdentityPathPrefix is where TokenChecker calls the identity URL,
// /id/ORGID/USERID on the verified instance host. It answers 200 with
// user_id, organization_id and asserted_user for a live token of that user,
// and 403 "Bad_OAuth_Token" (sometimes 401) for a dead one.
// https://developer.salesforce.com/docs/atlas.en-us.mobile_sdk.meta/mobile_sdk/oauth_using_identity_urls.htm
const IdentityPathPrefix = "/id/"

// RequiredScope is the OAuth scope the identity URL needs: "id — Allows
// access to the identity URL service" (OAuth Tokens and Scopes,
// https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_tokens_scopes.htm).
// The canvas app's External Client App must grant it (sfdx/: "Basic" in
// commaSeparatedOauthScopes); a token without it is refused with 403, which
// would make every open read as an expired session.
const RequiredScope = "id"

// ErrSalesforceUnreachable means the org's (verified) Salesforce host did not
// answer the replay guard in time or answered with a server error. It comes
// wrapped in sfzoom.EUNAVAILABLE and answers 502 Bad Gateway (its
// HTTPStatus); the web layer shows "Salesforce could not be reached".
var ErrSalesforceUnreachable error = upstreamError("canvas: salesforce could not be reached")

// upstreamError is an upstream failure that answers 502 Bad Gateway.
type upstreamError string

func (e upstreamError) Error() string { return string(e) }

// HTTPStatus is 502: Salesforce, not sfzoom, is down or slow.
func (e upstreamError) HTTPStatus() int { return http.StatusBadGateway }

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
	msgUnavailable    = "Salesforce could not be reached to confirm your session. Reload the record page in a moment; if it keeps happening, check https://status.salesforce.com."
	msgMismatch       = "This Salesforce session belongs to a different user; reload the page in Salesforce."
)

// Identity is the user an OAuth token belongs to, as the org's identity
// endpoint reports it. Ids are 18 characters. InstanceURL is the verified
// host that answered (scheme://host): the only instance URL sfzoom may use or
// store for the org.
type Identity struct {
	UserID      string
	OrgID       string
	InstanceURL string
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
	policy      InstancePolicy

	cache *ttlcache.Cache[checked]
}

// checked is a cached answer of the identity endpoint.
type checked struct {
	identity Identity
	dead     bool
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

// WithInstancePolicy sets which instance URLs may be called (default: https
// on Salesforce's domains only). Only the demo and tests widen it.
func WithInstancePolicy(p InstancePolicy) TokenCheckerOption {
	return func(c *TokenChecker) { c.policy = p }
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
	}
	if c.client == nil {
		c.client = http.DefaultClient
	}
	for _, opt := range opts {
		opt(c)
	}
	ttl := max(c.ttl, c.negativeTTL)
	if c.maxEntries <= 0 {
		ttl = 0 // caching disabled
	}
	c.cache = ttlcache.New[checked](c.maxEntries, ttl, c.now)
	return c
}

// Check confirms that r's OAuth token is alive and belongs to r's user and
// org, and returns the identity.
//
// The instance URL is checked against the InstancePolicy before anything is
// sent: a signed request never chooses who vouches for it.
//
// Errors: EUNAUTHORIZED with MsgSessionExpired when Salesforce refuses the
// token (or it is missing); EUNAUTHORIZED when the token belongs to another
// user or org; EINVALID when the payload lacks a user id or org id;
// EFORBIDDEN wrapping ErrUntrustedInstance when the instance URL is not a
// Salesforce host (no request made); EUNAVAILABLE wrapping
// ErrSalesforceUnreachable when the identity URL cannot be reached, times out
// or answers with a server error.
func (c *TokenChecker) Check(ctx context.Context, r *Request) (Identity, error) {
	userID, orgID := r.UserID18(), r.OrgID18()
	if userID == "" || orgID == "" {
		return Identity{}, malformed("payload has no valid user or organization id")
	}
	base, err := c.policy.Check(r.Client.InstanceURL)
	if err != nil {
		return Identity{}, err
	}
	token := r.Client.OAuthToken
	if token == "" || token == "null" {
		return Identity{}, sfzoom.Errorf(sfzoom.EUNAUTHORIZED, MsgSessionExpired)
	}

	// Concurrent opens with one token (a page and its reload) share a call.
	key := sha256.Sum256([]byte(base + "\x00" + token))
	res, err := c.cache.LoadTTL(ctx, string(key[:]), func(ctx context.Context) (checked, time.Duration, error) {
		id, dead, err := c.fetch(ctx, base, orgID, userID, token)
		if dead {
			return checked{id, dead}, c.negativeTTL, err
		}
		return checked{id, dead}, c.ttl, err
	})
	if err != nil {
		return Identity{}, err
	}
	id, dead := res.identity, res.dead
	if dead {
		return Identity{}, sfzoom.Errorf(sfzoom.EUNAUTHORIZED, MsgSessionExpired)
	}
	if id.UserID != userID || id.OrgID != orgID {
		c.logger.WarnContext(ctx, "canvas: token identity does not match signed request",
			slog.String("payload_org_id", orgID), slog.String("payload_user_id", userID),
			slog.String("token_org_id", id.OrgID), slog.String("token_user_id", id.UserID))
		return Identity{}, sfzoom.Errorf(sfzoom.EUNAUTHORIZED, msgMismatch)
	}
	id.InstanceURL = base
	return id, nil
}

// fetch calls the identity URL for the payload's org and user. dead reports
// that Salesforce refused the token (400, 401 or 403).
func (c *TokenChecker) fetch(ctx context.Context, base, orgID, userID, token string) (id Identity, dead bool, err error) {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	// orgID and userID are validated 18-character alphanumeric ids.
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+IdentityPathPrefix+orgID+"/"+userID, nil)
	if err != nil {
		return Identity{}, false, untrusted("not an absolute URL")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")

	resp, err := c.client.Do(req)
	if err != nil {
		// *url.Error names the URL (instance + path), never the header.
		return Identity{}, false, unreachable(fmt.Errorf("check token: %w", err))
	}
	defer resp.Body.Close()
	body := io.LimitReader(resp.Body, maxUserInfoBody)

	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden ||
		resp.StatusCode == http.StatusBadRequest:
		_, _ = io.Copy(io.Discard, body)
		c.logger.InfoContext(ctx, "canvas: salesforce refused the embedded oauth token",
			slog.String("instance_url", base), slog.Int("status", resp.StatusCode))
		return Identity{}, true, nil
	case resp.StatusCode == http.StatusNotFound:
		_, _ = io.Copy(io.Discard, body)
		return Identity{}, false, sfzoom.Errorf(sfzoom.EUNAUTHORIZED, msgMismatch)
	case resp.StatusCode != http.StatusOK:
		_, _ = io.Copy(io.Discard, body)
		return Identity{}, false, unreachable(fmt.Errorf("check token: identity URL answered HTTP %d", resp.StatusCode))
	}

	var info struct {
		UserID         string `json:"user_id"`
		OrganizationID string `json:"organization_id"`
		AssertedUser   *bool  `json:"asserted_user"`
	}
	if err := json.NewDecoder(body).Decode(&info); err != nil {
		return Identity{}, false, unreachable(fmt.Errorf("check token: decode identity: %w", err))
	}
	id = Identity{UserID: normalizeID(info.UserID), OrgID: normalizeID(info.OrganizationID)}
	if id.UserID == "" || id.OrgID == "" {
		return Identity{}, false, unreachable(errors.New("check token: identity has no valid user_id or organization_id"))
	}
	if info.AssertedUser != nil && !*info.AssertedUser {
		// The token is alive but belongs to someone other than the user
		// the payload names.
		id.UserID = ""
	}
	return id, false, nil
}

func unreachable(err error) error {
	return sfzoom.WrapError(sfzoom.EUNAVAILABLE, fmt.Errorf("canvas: %w: %w", ErrSalesforceUnreachable, err), msgUnavailable)
}

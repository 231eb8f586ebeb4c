package tokens

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// DefaultSalesforceLoginURL is the production login host.
const DefaultSalesforceLoginURL = "https://login.salesforce.com"

// SalesforceConfig configures the Salesforce integration connection.
type SalesforceConfig struct {
	// ConnectionID is the salesforce connection whose token this is.
	ConnectionID int64
	ClientID     string
	ClientSecret string
	RedirectURL  string
	Scopes       []string // e.g. api refresh_token
	// LoginURL is the base of /services/oauth2/{authorize,token}: the login
	// host, test.salesforce.com or a My Domain (default DefaultSalesforceLoginURL).
	LoginURL string
	// SessionTTL, when set, gives tokens an expiry of issued_at+SessionTTL
	// (the org's session timeout). Otherwise tokens have no expiry and are
	// refreshed only when Salesforce answers INVALID_SESSION_ID.
	SessionTTL time.Duration
}

// Salesforce is the token source of the integration user's Salesforce
// connection. Salesforce token responses have no expires_in and carry
// issued_at in milliseconds and the instance_url, which is kept with the
// token (docs/salesforce-api.md §2).
type Salesforce struct {
	v   *Vault
	id  int64
	cfg oauth2.Config
	ttl time.Duration
}

// NewSalesforce returns the Salesforce token source for cfg.
func NewSalesforce(v *Vault, cfg SalesforceConfig) *Salesforce {
	base := cfg.LoginURL
	if base == "" {
		base = DefaultSalesforceLoginURL
	}
	base = strings.TrimRight(base, "/")
	return &Salesforce{
		v:   v,
		id:  cfg.ConnectionID,
		ttl: cfg.SessionTTL,
		cfg: oauth2.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret,
			RedirectURL:  cfg.RedirectURL,
			Scopes:       cfg.Scopes,
			Endpoint: oauth2.Endpoint{
				AuthURL:  base + "/services/oauth2/authorize",
				TokenURL: base + "/services/oauth2/token",
				// Salesforce's documented form: client_id and client_secret
				// in the body. A fixed style also avoids x/oauth2's
				// auto-detection sending a refused refresh twice.
				AuthStyle: oauth2.AuthStyleInParams,
			},
		},
	}
}

// AuthCodeURL returns the Salesforce authorization URL for state, with the
// S256 challenge of verifier.
func (s *Salesforce) AuthCodeURL(state, verifier string) string {
	return s.cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier))
}

// Exchange trades an authorization code for tokens, stores them with the
// instance URL and marks the connection active. Errors: EUNAUTHORIZED when
// Salesforce refuses the code.
//
// When wantOrgID is set, the grant must belong to that org (the org id in
// the token response's identity URL, /id/{orgId}/{userId}); a grant from
// another org (a forwarded Connect link, or a browser signed in to a
// sandbox) is revoked at once and never stored.
func (s *Salesforce) Exchange(ctx context.Context, code, verifier, wantOrgID string) (*oauth2.Token, error) {
	t, err := s.cfg.Exchange(s.v.withHTTP(ctx), code, oauth2.VerifierOption(verifier))
	if err != nil {
		err = sanitize(err)
		if _, ok := err.(*EndpointError); ok {
			return nil, sfzoom.WrapError(sfzoom.EUNAUTHORIZED, err, "Salesforce refused the authorization. Please connect Salesforce again.")
		}
		return nil, sfzoom.WrapError(sfzoom.EUNAVAILABLE, fmt.Errorf("tokens: salesforce code exchange: %w", err), "Salesforce could not be reached. Try again in a moment.")
	}
	if wantOrgID != "" {
		idURL, _ := t.Extra("id").(string)
		if got := identityOrg(idURL); got == "" || !sameSalesforceID(got, wantOrgID) {
			if t.RefreshToken != "" {
				_ = s.revoke(context.WithoutCancel(ctx), t.RefreshToken)
			} else if t.AccessToken != "" {
				_ = s.revoke(context.WithoutCancel(ctx), t.AccessToken)
			}
			return nil, sfzoom.Errorf(sfzoom.EFORBIDDEN, "You signed in to a different Salesforce org than the one sfzoom is open in, so nothing was connected. Sign in to this org (log out of the other one first, or use a private window) and click Connect again.")
		}
	}
	return s.v.put(ctx, s.id, s.withExpiry(blobFromToken(t, s.v.now())), "authorization code exchange")
}

func (s *Salesforce) withExpiry(b *blob) *blob {
	if s.ttl <= 0 || !b.Expiry.IsZero() {
		return b
	}
	now := s.v.now()
	b.Expiry = b.IssuedAt.Add(s.ttl)
	// A skewed or missing issued_at must not make a just-issued token look
	// expired, which would refresh on every call.
	if b.IssuedAt.IsZero() || b.Expiry.Before(now.Add(s.v.expiryDelta)) {
		b.Expiry = now.Add(s.ttl).UTC()
	}
	return b
}

func (s *Salesforce) grant() *grant {
	return &grant{
		provider: "Salesforce",
		// Salesforce rotates only when the connected app enables it; treat
		// every refresh as possibly rotating.
		rotating: true,
		fetch: func(ctx context.Context, cur *blob) (*blob, error) {
			b, err := s.v.refresh(ctx, &s.cfg, cur, "salesforce",
				"Salesforce is not connected. An admin must connect the integration user from the settings page.")
			if err != nil {
				return nil, err
			}
			return s.withExpiry(b), nil
		},
	}
}

// Token returns the current access token. The instance URL is in
// Token.Extra("instance_url"). Errors: EUNAUTHORIZED "Salesforce needs
// reconnecting: …" after Salesforce refused the refresh token.
func (s *Salesforce) Token(ctx context.Context) (*oauth2.Token, error) {
	return s.v.token(ctx, s.id, s.grant())
}

// InstanceURL returns the instance URL stored with the token, the base of
// every REST call.
func (s *Salesforce) InstanceURL(ctx context.Context) (string, error) {
	t, err := s.Token(ctx)
	if err != nil {
		return "", err
	}
	u := extraString(t, "instance_url")
	if u == "" {
		return "", sfzoom.Errorf(sfzoom.EUNAUTHORIZED, "The Salesforce connection has no instance URL. Reconnect Salesforce.")
	}
	return u, nil
}

// Invalidate reports that Salesforce answered 401 INVALID_SESSION_ID for
// accessToken ("" means the cached token). The next Token call refreshes,
// unless another replica has stored a different token meanwhile.
func (s *Salesforce) Invalidate(accessToken string) { s.v.invalidate(s.id, accessToken) }

// Refresh invalidates accessToken and returns a new token, refreshed once
// however many callers report the same rejected token. Call it once on 401
// and retry the request once; never loop.
func (s *Salesforce) Refresh(ctx context.Context, accessToken string) (*oauth2.Token, error) {
	s.Invalidate(accessToken)
	return s.Token(ctx)
}

// Source returns an oauth2.TokenSource bound to ctx.
func (s *Salesforce) Source(ctx context.Context) oauth2.TokenSource {
	return source{ctx: ctx, fn: s.Token}
}

// Client returns an *http.Client that sends the token. It never caches on its
// own, so Invalidate takes effect on the next request.
func (s *Salesforce) Client(ctx context.Context) *http.Client { return clientFor(ctx, s.Source(ctx)) }

// Revoke revokes the integration connection at Salesforce (POST
// /services/oauth2/revoke with token=<refresh token>, which also revokes its
// access tokens; docs/salesforce-api.md §2.4) and then deletes the connection and
// its token. A 400 (the token is already invalid) still deletes locally.
//
// Errors: EUNAVAILABLE when Salesforce cannot be reached (nothing is deleted).
func (s *Salesforce) Revoke(ctx context.Context) error {
	release, err := s.v.acquire(ctx, s.id, nil)
	if err != nil {
		return err
	}
	defer release()
	st, err := s.v.load(ctx, s.id, "revoke")
	if err != nil {
		return err
	}
	if st != nil && !st.blob.ReconnectRequired {
		tok := st.blob.RefreshToken
		if tok == "" {
			tok = st.blob.AccessToken
		}
		if tok != "" {
			if err := s.revoke(ctx, tok); err != nil {
				return err
			}
		}
	}
	if err := s.v.audit(ctx, s.id, ActionRevoke, "revoked at Salesforce; connection deleted"); err != nil {
		return err
	}
	s.v.forget(s.id)
	if err := s.v.st.DeleteConnection(ctx, s.id); err != nil {
		return fmt.Errorf("tokens: delete connection %d: %w", s.id, err)
	}
	s.v.log.InfoContext(ctx, "tokens: salesforce connection revoked", "connection", s.id)
	return nil
}

func (s *Salesforce) revoke(ctx context.Context, token string) error {
	// Salesforce answers 400 invalid_token when nothing is left to revoke.
	return s.v.revoke(ctx, "Salesforce", strings.TrimSuffix(s.cfg.Endpoint.TokenURL, "/token")+"/revoke", token, nil)
}

// identityOrg returns the org id of a Salesforce identity URL
// (https://login.salesforce.com/id/{orgId}/{userId}), "" if it has none.
func identityOrg(idURL string) string {
	u, err := url.Parse(idURL)
	if err != nil {
		return ""
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) != 3 || parts[0] != "id" {
		return ""
	}
	return parts[1]
}

// sameSalesforceID compares 15- or 18-character ids: the first 15
// characters are the case-sensitive id itself.
func sameSalesforceID(a, b string) bool {
	if len(a) < 15 || len(b) < 15 {
		return false
	}
	return a[:15] == b[:15]
}

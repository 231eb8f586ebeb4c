package tokens

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// DefaultZoomOAuthURL is the host of Zoom's OAuth endpoints (zoom.us, not
// api.zoom.us; docs/zoom-api.md §5).
const DefaultZoomOAuthURL = "https://zoom.us"

func zoomURL(base, path string) string {
	if base == "" {
		base = DefaultZoomOAuthURL
	}
	return strings.TrimRight(base, "/") + path
}

// withHTTP puts the vault's endpoint client in the context x/oauth2 reads.
func (v *Vault) withHTTP(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, v.httpClient)
}

// clientFor returns an *http.Client that authenticates with src. It skips
// oauth2.ReuseTokenSource (which oauth2.NewClient adds): the sources cache
// already, and a reuse cache would hide Invalidate.
func clientFor(ctx context.Context, src oauth2.TokenSource) *http.Client {
	base := http.DefaultTransport
	if c, ok := ctx.Value(oauth2.HTTPClient).(*http.Client); ok && c != nil && c.Transport != nil {
		base = c.Transport
	}
	return &http.Client{Transport: &oauth2.Transport{Source: src, Base: base}}
}

// S2SConfig configures a Zoom Server-to-Server OAuth app.
type S2SConfig struct {
	// ConnectionID is the zoom_s2s connection whose token row caches the token.
	ConnectionID int64
	AccountID    string
	ClientID     string
	ClientSecret string
	// OAuthURL is the base of /oauth/token (default DefaultZoomOAuthURL).
	OAuthURL string
}

// ZoomS2S is the token source of a Zoom Server-to-Server app
// (grant_type=account_credentials). The token is cached in memory and, encrypted, in
// the store until 60 s before expiry, and fetched once across goroutines and
// replicas.
type ZoomS2S struct {
	v     *Vault
	id    int64
	grant grant
}

// NewZoomS2S returns the S2S token source for cfg.
func NewZoomS2S(v *Vault, cfg S2SConfig) *ZoomS2S {
	cc := &clientcredentials.Config{
		ClientID:     cfg.ClientID,
		ClientSecret: cfg.ClientSecret,
		TokenURL:     zoomURL(cfg.OAuthURL, "/oauth/token"),
		// EndpointParams may override grant_type (docs/deps.md; docs/zoom-api.md §5.1).
		EndpointParams: url.Values{"grant_type": {"account_credentials"}, "account_id": {cfg.AccountID}},
		// Basic auth only: auto-detection would retry a refusal with the
		// secret in the body, doubling token requests.
		AuthStyle: oauth2.AuthStyleInHeader,
	}
	z := &ZoomS2S{v: v, id: cfg.ConnectionID}
	z.grant = grant{
		provider: "Zoom",
		fetch: func(ctx context.Context, _ *blob) (*blob, error) {
			t, err := cc.Token(v.withHTTP(ctx))
			if err != nil {
				return nil, fmt.Errorf("tokens: zoom account_credentials: %w", err)
			}
			return blobFromToken(t, v.now()), nil
		},
	}
	return z
}

// Token returns a valid access token, fetching one only when none is cached
// or stored.
func (z *ZoomS2S) Token(ctx context.Context) (*oauth2.Token, error) {
	return z.v.token(ctx, z.id, &z.grant)
}

// Invalidate reports that Zoom rejected accessToken (401 code 124), so the
// next Token call fetches a new one.
func (z *ZoomS2S) Invalidate(accessToken string) { z.v.invalidate(z.id, accessToken) }

// Source returns an oauth2.TokenSource bound to ctx (whose values, such as
// WithActor, apply to fetches).
func (z *ZoomS2S) Source(ctx context.Context) oauth2.TokenSource {
	return source{ctx: ctx, fn: z.Token}
}

// Client returns an *http.Client that sends the S2S token. Its base transport
// is the one of the *http.Client in ctx under oauth2.HTTPClient, if any.
func (z *ZoomS2S) Client(ctx context.Context) *http.Client { return clientFor(ctx, z.Source(ctx)) }

// ZoomUserConfig configures the Zoom OAuth app reps authorise individually.
type ZoomUserConfig struct {
	ClientID     string
	ClientSecret string
	RedirectURL  string
	Scopes       []string
	// OAuthURL is the base of /oauth/authorize, /oauth/token and
	// /oauth/revoke (default DefaultZoomOAuthURL).
	OAuthURL string
}

// ZoomUser manages per-user Zoom connections: the authorization-code flow
// with PKCE, rotating refresh tokens, and revocation.
type ZoomUser struct {
	v         *Vault
	cfg       oauth2.Config
	revokeURL string
}

// NewZoomUser returns the per-user Zoom token manager for cfg.
func NewZoomUser(v *Vault, cfg ZoomUserConfig) *ZoomUser {
	return &ZoomUser{
		v: v,
		cfg: oauth2.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret,
			RedirectURL:  cfg.RedirectURL,
			Scopes:       cfg.Scopes,
			Endpoint: oauth2.Endpoint{
				AuthURL:   zoomURL(cfg.OAuthURL, "/oauth/authorize"),
				TokenURL:  zoomURL(cfg.OAuthURL, "/oauth/token"),
				AuthStyle: oauth2.AuthStyleInHeader,
			},
		},
		revokeURL: zoomURL(cfg.OAuthURL, "/oauth/revoke"),
	}
}

// GenerateVerifier returns a fresh PKCE code verifier. Keep it in the OAuth
// popup's session with the state and pass it to AuthCodeURL and Exchange.
func GenerateVerifier() string { return oauth2.GenerateVerifier() }

// AuthCodeURL returns the Zoom authorization URL for state, with the S256
// challenge of verifier.
func (z *ZoomUser) AuthCodeURL(state, verifier string) string {
	return z.cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier))
}

// Exchange trades an authorization code for tokens, stores them for the
// connection (replacing any earlier, possibly dead, token) and marks the
// connection active. Errors: EUNAUTHORIZED when Zoom refuses the code.
func (z *ZoomUser) Exchange(ctx context.Context, connectionID int64, code, verifier string) (*oauth2.Token, error) {
	t, err := z.ExchangeCode(ctx, code, verifier)
	if err != nil {
		return nil, err
	}
	return z.Store(ctx, connectionID, t)
}

// ExchangeCode trades an authorization code for tokens without storing
// them, so the caller can check whose Zoom account granted them first
// (Store keeps them; RevokeToken gives back a grant that is refused).
// Errors: EUNAUTHORIZED when Zoom refuses the code, EUNAVAILABLE.
func (z *ZoomUser) ExchangeCode(ctx context.Context, code, verifier string) (*oauth2.Token, error) {
	t, err := z.cfg.Exchange(z.v.withHTTP(ctx), code, oauth2.VerifierOption(verifier))
	if err != nil {
		err = sanitize(err)
		if _, ok := err.(*EndpointError); ok {
			return nil, sfzoom.WrapError(sfzoom.EUNAUTHORIZED, err, "Zoom refused the authorization. Please connect Zoom again.")
		}
		return nil, sfzoom.WrapError(sfzoom.EUNAVAILABLE, fmt.Errorf("tokens: zoom code exchange: %w", err), "Zoom could not be reached. Try again in a moment.")
	}
	return t, nil
}

// Store keeps tokens from ExchangeCode as the connection's (replacing any
// earlier token) and marks the connection active.
func (z *ZoomUser) Store(ctx context.Context, connectionID int64, t *oauth2.Token) (*oauth2.Token, error) {
	return z.v.put(ctx, connectionID, blobFromToken(t, z.v.now()), "authorization code exchange")
}

// RevokeToken revokes at Zoom a grant that was never stored (POST
// /oauth/revoke, as Revoke). Errors: EUNAVAILABLE when Zoom cannot be
// reached or answers 5xx/429.
func (z *ZoomUser) RevokeToken(ctx context.Context, accessToken string) error {
	return z.revoke(ctx, accessToken)
}

func (z *ZoomUser) grant() *grant {
	return &grant{
		provider: "Zoom",
		rotating: true,
		fetch: func(ctx context.Context, cur *blob) (*blob, error) {
			return z.v.refresh(ctx, &z.cfg, cur, "zoom", "Zoom is not connected for this user. Connect Zoom from the settings page.")
		},
	}
}

// Token returns a valid access token for the connection, refreshing it (once
// across goroutines and replicas) when it is about to expire. Errors:
// EUNAUTHORIZED "Zoom needs reconnecting: …" once Zoom refused the refresh
// token; no further token request is made after that.
func (z *ZoomUser) Token(ctx context.Context, connectionID int64) (*oauth2.Token, error) {
	return z.v.token(ctx, connectionID, z.grant())
}

// Invalidate reports that Zoom rejected accessToken, so the next Token call
// refreshes unless another replica already has.
func (z *ZoomUser) Invalidate(connectionID int64, accessToken string) {
	z.v.invalidate(connectionID, accessToken)
}

// Source returns an oauth2.TokenSource for the connection bound to ctx.
func (z *ZoomUser) Source(ctx context.Context, connectionID int64) oauth2.TokenSource {
	return source{ctx: ctx, fn: func(ctx context.Context) (*oauth2.Token, error) { return z.Token(ctx, connectionID) }}
}

// Client returns an *http.Client that sends the connection's token.
func (z *ZoomUser) Client(ctx context.Context, connectionID int64) *http.Client {
	return clientFor(ctx, z.Source(ctx, connectionID))
}

// Revoke revokes the connection's access at Zoom (POST /oauth/revoke with
// Basic auth and token=) and then deletes the connection and its token.
// Errors: EUNAVAILABLE when Zoom cannot be reached (nothing is deleted then).
func (z *ZoomUser) Revoke(ctx context.Context, connectionID int64) error {
	release, err := z.v.acquire(ctx, connectionID, nil)
	if err != nil {
		return err
	}
	defer release()
	s, err := z.v.load(ctx, connectionID, "revoke")
	if err != nil {
		return err
	}
	if s != nil && !s.blob.ReconnectRequired && s.blob.AccessToken != "" {
		if err := z.revoke(ctx, s.blob.AccessToken); err != nil {
			return err
		}
	}
	if err := z.v.audit(ctx, connectionID, ActionRevoke, "revoked at Zoom; connection deleted"); err != nil {
		return err
	}
	z.v.forget(connectionID)
	if err := z.v.st.DeleteConnection(ctx, connectionID); err != nil {
		return fmt.Errorf("tokens: delete connection %d: %w", connectionID, err)
	}
	z.v.log.InfoContext(ctx, "tokens: zoom connection revoked", "connection", connectionID)
	return nil
}

func (z *ZoomUser) revoke(ctx context.Context, accessToken string) error {
	return z.v.revoke(ctx, "Zoom", z.revokeURL, accessToken, func(req *http.Request) {
		req.SetBasicAuth(url.QueryEscape(z.cfg.ClientID), url.QueryEscape(z.cfg.ClientSecret))
	})
}

// Probe fetches a new token with the configured credentials without storing
// or caching it (the tokens in use are untouched): a live check that Zoom
// accepts the account id, client id and secret. It returns the new token's
// expiry.
//
// Errors: EUNAUTHORIZED when Zoom's token endpoint refuses the credentials
// (the message says which settings to check), EUNAVAILABLE when Zoom cannot
// be reached.
func (z *ZoomS2S) Probe(ctx context.Context) (time.Time, error) {
	b, err := z.v.fetch(ctx, &z.grant, nil)
	if err != nil {
		err = sanitize(err)
		var ee *EndpointError
		if errors.As(err, &ee) {
			return time.Time{}, sfzoom.WrapError(sfzoom.EUNAUTHORIZED, err,
				"Zoom refused the Server-to-Server app's credentials (%s).", ee.Code)
		}
		return time.Time{}, sfzoom.WrapError(sfzoom.EUNAVAILABLE, err, "Zoom's token endpoint could not be reached.")
	}
	return b.Expiry, nil
}

// Package integrations hands out authenticated Zoom and Salesforce clients
// for an org, built from the connections and the encrypted token vault, and
// runs the OAuth connect/disconnect flows behind the settings pages.
//
// Which credentials a call uses is decided here, per call:
//   - Zoom: in "s2s" mode one Server-to-Server app acts for every user of the
//     Zoom account (meetings are created as the rep's own Zoom user id); in
//     "user" mode each rep's own authorization-code connection is used.
//   - Salesforce, background work (webhook pipeline, reconciliation, admin
//     pages, recording access checks): the org's integration connection,
//     connected once by an admin (OAuth web-server flow in a popup).
//   - Salesforce, reading what the rep may see while the rep is in the page:
//     the rep's own Canvas token (SalesforceAsUser), so Salesforce's sharing
//     rules apply to the rep and no integration budget is spent.
//
// The record page and the Schedule Zoom form (internal/scheduling) do not
// keep the rep's Canvas token: the app session stays free of Salesforce
// credentials. They read the record with the integration connection and
// first check the rep's own access with UserRecordAccess (CanRead), so a
// rep never sees or schedules from a record Salesforce would hide from
// them. SalesforceAsUser is used where the canvas token is at hand (the
// admin check on the canvas POST).
package integrations

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/oauth2"

	"github.com/sfzoom/sfzoom/internal/salesforce"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store"
	"github.com/sfzoom/sfzoom/internal/tokens"
	"github.com/sfzoom/sfzoom/internal/zoom"
)

// Zoom authentication modes (see config).
const (
	ZoomAuthS2S  = "s2s"
	ZoomAuthUser = "user"
)

// s2sSubject is the connection subject of the account-wide S2S app; the
// connection belongs to no org ("").
const s2sSubject = "account"

// Options configure the integrations.
type Options struct {
	Store      store.Store
	Vault      *tokens.Vault
	HTTPClient *http.Client // for API calls; tokens use the vault's client
	Logger     *slog.Logger
	Registry   prometheus.Registerer

	ZoomAuthMode     string
	ZoomAccountID    string
	ZoomClientID     string
	ZoomClientSecret string
	ZoomAPIURL       string
	ZoomOAuthURL     string

	SalesforceClientID     string
	SalesforceClientSecret string
	SalesforceLoginURL     string
	BackgroundBudget       float64

	// PublicURL is sfzoom's base URL, for OAuth redirect URLs.
	PublicURL string

	// ZoomDemoDownloadOrigin, when set, lets recording downloads reach this
	// non-Zoom origin (the demo's fake Zoom); see zoom.WithDemoDownloadOrigin.
	ZoomDemoDownloadOrigin string
}

// Callback paths of the OAuth popups.
const (
	SalesforceCallbackPath = "/oauth/salesforce/callback"
	ZoomCallbackPath       = "/oauth/zoom/callback"
)

// Integrations builds and caches clients per org and connection.
type Integrations struct {
	opts Options
	log  *slog.Logger

	mu       sync.Mutex
	zoomS2S  *zoom.Client
	s2sToken *tokens.ZoomS2S
	zoomUser *tokens.ZoomUser
	zoomPer  map[int64]*zoom.Client       // by connection id
	sf       map[int64]*salesforce.Client // by connection id

	lastOK lastSuccess
}

// New returns the integrations.
func New(opts Options) *Integrations {
	opts.Logger = sfzoom.LoggerOrDiscard(opts.Logger)
	if opts.HTTPClient == nil {
		opts.HTTPClient = http.DefaultClient
	}
	i := &Integrations{opts: opts, log: opts.Logger, zoomPer: map[int64]*zoom.Client{}, sf: map[int64]*salesforce.Client{}}
	i.zoomUser = tokens.NewZoomUser(opts.Vault, tokens.ZoomUserConfig{
		ClientID: opts.ZoomClientID, ClientSecret: opts.ZoomClientSecret,
		RedirectURL: opts.PublicURL + ZoomCallbackPath, OAuthURL: opts.ZoomOAuthURL,
		// Least privilege: meetings, past participants, recordings, summaries, the user itself.
		Scopes: []string{"meeting:write:meeting", "meeting:read:meeting", "meeting:read:list_meetings",
			"meeting:read:list_past_participants", "cloud_recording:read:list_recording_files",
			"meeting:read:summary", "user:read:user"},
	})
	return i
}

// ZoomMode returns the configured Zoom authentication mode.
func (i *Integrations) ZoomMode() string { return i.opts.ZoomAuthMode }

// Zoom returns the Zoom client that acts for the rep sfUserID of orgID.
//
// Errors: EUNAUTHORIZED when the rep must connect (user mode) or the
// connection needs reconnecting.
func (i *Integrations) Zoom(ctx context.Context, orgID, sfUserID string) (*zoom.Client, error) {
	if i.opts.ZoomAuthMode != ZoomAuthUser {
		return i.ZoomAccount(ctx)
	}
	c, err := i.activeConnection(ctx, orgID, sfzoom.ProviderZoomUser, sfUserID,
		"Connect your Zoom account first (Connect Zoom, on the sfzoom home page).",
		"Your Zoom connection needs reconnecting: use Connect Zoom on the sfzoom home page.")
	if err != nil {
		return nil, err
	}
	id := c.ID
	return cachedClient(i, i.zoomPer, id, func() (*zoom.Client, error) {
		return i.newZoomClient(i.zoomUser.Client(context.WithoutCancel(ctx), id), orgID, func() { i.zoomUser.Invalidate(id, "") }), nil
	})
}

// cachedClient returns the client cache holds for connection connID,
// building it with build under i.mu the first time (a failed build is not
// cached).
func cachedClient[C any](i *Integrations, cache map[int64]*C, connID int64, build func() (*C, error)) (*C, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if c := cache[connID]; c != nil {
		return c, nil
	}
	c, err := build()
	if err != nil {
		return nil, err
	}
	cache[connID] = c
	return c, nil
}

// activeConnection returns the org's active connection to provider for
// subject. None is EUNAUTHORIZED with notConnected, an inactive one
// EUNAUTHORIZED with reconnect: both say what the person must do.
func (i *Integrations) activeConnection(ctx context.Context, orgID, provider, subject, notConnected, reconnect string) (*sfzoom.Connection, error) {
	c, err := i.opts.Store.FindConnection(ctx, orgID, provider, subject)
	if sfzoom.ErrorCode(err) == sfzoom.ENOTFOUND {
		return nil, sfzoom.Errorf(sfzoom.EUNAUTHORIZED, "%s", notConnected)
	} else if err != nil {
		return nil, err
	}
	if c.Status != sfzoom.ConnectionActive {
		return nil, sfzoom.Errorf(sfzoom.EUNAUTHORIZED, "%s", reconnect)
	}
	return c, nil
}

// newZoomClient returns a Zoom client over hc, with the options of every
// Zoom client, whose successes count for orgID's last-OK time ("" for the
// account) and which calls invalidate to re-authorize after a 401.
func (i *Integrations) newZoomClient(hc *http.Client, orgID string, invalidate func()) *zoom.Client {
	opts := []zoom.Option{zoom.WithBaseURL(i.opts.ZoomAPIURL), zoom.WithLogger(i.log), zoom.WithRegisterer(i.opts.Registry)}
	if i.opts.ZoomDemoDownloadOrigin != "" {
		opts = append(opts, zoom.WithDemoDownloadOrigin(i.opts.ZoomDemoDownloadOrigin))
	}
	opts = append(opts, zoom.WithReauthorizer(zoom.ReauthorizerFunc(func(context.Context) error {
		invalidate()
		return nil
	})))
	return zoom.NewClient(i.lastOK.track(hc, lastOKKey("zoom", orgID)), opts...)
}

// ZoomAccount returns the account-wide Server-to-Server client (background
// work in s2s mode: participants, recordings, summaries, reconciliation).
func (i *Integrations) ZoomAccount(ctx context.Context) (*zoom.Client, error) {
	if i.opts.ZoomAuthMode == ZoomAuthUser {
		return nil, sfzoom.Errorf(sfzoom.ENOTIMPLEMENTED, "Zoom is connected per user; there is no account-wide connection.")
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.zoomS2S != nil {
		return i.zoomS2S, nil
	}
	conn, err := i.ensureConnection(ctx, "", sfzoom.ProviderZoomS2S, s2sSubject, "")
	if err != nil {
		return nil, err
	}
	src := tokens.NewZoomS2S(i.opts.Vault, tokens.S2SConfig{
		ConnectionID: conn.ID, AccountID: i.opts.ZoomAccountID,
		ClientID: i.opts.ZoomClientID, ClientSecret: i.opts.ZoomClientSecret, OAuthURL: i.opts.ZoomOAuthURL,
	})
	i.s2sToken = src
	i.zoomS2S = i.newZoomClient(src.Client(context.WithoutCancel(ctx)), "", func() { src.Invalidate("") })
	return i.zoomS2S, nil
}

// Salesforce returns the org's integration client (background work).
//
// Errors: EUNAUTHORIZED when no admin has connected Salesforce yet or the
// connection needs reconnecting.
func (i *Integrations) Salesforce(ctx context.Context, orgID string) (*salesforce.Client, error) {
	c, err := i.activeConnection(ctx, orgID, sfzoom.ProviderSalesforce, "integration",
		"Salesforce is not connected yet: an sfzoom admin must click Connect Salesforce in sfzoom Settings → Connections.",
		"The Salesforce connection needs reconnecting: an sfzoom admin must click Connect Salesforce in sfzoom Settings → Connections.")
	if err != nil {
		return nil, err
	}
	return cachedClient(i, i.sf, c.ID, func() (*salesforce.Client, error) {
		return i.newSalesforceClient(ctx, orgID, c.ID)
	})
}

// newSalesforceClient returns the integration client of orgID's connection
// connID, whose successes count for the org's last-OK time and which
// refreshes its token when Salesforce refuses it.
func (i *Integrations) newSalesforceClient(ctx context.Context, orgID string, connID int64) (*salesforce.Client, error) {
	src := i.salesforceSource(connID)
	bg := context.WithoutCancel(ctx)
	instanceURL, err := src.InstanceURL(ctx)
	if err != nil {
		return nil, err
	}
	client, err := salesforce.NewClient(i.lastOK.track(src.Client(bg), lastOKKey(sfzoom.ProviderSalesforce, orgID)), instanceURL,
		salesforce.WithLogger(i.log), salesforce.WithRegisterer(i.opts.Registry),
		salesforce.WithBackgroundShare(i.opts.BackgroundBudget),
		salesforce.WithRefresher(salesforce.RefresherFunc(func(ctx context.Context) error {
			_, err := src.Refresh(ctx, "")
			return err
		})))
	if err != nil {
		return nil, fmt.Errorf("integrations: salesforce client: %w", err)
	}
	return client, nil
}

// SalesforceScopes are the OAuth scopes the integration connection asks
// for: the REST API and a refresh token. The External Client App in sfdx/
// must grant them (a consistency test in internal/sfdxmeta checks).
var SalesforceScopes = []string{"api", "refresh_token"}

// SalesforceAsUser returns a client that acts as the rep with the rep's own
// Canvas OAuth token (what the rep may see). It is not cached.
func (i *Integrations) SalesforceAsUser(ctx context.Context, instanceURL, accessToken string) (*salesforce.Client, error) {
	hc := &http.Client{Transport: bearer{token: accessToken, base: i.opts.HTTPClient.Transport}, Timeout: i.opts.HTTPClient.Timeout}
	return salesforce.NewClient(hc, instanceURL, salesforce.WithLogger(i.log))
}

func (i *Integrations) salesforceSource(connID int64) *tokens.Salesforce {
	return tokens.NewSalesforce(i.opts.Vault, tokens.SalesforceConfig{
		ConnectionID: connID, ClientID: i.opts.SalesforceClientID, ClientSecret: i.opts.SalesforceClientSecret,
		RedirectURL: i.opts.PublicURL + SalesforceCallbackPath, Scopes: SalesforceScopes,
		LoginURL: i.opts.SalesforceLoginURL,
	})
}

// ensureConnection finds or creates a connection row.
func (i *Integrations) ensureConnection(ctx context.Context, orgID, provider, subject, scopes string) (*sfzoom.Connection, error) {
	c, err := i.opts.Store.FindConnection(ctx, orgID, provider, subject)
	if err == nil {
		return c, nil
	} else if sfzoom.ErrorCode(err) != sfzoom.ENOTFOUND {
		return nil, err
	}
	c = &sfzoom.Connection{OrgID: orgID, Provider: provider, Subject: subject, Status: sfzoom.ConnectionActive, Scopes: scopes}
	if err := i.opts.Store.CreateConnection(ctx, c); sfzoom.ErrorCode(err) == sfzoom.ECONFLICT {
		return i.opts.Store.FindConnection(ctx, orgID, provider, subject)
	} else if err != nil {
		return nil, err
	}
	return c, nil
}

// SalesforceAuthURL starts the integration connection's OAuth flow.
func (i *Integrations) SalesforceAuthURL(state, verifier string) string {
	return i.salesforceSource(0).AuthCodeURL(state, verifier)
}

// ConnectSalesforce completes the flow: it exchanges code for tokens and
// stores them encrypted as orgID's integration connection.
func (i *Integrations) ConnectSalesforce(ctx context.Context, orgID, code, verifier string) (*sfzoom.Connection, error) {
	c, err := i.ensureConnection(ctx, orgID, sfzoom.ProviderSalesforce, "integration", "api refresh_token")
	if err != nil {
		return nil, err
	}
	if _, err := i.salesforceSource(c.ID).Exchange(ctx, code, verifier, orgID); err != nil {
		return nil, err
	}
	if err := i.opts.Store.UpdateConnectionStatus(ctx, c.ID, sfzoom.ConnectionActive, ""); err != nil {
		return nil, err
	}
	i.forget(c.ID)
	c.Status, c.Detail = sfzoom.ConnectionActive, ""
	return c, nil
}

// DisconnectSalesforce revokes the org's integration token at Salesforce and
// deletes the connection and its token.
func (i *Integrations) DisconnectSalesforce(ctx context.Context, orgID string) error {
	c, err := i.opts.Store.FindConnection(ctx, orgID, sfzoom.ProviderSalesforce, "integration")
	if err != nil {
		return err
	}
	i.forget(c.ID)
	return i.salesforceSource(c.ID).Revoke(ctx)
}

// ZoomAuthURL starts a rep's Zoom connection (user mode).
func (i *Integrations) ZoomAuthURL(state, verifier string) string {
	return i.zoomUser.AuthCodeURL(state, verifier)
}

// ConnectZoomUser completes a rep's Zoom connection, after proving that the
// Zoom account that granted it is the rep's: the Zoom user behind the new
// token (GET /users/me,
// https://developers.zoom.us/docs/api/users/#tag/users/GET/users/{userId})
// must have the rep's Salesforce email (sfEmail from the session, and the
// User record when Salesforce is connected) or the email an admin set in
// User.Zoom_Email__c, which reps cannot edit. Anything else (a Connect link
// completed by someone else, or a rep signing in with another account) is
// refused: the grant is revoked at Zoom and nothing is stored.
//
// Errors: EFORBIDDEN (another person's Zoom account), EUNAUTHORIZED (Zoom
// refused the code), EUNAVAILABLE.
func (i *Integrations) ConnectZoomUser(ctx context.Context, orgID, sfUserID, sfEmail, code, verifier string) (*sfzoom.Connection, error) {
	tok, err := i.zoomUser.ExchangeCode(ctx, code, verifier)
	if err != nil {
		return nil, err
	}
	refuse := func(err error) (*sfzoom.Connection, error) {
		if rerr := i.zoomUser.RevokeToken(context.WithoutCancel(ctx), tok.AccessToken); rerr != nil {
			i.log.WarnContext(ctx, "integrations: zoom connect: revoke a refused grant", "org_id", orgID, "err", rerr.Error())
		}
		return nil, err
	}
	hc := &http.Client{Transport: bearer{token: tok.AccessToken, base: i.opts.HTTPClient.Transport}, Timeout: i.opts.HTTPClient.Timeout}
	me, err := zoom.NewClient(hc, zoom.WithBaseURL(i.opts.ZoomAPIURL), zoom.WithLogger(i.log)).User(ctx, "me")
	if err != nil {
		return refuse(sfzoom.WrapError(sfzoom.EUNAVAILABLE, fmt.Errorf("integrations: zoom connect: read the user: %w", err),
			"Zoom did not say which account signed in, so nothing was connected. Try again in a moment."))
	}
	allowed, err := i.repEmails(ctx, orgID, sfUserID, sfEmail)
	if err != nil {
		return refuse(err)
	}
	if !slices.Contains(allowed, normEmail(me.Email)) {
		i.log.WarnContext(ctx, "integrations: zoom connect refused: another person's zoom account", "org_id", orgID, "user_id", sfUserID)
		return refuse(sfzoom.Errorf(sfzoom.EFORBIDDEN, "You signed in to Zoom as %s, which is not your Salesforce email, so nothing was connected (sfzoom gave the sign-in back to Zoom). "+
			"Sign in to Zoom with your own account, or ask your sfzoom admin to set your Zoom email in sfzoom Settings → Users.", me.Email))
	}
	c, err := i.ensureConnection(ctx, orgID, sfzoom.ProviderZoomUser, sfUserID, "")
	if err != nil {
		return refuse(err)
	}
	if _, err := i.zoomUser.Store(ctx, c.ID, tok); err != nil {
		return refuse(err)
	}
	i.forget(c.ID)
	// Which Zoom account was connected, so the rep can see it.
	c.Status, c.Detail = sfzoom.ConnectionActive, "Connected as "+me.Email+"."
	if err := i.opts.Store.UpdateConnectionStatus(ctx, c.ID, sfzoom.ConnectionActive, c.Detail); err != nil {
		return nil, err
	}
	return c, nil
}

// repEmails are the Zoom emails that identify the rep: the Salesforce email
// (from the session and the User record) and the admin-set Zoom_Email__c.
// Without the integration connection only the session's email is known.
func (i *Integrations) repEmails(ctx context.Context, orgID, sfUserID, sfEmail string) ([]string, error) {
	var out []string
	add := func(e string) {
		if e = normEmail(e); e != "" && !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	add(sfEmail)
	sf, err := i.Salesforce(ctx, orgID)
	if sfzoom.ErrorCode(err) == sfzoom.EUNAUTHORIZED {
		return out, nil
	} else if err != nil {
		return nil, err
	}
	users, err := sf.FindUsers(ctx, []string{sfUserID})
	if err != nil {
		return nil, fmt.Errorf("integrations: zoom connect: read the salesforce user: %w", err)
	}
	for _, u := range users {
		add(u.Email)
		add(u.ZoomEmail)
	}
	return out, nil
}

func normEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

// DisconnectZoomUser revokes the rep's Zoom token at Zoom and deletes it.
func (i *Integrations) DisconnectZoomUser(ctx context.Context, orgID, sfUserID string) error {
	c, err := i.opts.Store.FindConnection(ctx, orgID, sfzoom.ProviderZoomUser, sfUserID)
	if err != nil {
		return err
	}
	i.forget(c.ID)
	return i.zoomUser.Revoke(ctx, c.ID)
}

func (i *Integrations) forget(connID int64) {
	i.mu.Lock()
	defer i.mu.Unlock()
	delete(i.sf, connID)
	delete(i.zoomPer, connID)
}

// bearer adds a fixed bearer token (the rep's Canvas token) to requests.
type bearer struct {
	token string
	base  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	if b.token == "" {
		return nil, errors.New("integrations: no Salesforce token for the user")
	}
	base := b.base
	if base == nil {
		base = http.DefaultTransport
	}
	r2 := r.Clone(r.Context())
	r2.Header.Set("Authorization", "Bearer "+b.token)
	return base.RoundTrip(r2)
}

// SalesforceToken returns orgID's integration access token (refreshing it
// when needed), with its expiry and the "id" identity URL that names the
// integration user. The refresh token never leaves the vault.
//
// Errors: EUNAUTHORIZED as Salesforce.
func (i *Integrations) SalesforceToken(ctx context.Context, orgID string) (*oauth2.Token, error) {
	c, err := i.opts.Store.FindConnection(ctx, orgID, sfzoom.ProviderSalesforce, "integration")
	if sfzoom.ErrorCode(err) == sfzoom.ENOTFOUND {
		return nil, sfzoom.Errorf(sfzoom.EUNAUTHORIZED, "Salesforce is not connected yet.")
	} else if err != nil {
		return nil, err
	}
	if c.Status != sfzoom.ConnectionActive {
		return nil, sfzoom.Errorf(sfzoom.EUNAUTHORIZED, "The Salesforce connection needs reconnecting.")
	}
	return i.salesforceSource(c.ID).Token(ctx)
}

// ProbeZoom fetches a fresh Server-to-Server token with the configured
// credentials, without storing it, and returns its expiry: a live check
// that Zoom accepts them (tokens.ZoomS2S.Probe). ENOTIMPLEMENTED in user
// mode.
func (i *Integrations) ProbeZoom(ctx context.Context) (time.Time, error) {
	if i.opts.ZoomAuthMode == ZoomAuthUser {
		return time.Time{}, sfzoom.Errorf(sfzoom.ENOTIMPLEMENTED, "Zoom is connected per user; there is no account-wide app to check.")
	}
	src := tokens.NewZoomS2S(i.opts.Vault, tokens.S2SConfig{
		AccountID: i.opts.ZoomAccountID, ClientID: i.opts.ZoomClientID, ClientSecret: i.opts.ZoomClientSecret, OAuthURL: i.opts.ZoomOAuthURL,
	})
	return src.Probe(ctx)
}

// LastSuccess returns when this process last got a successful (2xx) answer
// from vendor ("salesforce" or "zoom") for orgID; zero if never since it
// started. Zoom in Server-to-Server mode is shared by every org, so any
// org's call counts.
func (i *Integrations) LastSuccess(vendor, orgID string) time.Time {
	if vendor == "zoom" && i.opts.ZoomAuthMode != ZoomAuthUser {
		orgID = ""
	}
	return i.lastOK.at(lastOKKey(vendor, orgID))
}

func lastOKKey(vendor, orgID string) string { return vendor + "/" + orgID }

// lastSuccess records the time of the last 2xx answer per vendor and org.
type lastSuccess struct {
	mu sync.Mutex
	m  map[string]time.Time
}

func (l *lastSuccess) at(key string) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.m[key]
}

func (l *lastSuccess) record(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil {
		l.m = map[string]time.Time{}
	}
	l.m[key] = time.Now()
}

// track returns hc with a transport that records successful answers.
func (l *lastSuccess) track(hc *http.Client, key string) *http.Client {
	c := *hc
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	c.Transport = successTransport{base: base, l: l, key: key}
	return &c
}

type successTransport struct {
	base http.RoundTripper
	l    *lastSuccess
	key  string
}

func (t successTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(r)
	if err == nil && resp.StatusCode >= 200 && resp.StatusCode < 300 {
		t.l.record(t.key)
	}
	return resp, err
}

// ZoomAccountToken returns the Server-to-Server access token in use (with
// its expiry), fetching one when none is stored. The token never leaves
// sfzoom; Health shows only its expiry.
func (i *Integrations) ZoomAccountToken(ctx context.Context) (*oauth2.Token, error) {
	if _, err := i.ZoomAccount(ctx); err != nil {
		return nil, err
	}
	i.mu.Lock()
	src := i.s2sToken
	i.mu.Unlock()
	return src.Token(ctx)
}

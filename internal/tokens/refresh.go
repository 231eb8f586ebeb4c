package tokens

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"golang.org/x/oauth2"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// grant describes how one kind of connection obtains a new token.
type grant struct {
	// provider names the vendor in user-facing messages ("Zoom", "Salesforce").
	provider string
	// fetch asks the vendor for a new token; cur is the stored token, nil if
	// there is none.
	fetch func(ctx context.Context, cur *blob) (*blob, error)
	// rotating is true when fetch consumes cur's refresh token, so losing
	// the result of a fetch would strand the connection.
	rotating bool
}

// EndpointError is a token or revoke endpoint's refusal, stripped of the
// response body so that no secret can travel in it.
type EndpointError struct {
	StatusCode  int
	Code        string // RFC 6749 "error", e.g. "invalid_grant"
	Description string // RFC 6749 "error_description"
}

// Error implements error.
func (e *EndpointError) Error() string {
	s := fmt.Sprintf("tokens: endpoint answered HTTP %d", e.StatusCode)
	if e.Code != "" {
		s += " " + strconv.Quote(e.Code)
	}
	if e.Description != "" {
		s += " " + strconv.Quote(e.Description)
	}
	return s
}

// sanitize replaces an *oauth2.RetrieveError (whose Error may include the
// raw response body) by an *EndpointError.
func sanitize(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		e := &EndpointError{Code: re.ErrorCode, Description: re.ErrorDescription}
		if re.Response != nil {
			e.StatusCode = re.Response.StatusCode
		}
		return e
	}
	return err
}

func isInvalidGrant(err error) bool {
	var ee *EndpointError
	return errors.As(err, &ee) && ee.Code == "invalid_grant"
}

func reconnectError(provider string, cause error) error {
	return sfzoom.WrapError(sfzoom.EUNAUTHORIZED, cause,
		"%s needs reconnecting: the authorization was refused or revoked. Reconnect %s from the settings page.", provider, provider)
}

// lockConn is the in-process half of the refresh critical section: the store
// lease is per replica (a holder re-acquires its own lease), so goroutines of
// one replica are serialised here.
func (v *Vault) lockConn(ctx context.Context, connectionID int64) (unlock func(), err error) {
	v.mu.Lock()
	ch := v.locks[connectionID]
	if ch == nil {
		ch = make(chan struct{}, 1)
		v.locks[connectionID] = ch
	}
	v.mu.Unlock()
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("tokens: wait for connection %d: %w", connectionID, ctx.Err())
	}
}

// token returns a usable access token for the connection: from memory, else
// from the store, else from the vendor through one flight per replica.
func (v *Vault) token(ctx context.Context, connectionID int64, g *grant) (*oauth2.Token, error) {
	if t := v.cached(connectionID); t != nil {
		return t, nil
	}
	if err := v.recentFailure(connectionID); err != nil {
		return nil, err
	}
	ch := v.flights.DoChan(strconv.FormatInt(connectionID, 10), func() (any, error) {
		// The flight serves every waiting caller, so one caller giving up
		// must not abort it; it is bounded by the lease instead.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), v.leaseTTL+30*time.Second)
		defer cancel()
		return v.obtain(fctx, connectionID, g)
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*oauth2.Token), nil
	case <-ctx.Done():
		return nil, fmt.Errorf("tokens: token of connection %d: %w", connectionID, ctx.Err())
	}
}

// usable turns a stored token into a cached, usable access token. ok is false
// when a new token is needed; err is set when none may be fetched.
func (v *Vault) usable(connectionID int64, s *stored, g *grant) (t *oauth2.Token, ok bool, err error) {
	if s == nil {
		return nil, false, nil
	}
	if s.blob.ReconnectRequired {
		return nil, false, reconnectError(g.provider, nil)
	}
	if !v.fresh(s.blob.AccessToken, s.blob.Expiry, connectionID) {
		return nil, false, nil
	}
	t = s.blob.public()
	v.remember(connectionID, t)
	return t, true, nil
}

func (v *Vault) obtain(ctx context.Context, connectionID int64, g *grant) (*oauth2.Token, error) {
	// An earlier flight or another replica may already have stored a fresh token.
	s, err := v.load(ctx, connectionID, "token lookup")
	if err != nil {
		return nil, err
	}
	if t, ok, err := v.usable(connectionID, s, g); ok || err != nil {
		return t, err
	}

	var got *oauth2.Token
	release, err := v.acquire(ctx, connectionID, func() error {
		// Another replica is refreshing: wait for its result rather than
		// spending (and, with rotation, killing) the refresh token again.
		s, err := v.load(ctx, connectionID, "waiting for another replica's refresh")
		if err != nil {
			return err
		}
		t, ok, err := v.usable(connectionID, s, g)
		if err != nil {
			return err
		}
		if ok {
			got = t
			return errDone
		}
		return nil
	})
	if errors.Is(err, errDone) {
		return got, nil
	} else if err != nil {
		return nil, err
	}
	defer release()

	// Re-read under the lease: the previous holder may have just stored.
	s, err = v.load(ctx, connectionID, "re-read under refresh lease")
	if err != nil {
		return nil, err
	}
	if t, ok, err := v.usable(connectionID, s, g); ok || err != nil {
		return t, err
	}
	return v.renew(ctx, connectionID, g, s)
}

// renew fetches a new token and stores it before anyone can use it. The
// caller holds the lease.
func (v *Vault) renew(ctx context.Context, connectionID int64, g *grant, s *stored) (*oauth2.Token, error) {
	var cur *blob
	var version int64
	if s != nil {
		cur, version = &s.blob, s.version
	}
	nb, err := v.fetch(ctx, g, cur)
	if err != nil && isInvalidGrant(sanitize(err)) && g.rotating && cur != nil {
		// The refresh token may have been spent by another attempt that
		// stored its result (a replica that took over an expired lease).
		// Zoom documents no grace period for a rotated refresh token
		// (https://devforum.zoom.us/t/how-to-protect-against-losing-refresh-token-response/10375),
		// so a newer stored token is the only way back short of a reconnect.
		var t *oauth2.Token
		t, nb, cur, version, err = v.newerStored(ctx, connectionID, g, cur, version, err)
		if t != nil {
			return t, nil
		}
	}
	if err != nil {
		return nil, v.fetchFailed(ctx, connectionID, g, version, err)
	}
	if cur != nil {
		nb.keep(cur)
	}
	other, version, err := v.saveRenewed(ctx, connectionID, g, cur, nb, version)
	if other != nil || err != nil {
		return other, err
	}
	// The vendor just issued this token and it is stored; a rejection
	// recorded earlier no longer applies, even if the access token string
	// came back unchanged. (Until it is stored, the rejection stands.)
	v.mu.Lock()
	delete(v.bad, connectionID)
	v.mu.Unlock()
	v.log.InfoContext(ctx, "tokens: token renewed", "connection", connectionID, "provider", g.provider, "version", version, "expiry", nb.Expiry)
	t := nb.public()
	v.remember(connectionID, t)
	return t, nil
}

// fetchFailed turns a failed token request into the error renew returns:
// an EUNAUTHORIZED as is; an invalid_grant marks the connection for
// reconnecting (at the stored version) and says so; anything else is logged,
// noted as a recent failure and reported as EUNAVAILABLE.
func (v *Vault) fetchFailed(ctx context.Context, connectionID int64, g *grant, version int64, err error) error {
	if sfzoom.ErrorCode(err) == sfzoom.EUNAUTHORIZED {
		return err
	}
	err = sanitize(err)
	if isInvalidGrant(err) {
		v.markReconnect(ctx, connectionID, g, version, err)
		return reconnectError(g.provider, err)
	}
	v.log.WarnContext(ctx, "tokens: token request failed", "connection", connectionID, "provider", g.provider, "err", err)
	err = sfzoom.WrapError(sfzoom.EUNAVAILABLE, err, "%s did not issue a token. Try again in a moment.", g.provider)
	v.noteFailure(connectionID, err)
	return err
}

// saveRenewed stores the new token nb over version and returns the version
// written. When someone wrote without our lease (an expired lease, a key
// rotation) it re-reads and retries, up to five times; if that writer
// already rotated the refresh token, nb is worthless and the writer's token
// is returned as other when it is usable, ECONFLICT otherwise. If every
// attempt conflicts, nb was never stored and must not be used: ECONFLICT.
func (v *Vault) saveRenewed(ctx context.Context, connectionID int64, g *grant, cur, nb *blob, version int64) (other *oauth2.Token, _ int64, _ error) {
	why := "token expired or rejected"
	if cur == nil {
		why = "first token"
	}
	for range 5 {
		newVersion, err := v.save(ctx, connectionID, nb, version, ActionRefresh, why)
		if err == nil {
			return nil, newVersion, nil
		}
		if sfzoom.ErrorCode(err) != sfzoom.ECONFLICT {
			return nil, 0, v.unsaved(ctx, connectionID, g, err)
		}
		// Someone wrote without our lease (an expired lease, a key rotation).
		again, err := v.load(ctx, connectionID, "re-read after write conflict")
		if err != nil {
			return nil, 0, err
		}
		if again == nil {
			return nil, 0, sfzoom.Errorf(sfzoom.ENOTFOUND, "The %s connection was removed while its token was being refreshed.", g.provider)
		}
		if g.rotating && cur != nil && again.blob.RefreshToken != cur.RefreshToken {
			if t, ok, _ := v.usable(connectionID, again, g); ok {
				return t, 0, nil
			}
			return nil, 0, sfzoom.Errorf(sfzoom.ECONFLICT, "The %s token was refreshed elsewhere at the same time. Try again.", g.provider)
		}
		version = again.version
	}
	// Every attempt conflicted, and the loop found no token rotated by the
	// other writer in the last re-read: nb was never stored.
	advice := "Try again in a moment."
	if g.rotating {
		advice = fmt.Sprintf("Try again in a moment; if %s keeps failing, reconnect %s from the settings page.", g.provider, g.provider)
	}
	return nil, 0, v.unsaved(ctx, connectionID, g, sfzoom.Errorf(sfzoom.ECONFLICT,
		"The new %s token could not be saved because the stored token kept changing. %s", g.provider, advice))
}

// unsaved logs loudly, without any secret, that a token the vendor issued
// could not be stored, and returns err. With rotation the previous refresh
// token is already spent, so the connection may now need reconnecting.
func (v *Vault) unsaved(ctx context.Context, connectionID int64, g *grant, err error) error {
	args := []any{"connection", connectionID, "provider", g.provider, "err", err}
	if g.rotating {
		args = append(args, "consequence", "the previous refresh token is spent; the connection may need reconnecting")
	}
	v.log.ErrorContext(ctx, "tokens: new token could not be stored", args...)
	return err
}

// fetch asks the vendor for a new token, bounded by the token timeout (the
// lease outlives it by a clear margin; see DefaultLeaseTTL).
func (v *Vault) fetch(ctx context.Context, g *grant, cur *blob) (*blob, error) {
	fctx, cancel := context.WithTimeout(ctx, v.tokenTimeout)
	defer cancel()
	return g.fetch(fctx, cur)
}

// newerStored handles an invalid_grant for cur's refresh token by re-reading
// the vault. If another attempt stored a newer token, it returns it when its
// access token is usable, or else refreshes once with the newer refresh
// token (returning that fetch's result). Otherwise it returns refused
// unchanged, and the caller declares the grant dead.
func (v *Vault) newerStored(ctx context.Context, connectionID int64, g *grant, cur *blob, version int64, refused error) (
	t *oauth2.Token, nb, newCur *blob, newVersion int64, err error) {
	again, lerr := v.load(ctx, connectionID, "re-read after invalid_grant")
	if lerr != nil || again == nil || again.version == version || again.blob.ReconnectRequired ||
		again.blob.RefreshToken == "" || again.blob.RefreshToken == cur.RefreshToken {
		return nil, nil, cur, version, refused
	}
	v.log.InfoContext(ctx, "tokens: refresh token was spent by another attempt that stored a newer token; using it",
		"connection", connectionID, "provider", g.provider, "version", again.version)
	if t, ok, _ := v.usable(connectionID, again, g); ok {
		return t, nil, nil, 0, nil
	}
	nb, err = v.fetch(ctx, g, &again.blob)
	return nil, nb, &again.blob, again.version, err
}

// markReconnect records, for every replica, that the connection's grant was
// refused, so no one asks the vendor again until a person reconnects.
func (v *Vault) markReconnect(ctx context.Context, connectionID int64, g *grant, version int64, cause error) {
	v.forget(connectionID)
	why := "refused (invalid_grant): reconnect required"
	if _, err := v.save(ctx, connectionID, &blob{ReconnectRequired: true}, version, ActionRefresh, why); err != nil {
		v.log.ErrorContext(ctx, "tokens: could not record reconnect_required on the token", "connection", connectionID, "err", err)
	}
	detail := g.provider + " refused the stored authorization; a person must reconnect " + g.provider + "."
	if err := v.st.UpdateConnectionStatus(ctx, connectionID, sfzoom.ConnectionReconnect, detail); err != nil {
		v.log.ErrorContext(ctx, "tokens: could not mark connection reconnect_required", "connection", connectionID, "err", err)
	}
	v.log.WarnContext(ctx, "tokens: connection needs reconnecting", "connection", connectionID, "provider", g.provider, "cause", cause)
}

// put stores a token obtained from an authorization (code exchange) under the
// lease, replacing whatever was stored, and marks the connection active.
func (v *Vault) put(ctx context.Context, connectionID int64, nb *blob, why string) (*oauth2.Token, error) {
	release, err := v.acquire(ctx, connectionID, nil)
	if err != nil {
		return nil, err
	}
	defer release()
	for range 5 {
		var expect int64
		rec, err := v.st.LoadToken(ctx, connectionID)
		switch {
		case err == nil:
			expect = rec.Version
		case sfzoom.ErrorCode(err) != sfzoom.ENOTFOUND:
			return nil, fmt.Errorf("tokens: load token of connection %d: %w", connectionID, err)
		}
		_, err = v.save(ctx, connectionID, nb, expect, ActionWrite, why)
		if sfzoom.ErrorCode(err) == sfzoom.ECONFLICT {
			continue
		} else if err != nil {
			return nil, err
		}
		v.forget(connectionID)
		t := nb.public()
		v.remember(connectionID, t)
		if err := v.st.UpdateConnectionStatus(ctx, connectionID, sfzoom.ConnectionActive, ""); err != nil {
			return nil, fmt.Errorf("tokens: mark connection %d active: %w", connectionID, err)
		}
		return t, nil
	}
	return nil, sfzoom.Errorf(sfzoom.ECONFLICT, "The token of connection %d kept changing. Try again.", connectionID)
}

// keep carries over what a refresh response may omit: Salesforce sends no
// refresh token unless rotation is on, and may omit the instance URL.
func (b *blob) keep(old *blob) {
	if b.RefreshToken == "" {
		b.RefreshToken = old.RefreshToken
	}
	if b.InstanceURL == "" {
		b.InstanceURL = old.InstanceURL
	}
	if b.IdentityURL == "" {
		b.IdentityURL = old.IdentityURL
	}
	if b.APIURL == "" {
		b.APIURL = old.APIURL
	}
	if b.Scope == "" {
		b.Scope = old.Scope
	}
}

// blobFromToken converts a token endpoint response, extras included. The
// expiry is computed from expires_in against the vault's clock (x/oauth2 uses
// the wall clock), so expiry decisions follow one clock.
func blobFromToken(t *oauth2.Token, now time.Time) *blob {
	b := &blob{
		AccessToken:  t.AccessToken,
		TokenType:    t.TokenType,
		RefreshToken: t.RefreshToken,
		Expiry:       t.Expiry.UTC(),
		Scope:        extraString(t, "scope"),
		InstanceURL:  extraString(t, "instance_url"),
		IdentityURL:  extraString(t, "id"),
		APIURL:       extraString(t, "api_url"),
	}
	// clientcredentials does not copy ExpiresIn; the raw field is in Extra.
	secs := t.ExpiresIn
	if secs == 0 {
		secs, _ = strconv.ParseInt(extraString(t, "expires_in"), 10, 64)
	}
	switch {
	case secs > 0:
		b.Expiry = now.Add(time.Duration(secs) * time.Second).UTC()
	case t.Expiry.IsZero():
		b.Expiry = time.Time{}
	}
	// Salesforce sends issued_at as epoch milliseconds in a string.
	if ms, err := strconv.ParseInt(extraString(t, "issued_at"), 10, 64); err == nil && ms > 0 {
		b.IssuedAt = time.UnixMilli(ms).UTC()
	}
	return b
}

func extraString(t *oauth2.Token, key string) string {
	switch x := t.Extra(key).(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int64:
		return strconv.FormatInt(x, 10)
	}
	return ""
}

// source adapts a token function to oauth2.TokenSource with a fixed context.
type source struct {
	ctx context.Context
	fn  func(ctx context.Context) (*oauth2.Token, error)
}

func (s source) Token() (*oauth2.Token, error) { return s.fn(s.ctx) }

// Package appsession issues and checks sfzoom's app session: the short-lived
// token handed out after a Canvas signed request has been verified.
//
// Inside the Salesforce iframe, third-party cookies and storage are
// unreliable (docs/canvas.md §4.1), so the token is a self-contained, URL-safe
// string that can travel in a cookie, a form field, a query parameter or an
// Authorization header. It is encrypted and authenticated with
// gorilla/securecookie under keys derived from SFZOOM_SESSION_KEYS: the first
// key encodes, every key decodes, so keys can be rotated. Expiry is enforced
// on decode with an injectable clock.
//
// CSRF tokens for forms are derived from the session by HMAC, bound to the
// org, the user and the session's random nonce.
package appsession

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gorilla/securecookie"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// DefaultMaxLifetime caps a session's lifetime. A Salesforce canvas OAuth
// token "typically expires after two hours", and a session never outlives
// the token it was issued for.
const DefaultMaxLifetime = 2 * time.Hour

// MaxTokenLength is the longest token Decode accepts.
const MaxTokenLength = 4096

// cookieName is bound into every token's MAC, so a token minted by another
// securecookie user with the same keys cannot be replayed here.
const cookieName = "sfzoom_session"

// MsgExpired is the user-facing message of every Decode error.
const MsgExpired = "Your sfzoom session expired; reload the page in Salesforce."

// msgCSRF is the user-facing message of CheckCSRF errors.
const msgCSRF = "This form has expired; reload the page in Salesforce and try again."

// ErrExpired is wrapped by Decode errors for a token that was valid but is
// past its expiry; other Decode errors wrap ErrInvalid.
var (
	ErrExpired = errors.New("appsession: session expired")
	ErrInvalid = errors.New("appsession: invalid session token")
)

// Session is the app session: who the user is, in which org, on which
// record, until when. It is created by the canvas handler from a verified
// signed request.
type Session struct {
	OrgID        string `json:"o"`
	UserID       string `json:"u"`
	Name         string `json:"n,omitempty"`
	Email        string `json:"e,omitempty"`
	InstanceURL  string `json:"i,omitempty"`
	RecordObject string `json:"ro,omitempty"`
	RecordID     string `json:"ri,omitempty"`
	Locale       string `json:"l,omitempty"`
	TimeZone     string `json:"tz,omitempty"`
	IsAdmin      bool   `json:"a,omitempty"`
	// TargetOrigin and InstanceID identify the Salesforce frame that hosts
	// the app; the Canvas SDK needs them to talk to it (resize, repost).
	TargetOrigin string    `json:"to,omitempty"`
	InstanceID   string    `json:"ii,omitempty"`
	IssuedAt     time.Time `json:"iat"`
	ExpiresAt    time.Time `json:"exp"`
	// Nonce is random per session; Encode fills it when empty. It binds CSRF
	// tokens to this session.
	Nonce string `json:"nc"`
}

// User returns the session's user as the domain type.
func (s Session) User() *sfzoom.User {
	return &sfzoom.User{
		OrgID:       s.OrgID,
		UserID:      s.UserID,
		Name:        s.Name,
		Email:       s.Email,
		Locale:      s.Locale,
		TimeZone:    s.TimeZone,
		InstanceURL: s.InstanceURL,
		IsAdmin:     s.IsAdmin,
	}
}

// Codec encodes and decodes session tokens and derives CSRF tokens. It is
// safe for concurrent use.
type Codec struct {
	codecs      []securecookie.Codec
	csrfKeys    [][]byte
	now         func() time.Time
	maxLifetime time.Duration
}

// Option configures a Codec.
type Option func(*Codec)

// WithClock sets the clock used for IssuedAt and expiry checks.
func WithClock(now func() time.Time) Option {
	return func(c *Codec) { c.now = now }
}

// WithMaxLifetime caps how far in the future ExpiresAt may be (default
// DefaultMaxLifetime).
func WithMaxLifetime(d time.Duration) Option {
	return func(c *Codec) { c.maxLifetime = d }
}

// NewCodec returns a Codec for keys, as returned by ParseKeys: the first key
// encodes, all keys decode. Each key is master material from which separate
// MAC, encryption and CSRF keys are derived with HKDF-SHA256.
func NewCodec(keys [][]byte, opts ...Option) (*Codec, error) {
	if len(keys) == 0 {
		return nil, errors.New("appsession: new codec: no keys")
	}
	c := &Codec{now: time.Now, maxLifetime: DefaultMaxLifetime}
	for i, k := range keys {
		if err := checkKeyLength(len(k)); err != nil {
			return nil, fmt.Errorf("appsession: new codec: key %d: %w", i+1, err)
		}
		hashKey, err := hkdf.Key(sha256.New, k, nil, "sfzoom appsession mac v1", 32)
		if err != nil {
			return nil, fmt.Errorf("appsession: new codec: derive key: %w", err)
		}
		blockKey, err := hkdf.Key(sha256.New, k, nil, "sfzoom appsession aes-256 v1", 32)
		if err != nil {
			return nil, fmt.Errorf("appsession: new codec: derive key: %w", err)
		}
		csrfKey, err := hkdf.Key(sha256.New, k, nil, "sfzoom appsession csrf v1", 32)
		if err != nil {
			return nil, fmt.Errorf("appsession: new codec: derive key: %w", err)
		}
		sc := securecookie.New(hashKey, blockKey).
			SetSerializer(securecookie.JSONEncoder{}).
			MaxLength(MaxTokenLength).
			// securecookie's own age check uses the wall clock; expiry is
			// enforced from ExpiresAt with the injectable clock instead.
			MaxAge(0)
		c.codecs = append(c.codecs, sc)
		c.csrfKeys = append(c.csrfKeys, csrfKey)
	}
	for _, opt := range opts {
		opt(c)
	}
	return c, nil
}

// Encode returns a URL-safe token (base64url without padding) for s.
//
// s.OrgID, s.UserID and s.ExpiresAt are required; the caller sets ExpiresAt
// to no later than the Salesforce token's expiry, and Encode shortens it to
// the codec's maximum lifetime. IssuedAt defaults to now and Nonce to 128
// random bits. The returned Session is what the token holds.
//
// Errors: EINTERNAL for a session that is incomplete or already expired
// (a programming error in the caller).
func (c *Codec) Encode(s Session) (string, Session, error) {
	now := c.now()
	if s.OrgID == "" || s.UserID == "" {
		return "", Session{}, sfzoom.WrapError(sfzoom.EINTERNAL, errors.New("appsession: encode: org and user ids are required"), "Could not start your sfzoom session.")
	}
	if s.IssuedAt.IsZero() {
		s.IssuedAt = now
	}
	if limit := now.Add(c.maxLifetime); s.ExpiresAt.After(limit) {
		s.ExpiresAt = limit
	}
	if !s.ExpiresAt.After(now) {
		return "", Session{}, sfzoom.WrapError(sfzoom.EINTERNAL, errors.New("appsession: encode: expiry missing or in the past"), "Could not start your sfzoom session.")
	}
	if s.Nonce == "" {
		s.Nonce = rand.Text()
	}
	// Whole seconds in UTC keep tokens short and round-trips exact.
	s.IssuedAt = s.IssuedAt.UTC().Truncate(time.Second)
	s.ExpiresAt = s.ExpiresAt.UTC().Truncate(time.Second)

	token, err := securecookie.EncodeMulti(cookieName, s, c.codecs[0])
	if err != nil {
		return "", Session{}, sfzoom.WrapError(sfzoom.EINTERNAL, fmt.Errorf("appsession: encode: %w", err), "Could not start your sfzoom session.")
	}
	return strings.TrimRight(token, "="), s, nil
}

// Decode verifies and decrypts token under any of the codec's keys and
// checks its expiry.
//
// Errors: EUNAUTHORIZED with MsgExpired, wrapping ErrExpired for an expired
// session and ErrInvalid for anything else (tampered, truncated, unknown or
// removed key, too long).
func (c *Codec) Decode(token string) (Session, error) {
	token = strings.TrimSpace(token)
	if token == "" || len(token) > MaxTokenLength {
		return Session{}, sfzoom.WrapError(sfzoom.EUNAUTHORIZED, ErrInvalid, MsgExpired)
	}
	// securecookie expects padded base64url.
	if r := len(token) % 4; r != 0 {
		token += strings.Repeat("=", 4-r)
	}
	var s Session
	if err := securecookie.DecodeMulti(cookieName, token, &s, c.codecs...); err != nil {
		// securecookie's errors describe the failure, never the key.
		return Session{}, sfzoom.WrapError(sfzoom.EUNAUTHORIZED, fmt.Errorf("%w: %w", ErrInvalid, err), MsgExpired)
	}
	if s.OrgID == "" || s.UserID == "" || s.Nonce == "" {
		return Session{}, sfzoom.WrapError(sfzoom.EUNAUTHORIZED, fmt.Errorf("%w: incomplete session", ErrInvalid), MsgExpired)
	}
	if !c.now().Before(s.ExpiresAt) {
		return Session{}, sfzoom.WrapError(sfzoom.EUNAUTHORIZED, ErrExpired, MsgExpired)
	}
	return s, nil
}

// Expired returns the session of a genuine token (its MAC verifies under one
// of the codec's keys) that has expired, and false for any other token,
// including a live one. It exists only so the "session expired" page can
// load the org's Canvas SDK and ask Salesforce for a fresh signed request;
// the session must never be used to authorize anything.
func (c *Codec) Expired(token string) (Session, bool) {
	_, err := c.Decode(token)
	if !errors.Is(err, ErrExpired) {
		return Session{}, false
	}
	token = strings.TrimSpace(token)
	if r := len(token) % 4; r != 0 {
		token += strings.Repeat("=", 4-r)
	}
	var s Session
	if err := securecookie.DecodeMulti(cookieName, token, &s, c.codecs...); err != nil {
		return Session{}, false
	}
	return s, true
}

// CSRFToken returns the CSRF token for forms of session s: base64url of
// HMAC-SHA256 under the current key over the org id, user id and nonce.
func (c *Codec) CSRFToken(s Session) string {
	return csrfToken(c.csrfKeys[0], s)
}

// CheckCSRF reports whether token is s's CSRF token under any of the
// codec's keys, comparing in constant time. A token minted for another
// session, user or org fails.
//
// Errors: EFORBIDDEN.
func (c *Codec) CheckCSRF(s Session, token string) error {
	ok := false
	for _, k := range c.csrfKeys {
		// Every key is tried so the time taken does not reveal which matched.
		if hmac.Equal([]byte(token), []byte(csrfToken(k, s))) {
			ok = true
		}
	}
	if !ok || s.Nonce == "" {
		return sfzoom.WrapError(sfzoom.EFORBIDDEN, errors.New("appsession: csrf token mismatch"), msgCSRF)
	}
	return nil
}

func csrfToken(key []byte, s Session) string {
	m := hmac.New(sha256.New, key)
	// Length-prefixed fields, so no two (org, user, nonce) triples collide.
	for _, f := range []string{s.OrgID, s.UserID, s.Nonce} {
		fmt.Fprintf(m, "%d:%s|", len(f), f)
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

package recordings

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// keyLabel derives the media URL key from a session key, so media URLs and
// sessions never share a key and no new secret has to be configured.
const keyLabel = "sfzoom media url v1"

// MediaPathPrefix is where signed media URLs live (outside the /app session).
const MediaPathPrefix = "/media/"

// Claims is what a signed media URL grants: one org's user may fetch one
// recording file of one meeting until Expires.
type Claims struct {
	OrgID     string
	UserID    string // Salesforce user id
	MeetingID int64  // sfzoom's meeting id
	FileID    string // Zoom recording file id
	Expires   time.Time
}

// Signer issues and verifies media URLs with HMAC-SHA256. The first key
// signs; all keys verify, so session key rotation keeps URLs valid.
type Signer struct {
	keys [][]byte
	ttl  time.Duration
	now  func() time.Time
}

// NewSigner derives media URL keys from the session keys
// (HMAC-SHA256(sessionKey, label)). ttl is the lifetime of a signed URL;
// now is the clock (nil: time.Now).
func NewSigner(sessionKeys [][]byte, ttl time.Duration, now func() time.Time) (*Signer, error) {
	if len(sessionKeys) == 0 {
		return nil, errors.New("recordings: signer needs at least one session key")
	}
	if ttl <= 0 {
		return nil, errors.New("recordings: signer needs a positive URL lifetime")
	}
	s := &Signer{ttl: ttl, now: sfzoom.NowOrTimeNow(now)}
	for _, k := range sessionKeys {
		mac := hmac.New(sha256.New, k)
		mac.Write([]byte(keyLabel))
		s.keys = append(s.keys, mac.Sum(nil))
	}
	return s, nil
}

// TTL returns the lifetime of the URLs the signer issues.
func (s *Signer) TTL() time.Duration { return s.ttl }

// Token returns a signed token for c; a zero c.Expires means now+TTL. The
// token is URL-path safe.
func (s *Signer) Token(c Claims) (string, error) {
	if c.Expires.IsZero() {
		c.Expires = s.now().Add(s.ttl)
	}
	for _, f := range []string{c.OrgID, c.UserID, c.FileID} {
		if f == "" || strings.ContainsAny(f, "|") {
			return "", fmt.Errorf("recordings: sign: %w", sfzoom.Errorf(sfzoom.EINVALID, "A media URL needs an org, a user and a recording file."))
		}
	}
	if c.MeetingID <= 0 {
		return "", fmt.Errorf("recordings: sign: %w", sfzoom.Errorf(sfzoom.EINVALID, "A media URL needs a meeting."))
	}
	payload := strings.Join([]string{"v1", c.OrgID, c.UserID, strconv.FormatInt(c.MeetingID, 10), c.FileID,
		strconv.FormatInt(c.Expires.Unix(), 10)}, "|")
	p := base64.RawURLEncoding.EncodeToString([]byte(payload))
	return p + "." + base64.RawURLEncoding.EncodeToString(sign(s.keys[0], p)), nil
}

// Path returns the signed media path for c ("/media/<token>").
func (s *Signer) Path(c Claims) (string, error) {
	t, err := s.Token(c)
	if err != nil {
		return "", err
	}
	return MediaPathPrefix + t, nil
}

// Verify checks a token's signature and expiry and returns its claims.
//
// Errors: EFORBIDDEN with a message saying why (malformed, tampered with,
// expired).
func (s *Signer) Verify(token string) (Claims, error) {
	p, sig, ok := strings.Cut(token, ".")
	mac, err := base64.RawURLEncoding.DecodeString(sig)
	if !ok || err != nil || p == "" {
		return Claims{}, errBadURL("This recording link is malformed.")
	}
	valid := false
	for _, k := range s.keys {
		if hmac.Equal(mac, sign(k, p)) {
			valid = true
			break
		}
	}
	if !valid {
		return Claims{}, errBadURL("This recording link is not valid (it was changed or signed with an unknown key).")
	}
	raw, err := base64.RawURLEncoding.DecodeString(p)
	parts := strings.Split(string(raw), "|")
	if err != nil || len(parts) != 6 || parts[0] != "v1" {
		return Claims{}, errBadURL("This recording link is malformed.")
	}
	mid, err1 := strconv.ParseInt(parts[3], 10, 64)
	exp, err2 := strconv.ParseInt(parts[5], 10, 64)
	if err1 != nil || err2 != nil {
		return Claims{}, errBadURL("This recording link is malformed.")
	}
	c := Claims{OrgID: parts[1], UserID: parts[2], MeetingID: mid, FileID: parts[4], Expires: time.Unix(exp, 0).UTC()}
	if !s.now().Before(c.Expires) {
		return c, &badURLError{msg: "This recording link has expired.", expired: true}
	}
	return c, nil
}

func sign(key []byte, payload string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(payload))
	return m.Sum(nil)
}

// badURLError is a rejected media URL. It unwraps to EFORBIDDEN.
type badURLError struct {
	msg     string
	expired bool // the signature was valid, so the claims can be trusted for the audit
}

func errBadURL(msg string) error { return &badURLError{msg: msg} }

func (e *badURLError) Error() string { return "recordings: media url: " + e.msg }
func (e *badURLError) Unwrap() error {
	return sfzoom.Errorf(sfzoom.EFORBIDDEN, "%s Reopen the record in Salesforce to get a fresh link.", e.msg)
}

package appsession_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sfzoom/sfzoom/internal/appsession"
	"github.com/sfzoom/sfzoom/internal/httpretry/retrytest"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// Fixed keys (32 and 64 bytes) so failures are reproducible.
var (
	key1 = bytes.Repeat([]byte{0x11}, 32)
	key2 = bytes.Repeat([]byte{0x22}, 32)
	key3 = bytes.Repeat([]byte{0x33}, 64)
)

func newClock() *retrytest.Clock {
	return retrytest.NewClock(time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC))
}

// MustCodec builds a codec over keys on clk.
func MustCodec(tb testing.TB, clk *retrytest.Clock, keys ...[]byte) *appsession.Codec {
	tb.Helper()
	c, err := appsession.NewCodec(keys, appsession.WithClock(clk.Now))
	if err != nil {
		tb.Fatalf("NewCodec() = %v", err)
	}
	return c
}

func session(clk *retrytest.Clock) appsession.Session {
	return appsession.Session{
		OrgID: "00Dx00000001hxyEAA", UserID: "005x0000001SyyEAAS",
		Name: "Zoë D'Arcy", Email: "zoe@example.com",
		InstanceURL:  "https://acme.my.salesforce.com",
		RecordObject: "Opportunity", RecordID: "006xx000004TmiQAAS",
		Locale: "en_US", TimeZone: "Europe/Oslo", IsAdmin: true,
		ExpiresAt: clk.Now().Add(30 * time.Minute),
	}
}

// MustEncode encodes s and returns the token and the stored session.
func MustEncode(tb testing.TB, c *appsession.Codec, s appsession.Session) (string, appsession.Session) {
	tb.Helper()
	token, stored, err := c.Encode(s)
	if err != nil {
		tb.Fatalf("Encode() = %v", err)
	}
	return token, stored
}

var urlSafe = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

func TestCodec_RoundTrip(t *testing.T) {
	clk := newClock()
	c := MustCodec(t, clk, key1)
	in := session(clk)
	token, stored, err := c.Encode(in)
	if err != nil {
		t.Fatalf("Encode() = %v", err)
	}
	if !urlSafe.MatchString(token) {
		t.Errorf("Encode() token %q is not base64url without padding", token)
	}
	if len(stored.Nonce) < 20 {
		t.Errorf("Encode() nonce = %q, want 128 random bits", stored.Nonce)
	}
	want := in
	want.IssuedAt = clk.Now()
	want.Nonce = stored.Nonce
	if diff := cmp.Diff(want, stored); diff != "" {
		t.Errorf("Encode() stored session mismatch (-want +got):\n%s", diff)
	}

	// The token survives every transport unchanged.
	transports := map[string]string{
		"Raw":       token,
		"Query":     mustQuery(t, "t="+url.QueryEscape(token)).Get("t"),
		"Form":      mustQuery(t, url.Values{"session": {token}}.Encode()).Get("session"),
		"Header":    headerRoundTrip(token),
		"Cookie":    cookieRoundTrip(t, token),
		"BearerPad": " " + token + " ",
	}
	for name, tok := range transports {
		got, err := c.Decode(tok)
		if err != nil {
			t.Errorf("%s: Decode() = %v", name, err)
			continue
		}
		if diff := cmp.Diff(stored, got); diff != "" {
			t.Errorf("%s: Decode() mismatch (-want +got):\n%s", name, diff)
		}
	}
	if url.QueryEscape(token) != token {
		t.Errorf("token %q needs query escaping", token)
	}
	if diff := cmp.Diff(&sfzoom.User{
		OrgID: in.OrgID, UserID: in.UserID, Name: in.Name, Email: in.Email, Locale: in.Locale,
		TimeZone: in.TimeZone, InstanceURL: in.InstanceURL, IsAdmin: true,
	}, stored.User()); diff != "" {
		t.Errorf("User() mismatch (-want +got):\n%s", diff)
	}

	// Two sessions for the same user get different nonces and tokens.
	token2, stored2 := MustEncode(t, c, in)
	if token2 == token || stored2.Nonce == stored.Nonce {
		t.Errorf("Encode() twice gave the same token or nonce")
	}
}

func mustQuery(t *testing.T, q string) url.Values {
	t.Helper()
	v, err := url.ParseQuery(q)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func headerRoundTrip(token string) string {
	h := http.Header{}
	h.Set("Authorization", "Bearer "+token)
	tok, _ := strings.CutPrefix(h.Get("Authorization"), "Bearer ")
	return tok
}

func cookieRoundTrip(t *testing.T, token string) string {
	t.Helper()
	ck := &http.Cookie{Name: "sfzoom_session", Value: token, Secure: true, SameSite: http.SameSiteNoneMode, Partitioned: true}
	if err := ck.Valid(); err != nil {
		t.Errorf("cookie with token: %v", err)
	}
	req := &http.Request{Header: http.Header{"Cookie": {ck.String()}}}
	got, err := req.Cookie("sfzoom_session")
	if err != nil {
		t.Fatalf("read cookie: %v", err)
	}
	return got.Value
}

func TestCodec_Expiry(t *testing.T) {
	tests := []struct {
		name      string
		expiresIn time.Duration
		advance   time.Duration
		wantErr   error
		wantExp   time.Duration // stored ExpiresAt - now
	}{
		{name: "OK", expiresIn: 10 * time.Minute, advance: 9*time.Minute + 59*time.Second, wantExp: 10 * time.Minute},
		{name: "ErrExpired/AtExpiry", expiresIn: 10 * time.Minute, advance: 10 * time.Minute, wantErr: appsession.ErrExpired, wantExp: 10 * time.Minute},
		{name: "ErrExpired/Later", expiresIn: 10 * time.Minute, advance: 24 * time.Hour, wantErr: appsession.ErrExpired, wantExp: 10 * time.Minute},
		// Never longer than the codec's cap (the Salesforce token's ~2 h).
		{name: "CappedOK", expiresIn: 5 * time.Hour, advance: 119 * time.Minute, wantExp: 2 * time.Hour},
		{name: "ErrExpired/Capped", expiresIn: 5 * time.Hour, advance: 2 * time.Hour, wantErr: appsession.ErrExpired, wantExp: 2 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			c := MustCodec(t, clk, key1)
			s := session(clk)
			s.ExpiresAt = clk.Now().Add(tt.expiresIn)
			token, stored := MustEncode(t, c, s)
			if got := stored.ExpiresAt.Sub(clk.Now()); got != tt.wantExp {
				t.Errorf("stored expiry = now+%v, want now+%v", got, tt.wantExp)
			}
			clk.Add(tt.advance)
			_, err := c.Decode(token)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Decode() = %v, want nil", err)
				}
				return
			}
			checkDecodeErr(t, err, tt.wantErr)
		})
	}
}

func checkDecodeErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("Decode() = %v, want %v", err, want)
	}
	if sfzoom.ErrorCode(err) != sfzoom.EUNAUTHORIZED {
		t.Errorf("ErrorCode(Decode()) = %q, want %q", sfzoom.ErrorCode(err), sfzoom.EUNAUTHORIZED)
	}
	if msg := sfzoom.ErrorMessage(err); !strings.Contains(msg, "session expired") {
		t.Errorf("ErrorMessage(Decode()) = %q, want it to say the session expired", msg)
	}
}

func TestCodec_EncodeErrors(t *testing.T) {
	clk := newClock()
	c := MustCodec(t, clk, key1)
	tests := []struct {
		name   string
		modify func(*appsession.Session)
	}{
		{"NoOrg", func(s *appsession.Session) { s.OrgID = "" }},
		{"NoUser", func(s *appsession.Session) { s.UserID = "" }},
		{"NoExpiry", func(s *appsession.Session) { s.ExpiresAt = time.Time{} }},
		{"ExpiryNow", func(s *appsession.Session) { s.ExpiresAt = clk.Now() }},
		{"ExpiryPast", func(s *appsession.Session) { s.ExpiresAt = clk.Now().Add(-time.Minute) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := session(clk)
			tt.modify(&s)
			token, _, err := c.Encode(s)
			if err == nil || token != "" || sfzoom.ErrorCode(err) != sfzoom.EINTERNAL {
				t.Errorf("Encode() = %q, %v, want EINTERNAL", token, err)
			}
		})
	}
}

func TestCodec_Tampering(t *testing.T) {
	clk := newClock()
	c := MustCodec(t, clk, key1)
	token, _ := MustEncode(t, c, session(clk))
	other, _ := MustEncode(t, MustCodec(t, clk, key2), session(clk))

	flip := func(i int) string {
		b := []byte(token)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	tests := map[string]string{
		"Empty":           "",
		"Garbage":         "not-a-token",
		"FlipFirst":       flip(0),
		"FlipMiddle":      flip(len(token) / 2),
		"FlipLast":        flip(len(token) - 2),
		"Truncated":       token[:len(token)-8],
		"Appended":        token + "AAAA",
		"StdAlphabet":     strings.NewReplacer("-", "+", "_", "/").Replace(token) + "+/",
		"OtherKey":        other,
		"Huge":            strings.Repeat("A", appsession.MaxTokenLength+1),
		"SignedNoPayload": base64.RawURLEncoding.EncodeToString([]byte("1|x|y")),
	}
	for name, tok := range tests {
		t.Run(name, func(t *testing.T) {
			s, err := c.Decode(tok)
			checkDecodeErr(t, err, appsession.ErrInvalid)
			if s != (appsession.Session{}) {
				t.Errorf("Decode() returned %+v with an error", s)
			}
		})
	}
}

func TestCodec_Rotation(t *testing.T) {
	clk := newClock()
	old := MustCodec(t, clk, key1)            // before rotation
	rotating := MustCodec(t, clk, key2, key1) // new key first, old still listed
	rotated := MustCodec(t, clk, key2)        // old key removed
	other64 := MustCodec(t, clk, key3, key2)  // a 64-byte key
	oldToken, oldSession := MustEncode(t, old, session(clk))
	newToken, newSession := MustEncode(t, rotating, session(clk))

	tests := []struct {
		name    string
		codec   *appsession.Codec
		token   string
		want    appsession.Session
		wantErr bool
	}{
		{"OldTokenWhileOldKeyListed", rotating, oldToken, oldSession, false},
		{"NewTokenUnderNewKey", rotated, newToken, newSession, false},
		{"NewTokenSecondKeyOf64", other64, newToken, newSession, false},
		{"ErrOldTokenAfterRemoval", rotated, oldToken, appsession.Session{}, true},
		{"ErrNewTokenUnderOldCodec", old, newToken, appsession.Session{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.codec.Decode(tt.token)
			if tt.wantErr {
				checkDecodeErr(t, err, appsession.ErrInvalid)
				return
			}
			if err != nil {
				t.Fatalf("Decode() = %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Decode() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCodec_CSRF(t *testing.T) {
	clk := newClock()
	old := MustCodec(t, clk, key1)
	rotating := MustCodec(t, clk, key2, key1)
	rotated := MustCodec(t, clk, key2)

	_, a := MustEncode(t, old, session(clk))  // user A in org A
	_, a2 := MustEncode(t, old, session(clk)) // user A again, another session
	b := a
	b.UserID = "005xx000001SwiUAAS" // user B, same org, same nonce
	orgB := a
	orgB.OrgID = "00Do0000000YsLjEAK" // same user id, org B, same nonce
	tokenA := old.CSRFToken(a)

	// The token survives decoding the session again.
	tok, _ := MustEncode(t, old, a)
	decoded, err := old.Decode(tok)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		codec   *appsession.Codec
		s       appsession.Session
		token   string
		wantErr bool
	}{
		{"OK", old, a, tokenA, false},
		{"OK/AfterDecode", old, decoded, tokenA, false},
		{"OK/OldKeyStillListed", rotating, a, tokenA, false},
		{"OK/NewKey", rotated, a, rotating.CSRFToken(a), false},
		{"ErrOtherUser", old, b, tokenA, true},
		{"ErrOtherOrg", old, orgB, tokenA, true},
		{"ErrOtherSessionSameUser", old, a2, tokenA, true},
		{"ErrOldKeyRemoved", rotated, a, tokenA, true},
		{"ErrEmpty", old, a, "", true},
		{"ErrTruncated", old, a, tokenA[:len(tokenA)-1], true},
		{"ErrZeroSession", old, appsession.Session{}, old.CSRFToken(appsession.Session{}), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.codec.CheckCSRF(tt.s, tt.token)
			if !tt.wantErr {
				if err != nil {
					t.Errorf("CheckCSRF() = %v, want nil", err)
				}
				return
			}
			if sfzoom.ErrorCode(err) != sfzoom.EFORBIDDEN {
				t.Errorf("CheckCSRF() = %v, want EFORBIDDEN", err)
			}
		})
	}
	if !urlSafe.MatchString(tokenA) {
		t.Errorf("CSRFToken() = %q, want base64url", tokenA)
	}
}

func TestCodec_Concurrent(t *testing.T) {
	clk := newClock()
	c := MustCodec(t, clk, key1, key2)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			token, stored, err := c.Encode(session(clk))
			if err != nil {
				t.Error(err)
				return
			}
			got, err := c.Decode(token)
			if err != nil || got != stored {
				t.Errorf("Decode() = %+v, %v, want %+v", got, err, stored)
			}
			if err := c.CheckCSRF(got, c.CSRFToken(stored)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

func BenchmarkCodec_EncodeDecode(b *testing.B) {
	clk := newClock()
	c := MustCodec(b, clk, key2, key1)
	s := session(clk)
	b.ReportAllocs()
	for b.Loop() {
		token, _, err := c.Encode(s)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Decode(token); err != nil {
			b.Fatal(err)
		}
	}
}

func TestCodec_Expired(t *testing.T) {
	clk := newClock()
	c := MustCodec(t, clk, bytes.Repeat([]byte{7}, 32))
	tok, _ := MustEncode(t, c, session(clk))
	if _, ok := c.Expired(tok); ok {
		t.Fatal("Expired(live token) = true, want false")
	}
	clk.Add(3 * time.Hour)
	s, ok := c.Expired(tok)
	if !ok || s.OrgID == "" {
		t.Fatalf("Expired(expired token) = %+v, %v; want the session", s, ok)
	}
	if _, ok := c.Expired(tok[:len(tok)-3] + "AAA"); ok {
		t.Error("Expired(tampered token) = true, want false")
	}
	other := MustCodec(t, clk, bytes.Repeat([]byte{8}, 32))
	if _, ok := other.Expired(tok); ok {
		t.Error("Expired(token of another key) = true, want false")
	}
}

package canvas_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/sfzoom/sfzoom/internal/canvas"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// The test vector of docs/canvas.md §1.4, checked there with independent Python and
// Go implementations. Its signature contains '+' and '/', its payload has '='
// padding and non-ASCII UTF-8.
const (
	vectorSecret = "test-consumer-secret"
	vectorSigned = "JYMOHnpj/XPYy+EhogNLlPlnU/BrZer+aToLjtfuwaM=.eyJhbGdvcml0aG0iOiJITUFDU0hBMjU2IiwiaXNzdWVkQXQiOm51bGwsInVzZXJJZCI6IjAwNXh4MDAwMDAxU3dpVUFBUyIsImNsaWVudCI6eyJvYXV0aFRva2VuIjoiMDBEeHghdG9rIiwiaW5zdGFuY2VVcmwiOiJodHRwczovL2FjbWUubXkuc2FsZXNmb3JjZS5jb20iLCJ0YXJnZXRPcmlnaW4iOiJodHRwczovL2FjbWUubGlnaHRuaW5nLmZvcmNlLmNvbSIsImluc3RhbmNlSWQiOiIwOUh4eDAwMDAwMDAwMDE6In0sImNvbnRleHQiOnsidXNlciI6eyJmdWxsTmFtZSI6IkrDvHJnZW4gw5ZkZWdhYXJkIn0sImVudmlyb25tZW50Ijp7ImRpc3BsYXlMb2NhdGlvbiI6IlBhZ2VMYXlvdXQiLCJyZWNvcmQiOnsiYXR0cmlidXRlcyI6eyJ0eXBlIjoiT3Bwb3J0dW5pdHkiLCJ1cmwiOiIvc2VydmljZXMvZGF0YS92NjIuMC9zb2JqZWN0cy9PcHBvcnR1bml0eS8wMDZ4eDAwMDAwNFRtaVFBQVMifSwiSWQiOiIwMDZ4eDAwMDAwNFRtaVFBQVMifSwicGFyYW1ldGVycyI6e319fX0="
	vectorJSON   = `{"algorithm":"HMACSHA256","issuedAt":null,"userId":"005xx000001SwiUAAS","client":{"oauthToken":"00Dxx!tok","instanceUrl":"https://acme.my.salesforce.com","targetOrigin":"https://acme.lightning.force.com","instanceId":"09Hxx0000000001:"},"context":{"user":{"fullName":"Jürgen Ödegaard"},"environment":{"displayLocation":"PageLayout","record":{"attributes":{"type":"Opportunity","url":"/services/data/v62.0/sobjects/Opportunity/006xx000004TmiQAAS"},"Id":"006xx000004TmiQAAS"},"parameters":{}}}}`
)

func secrets(s ...string) []canvas.Secret {
	out := make([]canvas.Secret, len(s))
	for i, v := range s {
		out[i] = canvas.Secret{Key: []byte(v)}
	}
	return out
}

// split returns the two halves of a signed request.
func split(t *testing.T, sr string) (sig, payload string) {
	t.Helper()
	sig, payload, ok := strings.Cut(sr, ".")
	if !ok {
		t.Fatalf("split(%q): no '.'", sr)
	}
	return sig, payload
}

// hmacB64 signs text (any text, not necessarily base64) as Salesforce would.
func hmacB64(secret, text string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(text))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func TestVerify_TestVector(t *testing.T) {
	r, err := canvas.Verify(vectorSigned, secrets(vectorSecret))
	if err != nil {
		t.Fatalf("Verify(vector) = %v, want nil", err)
	}
	if got, want := r.Context.User.FullName, "Jürgen Ödegaard"; got != want {
		t.Errorf("FullName = %q, want %q", got, want)
	}
	if got, want := r.Client.InstanceURL, "https://acme.my.salesforce.com"; got != want {
		t.Errorf("InstanceURL = %q, want %q", got, want)
	}
	if got, want := r.Client.TargetOrigin, "https://acme.lightning.force.com"; got != want {
		t.Errorf("TargetOrigin = %q, want %q", got, want)
	}
	if got, want := r.UserID18(), "005xx000001SwiUAAS"; got != want {
		t.Errorf("UserID18() = %q, want %q", got, want)
	}
	if got, want := string(r.IssuedAt), "null"; got != want {
		t.Errorf("IssuedAt = %q, want %q", got, want)
	}
	object, id, ok := r.RecordContext()
	if object != "Opportunity" || id != "006xx000004TmiQAAS" || !ok {
		t.Errorf("RecordContext() = (%q, %q, %v), want (Opportunity, 006xx000004TmiQAAS, true)", object, id, ok)
	}
}

func TestSign(t *testing.T) {
	// Sign must reproduce the independently computed vector byte for byte.
	if got := canvas.Sign([]byte(vectorJSON), []byte(vectorSecret)); got != vectorSigned {
		t.Errorf("Sign(vector JSON) = %q, want %q", got, vectorSigned)
	}
}

func TestVerify(t *testing.T) {
	sig, payload := split(t, vectorSigned)
	signWith := func(secret, json string) string { return canvas.Sign([]byte(json), []byte(secret)) }
	withAlg := func(alg string) string {
		return strings.Replace(vectorJSON, `"algorithm":"HMACSHA256",`, alg, 1)
	}
	stripped := strings.TrimRight(payload, "=")
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}

	tests := []struct {
		name    string
		input   string
		secrets []canvas.Secret
		wantErr error  // sentinel, nil for success
		code    string // sfzoom code when wantErr != nil
		detail  string // substring of err.Error()
	}{
		{name: "OK", input: vectorSigned, secrets: secrets(vectorSecret)},
		{name: "OK/RotationSecondSecret", input: vectorSigned, secrets: secrets("new-secret", vectorSecret)},
		{name: "OK/RotationFirstSecret", input: vectorSigned, secrets: secrets(vectorSecret, "old-secret")},
		{name: "OK/EmptySecretSkipped", input: vectorSigned, secrets: secrets("", vectorSecret)},
		{name: "OK/AlgorithmCaseInsensitive", input: signWith(vectorSecret, withAlg(`"algorithm":"hmacsha256",`)), secrets: secrets(vectorSecret)},
		{name: "ErrBadSignature/ExtraDot", input: vectorSigned + ".x", secrets: secrets(vectorSecret), wantErr: canvas.ErrBadSignature, code: sfzoom.EUNAUTHORIZED},

		{name: "ErrBadSignature/WrongSecret", input: vectorSigned, secrets: secrets("not-the-secret"), wantErr: canvas.ErrBadSignature, code: sfzoom.EUNAUTHORIZED},
		{name: "ErrBadSignature/TamperedSignature", input: flip(sig, 3) + "." + payload, secrets: secrets(vectorSecret), wantErr: canvas.ErrBadSignature, code: sfzoom.EUNAUTHORIZED},
		{name: "ErrBadSignature/TamperedPayload", input: sig + "." + flip(payload, 40), secrets: secrets(vectorSecret), wantErr: canvas.ErrBadSignature, code: sfzoom.EUNAUTHORIZED},
		{name: "ErrBadSignature/OtherPayloadSameSignature", input: sig + "." + base64.StdEncoding.EncodeToString([]byte(strings.Replace(vectorJSON, "005xx000001SwiUAAS", "005xx000001SwiVAAS", 1))), secrets: secrets(vectorSecret), wantErr: canvas.ErrBadSignature, code: sfzoom.EUNAUTHORIZED},
		// docs/canvas.md §1.1: an HMAC over the decoded JSON does not match.
		{name: "ErrBadSignature/HMACOverDecodedJSON", input: hmacB64(vectorSecret, vectorJSON) + "." + payload, secrets: secrets(vectorSecret), wantErr: canvas.ErrBadSignature, code: sfzoom.EUNAUTHORIZED},
		// docs/canvas.md §1.1: an HMAC over the payload without padding does not match.
		{name: "ErrBadSignature/PaddingStrippedPayload", input: sig + "." + stripped, secrets: secrets(vectorSecret), wantErr: canvas.ErrBadSignature, code: sfzoom.EUNAUTHORIZED},
		{name: "ErrBadSignature/TruncatedPayload", input: vectorSigned[:len(vectorSigned)-20], secrets: secrets(vectorSecret), wantErr: canvas.ErrBadSignature, code: sfzoom.EUNAUTHORIZED},
		{name: "ErrBadSignature/SignedWithEmptySecret", input: signWith("", vectorJSON), secrets: secrets("", vectorSecret), wantErr: canvas.ErrBadSignature, code: sfzoom.EUNAUTHORIZED},

		{name: "ErrMalformed/NoDot", input: sig + payload, secrets: secrets(vectorSecret), wantErr: canvas.ErrMalformed, code: sfzoom.EINVALID},
		{name: "ErrMalformed/Empty", input: "", secrets: secrets(vectorSecret), wantErr: canvas.ErrMalformed, code: sfzoom.EINVALID},
		{name: "ErrMalformed/OnlyDot", input: ".", secrets: secrets(vectorSecret), wantErr: canvas.ErrMalformed, code: sfzoom.EINVALID},
		{name: "ErrMalformed/EmptySignature", input: "." + payload, secrets: secrets(vectorSecret), wantErr: canvas.ErrMalformed, code: sfzoom.EINVALID},
		{name: "ErrMalformed/EmptyPayload", input: sig + ".", secrets: secrets(vectorSecret), wantErr: canvas.ErrMalformed, code: sfzoom.EINVALID},
		{name: "ErrMalformed/TruncatedSignature", input: sig[:20] + "." + payload, secrets: secrets(vectorSecret), wantErr: canvas.ErrMalformed, code: sfzoom.EINVALID},
		{name: "ErrMalformed/NonBase64Signature", input: "!!!!not*base64!!!!" + "." + payload, secrets: secrets(vectorSecret), wantErr: canvas.ErrMalformed, code: sfzoom.EINVALID},
		{name: "ErrMalformed/ShortSignature", input: base64.StdEncoding.EncodeToString(make([]byte, 31)) + "." + payload, secrets: secrets(vectorSecret), wantErr: canvas.ErrMalformed, code: sfzoom.EINVALID},
		// docs/canvas.md §1.4: the signature re-encoded as base64url is rejected
		// (the vector's signature contains '+' and '/', so it differs).
		{name: "ErrMalformed/Base64URLSignature", input: base64.URLEncoding.EncodeToString(mustStd(t, sig)) + "." + payload, secrets: secrets(vectorSecret), wantErr: canvas.ErrMalformed, code: sfzoom.EINVALID},
		{name: "ErrMalformed/SignaturePaddingStripped", input: strings.TrimRight(sig, "=") + "." + payload, secrets: secrets(vectorSecret), wantErr: canvas.ErrMalformed, code: sfzoom.EINVALID},
		// Signed over the stripped text, so the HMAC matches but the payload
		// is not standard base64 with padding.
		{name: "ErrMalformed/PaddingStrippedAndResigned", input: hmacB64(vectorSecret, stripped) + "." + stripped, secrets: secrets(vectorSecret), wantErr: canvas.ErrMalformed, code: sfzoom.EINVALID},
		// docs/canvas.md §1.1: forwarded unescaped in a query string, '+' becomes ' '.
		{name: "ErrMalformed/PlusArrivedAsSpace", input: strings.ReplaceAll(vectorSigned, "+", " "), secrets: secrets(vectorSecret), wantErr: canvas.ErrMalformed, code: sfzoom.EINVALID, detail: "whitespace"},
		{name: "ErrMalformed/Huge", input: sig + "." + strings.Repeat("QUFB", canvas.MaxSignedRequestSize/4), secrets: secrets(vectorSecret), wantErr: canvas.ErrMalformed, code: sfzoom.EINVALID, detail: "64 KiB"},
		{name: "ErrMalformed/AlgorithmWithHyphen", input: signWith(vectorSecret, withAlg(`"algorithm":"HMAC-SHA256",`)), secrets: secrets(vectorSecret), wantErr: canvas.ErrMalformed, code: sfzoom.EINVALID, detail: "unsupported algorithm"},
		{name: "ErrMalformed/AlgorithmSHA1", input: signWith(vectorSecret, withAlg(`"algorithm":"HMACSHA1",`)), secrets: secrets(vectorSecret), wantErr: canvas.ErrMalformed, code: sfzoom.EINVALID, detail: "unsupported algorithm"},
		{name: "ErrMalformed/AlgorithmMissing", input: signWith(vectorSecret, withAlg(``)), secrets: secrets(vectorSecret), wantErr: canvas.ErrMalformed, code: sfzoom.EINVALID, detail: "algorithm field missing"},
		{name: "ErrMalformed/AlgorithmNull", input: signWith(vectorSecret, withAlg(`"algorithm":null,`)), secrets: secrets(vectorSecret), wantErr: canvas.ErrMalformed, code: sfzoom.EINVALID},
		{name: "ErrMalformed/NotJSON", input: signWith(vectorSecret, "hello"), secrets: secrets(vectorSecret), wantErr: canvas.ErrMalformed, code: sfzoom.EINVALID},
		{name: "ErrMalformed/JSONArray", input: signWith(vectorSecret, `[{"algorithm":"HMACSHA256"}]`), secrets: secrets(vectorSecret), wantErr: canvas.ErrMalformed, code: sfzoom.EINVALID},
		{name: "ErrMalformed/JSONNull", input: signWith(vectorSecret, `null`), secrets: secrets(vectorSecret), wantErr: canvas.ErrMalformed, code: sfzoom.EINVALID},
		{name: "ErrMalformed/TruncatedJSON", input: signWith(vectorSecret, vectorJSON[:100]), secrets: secrets(vectorSecret), wantErr: canvas.ErrMalformed, code: sfzoom.EINVALID},

		{name: "ErrInternal/NoSecrets", input: vectorSigned, secrets: nil, code: sfzoom.EINTERNAL},
		{name: "ErrInternal/OnlyEmptySecrets", input: vectorSigned, secrets: secrets(""), code: sfzoom.EINTERNAL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := canvas.Verify(tt.input, tt.secrets)
			if tt.wantErr == nil && tt.code == "" {
				if err != nil {
					t.Fatalf("Verify() = %v, want nil", err)
				}
				if r == nil || r.Context.User.FullName != "Jürgen Ödegaard" {
					t.Fatalf("Verify() request = %v, want the vector's", r)
				}
				return
			}
			if err == nil {
				t.Fatalf("Verify() = nil error, want %v (%s)", tt.wantErr, tt.code)
			}
			if r != nil {
				t.Errorf("Verify() returned a request with error %v", err)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("Verify() = %v, want errors.Is %v", err, tt.wantErr)
			}
			if got := sfzoom.ErrorCode(err); got != tt.code {
				t.Errorf("ErrorCode(Verify()) = %q, want %q", got, tt.code)
			}
			if tt.detail != "" && !strings.Contains(err.Error(), tt.detail) {
				t.Errorf("Verify() = %q, want it to mention %q", err, tt.detail)
			}
			if tt.code != sfzoom.EINTERNAL && !strings.Contains(sfzoom.ErrorMessage(err), "Open sfzoom from a Salesforce record page") {
				t.Errorf("ErrorMessage(Verify()) = %q, want a hint to open the app from Salesforce", sfzoom.ErrorMessage(err))
			}
			assertNoLeak(t, err.Error(), vectorSecret, "00Dxx!tok", payload[:40], "Jürgen")
		})
	}
}

// TestVerify_ToleratesWrongFieldTypes checks that a field of an unexpected
// type is skipped rather than failing the whole request.
func TestVerify_ToleratesWrongFieldTypes(t *testing.T) {
	payload := `{"algorithm":"HMACSHA256","userId":12345,"issuedAt":"yesterday",
		"client":{"oauthToken":"tok","instanceUrl":"https://acme.my.salesforce.com"},
		"context":{"user":{"userId":"005x0000001SyyEAAS","isDefaultNetwork":"yes"},
		"organization":{"organizationId":"00Dx00000001hxyEAA"},
		"environment":{"dimensions":{"width":800},"version":{"api":66.0}}}}`
	r, err := canvas.Verify(canvas.Sign([]byte(payload), []byte("s")), secrets("s"))
	if err != nil {
		t.Fatalf("Verify() = %v, want nil", err)
	}
	if got, want := r.UserID18(), "005x0000001SyyEAAS"; got != want {
		t.Errorf("UserID18() = %q, want %q", got, want)
	}
	if got, want := r.Client.InstanceURL, "https://acme.my.salesforce.com"; got != want {
		t.Errorf("InstanceURL = %q, want %q", got, want)
	}
}

func mustStd(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("decode %q: %v", s, err)
	}
	return b
}

func assertNoLeak(t *testing.T, s string, secrets ...string) {
	t.Helper()
	for _, secret := range secrets {
		if secret != "" && strings.Contains(s, secret) {
			t.Errorf("%q leaks %q", s, secret)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	payload := mustRead(b, "testdata/payloads/documented.json")
	sr := canvas.Sign(payload, []byte(vectorSecret))
	keys := secrets("old-secret", vectorSecret) // rotation: the worst case, two HMACs
	b.ReportAllocs()
	b.SetBytes(int64(len(sr)))
	for b.Loop() {
		r, err := canvas.Verify(sr, keys)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, ok := r.RecordContext(); !ok {
			b.Fatal("no record")
		}
	}
}

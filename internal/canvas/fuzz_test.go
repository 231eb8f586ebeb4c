package canvas_test

import (
	"crypto/hmac"
	"log/slog"
	"strings"
	"testing"

	"github.com/sfzoom/sfzoom/internal/canvas"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// FuzzVerify feeds Verify arbitrary signed requests (which almost never carry
// a valid signature, so they exercise the parsing before the HMAC) and
// arbitrary payload JSON signed by the fuzzer (which exercises the lenient
// decoding after it). The seed corpus lives in testdata/fuzz/FuzzVerify.
func FuzzVerify(f *testing.F) {
	f.Add(vectorSigned, []byte(vectorJSON))
	keys := secrets("fuzz-secret", vectorSecret)

	f.Fuzz(func(t *testing.T, signedRequest string, payloadJSON []byte) {
		checkVerify(t, signedRequest, keys)
		checkVerify(t, canvas.Sign(payloadJSON, keys[0].Key), keys)
	})
}

func checkVerify(t *testing.T, signedRequest string, keys []canvas.Secret) {
	r, err := canvas.Verify(signedRequest, keys)
	if err != nil {
		if r != nil {
			t.Fatalf("Verify() returned a request and error %v", err)
		}
		if code := sfzoom.ErrorCode(err); code != sfzoom.EINVALID && code != sfzoom.EUNAUTHORIZED {
			t.Fatalf("Verify() = %v, want code invalid or unauthorized", err)
		}
		for _, k := range keys {
			if strings.Contains(err.Error(), string(k.Key)) {
				t.Fatalf("Verify() error %q leaks the secret", err)
			}
		}
		return
	}

	// Success must imply a genuine signature over the payload text.
	sig, payload, _ := strings.Cut(signedRequest, ".")
	valid := false
	for _, k := range keys {
		if hmac.Equal([]byte(sig), []byte(hmacB64(string(k.Key), payload))) {
			valid = true
		}
	}
	if !valid {
		t.Fatalf("Verify(%q) accepted a request without a matching signature", signedRequest)
	}
	if !strings.EqualFold(r.Algorithm, canvas.Algorithm) {
		t.Fatalf("Verify() accepted algorithm %q", r.Algorithm)
	}

	// The accessors must cope with whatever the payload held.
	object, id, ok := r.RecordContext()
	if ok && (object == "" || len(id) != 18) {
		t.Fatalf("RecordContext() = (%q, %q, true)", object, id)
	}
	for _, id := range []string{r.UserID18(), r.OrgID18(), id} {
		if id != "" && len(id) != 18 {
			t.Fatalf("normalised id %q does not have 18 characters", id)
		}
	}
	_ = r.User()
	_ = r.String()
	_ = r.LogValue().Resolve()
	_ = slog.AnyValue(r.Client).Resolve()
}

package tokens_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/tokens"
)

func TestSealOpen(t *testing.T) {
	keys := testKeys(t, "new", "old")
	v, err := tokens.NewVault(newMemStore(), keys)
	if err != nil {
		t.Fatal(err)
	}
	oldOnly, err := tokens.NewVault(newMemStore(), keys[1:])
	if err != nil {
		t.Fatal(err)
	}
	other, err := tokens.NewVault(newMemStore(), testKeys(t, "new"))
	if err != nil {
		t.Fatal(err)
	}
	pt := []byte(`{"v":1,"access_token":"secret"}`)
	aad := tokens.ConnectionAAD(7)
	keyID, nonce, ct, err := v.Seal(pt, aad)
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	if keyID != "new" {
		t.Errorf("Seal() keyID = %q, want the first key %q", keyID, "new")
	}
	if bytes.Contains(ct, []byte("secret")) {
		t.Errorf("Seal() ciphertext contains the plaintext")
	}
	oKeyID, oNonce, oCT, err := oldOnly.Seal(pt, aad)
	if err != nil {
		t.Fatal(err)
	}

	flip := func(b []byte, i int) []byte { c := bytes.Clone(b); c[i] ^= 1; return c }
	tests := []struct {
		name   string
		v      *tokens.Vault
		keyID  string
		nonce  []byte
		ct     []byte
		aad    []byte
		wantOK bool
	}{
		{name: "OK", v: v, keyID: keyID, nonce: nonce, ct: ct, aad: aad, wantOK: true},
		{name: "OKUnderOldKey", v: v, keyID: oKeyID, nonce: oNonce, ct: oCT, aad: aad, wantOK: true},
		{name: "ErrTamperedCiphertext", v: v, keyID: keyID, nonce: nonce, ct: flip(ct, 0), aad: aad},
		{name: "ErrTamperedTag", v: v, keyID: keyID, nonce: nonce, ct: flip(ct, len(ct)-1), aad: aad},
		{name: "ErrTamperedNonce", v: v, keyID: keyID, nonce: flip(nonce, 3), ct: ct, aad: aad},
		{name: "ErrShortNonce", v: v, keyID: keyID, nonce: nonce[:4], ct: ct, aad: aad},
		{name: "ErrOtherConnectionAAD", v: v, keyID: keyID, nonce: nonce, ct: ct, aad: tokens.ConnectionAAD(8)},
		{name: "ErrWrongKeyID", v: v, keyID: "old", nonce: nonce, ct: ct, aad: aad},
		{name: "ErrUnknownKeyID", v: v, keyID: "nope", nonce: nonce, ct: ct, aad: aad},
		{name: "ErrSameIDDifferentKey", v: other, keyID: keyID, nonce: nonce, ct: ct, aad: aad},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.v.Open(tt.keyID, tt.nonce, tt.ct, tt.aad)
			if !tt.wantOK {
				if err == nil {
					t.Fatalf("Open() = %q, want an error", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open() error = %v", err)
			}
			if !bytes.Equal(got, pt) {
				t.Errorf("Open() = %q, want %q", got, pt)
			}
		})
	}
}

func TestNewVaultErrors(t *testing.T) {
	if _, err := tokens.NewVault(newMemStore(), nil); err == nil {
		t.Errorf("NewVault(no keys) error = nil, want an error")
	}
	if _, err := tokens.NewVault(newMemStore(), []tokens.Key{{ID: "hand-made"}}); err == nil {
		t.Errorf("NewVault(unparsed key) error = nil, want an error")
	}
}

// A ciphertext copied onto another connection's row must not open there:
// the AAD binds it to its connection.
func TestCopiedCiphertextFails(t *testing.T) {
	ctx := context.Background()
	st := newMemStore()
	st.addConnection(1, sfzoom.ProviderZoomUser)
	st.addConnection(2, sfzoom.ProviderZoomUser)
	e := newEnv(t, st, false)
	z := e.zoomUser(e.vault(t))
	e.connectZoomUser(t, z, 1)

	rec, err := st.LoadToken(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	rec.ConnectionID = 2
	if err := st.SaveToken(ctx, rec, 0); err != nil {
		t.Fatal(err)
	}
	_, err = e.zoomUser(e.vault(t)).Token(ctx, 2)
	if got := sfzoom.ErrorCode(err); got != sfzoom.EINTERNAL {
		t.Errorf("Token(copied row) code = %q (%v), want %q", got, err, sfzoom.EINTERNAL)
	}
	if n := e.srv.count("refresh_token"); n != 0 {
		t.Errorf("refresh requests = %d, want 0", n)
	}
}

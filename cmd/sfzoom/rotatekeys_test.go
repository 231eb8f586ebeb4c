package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"strings"
	"testing"

	"github.com/sfzoom/sfzoom/internal/backend"
	"github.com/sfzoom/sfzoom/internal/config"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/tokens"
)

// TestRotateKeys writes tokens under an old key, runs `sfzoom rotate-keys`
// with a new key in front, and checks every token is now under the new key
// and still decrypts.
func TestRotateKeys(t *testing.T) {
	ctx := context.Background()
	dbURL := "sqlite:" + t.TempDir() + "/sfzoom.db"
	oldKey := "old:" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32))
	newKey := "new:" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{2}, 32))

	// Seal two tokens under the old key.
	env := map[string]string{"SFZOOM_DATABASE_URL": dbURL, "SFZOOM_ENCRYPTION_KEYS": oldKey}
	cfg, err := config.Load(envFrom(env), config.ModeKeys)
	if err != nil {
		t.Fatal(err)
	}
	be, err := backend.Open(ctx, backend.Options{DatabaseURL: dbURL})
	if err != nil {
		t.Fatal(err)
	}
	vault, err := newVault(cfg, be, newLogger(io.Discard, "text", "error"), nil)
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[int64]string{}
	for i, subject := range []string{"a", "b"} {
		c := &sfzoom.Connection{OrgID: "00D000000000001AAA", Provider: sfzoom.ProviderSalesforce, Subject: subject, Status: sfzoom.ConnectionActive}
		if err := be.Store.CreateConnection(ctx, c); err != nil {
			t.Fatal(err)
		}
		plain := `{"v":1,"access_token":"tok-` + subject + `"}`
		kid, nonce, ct, err := vault.Seal([]byte(plain), aad(c.ID))
		if err != nil {
			t.Fatal(err)
		}
		if err := be.Store.SaveToken(ctx, &sfzoom.TokenRecord{ConnectionID: c.ID, KeyID: kid, Nonce: nonce, Ciphertext: ct}, 0); err != nil {
			t.Fatalf("SaveToken %d: %v", i, err)
		}
		secrets[c.ID] = plain
	}
	be.Close()

	var out, errOut bytes.Buffer
	env["SFZOOM_ENCRYPTION_KEYS"] = newKey + "," + oldKey
	if err := run(ctx, []string{"rotate-keys"}, envFrom(env), &out, &errOut); err != nil {
		t.Fatalf("rotate-keys: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), `re-encrypted 2 token(s) under key "new"`) {
		t.Errorf("rotate-keys printed %q", out.String())
	}

	// Only the new key remains in use, and it alone opens every token.
	env["SFZOOM_ENCRYPTION_KEYS"] = newKey
	cfg, _ = config.Load(envFrom(env), config.ModeKeys)
	be, err = backend.Open(ctx, backend.Options{DatabaseURL: dbURL})
	if err != nil {
		t.Fatal(err)
	}
	defer be.Close()
	vault, err = newVault(cfg, be, newLogger(io.Discard, "text", "error"), nil)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := be.Store.ListTokens(ctx)
	if err != nil || len(recs) != 2 {
		t.Fatalf("ListTokens = %d, %v", len(recs), err)
	}
	for _, r := range recs {
		if r.KeyID != "new" {
			t.Errorf("token %d is under key %q after rotation, want new", r.ConnectionID, r.KeyID)
		}
		plain, err := vault.Open(r.KeyID, r.Nonce, r.Ciphertext, aad(r.ConnectionID))
		if err != nil || string(plain) != secrets[r.ConnectionID] {
			t.Errorf("token %d does not decrypt under the new key alone: %v", r.ConnectionID, err)
		}
		if strings.Contains(out.String()+errOut.String(), "tok-") {
			t.Error("rotate-keys output contains a token")
		}
	}
}

func aad(id int64) []byte { return tokens.ConnectionAAD(id) }

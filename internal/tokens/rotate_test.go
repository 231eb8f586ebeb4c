package tokens_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/tokens"
)

func keyIDs(t *testing.T, st testStore) map[int64]string {
	t.Helper()
	recs, err := st.ListTokens(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	m := make(map[int64]string)
	for _, r := range recs {
		m[r.ConnectionID] = r.KeyID
	}
	return m
}

func TestRotateKeys(t *testing.T) {
	for name, newStore := range stores() {
		t.Run(name, func(t *testing.T) {
			ctx := tokens.WithActor(context.Background(), "cli", "sfzoom rotate-keys")
			st, ids := newStore(t, sfzoom.ProviderZoomUser, sfzoom.ProviderZoomUser, sfzoom.ProviderZoomS2S, sfzoom.ProviderSalesforce)
			e := newEnv(t, st, false)
			oldKeys, newKeys := testKeys(t, "old"), testKeys(t, "new")

			// Tokens written under the old key.
			e.keys = oldKeys
			vOld := e.vault(t)
			e.connectZoomUser(t, e.zoomUser(vOld), ids[0])
			e.connectZoomUser(t, e.zoomUser(vOld), ids[1])
			s2sTok, err := e.s2s(vOld, ids[2]).Token(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for id, k := range keyIDs(t, st) {
				if k != "old" {
					t.Fatalf("connection %d key = %q, want old", id, k)
				}
			}

			// A vault with "new" first still reads them, without fetching.
			e.keys = append(append([]tokens.Key{}, newKeys...), oldKeys...)
			vBoth := e.vault(t)
			got, err := e.s2s(vBoth, ids[2]).Token(ctx)
			if err != nil || got.AccessToken != s2sTok.AccessToken {
				t.Fatalf("Token() under the old key = %v, %v; want the stored token", got, err)
			}
			if n := e.srv.count("account_credentials"); n != 1 {
				t.Errorf("token requests = %d, want 1 (read, not refetched)", n)
			}

			// Rotate while a refresh of connection 0 is in flight on another
			// replica: compare-and-swap plus the lease keep the new refresh
			// token.
			e.srv.delay = 30 * time.Millisecond
			e.clock.Advance(2 * time.Hour)
			var wg sync.WaitGroup
			var refreshErr error
			wg.Go(func() { _, refreshErr = e.zoomUser(e.vault(t)).Token(ctx, ids[0]) })
			rotated, err := vBoth.RotateKeys(ctx)
			wg.Wait()
			if err != nil || refreshErr != nil {
				t.Fatalf("RotateKeys() = %d, %v; concurrent Token() error = %v", rotated, err, refreshErr)
			}
			// Connection 0 may have been re-sealed by the refresh instead.
			if rotated < 2 || rotated > 3 {
				t.Errorf("RotateKeys() = %d, want 2 or 3", rotated)
			}
			for _, id := range ids[:3] {
				if k := keyIDs(t, st)[id]; k != "new" {
					t.Errorf("after RotateKeys connection %d key = %q, want new", id, k)
				}
			}
			if _, ok := keyIDs(t, st)[ids[3]]; ok {
				t.Errorf("connection without a token gained one")
			}
			if again, err := vBoth.RotateKeys(ctx); err != nil || again != 0 {
				t.Errorf("second RotateKeys() = %d, %v; want 0, nil", again, err)
			}

			// The old key can go: a new-only vault reads everything, and the
			// rotated refresh tokens still work (none was lost).
			e.keys = newKeys
			vNew := e.vault(t)
			e.clock.Advance(2 * time.Hour)
			for _, id := range ids[:2] {
				if _, err := e.zoomUser(vNew).Token(ctx, id); err != nil {
					t.Errorf("Token(%d) with only the new key error = %v", id, err)
				}
			}
			if _, err := e.s2s(vNew, ids[2]).Token(ctx); err != nil {
				t.Errorf("S2S Token() with only the new key error = %v", err)
			}
			// An old-only vault can no longer read rotated tokens.
			e.keys = oldKeys
			if _, err := e.zoomUser(e.vault(t)).Token(ctx, ids[1]); sfzoom.ErrorCode(err) != sfzoom.EINTERNAL {
				t.Errorf("Token() with only the old key error = %v, want EINTERNAL", err)
			}

			rows, err := st.FindTokenAudit(ctx, ids[1], 100)
			if err != nil {
				t.Fatal(err)
			}
			var sawRotate bool
			for _, a := range rows {
				sawRotate = sawRotate || (a.Action == tokens.ActionRotate && a.Actor == "cli")
			}
			if !sawRotate {
				t.Errorf("audit of connection %d has no rotate row by cli: %+v", ids[1], rows)
			}
			assertNoSecrets(t, e, ids...)
		})
	}
}

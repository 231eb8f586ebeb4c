package tokens_test

import (
	"context"
	"testing"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/tokens"
)

// BenchmarkCachedToken measures the hot path: a valid token in memory.
func BenchmarkCachedToken(b *testing.B) {
	st := newMemStore()
	st.addConnection(1, sfzoom.ProviderZoomS2S)
	e := newEnv(b, st, false)
	z := e.s2s(e.vault(b), 1)
	ctx := context.Background()
	if _, err := z.Token(ctx); err != nil {
		b.Fatal(err)
	}
	b.Run("Serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := z.Token(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := z.Token(ctx); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	if n := e.srv.count("account_credentials"); n != 1 {
		b.Errorf("token requests = %d, want 1", n)
	}
}

func BenchmarkSealOpen(b *testing.B) {
	v, err := tokens.NewVault(newMemStore(), testKeys(b, "k1"))
	if err != nil {
		b.Fatal(err)
	}
	// About the size of a Zoom token blob (JWT access and refresh tokens).
	pt := make([]byte, 1500)
	aad := tokens.ConnectionAAD(42)
	keyID, nonce, ct, err := v.Seal(pt, aad)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("Seal", func(b *testing.B) {
		b.SetBytes(int64(len(pt)))
		b.ReportAllocs()
		for b.Loop() {
			if _, _, _, err := v.Seal(pt, aad); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Open", func(b *testing.B) {
		b.SetBytes(int64(len(pt)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := v.Open(keyID, nonce, ct, aad); err != nil {
				b.Fatal(err)
			}
		}
	})
}

package tokens_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"strconv"
	"testing"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store/postgres"
	"github.com/sfzoom/sfzoom/internal/tokens"
)

// postgresStore is the real Postgres store in a schema of its own; every
// Replica is a separate pool, as separate processes would have.
type postgresStore struct {
	*postgres.Store
	url string
}

func mustOpenPostgres(t testing.TB, u string) *postgres.Store {
	t.Helper()
	db, err := postgres.OpenDB(u)
	if err != nil {
		t.Fatal(err)
	}
	s := postgres.New(db, nil, nil)
	t.Cleanup(func() { s.Close() })
	return s
}

func (s *postgresStore) Replica(t testing.TB) tokens.Store { return mustOpenPostgres(t, s.url) }

// newPostgres runs only with TEST_DATABASE_URL (always in CI, where a missing
// URL fails the test).
func newPostgres(t *testing.T, providers ...string) (testStore, []int64) {
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		t.Fatal("TEST_DATABASE_URL is not set; Postgres tests cannot be skipped in CI")
	}
	ctx := context.Background()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "tokens_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			t.Error(err)
			return
		}
		defer db.Close()
		if _, err := db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			t.Error(err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()

	s := mustOpenPostgres(t, u.String())
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	var ids []int64
	for i, p := range providers {
		c := &sfzoom.Connection{OrgID: "00D000000000001EAA", Provider: p, Subject: "subject-" + strconv.Itoa(i), Status: sfzoom.ConnectionActive}
		if err := s.CreateConnection(ctx, c); err != nil {
			t.Fatalf("CreateConnection: %v", err)
		}
		ids = append(ids, c.ID)
	}
	return &postgresStore{Store: s, url: u.String()}, ids
}

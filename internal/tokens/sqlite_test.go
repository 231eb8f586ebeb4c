package tokens_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store/sqlite"
	"github.com/sfzoom/sfzoom/internal/store/sqlstore"
	"github.com/sfzoom/sfzoom/internal/tokens"
)

// realStores lists the real store backends the concurrency tests also run
// on: SQLite always, Postgres when TEST_DATABASE_URL is set or in CI.
func realStores() map[string]newStoreFunc {
	m := map[string]newStoreFunc{"SQLite": newSQLite}
	if os.Getenv("TEST_DATABASE_URL") != "" || os.Getenv("CI") != "" {
		m["Postgres"] = newPostgres
	}
	return m
}

// sqliteStore is the real SQLite store; every Replica is a separate *sql.DB
// on the same file, as separate processes would have.
type sqliteStore struct {
	*sqlstore.Store
	path string
}

func mustOpenSQLite(t testing.TB, path string) *sqlstore.Store {
	t.Helper()
	db, err := sqlite.OpenDB(path)
	if err != nil {
		t.Fatal(err)
	}
	s := sqlstore.New(db, sqlite.Dialect(), nil, nil)
	t.Cleanup(func() { s.Close() })
	return s
}

func (s *sqliteStore) Replica(t testing.TB) tokens.Store { return mustOpenSQLite(t, s.path) }

func newSQLite(t *testing.T, providers ...string) (testStore, []int64) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sfzoom.db")
	s := mustOpenSQLite(t, path)
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
	return &sqliteStore{Store: s, path: path}, ids
}

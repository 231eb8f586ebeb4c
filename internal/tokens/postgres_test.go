package tokens_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store/postgres"
	"github.com/sfzoom/sfzoom/internal/store/sqlstore"
	"github.com/sfzoom/sfzoom/internal/store/storetest"
	"github.com/sfzoom/sfzoom/internal/tokens"
)

// postgresStore is the real Postgres store in a schema of its own; every
// Replica is a separate pool, as separate processes would have.
type postgresStore struct {
	*sqlstore.Store
	url string
}

func mustOpenPostgres(t testing.TB, u string) *sqlstore.Store {
	t.Helper()
	db, err := postgres.OpenDB(u, 0)
	if err != nil {
		t.Fatal(err)
	}
	s := sqlstore.New(db, postgres.Dialect(), nil, nil)
	t.Cleanup(func() { s.Close() })
	return s
}

func (s *postgresStore) Replica(t testing.TB) tokens.Store { return mustOpenPostgres(t, s.url) }

// newPostgres runs with TEST_DATABASE_URL; without it the test skips on a
// developer machine and fails in CI.
func newPostgres(t *testing.T, providers ...string) (testStore, []int64) {
	ctx := context.Background()
	u := storetest.PostgresSchemaURL(t)
	s := mustOpenPostgres(t, u)
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
	return &postgresStore{Store: s, url: u}, ids
}

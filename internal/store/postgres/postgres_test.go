package postgres_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"strconv"
	"testing"

	"github.com/riverqueue/river/riverdriver/riverdatabasesql"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store"
	"github.com/sfzoom/sfzoom/internal/store/postgres"
	"github.com/sfzoom/sfzoom/internal/store/storetest"
)

// testStore adds the job counter the conformance suite needs.
type testStore struct {
	*postgres.Store
}

func (s testStore) CountJobs(ctx context.Context, kind string) (int, error) {
	var n int
	err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE kind = $1`, kind).Scan(&n)
	return n, err
}

// MustDatabaseURL returns TEST_DATABASE_URL, skipping the test when it is not
// set, except in CI, where Postgres tests must never be skipped.
func MustDatabaseURL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv("TEST_DATABASE_URL")
	if u == "" {
		if os.Getenv("CI") != "" {
			tb.Fatal("TEST_DATABASE_URL is not set; Postgres tests cannot be skipped in CI")
		}
		tb.Skip("TEST_DATABASE_URL is not set")
	}
	return u
}

// MustSchemaURL creates a fresh schema, dropped when the test ends, and
// returns the database URL with search_path set to it, so tests can run
// repeatedly and side by side on one database.
func MustSchemaURL(tb testing.TB) string {
	tb.Helper()
	base := MustDatabaseURL(tb)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatal(err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	schema := "t_" + hex.EncodeToString(b)
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			tb.Error(err)
			return
		}
		defer db.Close()
		if _, err := db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			tb.Error(err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// MustOpenStore returns a migrated store in a fresh schema with an
// insert-only River client attached.
func MustOpenStore(tb testing.TB) *postgres.Store {
	tb.Helper()
	ctx := context.Background()
	db, err := postgres.OpenDB(MustSchemaURL(tb))
	if err != nil {
		tb.Fatal(err)
	}
	s := postgres.New(db, nil, nil)
	tb.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	s.SetJobInserter(storetest.MustRiverClient(tb, riverdatabasesql.New(db)))
	return s
}

func TestStore(t *testing.T) {
	storetest.Exercise(t, func(t *testing.T) store.Store { return testStore{MustOpenStore(t)} })
}

func TestCheckMigrations(t *testing.T) {
	ctx := context.Background()
	db, err := postgres.OpenDB(MustSchemaURL(t))
	if err != nil {
		t.Fatal(err)
	}
	s := postgres.New(db, nil, nil)
	defer s.Close()
	if got := sfzoom.ErrorCode(s.CheckMigrations(ctx)); got != sfzoom.EUNAVAILABLE {
		t.Fatalf("CheckMigrations before Migrate = %q, want %q", got, sfzoom.EUNAVAILABLE)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckMigrations(ctx); err != nil {
		t.Fatalf("CheckMigrations after Migrate = %v", err)
	}
}

// BenchmarkCreateWebhookEvent measures the webhook hot path: one row and one
// River job committed together.
func BenchmarkCreateWebhookEvent(b *testing.B) {
	ctx := context.Background()
	s := MustOpenStore(b)
	payload := []byte(`{"event":"meeting.ended","payload":{"object":{"uuid":"abc=="}}}`)
	for i := 0; b.Loop(); i++ {
		ev := &sfzoom.WebhookEvent{DedupeKey: strconv.Itoa(i), EventType: "meeting.ended", Payload: payload}
		if err := s.CreateWebhookEvent(ctx, ev, storetest.Job("bench")); err != nil {
			b.Fatal(err)
		}
	}
}

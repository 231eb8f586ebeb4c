package postgres_test

import (
	"context"
	"strconv"
	"sync"
	"testing"

	"github.com/riverqueue/river/riverdriver/riverdatabasesql"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store"
	"github.com/sfzoom/sfzoom/internal/store/postgres"
	"github.com/sfzoom/sfzoom/internal/store/sqlstore"
	"github.com/sfzoom/sfzoom/internal/store/storetest"
)

// testStore adds the job counter the conformance suite needs.
type testStore struct {
	*sqlstore.Store
}

func (s testStore) CountJobs(ctx context.Context, kind string) (int, error) {
	var n int
	err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE kind = $1`, kind).Scan(&n)
	return n, err
}

// MustOpenStore returns a migrated store in a fresh schema with an
// insert-only River client attached.
func MustOpenStore(tb testing.TB) *sqlstore.Store {
	tb.Helper()
	ctx := context.Background()
	db, err := postgres.OpenDB(storetest.PostgresSchemaURL(tb), 0)
	if err != nil {
		tb.Fatal(err)
	}
	s := sqlstore.New(db, postgres.Dialect(), nil, nil)
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

// TestGroupCommit: the conformance suite with group commit on, as sfzoom
// runs; each delivery of a group gets its own answer, and a group that
// fails is stored delivery by delivery (storetest).
func TestGroupCommit(t *testing.T) {
	storetest.ExerciseGroupCommit(t, func(t *testing.T, wrap func(sqlstore.JobInserter) sqlstore.JobInserter) storetest.GroupStore {
		s := MustOpenStore(t)
		storetest.EnableGroupCommit(s, storetest.MustRiverClient(t, riverdatabasesql.New(s.DB())), wrap)
		return storetest.GroupStore{Store: s, DB: s.DB(),
			EventsQuery: `SELECT COUNT(*) FROM webhook_events WHERE dedupe_key = $1`,
			JobsQuery:   `SELECT COUNT(*) FROM river_job WHERE args->>'ref' = $1`,
			KindQuery:   `SELECT COUNT(*) FROM river_job WHERE kind = $1`}
	})
}

// TestOpenDBKeepsItsConnections: concurrent queries share at most maxConns
// connections, and every one of them stays open for the next request
// instead of being closed and opened again (database/sql's default keeps 2).
func TestOpenDBKeepsItsConnections(t *testing.T) {
	const maxConns = 4
	db, err := postgres.OpenDB(storetest.PostgresSchemaURL(t), maxConns)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for round := range 3 {
		var wg sync.WaitGroup
		for range 4 * maxConns {
			wg.Go(func() {
				if _, err := db.ExecContext(context.Background(), `SELECT pg_sleep(0.02)`); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		st := db.Stats()
		if st.OpenConnections != maxConns || st.Idle != maxConns {
			t.Fatalf("round %d: %d open, %d idle connections, want %d of each", round, st.OpenConnections, st.Idle, maxConns)
		}
		if st.MaxIdleClosed != 0 {
			t.Fatalf("round %d: %d connections closed for lack of idle room, want 0", round, st.MaxIdleClosed)
		}
	}
	if n := db.Stats().MaxOpenConnections; n != maxConns {
		t.Errorf("MaxOpenConnections = %d, want %d", n, maxConns)
	}
}

func TestCheckMigrations(t *testing.T) {
	ctx := context.Background()
	db, err := postgres.OpenDB(storetest.PostgresSchemaURL(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	s := sqlstore.New(db, postgres.Dialect(), nil, nil)
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

// TestUnreachableDatabaseIsUnavailable: with the database server down, a
// store call fails with EUNAVAILABLE and says to try again (503 for a
// webhook, so Zoom redelivers; a retry for a job), not "Internal error".
func TestUnreachableDatabaseIsUnavailable(t *testing.T) {
	ctx := context.Background()
	// Port 1 on the loopback: nothing listens, the connection is refused.
	db, err := postgres.OpenDB("postgres://sfzoom:sfzoom@127.0.0.1:1/sfzoom?connect_timeout=2", 0)
	if err != nil {
		t.Fatal(err)
	}
	s := sqlstore.New(db, postgres.Dialect(), nil, nil)
	defer s.Close()
	_, err = s.FindOrgByID(ctx, "00D000000000001AAA")
	storetest.WantUnavailable(t, "FindOrgByID with the server down", err)
}

// BenchmarkScale: the reads that must stay index searches as the tables
// grow (go test -bench Scale).
func BenchmarkScale(b *testing.B) {
	storetest.BenchmarkScale(b, func(tb testing.TB) store.Store { return MustOpenStore(tb) })
}

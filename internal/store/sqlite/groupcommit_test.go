package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/sfzoom/sfzoom/internal/store"
	"github.com/sfzoom/sfzoom/internal/store/sqlite"
	"github.com/sfzoom/sfzoom/internal/store/sqlstore"
	"github.com/sfzoom/sfzoom/internal/store/storetest"
)

// mustOpenGroupStore is MustOpenStore as the backend opens it: a read pool
// beside the single write connection, and group commit of deliveries.
// jobs wraps the River client when not nil.
func mustOpenGroupStore(tb testing.TB, jobs func(sqlstore.JobInserter) sqlstore.JobInserter) *sqlite.Store {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "sfzoom.db")
	db, err := sqlite.OpenDB(path)
	if err != nil {
		tb.Fatal(err)
	}
	s := sqlite.New(db, nil, nil)
	tb.Cleanup(func() { s.Close() })
	if err := s.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	rdb, err := sqlite.OpenReadDB(path)
	if err != nil {
		tb.Fatal(err)
	}
	s.SetReadDB(rdb)
	var ji sqlstore.JobInserter = storetest.MustRiverClient(tb, riversqlite.New(db))
	if jobs != nil {
		ji = jobs(ji)
	}
	s.SetJobInserter(ji)
	s.EnableGroupCommit(64)
	return s
}

// TestStoreGroupCommit runs the conformance suite with group commit and the
// read pool on, as sfzoom runs.
func TestStoreGroupCommit(t *testing.T) {
	storetest.Exercise(t, func(t *testing.T) store.Store { return testStore{mustOpenGroupStore(t, nil)} })
}

// TestGroupCommit: each delivery of a group gets its own answer, and a
// group that fails is stored delivery by delivery (storetest).
func TestGroupCommit(t *testing.T) {
	storetest.ExerciseGroupCommit(t, func(t *testing.T, wrap func(sqlstore.JobInserter) sqlstore.JobInserter) storetest.GroupStore {
		s := mustOpenGroupStore(t, wrap)
		return storetest.GroupStore{Store: s, DB: s.DB(),
			EventsQuery: `SELECT COUNT(*) FROM webhook_events WHERE dedupe_key = ?`,
			JobsQuery:   `SELECT COUNT(*) FROM river_job WHERE json_extract(args, '$.ref') = ?`}
	})
}

package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/sfzoom/sfzoom/internal/store/sqlite"
	"github.com/sfzoom/sfzoom/internal/store/sqlstore"
	"github.com/sfzoom/sfzoom/internal/store/storetest"
)

// TestGroupCommit: the conformance suite with group commit and the read
// pool on, as sfzoom runs; each delivery of a group gets its own answer, and
// a group that fails is stored delivery by delivery (storetest).
func TestGroupCommit(t *testing.T) {
	storetest.ExerciseGroupCommit(t, func(t *testing.T, wrap func(sqlstore.JobInserter) sqlstore.JobInserter) storetest.GroupStore {
		path := filepath.Join(t.TempDir(), "sfzoom.db")
		db, err := sqlite.OpenDB(path)
		if err != nil {
			t.Fatal(err)
		}
		s := sqlstore.New(db, sqlite.Dialect(), nil, nil)
		t.Cleanup(func() { s.Close() })
		if err := s.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		rdb, err := sqlite.OpenReadDB(path)
		if err != nil {
			t.Fatal(err)
		}
		s.SetReadDB(rdb)
		storetest.EnableGroupCommit(s, storetest.MustRiverClient(t, riversqlite.New(db)), wrap)
		return storetest.GroupStore{Store: s, DB: db,
			EventsQuery: `SELECT COUNT(*) FROM webhook_events WHERE dedupe_key = ?`,
			JobsQuery:   `SELECT COUNT(*) FROM river_job WHERE json_extract(args, '$.ref') = ?`,
			KindQuery:   `SELECT COUNT(*) FROM river_job WHERE kind = ?`}
	})
}

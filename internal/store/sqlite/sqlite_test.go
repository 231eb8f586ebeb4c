package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store"
	"github.com/sfzoom/sfzoom/internal/store/sqlite"
	"github.com/sfzoom/sfzoom/internal/store/sqlstore"
	"github.com/sfzoom/sfzoom/internal/store/storetest"
)

// testStore adds the job counter the conformance suite needs.
type testStore struct {
	*sqlstore.Store
}

func (s testStore) CountJobs(ctx context.Context, kind string) (int, error) {
	var n int
	err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE kind = ?`, kind).Scan(&n)
	return n, err
}

// MustOpenStore returns a migrated store on a fresh file with an insert-only
// River client attached.
func MustOpenStore(tb testing.TB) *sqlstore.Store {
	tb.Helper()
	ctx := context.Background()
	db, err := sqlite.OpenDB(filepath.Join(tb.TempDir(), "sfzoom.db"))
	if err != nil {
		tb.Fatal(err)
	}
	s := sqlstore.New(db, sqlite.Dialect(), nil, nil)
	tb.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	s.SetJobInserter(storetest.MustRiverClient(tb, riversqlite.New(db)))
	return s
}

func TestStore(t *testing.T) {
	storetest.Exercise(t, func(t *testing.T) store.Store { return testStore{MustOpenStore(t)} })
}

func TestCheckMigrations(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.OpenDB(filepath.Join(t.TempDir(), "nested", "dir", "sfzoom.db"))
	if err != nil {
		t.Fatal(err)
	}
	s := sqlstore.New(db, sqlite.Dialect(), nil, nil)
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
	// Migrating twice is a no-op.
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestJobsWithoutInserter(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.OpenDB(filepath.Join(t.TempDir(), "sfzoom.db"))
	if err != nil {
		t.Fatal(err)
	}
	s := sqlstore.New(db, sqlite.Dialect(), nil, nil)
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	ev := &sfzoom.WebhookEvent{DedupeKey: "k", EventType: "meeting.ended"}
	if err := s.CreateWebhookEvent(ctx, ev, storetest.Job("x")); sfzoom.ErrorCode(err) != sfzoom.EINTERNAL {
		t.Fatalf("CreateWebhookEvent without a job inserter = %v, want EINTERNAL", err)
	}
	if _, err := s.LastWebhookEvent(ctx, ""); sfzoom.ErrorCode(err) != sfzoom.ENOTFOUND {
		t.Fatalf("LastWebhookEvent = %v, want ENOTFOUND (the row must be rolled back)", err)
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

// TestUnchangedUpsertFromCache: an unchanged upsert within the org cache's
// TTL is answered from memory, without reading the row (here changed behind
// the store's back); once the TTL has passed, it reads and writes again.
func TestUnchangedUpsertFromCache(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.OpenDB(filepath.Join(t.TempDir(), "sfzoom.db"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)
	s := sqlstore.New(db, sqlite.Dialect(), nil, func() time.Time { return now })
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	const id = "00D000000000001AAA"
	upsert := func() {
		t.Helper()
		if err := s.UpsertOrg(ctx, &sfzoom.Org{ID: id, Name: "Acme"}); err != nil {
			t.Fatal(err)
		}
	}
	storedName := func() string {
		t.Helper()
		var name string
		if err := db.QueryRowContext(ctx, `SELECT name FROM orgs WHERE id = ?`, id).Scan(&name); err != nil {
			t.Fatal(err)
		}
		return name
	}
	upsert() // written
	upsert() // read, and cached
	if _, err := db.ExecContext(ctx, `UPDATE orgs SET name = 'Renamed elsewhere' WHERE id = ?`, id); err != nil {
		t.Fatal(err)
	}
	upsert()
	if got := storedName(); got != "Renamed elsewhere" {
		t.Fatalf("name after an upsert within the TTL = %q, want the row untouched (answered from the cache)", got)
	}
	now = now.Add(31 * time.Second)
	upsert()
	if got := storedName(); got != "Acme" {
		t.Fatalf("name after an upsert past the TTL = %q, want %q (read and written)", got, "Acme")
	}
}

// TestOrgSettingsSeenByOtherReplicaAtOnce: two stores on one database stand
// for two replicas. The org cache of the one that opened Canvas does not
// delay a settings change the other saved: settings are read with
// FindOrgByID, which the cache never answers, and UpsertOrg's own answer
// carries the new settings once its TTL has passed (docs/install.md,
// "Operating it").
func TestOrgSettingsSeenByOtherReplicaAtOnce(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sfzoom.db")
	now := time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)
	open := func() *sqlstore.Store {
		t.Helper()
		db, err := sqlite.OpenDB(path)
		if err != nil {
			t.Fatal(err)
		}
		s := sqlstore.New(db, sqlite.Dialect(), nil, func() time.Time { return now })
		t.Cleanup(func() { s.Close() })
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		return s
	}
	a, b := open(), open()
	const id = "00D000000000001AAA"
	upsert := func() *sfzoom.Org {
		t.Helper()
		o := &sfzoom.Org{ID: id, Name: "Acme"}
		if err := a.UpsertOrg(ctx, o); err != nil {
			t.Fatal(err)
		}
		return o
	}
	upsert() // written
	upsert() // read, and cached on a
	want := sfzoom.DefaultOrgSettings()
	want.InternalDomains = []string{"acme.example"}
	want.MeetingDefaults.WaitingRoom = false
	if err := b.UpdateOrgSettings(ctx, id, want); err != nil {
		t.Fatal(err)
	}
	got, err := a.FindOrgByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got.Settings); diff != "" {
		t.Errorf("settings on the other replica right after the change (-want +got):\n%s", diff)
	}
	now = now.Add(31 * time.Second)
	if diff := cmp.Diff(want, upsert().Settings); diff != "" {
		t.Errorf("settings UpsertOrg returns past the cache TTL (-want +got):\n%s", diff)
	}
}

// TestReadOnlyDatabaseIsUnavailable: when the database file cannot be
// written (here opened read-only; in production a full disk, a read-only
// volume or an I/O error), a write fails with EUNAVAILABLE and says to try
// again (503: Zoom redelivers, a job retries), not "Internal error". Result
// codes: https://www.sqlite.org/rescode.html#readonly.
func TestReadOnlyDatabaseIsUnavailable(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sfzoom.db")
	rw, err := sqlite.OpenDB(path)
	if err != nil {
		t.Fatal(err)
	}
	s := sqlstore.New(rw, sqlite.Dialect(), nil, nil)
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	s.Close()

	ro, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	s = sqlstore.New(ro, sqlite.Dialect(), nil, nil)
	defer s.Close()
	err = s.UpsertOrg(ctx, &sfzoom.Org{ID: "00D000000000001AAA", Name: "Acme", InstanceURL: "https://acme.my.salesforce.com"})
	storetest.WantUnavailable(t, "UpsertOrg on a read-only database", err)
}

// BenchmarkScale: the reads that must stay index searches as the tables
// grow (go test -bench Scale).
func BenchmarkScale(b *testing.B) {
	storetest.BenchmarkScale(b, func(tb testing.TB) store.Store { return MustOpenStore(tb) })
}

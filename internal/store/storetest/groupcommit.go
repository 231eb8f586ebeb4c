package storetest

import (
	"context"
	"database/sql"
	"errors"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store"
	"github.com/sfzoom/sfzoom/internal/store/sqlstore"
)

// GroupStore is a store with group commit on (sqlstore.EnableGroupCommit),
// and how the group commit tests count what it stored.
type GroupStore struct {
	store.Store
	DB *sql.DB
	// EventsQuery counts the webhook_events rows of a DedupeKey, JobsQuery
	// the River jobs whose args' "ref" is a key, and KindQuery the jobs of
	// a kind; each takes its one parameter in the database's form.
	EventsQuery, JobsQuery, KindQuery string
}

// OpenGroupStore opens a GroupStore whose River client is wrapped by wrap.
type OpenGroupStore func(t *testing.T, wrap func(sqlstore.JobInserter) sqlstore.JobInserter) GroupStore

// ExerciseGroupCommit runs the group commit tests on the stores open makes,
// and the whole conformance suite with group commit on, as sfzoom runs.
func ExerciseGroupCommit(t *testing.T, open OpenGroupStore) {
	t.Run("Store", func(t *testing.T) {
		Exercise(t, func(t *testing.T) store.Store {
			s := open(t, nil)
			return countingStore{s.Store, s}
		})
	})
	t.Run("Outcomes", func(t *testing.T) { testGroupCommitOutcomes(t, open) })
	t.Run("FailedGroupRetriesEachDelivery", func(t *testing.T) { testGroupCommitFailedGroup(t, open) })
}

// countingStore is a group store with the job counter the conformance
// suite needs.
type countingStore struct {
	store.Store
	g GroupStore
}

func (s countingStore) CountJobs(ctx context.Context, kind string) (int, error) {
	var n int
	err := s.g.DB.QueryRowContext(ctx, s.g.KindQuery, kind).Scan(&n)
	return n, err
}

// EnableGroupCommit attaches jobs to s, wrapped by wrap when not nil, and
// turns group commit on as the backend does.
func EnableGroupCommit(s interface {
	SetJobInserter(sqlstore.JobInserter)
	EnableGroupCommit(max int)
}, jobs sqlstore.JobInserter, wrap func(sqlstore.JobInserter) sqlstore.JobInserter) {
	if wrap != nil {
		jobs = wrap(jobs)
	}
	s.SetJobInserter(jobs)
	s.EnableGroupCommit(64)
}

// gatedJobs holds the writer in its first job insert until released, so
// deliveries queue up behind it and are then stored as one group; fail
// decides which inserts fail.
type gatedJobs struct {
	next    sqlstore.JobInserter
	gate    chan struct{}
	once    sync.Once
	entered chan struct{}
	fail    func(params []river.InsertManyParams) bool
	groups  atomic.Int64 // inserts carrying the jobs of more than one delivery
	failed  atomic.Int64
}

func (g *gatedJobs) InsertManyTx(ctx context.Context, tx *sql.Tx, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error) {
	if err := g.enter(params); err != nil {
		return nil, err
	}
	return g.next.InsertManyTx(ctx, tx, params)
}

func (g *gatedJobs) InsertManyFastTx(ctx context.Context, tx *sql.Tx, params []river.InsertManyParams) (int, error) {
	if err := g.enter(params); err != nil {
		return 0, err
	}
	return g.next.InsertManyFastTx(ctx, tx, params)
}

// enter holds the first insert at the gate, counts groups and injects the
// failures fail asks for.
func (g *gatedJobs) enter(params []river.InsertManyParams) error {
	g.once.Do(func() { close(g.entered); <-g.gate })
	if len(params) > 1 {
		g.groups.Add(1)
	}
	if g.fail != nil && g.fail(params) {
		g.failed.Add(1)
		return errors.New("injected job insert failure")
	}
	return nil
}

func openGated(t *testing.T, open OpenGroupStore, g *gatedJobs) GroupStore {
	g.gate, g.entered = make(chan struct{}), make(chan struct{})
	return open(t, func(next sqlstore.JobInserter) sqlstore.JobInserter { g.next = next; return g })
}

// deliver stores the deliveries of keys concurrently while the writer is
// held in the first one's job insert, and returns each one's error (index 0
// is the held one).
func (g *gatedJobs) deliver(t *testing.T, s GroupStore, keys []string) []error {
	t.Helper()
	errs := make([]error, len(keys))
	create := func(i int) {
		errs[i] = s.CreateWebhookEvent(context.Background(), &sfzoom.WebhookEvent{DedupeKey: keys[i], EventType: "meeting.ended",
			Payload: []byte(`{}`)}, Job(keys[i]))
	}
	var wg sync.WaitGroup
	wg.Go(func() { create(0) })
	<-g.entered
	var started sync.WaitGroup
	for i := 1; i < len(keys); i++ {
		started.Add(1)
		wg.Go(func() {
			started.Done()
			create(i)
		})
	}
	started.Wait()
	// Let the callers reach the writer's queue before it is released; the
	// outcome is checked whatever the grouping, and the caller asserts
	// that a group was formed.
	for range 100 {
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
	close(g.gate)
	wg.Wait()
	return errs
}

// count returns what a GroupStore query counts for key.
func (s GroupStore) count(t *testing.T, query, key string) int {
	t.Helper()
	var n int
	if err := s.DB.QueryRow(query, key).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// testGroupCommitOutcomes: deliveries stored as one group each get their
// own answer: a new one is stored with its job, a repeat within the group
// or of a stored one is ECONFLICT with no job; and nothing answered nil is
// missing from the database.
func testGroupCommitOutcomes(t *testing.T, open OpenGroupStore) {
	g := &gatedJobs{}
	s := openGated(t, open, g)
	keys := []string{"first"}
	for i := range 20 {
		keys = append(keys, "new-"+strconv.Itoa(i))
	}
	keys = append(keys, "first", "new-3", "new-3") // a stored one, and a repeat within the group
	errs := g.deliver(t, s, keys)
	if g.groups.Load() == 0 {
		t.Fatal("no group of deliveries was formed; the test did not exercise group commit")
	}
	stored := map[string]int{}
	for i, err := range errs {
		switch {
		case err == nil:
			stored[keys[i]]++
		case sfzoom.ErrorCode(err) != sfzoom.ECONFLICT:
			t.Errorf("CreateWebhookEvent(%s) = %v, want nil or ECONFLICT", keys[i], err)
		}
	}
	for _, k := range keys {
		if stored[k] != 1 {
			t.Errorf("%s answered stored %d times, want exactly once", k, stored[k])
		}
		if n, j := s.count(t, s.EventsQuery, k), s.count(t, s.JobsQuery, k); n != 1 || j != 1 {
			t.Errorf("%s: %d rows and %d jobs in the database, want 1 and 1", k, n, j)
		}
	}
}

// testGroupCommitFailedGroup: when the group's shared job insert fails,
// nothing of the group is kept and each delivery is stored alone: the one
// whose job cannot be inserted fails (and leaves no row), every other one
// is stored with its job. No delivery answered nil is missing, and none
// that failed was kept.
func testGroupCommitFailedGroup(t *testing.T, open OpenGroupStore) {
	g := &gatedJobs{fail: func(params []river.InsertManyParams) bool {
		for _, p := range params {
			if a, ok := p.Args.(JobArgs); ok && a.Ref == "poison" {
				return true
			}
		}
		return false
	}}
	s := openGated(t, open, g)
	keys := []string{"first"}
	for i := range 10 {
		keys = append(keys, "ok-"+strconv.Itoa(i))
	}
	keys = append(keys, "poison")
	for i := range 10 {
		keys = append(keys, "ok-b-"+strconv.Itoa(i))
	}
	errs := g.deliver(t, s, keys)
	if g.groups.Load() == 0 || g.failed.Load() < 2 {
		t.Fatalf("%d groups, %d failed inserts: the poisoned group was not formed and retried", g.groups.Load(), g.failed.Load())
	}
	for i, k := range keys {
		n, j := s.count(t, s.EventsQuery, k), s.count(t, s.JobsQuery, k)
		if k == "poison" {
			if errs[i] == nil || n != 0 || j != 0 {
				t.Errorf("poison: err %v, %d rows, %d jobs; want an error and nothing stored", errs[i], n, j)
			}
			continue
		}
		if errs[i] != nil || n != 1 || j != 1 {
			t.Errorf("%s: err %v, %d rows, %d jobs; want stored once with its job", k, errs[i], n, j)
		}
	}
}

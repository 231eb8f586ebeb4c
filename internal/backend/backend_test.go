package backend_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/sfzoom/sfzoom/internal/backend"
	"github.com/sfzoom/sfzoom/internal/helperproc"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store"
	"github.com/sfzoom/sfzoom/internal/store/postgres"
	"github.com/sfzoom/sfzoom/internal/store/sqlite"
	"github.com/sfzoom/sfzoom/internal/store/sqlstore"
	"github.com/sfzoom/sfzoom/internal/store/storetest"
)

// recordArgs is a job that appends its Ref to RunsFile each time it runs, so
// a test can count executions across processes.
type recordArgs struct {
	OrgID    string `json:"org_id,omitempty"`
	Ref      string `json:"ref"`
	RunsFile string `json:"runs_file"`
}

func (recordArgs) Kind() string { return "backend_test_record" }

type recordWorker struct {
	river.WorkerDefaults[recordArgs]
}

func (w *recordWorker) Work(ctx context.Context, job *river.Job[recordArgs]) error {
	f, err := os.OpenFile(job.Args.RunsFile, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintln(f, job.Args.Ref); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// failArgs always fails, to exercise the admin surface: the job is
// cancelled, or with Discard it errors and (inserted with MaxAttempts 1) is
// discarded.
type failArgs struct {
	OrgID   string `json:"org_id,omitempty"`
	Discard bool   `json:"discard,omitempty"`
}

func (failArgs) Kind() string { return "backend_test_fail" }

type failWorker struct{ river.WorkerDefaults[failArgs] }

func (w *failWorker) Work(_ context.Context, job *river.Job[failArgs]) error {
	if job.Args.Discard {
		return errors.New("always fails")
	}
	return river.JobCancel(errors.New("always fails"))
}

func newWorkers() *river.Workers {
	ws := river.NewWorkers()
	river.AddWorker(ws, &recordWorker{})
	river.AddWorker(ws, &failWorker{})
	river.AddWorker(ws, &crashyWorker{})
	return ws
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// MustOpen opens a backend and closes it when the test ends.
func MustOpen(tb testing.TB, opts backend.Options) *backend.Backend {
	tb.Helper()
	if opts.Logger == nil {
		opts.Logger = discard()
	}
	if opts.FetchPollInterval == 0 {
		opts.FetchPollInterval = 100 * time.Millisecond
	}
	b, err := backend.Open(context.Background(), opts)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		b.Stop(ctx)
		b.Close()
	})
	return b
}

func sqliteURL(tb testing.TB) string {
	return "sqlite:" + filepath.Join(tb.TempDir(), "data", "sfzoom.db")
}

func TestParseDatabaseURL(t *testing.T) {
	tests := []struct {
		name     string
		url      string
		wantKind string
		wantDSN  string
	}{
		{"SQLite", "sqlite:/var/lib/sfzoom/db.sqlite", backend.KindSQLite, "/var/lib/sfzoom/db.sqlite"},
		{"SQLiteRelative", "sqlite:data/sfzoom.db", backend.KindSQLite, "data/sfzoom.db"},
		{"SQLiteSlashes", "sqlite:///tmp/x.db", backend.KindSQLite, "/tmp/x.db"},
		{"Postgres", "postgres://u:secret@localhost:5432/db", backend.KindPostgres, "postgres://u:secret@localhost:5432/db"},
		{"PostgreSQL", "postgresql://u:secret@localhost/db?sslmode=disable", backend.KindPostgres, "postgresql://u:secret@localhost/db?sslmode=disable"},
		{"Empty", "", "", ""},
		{"SQLiteNoPath", "sqlite:", "", ""},
		{"UnknownScheme", "mysql://u:hunter2@db/x", "", ""},
		{"BadPostgres", "postgres://u:hunter2@host:notaport/db", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kind, dsn, err := backend.ParseDatabaseURL(tt.url)
			if tt.wantKind == "" {
				if sfzoom.ErrorCode(err) != sfzoom.EINVALID {
					t.Fatalf("ParseDatabaseURL(%q) error = %v, want EINVALID", tt.url, err)
				}
				msg := err.Error()
				if strings.Contains(msg, "hunter2") {
					t.Fatalf("error leaks the password: %s", msg)
				}
				if !strings.Contains(msg, "sqlite:") && !strings.Contains(msg, "postgres://") {
					t.Fatalf("error does not describe the expected shape: %s", msg)
				}
				return
			}
			if err != nil || kind != tt.wantKind || dsn != tt.wantDSN {
				t.Fatalf("ParseDatabaseURL(%q) = %q, %q, %v; want %q, %q", tt.url, kind, dsn, err, tt.wantKind, tt.wantDSN)
			}
		})
	}
}

// waitFor polls cond until it is true or the timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// runs returns the refs recorded in file, one per job execution.
func runs(t *testing.T, file string) []string {
	t.Helper()
	b, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(b))
}

func testWorkAndAdmin(t *testing.T, dbURL string) {
	ctx := context.Background()
	runsFile := filepath.Join(t.TempDir(), "runs")
	b := MustOpen(t, backend.Options{DatabaseURL: dbURL, Workers: newWorkers(), MaxWorkers: 2})
	if err := b.Store.CheckMigrations(ctx); err != nil {
		t.Fatalf("CheckMigrations after Open: %v", err)
	}
	const orgA, orgB = "00DA00000000001AAA", "00DB00000000001AAA"
	ev := &sfzoom.WebhookEvent{DedupeKey: "k1", EventType: "meeting.ended", Payload: []byte("{}")}
	jobs := []store.Job{
		{Args: recordArgs{OrgID: orgA, Ref: "ev1", RunsFile: runsFile}},
		{Args: failArgs{OrgID: orgA}},
		{Args: failArgs{OrgID: orgB}},
		{Args: failArgs{OrgID: orgA, Discard: true}, InsertOpts: &river.InsertOpts{MaxAttempts: 1}},
		{Args: failArgs{}}, // no org: a deployment-wide job
	}
	if err := b.Store.CreateWebhookEvent(ctx, ev, jobs...); err != nil {
		t.Fatal(err)
	}
	depth, err := b.QueueDepth(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if depth[rivertype.JobStateAvailable] != len(jobs) {
		t.Fatalf("QueueDepth before Start = %v, want %d available", depth, len(jobs))
	}
	// An org's Health tab counts its own jobs only.
	orgDepth := func(orgID string) map[rivertype.JobState]int {
		t.Helper()
		d, err := b.OrgQueueDepth(ctx, orgID)
		if err != nil {
			t.Fatalf("OrgQueueDepth(%q): %v", orgID, err)
		}
		return d
	}
	for _, tt := range []struct {
		org  string
		want map[rivertype.JobState]int
	}{
		{orgA, map[rivertype.JobState]int{rivertype.JobStateAvailable: 3}},
		{orgB, map[rivertype.JobState]int{rivertype.JobStateAvailable: 1}},
		{"", map[rivertype.JobState]int{}},
		{"00DC00000000001AAA", map[rivertype.JobState]int{}},
	} {
		if got := orgDepth(tt.org); !maps.Equal(got, tt.want) {
			t.Fatalf("OrgQueueDepth(%q) before Start = %v, want %v", tt.org, got, tt.want)
		}
	}
	if err := b.Start(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the record job", func() bool { return len(runs(t, runsFile)) == 1 })
	waitFor(t, 10*time.Second, "the failing jobs to fail", func() bool {
		depth, err := b.QueueDepth(ctx)
		return err == nil && depth[rivertype.JobStateCancelled] == 3 && depth[rivertype.JobStateDiscarded] == 1
	})
	all, err := b.Client().JobList(ctx, river.NewJobListParams().OrderBy(river.JobListOrderByID, river.SortOrderAsc))
	if err != nil || len(all.Jobs) != len(jobs) {
		t.Fatalf("JobList = %v, %v", all, err)
	}
	completedA, cancelledA, cancelledB, discardedA, noOrg := all.Jobs[0], all.Jobs[1], all.Jobs[2], all.Jobs[3], all.Jobs[4]
	if got, want := orgDepth(orgA), map[rivertype.JobState]int{rivertype.JobStateCompleted: 1, rivertype.JobStateCancelled: 1, rivertype.JobStateDiscarded: 1}; !maps.Equal(got, want) {
		t.Fatalf("OrgQueueDepth(org A) after work = %v, want %v", got, want)
	}
	if got, want := orgDepth(orgB), map[rivertype.JobState]int{rivertype.JobStateCancelled: 1}; !maps.Equal(got, want) {
		t.Fatalf("OrgQueueDepth(org B) after work = %v, want %v", got, want)
	}
	if completedA.State != rivertype.JobStateCompleted || discardedA.State != rivertype.JobStateDiscarded {
		t.Fatalf("job states = %s, %s; want completed, discarded", completedA.State, discardedA.State)
	}

	// Each org lists only its own failed jobs, most recent first.
	listed := func(orgID string) []int64 {
		t.Helper()
		failed, err := b.FailedJobs(ctx, orgID, 10)
		if err != nil {
			t.Fatalf("FailedJobs(%s): %v", orgID, err)
		}
		var ids []int64
		for _, j := range failed {
			ids = append(ids, j.ID)
		}
		return ids
	}
	if got, want := listed(orgA), []int64{discardedA.ID, cancelledA.ID}; !slices.Equal(got, want) {
		t.Fatalf("FailedJobs(org A) = %v, want %v", got, want)
	}
	if got, want := listed(orgB), []int64{cancelledB.ID}; !slices.Equal(got, want) {
		t.Fatalf("FailedJobs(org B) = %v, want %v", got, want)
	}
	if got := listed(""); len(got) != 0 {
		t.Fatalf("FailedJobs(no org) = %v, want none", got)
	}
	if failed, err := b.FailedJobs(ctx, orgA, 1); err != nil || len(failed) != 1 || failed[0].ID != discardedA.ID {
		t.Fatalf("FailedJobs(org A, 1) = %v, %v; want the discarded job only", failed, err)
	}

	// Org A can't retry org B's job, a job of no org, an unknown job or a
	// completed one; nothing about them changes.
	refused := []struct {
		name string
		id   int64
		code string
		msg  string
	}{
		{"OtherOrg", cancelledB.ID, sfzoom.ENOTFOUND, "That job is not in this org's list. Reload the Health tab."},
		{"NoOrg", noOrg.ID, sfzoom.ENOTFOUND, "That job is not in this org's list. Reload the Health tab."},
		{"Unknown", 987654, sfzoom.ENOTFOUND, "That job is not in this org's list. Reload the Health tab."},
		{"Completed", completedA.ID, sfzoom.EINVALID, fmt.Sprintf("Job %d has completed, so there is nothing to retry: only failed jobs can be retried. Reload the Health tab.", completedA.ID)},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			_, err := b.RetryJob(ctx, orgA, tt.id)
			if sfzoom.ErrorCode(err) != tt.code || sfzoom.ErrorMessage(err) != tt.msg {
				t.Fatalf("RetryJob(org A, %d) = %v; want %s %q", tt.id, err, tt.code, tt.msg)
			}
		})
	}
	for _, j := range []*rivertype.JobRow{cancelledB, noOrg, completedA} {
		got, err := b.Client().JobGet(ctx, j.ID)
		if err != nil || got.State != j.State {
			t.Fatalf("job %d after refused retries = %v, %v; want %s", j.ID, got, err, j.State)
		}
	}

	// Org A retries its discarded and its cancelled job.
	for _, j := range []*rivertype.JobRow{discardedA, cancelledA} {
		retried, err := b.RetryJob(ctx, orgA, j.ID)
		if err != nil {
			t.Fatalf("RetryJob(org A, %d): %v", j.ID, err)
		}
		if retried.ID != j.ID || retried.State != rivertype.JobStateAvailable {
			t.Fatalf("RetryJob(org A, %d) = job %d in state %s, want available", j.ID, retried.ID, retried.State)
		}
	}
	// Org B's job is retryable by org B.
	if _, err := b.RetryJob(ctx, orgB, cancelledB.ID); err != nil {
		t.Fatalf("RetryJob(org B, own job): %v", err)
	}
	stopCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := b.Stop(stopCtx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
}

func TestSQLite(t *testing.T) { testWorkAndAdmin(t, sqliteURL(t)) }

func TestPostgres(t *testing.T) { testWorkAndAdmin(t, storetest.PostgresSchemaURL(t)) }

func TestInsertOnlyStart(t *testing.T) {
	b := MustOpen(t, backend.Options{DatabaseURL: sqliteURL(t)})
	if err := b.Start(context.Background()); err != nil {
		t.Fatalf("Start without workers = %v, want nil", err)
	}
	if err := b.Stop(context.Background()); err != nil {
		t.Fatalf("Stop without workers = %v, want nil", err)
	}
}

// Environment of the helper process.
const (
	envHelper   = "SFZOOM_BACKEND_HELPER" // "commit", "hang" or "work"
	envURL      = "SFZOOM_BACKEND_HELPER_URL"
	envRunsFile = "SFZOOM_BACKEND_HELPER_RUNS"
)

// hangingInserter inserts the jobs, announces that the transaction holds the
// row and the job, and never returns, so the process dies mid-transaction.
type hangingInserter struct {
	client *river.Client[*sql.Tx]
}

func (h hangingInserter) InsertManyTx(ctx context.Context, tx *sql.Tx, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error) {
	_, err := h.client.InsertManyTx(ctx, tx, params)
	return nil, hang(err)
}

func (h hangingInserter) InsertManyFastTx(ctx context.Context, tx *sql.Tx, params []river.InsertManyParams) (int, error) {
	_, err := h.client.InsertManyFastTx(ctx, tx, params)
	return 0, hang(err)
}

// hang returns a failed insert's error; after an insert that worked it
// announces IN_TX and never returns.
func hang(err error) error {
	if err != nil {
		return err
	}
	fmt.Println("IN_TX")
	select {}
}

// TestMain runs the durability tests' helper process when the test binary
// is started again with envHelper set (the tests kill it with SIGKILL), and
// the tests otherwise.
func TestMain(m *testing.M) {
	if mode := os.Getenv(envHelper); mode != "" {
		helperProcess(mode)
		return
	}
	os.Exit(m.Run())
}

// helperProcess stores one webhook event with its job and blocks until it
// is killed; in "hang" mode it blocks inside the transaction instead.
func helperProcess(mode string) {
	ctx := context.Background()
	switch mode {
	case "work":
		workHelper(ctx)
		return
	case "lock":
		lockHelper(os.Getenv(envURL))
		return
	}
	// No workers: nothing can run the job in this process.
	b, err := backend.Open(ctx, backend.Options{DatabaseURL: os.Getenv(envURL), Logger: discard()})
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(2)
	}
	ev := &sfzoom.WebhookEvent{DedupeKey: "durable", EventType: "meeting.ended", Payload: []byte("{}")}
	job := store.Job{Args: recordArgs{Ref: "durable", RunsFile: os.Getenv(envRunsFile)}}
	st := b.Store
	if mode == "hang" {
		h := hangingInserter{client: b.Client()}
		if b.Kind() == backend.KindSQLite {
			st = sqlstore.New(b.DB(), sqlite.Dialect(), h, nil)
		} else {
			st = sqlstore.New(b.DB(), postgres.Dialect(), h, nil)
		}
	}
	if err := st.CreateWebhookEvent(ctx, ev, job); err != nil {
		fmt.Println("ERROR", err)
		os.Exit(2)
	}
	fmt.Println("COMMITTED")
	select {}
}

// runHelperUntil starts the helper in mode and SIGKILLs it once it prints marker.
func runHelperUntil(t *testing.T, mode, dbURL, runsFile, marker string) {
	t.Helper()
	cmd := startHelperUntil(t, mode, dbURL, runsFile, marker)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
}

// startHelperUntil starts the helper in mode and returns once it prints
// marker, leaving it running (it is killed when the test ends).
func startHelperUntil(t *testing.T, mode, dbURL, runsFile, marker string) *exec.Cmd {
	t.Helper()
	cmd, _ := helperproc.Start(t, []string{envHelper + "=" + mode, envURL + "=" + dbURL, envRunsFile + "=" + runsFile},
		func(line string) bool { return line == marker })
	return cmd
}

func testDurability(t *testing.T, newURL func(testing.TB) string) {
	ctx := context.Background()

	t.Run("KilledAfterCommitRunsOnce", func(t *testing.T) {
		dbURL := newURL(t)
		runsFile := filepath.Join(t.TempDir(), "runs")
		runHelperUntil(t, "commit", dbURL, runsFile, "COMMITTED")

		b := MustOpen(t, backend.Options{DatabaseURL: dbURL, Workers: newWorkers()})
		if _, err := b.Store.LastWebhookEvent(ctx, ""); err != nil {
			t.Fatalf("LastWebhookEvent after kill: %v", err)
		}
		if got := runs(t, runsFile); len(got) != 0 {
			t.Fatalf("job ran before the restart: %v", got)
		}
		if err := b.Start(ctx); err != nil {
			t.Fatal(err)
		}
		// Once the only job is completed nothing can run it again, so the
		// count of runs is final.
		waitFor(t, 15*time.Second, "the job to complete", func() bool {
			depth, err := b.QueueDepth(ctx)
			return err == nil && depth[rivertype.JobStateCompleted] == 1 && len(depth) == 1
		})
		if got := runs(t, runsFile); len(got) != 1 || got[0] != "durable" {
			t.Fatalf("job runs = %v, want exactly one", got)
		}
	})

	t.Run("KilledMidTransactionLeavesNothing", func(t *testing.T) {
		dbURL := newURL(t)
		runsFile := filepath.Join(t.TempDir(), "runs")
		runHelperUntil(t, "hang", dbURL, runsFile, "IN_TX")

		b := MustOpen(t, backend.Options{DatabaseURL: dbURL, Workers: newWorkers()})
		if _, err := b.Store.LastWebhookEvent(ctx, ""); sfzoom.ErrorCode(err) != sfzoom.ENOTFOUND {
			t.Fatalf("LastWebhookEvent after kill mid-transaction = %v, want ENOTFOUND", err)
		}
		depth, err := b.QueueDepth(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(depth) != 0 {
			t.Fatalf("QueueDepth after kill mid-transaction = %v, want no jobs", depth)
		}
		if err := b.Start(ctx); err != nil {
			t.Fatal(err)
		}
		// The delivery is not mistaken for a duplicate when Zoom retries it.
		ev := &sfzoom.WebhookEvent{DedupeKey: "durable", EventType: "meeting.ended", Payload: []byte("{}")}
		if err := b.Store.CreateWebhookEvent(ctx, ev, store.Job{Args: recordArgs{Ref: "retry", RunsFile: runsFile}}); err != nil {
			t.Fatalf("CreateWebhookEvent(retried delivery): %v", err)
		}
		// The queue held no job (checked above), so once the retried
		// delivery's job, the only one, is completed, every run there will
		// be has happened: the rolled-back job's would show as "durable".
		waitFor(t, 15*time.Second, "the retried delivery's job to complete", func() bool {
			depth, err := b.QueueDepth(ctx)
			return err == nil && depth[rivertype.JobStateCompleted] == 1 && len(depth) == 1
		})
		if got := runs(t, runsFile); len(got) != 1 || got[0] != "retry" {
			t.Fatalf("job runs = %v, want only the retried delivery's", got)
		}
	})
}

func TestDurabilitySQLite(t *testing.T) { testDurability(t, sqliteURL) }

func TestDurabilityPostgres(t *testing.T) { testDurability(t, storetest.PostgresSchemaURL) }

package backend_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/sfzoom/sfzoom/internal/backend"
	"github.com/sfzoom/sfzoom/internal/store/storetest"
)

// crashyArgs is a job that, in the "work" helper process, announces it is
// running and blocks until the process is killed; in the test process it
// records its run like recordArgs.
type crashyArgs struct {
	Ref      string `json:"ref"`
	RunsFile string `json:"runs_file"`
}

func (crashyArgs) Kind() string { return "backend_test_crashy" }

type crashyWorker struct {
	river.WorkerDefaults[crashyArgs]
	block bool
}

func (w *crashyWorker) Work(ctx context.Context, job *river.Job[crashyArgs]) error {
	if w.block {
		fmt.Println("WORKING")
		select {}
	}
	return (&recordWorker{}).Work(ctx, &river.Job[recordArgs]{JobRow: job.JobRow, Args: recordArgs{Ref: job.Args.Ref, RunsFile: job.Args.RunsFile}})
}

// Short timeouts for the rescue test: the mechanism is River's, the numbers
// production uses are checked by TestRecoveryBudget.
const (
	testJobTimeout  = time.Second
	testRescueAfter = 2 * time.Second
)

// workHelper works jobs with a crashyWorker that blocks, so its job stays
// "running" when the process is killed.
func workHelper(ctx context.Context) {
	ws := river.NewWorkers()
	river.AddWorker(ws, &crashyWorker{block: true})
	b, err := backend.Open(ctx, backend.Options{DatabaseURL: os.Getenv(envURL), Logger: discard(), Workers: ws,
		FetchPollInterval: 100 * time.Millisecond, JobTimeout: testJobTimeout, RescueStuckJobsAfter: testRescueAfter})
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(2)
	}
	if err := b.Start(ctx); err != nil {
		fmt.Println("ERROR", err)
		os.Exit(2)
	}
	select {}
}

// testRescue kills a worker process with SIGKILL while its job runs, then
// starts a new worker on the same database: River's rescuer hands the stuck
// job back and it runs exactly once more, within the time River needs to
// see the dead process's leadership expire (15 s TTL + an election) plus
// the (shortened) rescue window.
func testRescue(t *testing.T, dbURL string) {
	ctx := context.Background()
	runsFile := filepath.Join(t.TempDir(), "runs")
	ins := MustOpen(t, backend.Options{DatabaseURL: dbURL})
	res, err := ins.Client().Insert(ctx, crashyArgs{Ref: "stuck", RunsFile: runsFile}, nil)
	if err != nil {
		t.Fatal(err)
	}
	runHelperUntil(t, "work", dbURL, runsFile, "WORKING")
	killed := time.Now()

	b := MustOpen(t, backend.Options{DatabaseURL: dbURL, Workers: newWorkers(),
		JobTimeout: testJobTimeout, RescueStuckJobsAfter: testRescueAfter})
	job, err := b.Client().JobGet(ctx, res.Job.ID)
	if err != nil || job.State != rivertype.JobStateRunning {
		t.Fatalf("job after the kill = %v, %v; want running", job, err)
	}
	if err := b.Start(ctx); err != nil {
		t.Fatal(err)
	}
	const bound = 15*time.Second + 6*time.Second + testRescueAfter + 10*time.Second // leader TTL + election + rescue window + slack
	waitFor(t, bound, "the rescued job to complete", func() bool {
		job, err := b.Client().JobGet(ctx, res.Job.ID)
		return err == nil && job.State == rivertype.JobStateCompleted
	})
	t.Logf("stuck job rescued and completed %v after the kill", time.Since(killed).Round(100*time.Millisecond))
	if got := runs(t, runsFile); len(got) != 1 || got[0] != "stuck" {
		t.Fatalf("runs after the rescue = %v, want exactly one", got)
	}
}

func TestRescueAfterKillSQLite(t *testing.T) { testRescue(t, sqliteURL(t)) }

func TestRescueAfterKillPostgres(t *testing.T) { testRescue(t, storetest.PostgresSchemaURL(t)) }

// TestRecoveryBudget checks the production numbers keep the promise of
// docs/reliability.md: a job is not rescued while its context can still be
// live (a clear margin over the timeout), and the worst case from a restart
// to the rescued job running stays under two minutes.
func TestRecoveryBudget(t *testing.T) {
	const (
		leaderTTL      = 15 * time.Second // River's elector: interval 5 s + 10 s padding
		election       = 6 * time.Second  // interval + jitter
		rescuerEvery   = 30 * time.Second // River's rescuer interval
		firstRetry     = 2 * time.Second  // River's retry after one error, with jitter, and a fetch poll
		margin         = 15 * time.Second
		recoveryTarget = 2 * time.Minute
	)
	if got := backend.RescueStuckJobsAfter - backend.JobTimeout; got < margin {
		t.Errorf("RescueStuckJobsAfter - JobTimeout = %v, want ≥ %v so a job still running is not rescued", got, margin)
	}
	worst := max(leaderTTL+election, backend.RescueStuckJobsAfter) + rescuerEvery + firstRetry
	if worst >= recoveryTarget {
		t.Errorf("worst-case recovery = %v, want < %v", worst, recoveryTarget)
	}
	if _, err := backend.Open(context.Background(), backend.Options{DatabaseURL: sqliteURL(t), JobTimeout: time.Minute, RescueStuckJobsAfter: time.Minute}); err == nil {
		t.Error("Open with a rescue window no longer than the job timeout succeeded, want an error")
	}
}

// gateArgs is a job that tells the test it started (on the gate's started
// channel) and then waits for the test to release it, or for its context.
type gateArgs struct{}

func (gateArgs) Kind() string { return "backend_test_gate" }

type gate struct {
	started chan int64
	release chan struct{}
	runs    chan int64 // every run that returned nil
}

type gateWorker struct {
	river.WorkerDefaults[gateArgs]
	g *gate
}

func (w *gateWorker) Work(ctx context.Context, job *river.Job[gateArgs]) error {
	w.g.started <- job.ID
	select {
	case <-w.g.release:
		w.g.runs <- job.ID
		return nil
	case <-ctx.Done():
		return fmt.Errorf("gate: %w", ctx.Err())
	}
}

func newGate() *gate {
	return &gate{started: make(chan int64, 4), release: make(chan struct{}), runs: make(chan int64, 4)}
}

func gateBackend(t *testing.T, dbURL string, g *gate) *backend.Backend {
	ws := river.NewWorkers()
	river.AddWorker(ws, &gateWorker{g: g})
	return MustOpen(t, backend.Options{DatabaseURL: dbURL, Workers: ws})
}

func waitStarted(t *testing.T, g *gate) int64 {
	t.Helper()
	select {
	case id := <-g.started:
		return id
	case <-time.After(15 * time.Second):
		t.Fatal("the job did not start")
	}
	return 0
}

// testGracefulStop: Stop lets a job in flight finish within the shutdown
// timeout (it completes, not cancelled), and hands back one that does not
// (available again, no attempt used, no error), which the next start runs
// at once: nothing is left "running".
func testGracefulStop(t *testing.T, newURL func(testing.TB) string) {
	ctx := context.Background()
	t.Run("InFlightJobFinishes", func(t *testing.T) {
		g := newGate()
		b := gateBackend(t, newURL(t), g)
		res, err := b.Client().Insert(ctx, gateArgs{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Start(ctx); err != nil {
			t.Fatal(err)
		}
		waitStarted(t, g)
		// The job works for 2 s more (it ignores the release channel and
		// returns nil when the work time is up, unless its context is
		// cancelled first): Stop must wait for it, not cancel it.
		go func() {
			time.Sleep(2 * time.Second)
			close(g.release)
		}()
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := b.Stop(sctx); err != nil {
			t.Fatalf("Stop = %v, want nil", err)
		}
		job, err := b.Client().JobGet(ctx, res.Job.ID)
		if err != nil || job.State != rivertype.JobStateCompleted {
			t.Fatalf("job after a graceful stop = %v, %v; want completed", job.State, err)
		}
	})

	t.Run("LateJobHandedBack", func(t *testing.T) {
		dbURL := newURL(t)
		g := newGate()
		b := gateBackend(t, dbURL, g)
		res, err := b.Client().Insert(ctx, gateArgs{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Start(ctx); err != nil {
			t.Fatal(err)
		}
		waitStarted(t, g)
		// The job never finishes on its own: Stop waits three quarters of
		// the timeout, then cancels and hands it back in the last quarter
		// (0.5 s, room for a loaded machine's SQLite write).
		sctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		if err := b.Stop(sctx); err != nil {
			t.Fatalf("Stop past the timeout = %v, want nil (jobs handed back)", err)
		}
		job, err := b.Client().JobGet(ctx, res.Job.ID)
		if err != nil {
			t.Fatal(err)
		}
		if job.State != rivertype.JobStateAvailable || job.Attempt != 0 || len(job.Errors) != 0 {
			t.Fatalf("job after a stop past the timeout: state %s, attempt %d, errors %v; want available, 0, none",
				job.State, job.Attempt, job.Errors)
		}
		b.Close()

		// The next start runs it at once.
		g2 := newGate()
		close(g2.release)
		b2 := gateBackend(t, dbURL, g2)
		if err := b2.Start(ctx); err != nil {
			t.Fatal(err)
		}
		if id := waitStarted(t, g2); id != res.Job.ID {
			t.Fatalf("next start ran job %d, want %d", id, res.Job.ID)
		}
		waitFor(t, 10*time.Second, "the handed-back job to complete", func() bool {
			job, err := b2.Client().JobGet(ctx, res.Job.ID)
			return err == nil && job.State == rivertype.JobStateCompleted
		})
	})
}

func TestGracefulStopSQLite(t *testing.T) { testGracefulStop(t, sqliteURL) }

func TestGracefulStopPostgres(t *testing.T) { testGracefulStop(t, storetest.PostgresSchemaURL) }

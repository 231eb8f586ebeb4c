// Package backend opens sfzoom's database and job queue from one URL: the
// store (SQLite or Postgres), the app and River migrations, and the River
// client(s) that insert jobs in the store's transactions and work them.
//
// On SQLite one riversqlite client over the store's *sql.DB does both. On
// Postgres there are two clients over the same database and River tables: a
// riverdatabasesql client over the store's pgx-stdlib *sql.DB inserts jobs,
// because River needs its driver's transaction type (*sql.Tx) to be the one
// the store writes rows with; and a riverpgxv5 client on a pgxpool works
// them, because only that driver LISTENs for River's insert notifications (the
// inserting client sends them with pg_notify in the same transaction), so jobs
// start without waiting for a poll.
package backend

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store"
	"github.com/sfzoom/sfzoom/internal/store/postgres"
	"github.com/sfzoom/sfzoom/internal/store/sqlite"
	"github.com/sfzoom/sfzoom/internal/store/sqlstore"
)

// Database kinds, as reported by Backend.Kind.
const (
	KindSQLite   = "sqlite"
	KindPostgres = "postgres"
)

// groupCommitMax bounds how many webhook deliveries share one transaction
// (sqlstore.Store.EnableGroupCommit): enough for a burst from Zoom's
// senders, small enough that one group's transaction stays short.
// Both databases use it: on SQLite it shares the one writer's transactions,
// on Postgres it shares round trips and WAL flushes (docs/performance.md).
const groupCommitMax = 64

// DefaultMaxWorkers is the number of jobs worked at once when Options.MaxWorkers is 0.
const DefaultMaxWorkers = 10

// Recovery after a crash. A job whose process dies (SIGKILL, OOM, a lost
// node) stays "running" in River's table until River's rescuer, run every
// 30 s by the elected leader, finds it running for longer than
// RescueStuckJobsAfter and schedules it again (River's default is an hour).
// The two numbers below bound how long a meeting waits after a crash, and
// keep a job that is still working on another replica from being rescued:
//
//   - JobTimeout cancels a job's context after 40 s (a worker may set a longer
//     Timeout of its own, which the rescuer honours too). A meeting is logged
//     with a handful of Zoom and Salesforce calls, each bounded by the HTTP
//     client's 30 s timeout and cut short by the context, so a healthy job
//     finishes in seconds and a stuck one is cancelled and retried with backoff.
//   - RescueStuckJobsAfter is 60 s: 20 s more than JobTimeout, so by the time a
//     job is eligible its worker's context has been cancelled for 20 s and its
//     outcome written (a worker that ignores its context is the only way to
//     run past it; sfzoom's workers pass it to every call).
//
// Worst case after a restart: the dead process's leadership expires within
// 15 s (River's elector TTL) plus an election interval (≤ 6 s); the job
// becomes eligible at most 60 s after it started; the rescuer's next pass
// comes at most 30 s later; the retry runs after about a second. That is
// about 95 s, under the 2 minutes sfzoom promises (docs/reliability.md).
const (
	JobTimeout           = 40 * time.Second
	RescueStuckJobsAfter = 60 * time.Second
)

// Options configure Open.
type Options struct {
	// DatabaseURL is "sqlite:PATH" (the parent directory is created) or
	// "postgres://user:password@host:port/db?…" ("postgresql://" too).
	DatabaseURL string
	// DBMaxConns bounds the Postgres connections of the store and the
	// inserting client (postgres.DefaultMaxConns when 0); the working
	// client's pgxpool has its own (pgxpool's default size). Unused on SQLite.
	DBMaxConns int
	// Logger receives River's and the migrations' logs; nil discards them.
	Logger *slog.Logger
	// Workers are the job workers. Nil makes an insert-only backend: jobs are
	// inserted with their rows but Start works nothing (sfzoom migrate,
	// tests) until workers are attached with Work.
	Workers *river.Workers
	// PeriodicJobs are enqueued by the elected River leader while started.
	PeriodicJobs []*river.PeriodicJob
	// MaxWorkers is how many jobs of the default queue run at once (DefaultMaxWorkers if 0).
	MaxWorkers int
	// Middleware is installed on the working client (e.g. *jobs.Metrics).
	Middleware []rivertype.Middleware
	// Now is the store's clock (time.Now if nil).
	Now func() time.Time
	// SkipMigrations leaves the schema alone at Open; CheckMigrations and
	// River report what is missing. Migrate applies it.
	SkipMigrations bool
	// FetchPollInterval overrides how often River polls for jobs (its default
	// is one second); SQLite has no notifications for inserts made by other
	// processes, so this bounds their latency there.
	FetchPollInterval time.Duration
	// JobTimeout and RescueStuckJobsAfter override the package's constants
	// (tests shorten them to exercise a rescue quickly). RescueStuckJobsAfter
	// must exceed JobTimeout.
	JobTimeout           time.Duration
	RescueStuckJobsAfter time.Duration
}

// worker is the working River client, whatever its transaction type.
type worker interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
}

// WorkerOptions are the job workers attached to an open backend by Work.
type WorkerOptions struct {
	// Workers are the job workers.
	Workers *river.Workers
	// PeriodicJobs are enqueued by the elected River leader while started.
	PeriodicJobs []*river.PeriodicJob
	// MaxWorkers is how many jobs of the default queue run at once (DefaultMaxWorkers if 0).
	MaxWorkers int
	// Middleware is installed on the working client (e.g. *jobs.Metrics).
	Middleware []rivertype.Middleware
}

// Backend is an open database with its store and job queue.
type Backend struct {
	// Store is the persistence contract, inserting jobs in its transactions.
	Store store.Store

	kind    string
	dsn     string
	opts    Options
	jobs    interface{ SetJobInserter(sqlstore.JobInserter) } // the store's job inserter
	db      *sql.DB
	pool    *pgxpool.Pool          // Postgres only: the working client's pool
	client  *river.Client[*sql.Tx] // inserts jobs; admin operations
	worker  worker                 // nil when Options.Workers is nil
	migrate func(context.Context) error
	logger  *slog.Logger
}

// ParseDatabaseURL splits a DATABASE_URL into its kind and the path (SQLite)
// or connection string (Postgres). Errors describe the expected shape and
// never repeat the value, which may hold a password.
func ParseDatabaseURL(u string) (kind, dsn string, err error) {
	switch {
	case strings.HasPrefix(u, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(u, "sqlite:"), "//")
		if path == "" {
			return "", "", sfzoom.Errorf(sfzoom.EINVALID, `DATABASE_URL "sqlite:" needs a file path, like "sqlite:/var/lib/sfzoom/sfzoom.db".`)
		}
		return KindSQLite, path, nil
	case strings.HasPrefix(u, "postgres://"), strings.HasPrefix(u, "postgresql://"):
		if _, err := pgx.ParseConfig(u); err != nil {
			return "", "", sfzoom.Errorf(sfzoom.EINVALID, `DATABASE_URL is not a valid Postgres URL; want "postgres://user:password@host:5432/dbname?sslmode=…".`)
		}
		return KindPostgres, u, nil
	case u == "":
		return "", "", sfzoom.Errorf(sfzoom.EINVALID, `DATABASE_URL is empty; want "sqlite:PATH" or "postgres://user:password@host:5432/dbname".`)
	}
	return "", "", sfzoom.Errorf(sfzoom.EINVALID, `DATABASE_URL has an unknown scheme; want "sqlite:PATH" or "postgres://user:password@host:5432/dbname".`)
}

// Open opens the database named by opts.DatabaseURL, applies the app and then
// the River migrations (unless SkipMigrations), and builds the store and the
// River client(s). Call Start to work jobs and Close when done.
func Open(ctx context.Context, opts Options) (*Backend, error) {
	kind, dsn, err := ParseDatabaseURL(opts.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("backend: %w", err)
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	timeout, rescue := cmp.Or(opts.JobTimeout, JobTimeout), cmp.Or(opts.RescueStuckJobsAfter, RescueStuckJobsAfter)
	if timeout <= 0 || rescue <= timeout {
		return nil, fmt.Errorf("backend: %w", sfzoom.Errorf(sfzoom.EINVALID,
			"The job rescue window (%v) must be longer than the job timeout (%v), or a job still running would be run twice.", rescue, timeout))
	}
	b := &Backend{kind: kind, dsn: dsn, opts: opts, logger: logger}
	switch kind {
	case KindSQLite:
		err = b.openSQLite(ctx, dsn, opts)
	default:
		err = b.openPostgres(dsn, opts)
	}
	if err == nil && opts.Workers != nil {
		err = b.Work(ctx, WorkerOptions{Workers: opts.Workers, PeriodicJobs: opts.PeriodicJobs,
			MaxWorkers: opts.MaxWorkers, Middleware: opts.Middleware})
	}
	if err != nil {
		b.Close()
		return nil, err
	}
	if !opts.SkipMigrations {
		if err := b.Migrate(ctx); err != nil {
			b.Close()
			return nil, err
		}
	}
	return b, nil
}

// riverConfig is the River configuration of a client; w, when set, makes it
// a working client.
func riverConfig(opts Options, logger *slog.Logger, w *WorkerOptions) *river.Config {
	cfg := &river.Config{Logger: logger, FetchPollInterval: opts.FetchPollInterval,
		JobTimeout:           cmp.Or(opts.JobTimeout, JobTimeout),
		RescueStuckJobsAfter: cmp.Or(opts.RescueStuckJobsAfter, RescueStuckJobsAfter)}
	if w != nil {
		n := w.MaxWorkers
		if n <= 0 {
			n = DefaultMaxWorkers
		}
		cfg.Workers = w.Workers
		cfg.PeriodicJobs = w.PeriodicJobs
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: n}}
		cfg.Middleware = w.Middleware
	}
	return cfg
}

func (b *Backend) openSQLite(ctx context.Context, path string, opts Options) error {
	db, err := sqlite.OpenDB(path)
	if err != nil {
		return fmt.Errorf("backend: %w", err)
	}
	b.db = db
	if err := sqlite.Verify(ctx, db, path); err != nil {
		return fmt.Errorf("backend: %w", err)
	}
	st := sqlstore.New(db, sqlite.Dialect(), nil, opts.Now)
	rdb, err := sqlite.OpenReadDB(path)
	if err != nil {
		return fmt.Errorf("backend: %w", err)
	}
	st.SetReadDB(rdb)
	st.EnableGroupCommit(groupCommitMax)
	b.Store = st // closed with the backend from here on
	return b.useStore(st, riversqlite.New(db), opts, func(err error) error { return sqlite.Explain(path, err) })
}

func (b *Backend) openPostgres(url string, opts Options) error {
	db, err := postgres.OpenDB(url, opts.DBMaxConns)
	if err != nil {
		return fmt.Errorf("backend: %w", err)
	}
	b.db = db
	st := sqlstore.New(db, postgres.Dialect(), nil, opts.Now)
	st.EnableGroupCommit(groupCommitMax)
	return b.useStore(st, riverdatabasesql.New(db), opts, func(err error) error { return err })
}

// jobStore is a store that inserts jobs in its transactions and migrates
// its schema (both dialects' stores).
type jobStore interface {
	store.Store
	SetJobInserter(sqlstore.JobInserter)
	Migrate(ctx context.Context) error
}

// useStore makes st the backend's store, inserting jobs through a River
// client over driver (the working client comes with Work). explain says
// what a migration error means for the database at hand.
func (b *Backend) useStore(st jobStore, driver riverdriver.Driver[*sql.Tx], opts Options, explain func(error) error) error {
	client, err := river.NewClient(driver, riverConfig(opts, b.logger, nil))
	if err != nil {
		return fmt.Errorf("backend: river client: %w", err)
	}
	st.SetJobInserter(client)
	b.Store, b.jobs, b.client = st, st, client
	b.migrate = func(ctx context.Context) error {
		if err := st.Migrate(ctx); err != nil {
			return fmt.Errorf("backend: %w", explain(err))
		}
		return explain(migrateRiver(ctx, driver, b.logger))
	}
	return nil
}

// Work attaches the job workers, so that a process opens the store, builds
// the services the workers need from it, and only then builds the working
// River client. Call it once, before Start and before the backend is used
// concurrently. On SQLite the working client also becomes the client that
// inserts jobs (so its own inserts wake it); on Postgres it works jobs over
// its own pgx pool.
func (b *Backend) Work(ctx context.Context, w WorkerOptions) error {
	if w.Workers == nil {
		return fmt.Errorf("backend: %w", sfzoom.Errorf(sfzoom.EINVALID, "Work needs job workers."))
	}
	if b.worker != nil {
		return fmt.Errorf("backend: %w", sfzoom.Errorf(sfzoom.EINVALID, "The job workers are already attached."))
	}
	cfg := riverConfig(b.opts, b.logger, &w)
	if b.kind == KindSQLite {
		client, err := river.NewClient(riversqlite.New(b.db), cfg)
		if err != nil {
			return fmt.Errorf("backend: river client: %w", err)
		}
		b.jobs.SetJobInserter(client)
		b.client, b.worker = client, client
		return nil
	}
	pool, err := pgxpool.New(ctx, b.dsn)
	if err != nil {
		return fmt.Errorf("backend: postgres pool: %w", err)
	}
	b.pool = pool
	wc, err := river.NewClient(riverpgxv5.New(pool), cfg)
	if err != nil {
		return fmt.Errorf("backend: river worker client: %w", err)
	}
	b.worker = wc
	return nil
}

// migrateRiver applies River's own migrations, after the app's.
func migrateRiver(ctx context.Context, driver riverdriver.Driver[*sql.Tx], logger *slog.Logger) error {
	m, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: logger})
	if err != nil {
		return fmt.Errorf("backend: river migrations: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("backend: river migrations: %w", err)
	}
	return nil
}

// Kind returns KindSQLite or KindPostgres.
func (b *Backend) Kind() string { return b.kind }

// DB returns the database the store and the inserting River client share.
func (b *Backend) DB() *sql.DB { return b.db }

// Client returns the River client that inserts jobs (and, on SQLite, works
// them). Use it for rivertest assertions and ad-hoc inserts.
func (b *Backend) Client() *river.Client[*sql.Tx] { return b.client }

// Migrate applies the app migrations, then River's (used by sfzoom migrate).
// Both are idempotent.
func (b *Backend) Migrate(ctx context.Context) error { return b.migrate(ctx) }

// Start starts working jobs in the background. It is a no-op for an
// insert-only backend (Options.Workers nil). Jobs run with contexts derived
// from ctx, so cancelling ctx cancels them at once (River's abrupt stop):
// for a graceful shutdown pass a context that outlives the signal
// (context.WithoutCancel) and call Stop.
func (b *Backend) Start(ctx context.Context) error {
	if b.worker == nil {
		b.logger.InfoContext(ctx, "backend: no workers configured; jobs are inserted but not worked here")
		return nil
	}
	if err := b.worker.Start(ctx); err != nil {
		return fmt.Errorf("backend: start river: %w", err)
	}
	return nil
}

// Stop shuts the job queue down gracefully: no new job is fetched, and jobs
// already running may finish until ctx is nearly done (its last quarter, at
// most 5 s, is kept for the hand-back). Then their contexts are cancelled
// (River's StopAndCancel) and Stop waits for them to return, within ctx.
// A job that returns its context's cancellation error then is handed back:
// River makes it available again without using up an attempt, so the next
// process (or another replica) runs it at once. A job still "running" when
// the process dies (SIGKILL, crash) is rescued by River after
// RescueStuckJobsAfter and run again, so every worker must be idempotent.
func (b *Backend) Stop(ctx context.Context) error {
	if b.worker == nil {
		return nil
	}
	// The hand-back must fit in ctx too: keep the last quarter of its time
	// (at most handBackTime) for it.
	soft := ctx
	if dl, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		soft, cancel = context.WithDeadline(ctx, dl.Add(-min(handBackTime, time.Until(dl)/4)))
		defer cancel()
	}
	err := b.worker.Stop(soft)
	if err == nil {
		return nil
	}
	if !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("backend: stop river: %w", err)
	}
	hard := ctx
	if _, ok := ctx.Deadline(); !ok || ctx.Err() != nil {
		var cancel context.CancelFunc
		hard, cancel = context.WithTimeout(context.WithoutCancel(ctx), handBackTime)
		defer cancel()
	}
	if err := b.worker.StopAndCancel(hard); err != nil {
		return fmt.Errorf("backend: stop river (jobs cancelled): %w", err)
	}
	return nil
}

// handBackTime is the most Stop keeps for cancelling the running jobs and
// recording them as available again.
const handBackTime = 5 * time.Second

// Close releases the pool and the database. Stop the job queue first.
func (b *Backend) Close() error {
	if b.pool != nil {
		b.pool.Close()
	}
	if b.Store != nil {
		return b.Store.Close()
	}
	if b.db != nil {
		return b.db.Close()
	}
	return nil
}

// QueueDepth returns how many jobs are in each River state (available,
// scheduled, running, retryable, discarded, …); absent states have none.
func (b *Backend) QueueDepth(ctx context.Context) (map[rivertype.JobState]int, error) {
	depth, err := b.countByState(ctx, `SELECT state, COUNT(*) FROM river_job GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("backend: queue depth: %w", err)
	}
	return depth, nil
}

// OrgQueueDepth is QueueDepth for orgID's jobs only (the "org_id" of their
// args, see JobOrgID): what one org's admin may see. An empty orgID has none.
func (b *Backend) OrgQueueDepth(ctx context.Context, orgID string) (map[rivertype.JobState]int, error) {
	if orgID == "" {
		return map[rivertype.JobState]int{}, nil
	}
	// River keeps args as jsonb on Postgres and as SQLite JSONB on SQLite.
	q := `SELECT state, COUNT(*) FROM river_job WHERE args->>'org_id' = $1 GROUP BY state`
	if b.kind == KindSQLite {
		q = `SELECT state, COUNT(*) FROM river_job WHERE json_extract(args, '$.org_id') = ? GROUP BY state`
	}
	depth, err := b.countByState(ctx, q, orgID)
	if err != nil {
		return nil, fmt.Errorf("backend: org queue depth: %w", err)
	}
	return depth, nil
}

// OrgWaitingJobs counts orgID's jobs of kind that are not finished yet
// (available, scheduled, retryable, running or pending): for log_meeting
// jobs, the meetings still waiting to be logged.
func (b *Backend) OrgWaitingJobs(ctx context.Context, orgID, kind string) (int, error) {
	q := `SELECT COUNT(*) FROM river_job WHERE args->>'org_id' = $1 AND kind = $2
		AND state IN ('available', 'scheduled', 'retryable', 'running', 'pending')`
	if b.kind == KindSQLite {
		q = `SELECT COUNT(*) FROM river_job WHERE json_extract(args, '$.org_id') = ? AND kind = ?
		AND state IN ('available', 'scheduled', 'retryable', 'running', 'pending')`
	}
	var n int
	if err := b.db.QueryRowContext(ctx, q, orgID, kind).Scan(&n); err != nil {
		return 0, fmt.Errorf("backend: org waiting jobs: %w", err)
	}
	return n, nil
}

// countByState runs q, a SELECT of (state, count) rows.
func (b *Backend) countByState(ctx context.Context, q string, args ...any) (map[rivertype.JobState]int, error) {
	rows, err := b.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	depth := map[rivertype.JobState]int{}
	for rows.Next() {
		var (
			state string
			n     int
		)
		if err := rows.Scan(&state, &n); err != nil {
			return nil, err
		}
		depth[rivertype.JobState(state)] = n
	}
	return depth, rows.Err()
}

// failedJobsScan is how many of the most recent failed jobs (of every org)
// FailedJobs looks through for one org's.
const failedJobsScan = 200

// JobOrgID returns the org a job belongs to: the "org_id" of its args (every
// per-org job carries one, e.g. jobs.UpsertEventArgs), or "" for a
// deployment-wide job such as activity.ReconcileArgs.
func JobOrgID(j *rivertype.JobRow) string {
	var a struct {
		OrgID string `json:"org_id"`
	}
	if err := json.Unmarshal(j.EncodedArgs, &a); err != nil {
		return ""
	}
	return a.OrgID
}

// failedStates are the states of a failed job, the ones RetryJob accepts.
var failedStates = []rivertype.JobState{rivertype.JobStateRetryable, rivertype.JobStateDiscarded, rivertype.JobStateCancelled}

// FailedJobs lists up to limit of orgID's jobs that failed: retryable
// (waiting for another attempt), discarded (out of attempts) or cancelled,
// most recent first. It looks through the failedJobsScan most recent failed
// jobs of the deployment, so an org's older failures may be left out while
// other orgs fail a lot. Jobs of no org are never listed.
func (b *Backend) FailedJobs(ctx context.Context, orgID string, limit int) ([]*rivertype.JobRow, error) {
	if limit <= 0 {
		limit = 100
	}
	if orgID == "" {
		return nil, nil
	}
	params := river.NewJobListParams().
		States(failedStates...).
		OrderBy(river.JobListOrderByID, river.SortOrderDesc).
		First(max(limit, failedJobsScan))
	res, err := b.client.JobList(ctx, params)
	if err != nil {
		return nil, fmt.Errorf("backend: failed jobs: %w", err)
	}
	var out []*rivertype.JobRow
	for _, j := range res.Jobs {
		if JobOrgID(j) == orgID {
			out = append(out, j)
			if len(out) == limit {
				break
			}
		}
	}
	return out, nil
}

// RetryJob makes one of orgID's failed jobs (retryable, discarded or
// cancelled) available to run again now.
//
// Errors: ENOTFOUND (unknown id, or a job of another org or of no org),
// EINVALID (the job has not failed: it is waiting, running or completed).
func (b *Backend) RetryJob(ctx context.Context, orgID string, id int64) (*rivertype.JobRow, error) {
	notInOrg := sfzoom.Errorf(sfzoom.ENOTFOUND, "That job is not in this org's list. Reload the Health tab.")
	job, err := b.client.JobGet(ctx, id)
	if errors.Is(err, river.ErrNotFound) {
		return nil, fmt.Errorf("backend: retry job: %w", notInOrg)
	} else if err != nil {
		return nil, fmt.Errorf("backend: retry job: %w", err)
	}
	if orgID == "" || JobOrgID(job) != orgID {
		return nil, fmt.Errorf("backend: retry job: %w", notInOrg)
	}
	if !slices.Contains(failedStates, job.State) {
		return nil, fmt.Errorf("backend: retry job: %w", sfzoom.Errorf(sfzoom.EINVALID,
			"Job %d %s, so there is nothing to retry: only failed jobs can be retried. Reload the Health tab.", id, stateWords(job.State)))
	}
	// River retries a job in any state; the state was checked above. A
	// job that completes between the check and here runs once more, which
	// every sfzoom job tolerates (they are idempotent).
	job, err = b.client.JobRetry(ctx, id)
	if errors.Is(err, river.ErrNotFound) {
		return nil, fmt.Errorf("backend: retry job: %w", notInOrg)
	} else if err != nil {
		return nil, fmt.Errorf("backend: retry job: %w", err)
	}
	return job, nil
}

// stateWords describes a job that has not failed, for RetryJob's message.
func stateWords(s rivertype.JobState) string {
	switch s {
	case rivertype.JobStateCompleted:
		return "has completed"
	case rivertype.JobStateRunning:
		return "is running"
	default:
		return "is waiting to run"
	}
}

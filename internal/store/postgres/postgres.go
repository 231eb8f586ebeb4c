// Package postgres implements store.Store on PostgreSQL through pgx's
// database/sql adapter (github.com/jackc/pgx/v5/stdlib). It serves
// deployments with several replicas. Jobs are inserted with a River client
// built on riverdatabasesql over the same *sql.DB, because River requires the
// transaction type of its driver to be the one the rows are written with
// (*sql.Tx); the client that works jobs may use riverpgxv5 on a pgxpool for
// LISTEN/NOTIFY, since both drivers share River's tables.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

// JobInserter inserts River jobs inside a caller's transaction. It is
// satisfied by *river.Client[*sql.Tx] built on riverdatabasesql over the same
// *sql.DB as the store.
type JobInserter interface {
	InsertManyTx(ctx context.Context, tx *sql.Tx, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
}

// OpenDB opens a pgx-backed *sql.DB for a postgres:// URL. Schema isolation
// (search_path) can be set in the URL, e.g. "?search_path=tenant1".
func OpenDB(url string) (*sql.DB, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	return db, nil
}

// Store implements store.Store on PostgreSQL.
type Store struct {
	db   *sql.DB
	jobs JobInserter
	now  func() time.Time
}

var _ store.Store = (*Store)(nil)

// New returns a store over db. jobs may be nil when no method will be given
// jobs; now defaults to time.Now.
func New(db *sql.DB, jobs JobInserter, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{db: db, jobs: jobs, now: now}
}

// DB returns the underlying database, for River's driver and admin queries.
func (s *Store) DB() *sql.DB { return s.db }

// SetJobInserter attaches the River client once it is built; call it before
// the store is used concurrently.
func (s *Store) SetJobInserter(j JobInserter) { s.jobs = j }

// Migrate applies the embedded app migrations, each in its own transaction.
// goose takes an advisory lock, so concurrent replicas migrate one at a time.
func (s *Store) Migrate(ctx context.Context) error {
	p, err := s.provider()
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	return nil
}

func (s *Store) provider() (*goose.Provider, error) {
	sub, err := fs.Sub(migrationsFS, "migrations")
	if err != nil {
		return nil, fmt.Errorf("postgres: migrations: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, s.db, sub, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return nil, fmt.Errorf("postgres: migrations: %w", err)
	}
	return p, nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return sfzoom.WrapError(sfzoom.EUNAVAILABLE, fmt.Errorf("postgres: ping: %w", err), "The database is unavailable.")
	}
	return nil
}

// CheckMigrations returns EUNAVAILABLE when an embedded migration is pending.
func (s *Store) CheckMigrations(ctx context.Context) error {
	p, err := s.provider()
	if err != nil {
		return err
	}
	pending, err := p.HasPending(ctx)
	if err != nil {
		return sfzoom.WrapError(sfzoom.EUNAVAILABLE, fmt.Errorf("postgres: check migrations: %w", err), "The database schema cannot be checked.")
	}
	if pending {
		return sfzoom.Errorf(sfzoom.EUNAVAILABLE, "The database schema is out of date; run sfzoom migrate.")
	}
	return nil
}

// Close releases the database.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("postgres: close: %w", err)
	}
	return nil
}

// rebindTx is a transaction whose queries are written with "?" placeholders, as in
// the SQLite store, and rebound to Postgres' "$n" form.
type rebindTx struct {
	*sql.Tx
}

func (s *Store) begin(ctx context.Context) (*rebindTx, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	return &rebindTx{tx}, nil
}

// ExecContext runs a statement.
func (tx *rebindTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return tx.Tx.ExecContext(ctx, rebind(query), args...)
}

// QueryContext runs a query.
func (tx *rebindTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return tx.Tx.QueryContext(ctx, rebind(query), args...)
}

// QueryRowContext runs a query returning at most one row.
func (tx *rebindTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return tx.Tx.QueryRowContext(ctx, rebind(query), args...)
}

// rebind turns "?" placeholders into "$1", "$2", … The store's queries never
// contain a literal question mark.
func rebind(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// nowUTC returns the store clock in UTC at the precision Postgres keeps.
func (s *Store) nowUTC() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// insertJobs inserts jobs in tx, the transaction that wrote their rows.
func (s *Store) insertJobs(ctx context.Context, tx *sql.Tx, jobs []store.Job) error {
	if len(jobs) == 0 {
		return nil
	}
	if s.jobs == nil {
		return sfzoom.Errorf(sfzoom.EINTERNAL, "No job queue is configured.")
	}
	if _, err := s.jobs.InsertManyTx(ctx, tx, jobs); err != nil {
		return fmt.Errorf("postgres: insert jobs: %w", err)
	}
	return nil
}

// formatTime prepares t for storage: UTC, microseconds (Postgres' precision,
// truncated here so that what the caller holds equals what is stored).
func formatTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// formatNullTime stores the zero time as NULL.
func formatNullTime(t time.Time) sql.NullTime {
	if t.IsZero() {
		return sql.NullTime{}
	}
	return sql.NullTime{Time: formatTime(t), Valid: true}
}

// parseTime normalises a stored time to UTC.
func parseTime(t time.Time) (time.Time, error) { return t.UTC(), nil }

// parseNullTime returns the zero time for NULL.
func parseNullTime(t sql.NullTime) (time.Time, error) {
	if !t.Valid {
		return time.Time{}, nil
	}
	return t.Time.UTC(), nil
}

// formatError translates driver errors into application errors: unique
// violations become ECONFLICT and foreign key violations ENOTFOUND. Errors
// that are already *sfzoom.Error pass through.
func formatError(err error) error {
	if err == nil {
		return nil
	}
	var se *sfzoom.Error
	if errors.As(err, &se) {
		return err
	}
	var e *pgconn.PgError
	if errors.As(err, &e) {
		switch e.Code {
		case "23505": // unique_violation
			return sfzoom.WrapError(sfzoom.ECONFLICT, err, "It already exists.")
		case "23503": // foreign_key_violation
			return sfzoom.WrapError(sfzoom.ENOTFOUND, err, "A row it refers to does not exist.")
		case "40001", "40P01": // serialization_failure, deadlock_detected
			return sfzoom.WrapError(sfzoom.EUNAVAILABLE, err, "The database is busy; try again.")
		}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return sfzoom.WrapError(sfzoom.EINTERNAL, err, "Internal database error.")
}

// limitClause returns a LIMIT/OFFSET clause; a zero limit means no limit.
func limitClause(limit, offset int) string {
	if limit <= 0 && offset <= 0 {
		return ""
	}
	if limit <= 0 {
		return fmt.Sprintf(" LIMIT ALL OFFSET %d", offset)
	}
	return fmt.Sprintf(" LIMIT %d OFFSET %d", limit, offset)
}

// wrapErr prefixes err with the package and operation after translating it.
func wrapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("postgres: %s: %w", op, formatError(err))
}

// queryer is what the find functions need: a *rebindTx.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

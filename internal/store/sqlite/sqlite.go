// Package sqlite implements store.Store on SQLite through the pure-Go
// modernc.org/sqlite driver. It is sfzoom's embedded default: one file, one
// process, with River's SQLite driver sharing the same database so that rows
// and their jobs commit together.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

// timeLayout is fixed-width so that stored times sort lexically, with the
// microsecond precision Postgres keeps so both stores behave the same.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// JobInserter inserts River jobs inside a caller's transaction. It is
// satisfied by *river.Client[*sql.Tx] built on riversqlite over the same
// *sql.DB as the store.
type JobInserter interface {
	InsertManyTx(ctx context.Context, tx *sql.Tx, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
}

// DSN returns the data source name sfzoom uses for the SQLite file at path:
// WAL, a busy timeout, foreign keys, NORMAL sync and IMMEDIATE transactions
// (so a writer takes the lock at BEGIN instead of failing at its first write).
func DSN(path string) string {
	return "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
}

// OpenDB opens (creating it and its directory if needed) the SQLite database
// at path with a single connection, which River's SQLite driver needs to
// avoid SQLITE_BUSY.
func OpenDB(path string) (*sql.DB, error) {
	if path == "" {
		return nil, fmt.Errorf("sqlite: database path is required")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("sqlite: create directory: %w", err)
		}
	}
	db, err := sql.Open("sqlite", DSN(path))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// Store implements store.Store on SQLite.
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
func (s *Store) Migrate(ctx context.Context) error {
	p, err := s.provider()
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	return nil
}

func (s *Store) provider() (*goose.Provider, error) {
	sub, err := fs.Sub(migrationsFS, "migrations")
	if err != nil {
		return nil, fmt.Errorf("sqlite: migrations: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, s.db, sub, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return nil, fmt.Errorf("sqlite: migrations: %w", err)
	}
	return p, nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return sfzoom.WrapError(sfzoom.EUNAVAILABLE, fmt.Errorf("sqlite: ping: %w", err), "The database is unavailable.")
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
		return sfzoom.WrapError(sfzoom.EUNAVAILABLE, fmt.Errorf("sqlite: check migrations: %w", err), "The database schema cannot be checked.")
	}
	if pending {
		return sfzoom.Errorf(sfzoom.EUNAVAILABLE, "The database schema is out of date; run sfzoom migrate.")
	}
	return nil
}

// Close releases the database.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("sqlite: close: %w", err)
	}
	return nil
}

// nowUTC returns the store clock in UTC at the precision times are stored.
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
		return fmt.Errorf("sqlite: insert jobs: %w", err)
	}
	return nil
}

// formatTime formats t for storage.
func formatTime(t time.Time) string { return t.UTC().Truncate(time.Microsecond).Format(timeLayout) }

// formatNullTime formats t, storing the zero time as NULL.
func formatNullTime(t time.Time) sql.NullString {
	if t.IsZero() {
		return sql.NullString{}
	}
	return sql.NullString{String: formatTime(t), Valid: true}
}

// parseTime parses a stored time.
func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("sqlite: parse time %q: %w", s, err)
	}
	return t, nil
}

// parseNullTime parses a nullable stored time; NULL is the zero time.
func parseNullTime(s sql.NullString) (time.Time, error) {
	if !s.Valid {
		return time.Time{}, nil
	}
	return parseTime(s.String)
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
	var e *sqlite.Error
	if errors.As(err, &e) {
		switch e.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return sfzoom.WrapError(sfzoom.ECONFLICT, err, "It already exists.")
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return sfzoom.WrapError(sfzoom.ENOTFOUND, err, "A row it refers to does not exist.")
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
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
		limit = -1
	}
	return fmt.Sprintf(" LIMIT %d OFFSET %d", limit, offset)
}

// wrapErr prefixes err with the package and operation after translating it.
func wrapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("sqlite: %s: %w", op, formatError(err))
}

// queryer is what the find functions need: a *sql.Tx.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

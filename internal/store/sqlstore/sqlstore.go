// Package sqlstore implements store.Store once, in SQL that SQLite and
// PostgreSQL both accept. The packages internal/store/sqlite and
// internal/store/postgres open the database, hold the migrations and describe
// the few differences in a Dialect; everything else lives here.
//
// Queries are written with "?" placeholders, which the Dialect rebinds to the
// database's own form. Times are UTC with microsecond precision (what
// Postgres keeps); the Dialect encodes them as parameters, and dbTime and
// dbNullTime scan them back from either representation.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"slices"
	"sync"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store"
)

// TimeLayout is how SQLite stores times as TEXT: fixed-width so that stored
// times sort lexically, with the microsecond precision Postgres keeps so both
// stores behave the same.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// Dialect describes what differs between the databases a Store runs on.
type Dialect struct {
	// Name prefixes error messages: "sqlite" or "postgres".
	Name string
	// Rebind rewrites a query written with "?" placeholders into the
	// database's placeholder form; nil leaves queries as written.
	Rebind func(query string) string
	// TimeArg encodes a time, already in UTC and truncated to microseconds,
	// as a query parameter.
	TimeArg func(t time.Time) any
	// ErrorCode classifies a driver error: ECONFLICT for a unique violation,
	// ENOTFOUND for a foreign key violation, EUNAVAILABLE when the database
	// is busy or cannot be reached, and "" for anything else.
	ErrorCode func(err error) string
	// NoLimit is the LIMIT that means no limit, for a query with an offset
	// but no limit ("-1" on SQLite, "ALL" on Postgres).
	NoLimit string
	// Goose is the goose dialect the migrations are applied with.
	Goose goose.Dialect
	// Migrations holds the dialect's *.sql migrations at its root.
	Migrations fs.FS
	// FastJobInserts makes webhook deliveries insert their jobs with River's
	// InsertManyFastTx (insertJobsFast). It halves River's insert on SQLite;
	// on Postgres through database/sql it measured 7–11% slower ingest.
	FastJobInserts bool
}

// Migrations returns the "migrations" directory of a dialect package's
// embedded files, for Dialect.Migrations.
func Migrations(embedded fs.FS) fs.FS {
	sub, err := fs.Sub(embedded, "migrations")
	if err != nil {
		// fs.Sub fails only on an invalid path name, and this one is valid.
		panic(fmt.Sprintf("sqlstore: migrations: %v", err))
	}
	return sub
}

// JobInserter inserts River jobs inside a caller's transaction. It is
// satisfied by *river.Client[*sql.Tx] built over the same *sql.DB as the
// store. InsertManyFastTx skips returning the inserted rows and cannot
// skip a unique job that already exists (River's docs); the store uses it
// only for jobs that have no unique options.
type JobInserter interface {
	InsertManyTx(ctx context.Context, tx *sql.Tx, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
	InsertManyFastTx(ctx context.Context, tx *sql.Tx, params []river.InsertManyParams) (int, error)
}

// Store implements store.Store on the database a Dialect describes.
type Store struct {
	db    *sql.DB
	rdb   *sql.DB // read-only transactions; db when no read pool is set
	d     *Dialect
	jobs  JobInserter
	now   func() time.Time
	group *groupCommit // nil unless EnableGroupCommit
	orgs  *orgCache

	stmtMu sync.RWMutex
	stmts  map[string]*sql.Stmt // queryReadOnly's statements, prepared on rdb
}

var _ store.Store = (*Store)(nil)

// New returns a store over db speaking d. jobs may be nil when no method will
// be given jobs; now defaults to time.Now.
func New(db *sql.DB, d Dialect, jobs JobInserter, now func() time.Time) *Store {
	now = sfzoom.NowOrTimeNow(now)
	return &Store{db: db, rdb: db, d: &d, jobs: jobs, now: now, orgs: newOrgCache(now)}
}

// SetReadDB makes read-only transactions use rdb, a pool of connections to
// the same database, so reads run beside the writer instead of waiting for
// it (on SQLite, whose write pool has one connection). The store closes rdb
// with Close. Call it before the store is used concurrently.
func (s *Store) SetReadDB(rdb *sql.DB) {
	s.closeStmts()
	s.rdb = rdb
}

// DB returns the underlying database, for River's driver and admin queries.
func (s *Store) DB() *sql.DB { return s.db }

// SetJobInserter attaches the River client once it is built; call it before
// the store is used concurrently.
func (s *Store) SetJobInserter(j JobInserter) { s.jobs = j }

// Migrate applies the embedded app migrations, each in its own transaction.
// On Postgres goose takes an advisory lock, so concurrent replicas migrate one
// at a time.
func (s *Store) Migrate(ctx context.Context) error {
	p, err := s.provider()
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("%s: migrate: %w", s.d.Name, err)
	}
	return nil
}

func (s *Store) provider() (*goose.Provider, error) {
	p, err := goose.NewProvider(s.d.Goose, s.db, s.d.Migrations, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return nil, fmt.Errorf("%s: migrations: %w", s.d.Name, err)
	}
	return p, nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return sfzoom.WrapError(sfzoom.EUNAVAILABLE, fmt.Errorf("%s: ping: %w", s.d.Name, err), "The database is unavailable.")
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
		return sfzoom.WrapError(sfzoom.EUNAVAILABLE, fmt.Errorf("%s: check migrations: %w", s.d.Name, err), "The database schema cannot be checked.")
	}
	if pending {
		return sfzoom.Errorf(sfzoom.EUNAVAILABLE, "The database schema is out of date; run sfzoom migrate.")
	}
	return nil
}

// Close stops the group commit writer and releases the database.
func (s *Store) Close() error {
	s.stopGroupCommit()
	s.closeStmts()
	if s.rdb != s.db {
		if err := s.rdb.Close(); err != nil {
			return fmt.Errorf("%s: close read pool: %w", s.d.Name, err)
		}
	}
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("%s: close: %w", s.d.Name, err)
	}
	return nil
}

// sqlTx is a transaction whose queries are written with "?" placeholders and
// rebound for the dialect. It carries the dialect so that the package-level
// find functions can encode times and limits.
type sqlTx struct {
	tx *sql.Tx
	*Dialect
}

// read runs fn in a transaction, then rolls it back. It begins as every
// transaction on the database does (on SQLite the DSN's IMMEDIATE, which
// takes the write lock at BEGIN); readOnly does not. fn's error is
// translated and prefixed with the dialect and op.
func (s *Store) read(ctx context.Context, op string, fn func(tx *sqlTx) error) error {
	return s.view(ctx, s.db, nil, op, fn)
}

// readOnly is read in a read-only transaction on the read pool (SetReadDB):
// on SQLite it does not take the write lock at BEGIN, nor wait for the
// writer's one connection.
func (s *Store) readOnly(ctx context.Context, op string, fn func(tx *sqlTx) error) error {
	return s.view(ctx, s.rdb, &sql.TxOptions{ReadOnly: true}, op, fn)
}

// queryReadOnly runs one query on the read pool outside a transaction and
// calls fn for each row: for a hot read that one statement answers, it
// saves the BEGIN and ROLLBACK round trips of readOnly on Postgres. The
// query sees one snapshot, as any statement does.
func (s *Store) queryReadOnly(ctx context.Context, op string, fn func(rowScanner) error, query string, args ...any) error {
	stmt, err := s.readStmt(ctx, query)
	if err != nil {
		return s.wrapErr(op, err)
	}
	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		return s.wrapErr(op, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return s.wrapErr(op, err)
		}
	}
	return s.wrapErr(op, rows.Err())
}

// readStmt returns query prepared on the read pool, preparing it on first
// use. Every webhook delivery's routing lookup comes through
// queryReadOnly, and SQLite's driver otherwise parses and plans the
// statement anew on each call: 13–18% of ingest CPU (docs/performance.md).
// database/sql prepares it again on each pool connection that runs it.
//
// The prepare runs outside the lock, so a slow one (a database slow to
// answer, or down) never holds up lookups whose statements are ready; two
// first uses at once may both prepare, and the loser's statement is closed.
func (s *Store) readStmt(ctx context.Context, query string) (*sql.Stmt, error) {
	s.stmtMu.RLock()
	stmt, ok := s.stmts[query]
	s.stmtMu.RUnlock()
	if ok {
		return stmt, nil
	}
	stmt, err := s.rdb.PrepareContext(ctx, s.d.rebind(query))
	if err != nil {
		return nil, err
	}
	s.stmtMu.Lock()
	defer s.stmtMu.Unlock()
	if have, ok := s.stmts[query]; ok {
		stmt.Close()
		return have, nil
	}
	if s.stmts == nil {
		s.stmts = map[string]*sql.Stmt{}
	}
	s.stmts[query] = stmt
	return stmt, nil
}

// closeStmts closes the statements readStmt prepared.
func (s *Store) closeStmts() {
	s.stmtMu.Lock()
	defer s.stmtMu.Unlock()
	for _, stmt := range s.stmts {
		stmt.Close()
	}
	s.stmts = nil
}

func (s *Store) view(ctx context.Context, db *sql.DB, opts *sql.TxOptions, op string, fn func(tx *sqlTx) error) error {
	tx, err := db.BeginTx(ctx, opts)
	if err != nil {
		return s.wrapErr(op, err)
	}
	defer tx.Rollback()
	return s.wrapErr(op, fn(&sqlTx{tx: tx, Dialect: s.d}))
}

// write runs fn in a read-write transaction and commits it when fn returns
// nil; otherwise nothing fn wrote is kept. Errors are translated and prefixed
// with the dialect and op.
func (s *Store) write(ctx context.Context, op string, fn func(tx *sqlTx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.wrapErr(op, err)
	}
	defer tx.Rollback()
	if err := fn(&sqlTx{tx: tx, Dialect: s.d}); err != nil {
		return s.wrapErr(op, err)
	}
	return s.wrapErr(op, tx.Commit())
}

// readFunc is read or readOnly.
type readFunc func(ctx context.Context, op string, fn func(tx *sqlTx) error) error

// rowScanner is a *sql.Row or *sql.Rows.
type rowScanner interface{ Scan(dest ...any) error }

// queryAll runs query in tx and returns its rows as scan reads them.
func queryAll[T any](ctx context.Context, tx *sqlTx, scan func(rowScanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// list runs query alone in a transaction begun by read and returns its rows
// as scan reads them.
func list[T any](ctx context.Context, read readFunc, op string, scan func(rowScanner) (T, error), query string, args ...any) ([]T, error) {
	var out []T
	err := read(ctx, op, func(tx *sqlTx) (err error) {
		out, err = queryAll(ctx, tx, scan, query, args...)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// readRow runs query alone in a transaction begun by read and returns its
// one row as scan reads it; no row is ENOTFOUND with the message notFound.
func readRow[T any](ctx context.Context, read readFunc, op, notFound string, scan func(rowScanner) (T, error), query string, args ...any) (T, error) {
	var v T
	err := read(ctx, op, func(tx *sqlTx) (err error) {
		v, err = scan(tx.QueryRowContext(ctx, query, args...))
		if errors.Is(err, sql.ErrNoRows) {
			return sfzoom.Errorf(sfzoom.ENOTFOUND, "%s", notFound)
		}
		return err
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return v, nil
}

// readFirst runs find in a read transaction and returns the first row it
// finds; none is ENOTFOUND with the message notFound.
func readFirst[T any](ctx context.Context, s *Store, op, notFound string, find func(tx *sqlTx) ([]T, error)) (T, error) {
	var rows []T
	err := s.read(ctx, op, func(tx *sqlTx) (err error) {
		rows, err = find(tx)
		if err == nil && len(rows) == 0 {
			err = sfzoom.Errorf(sfzoom.ENOTFOUND, "%s", notFound)
		}
		return err
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return rows[0], nil
}

// readPage runs find in a read transaction: a page of rows and the total.
func readPage[T any](ctx context.Context, s *Store, op string, find func(tx *sqlTx) ([]T, int, error)) ([]T, int, error) {
	var (
		out []T
		n   int
	)
	err := s.read(ctx, op, func(tx *sqlTx) (err error) {
		out, n, err = find(tx)
		return err
	})
	return out, n, err
}

// exec runs one statement in its own transaction.
func (s *Store) exec(ctx context.Context, op, query string, args ...any) error {
	return s.write(ctx, op, func(tx *sqlTx) error {
		_, err := tx.ExecContext(ctx, query, args...)
		return err
	})
}

// execOne runs one update or delete in its own transaction; one that touches
// no row is ENOTFOUND with the message notFound.
func (s *Store) execOne(ctx context.Context, op, notFound, query string, args ...any) error {
	return s.write(ctx, op, func(tx *sqlTx) error {
		res, err := tx.ExecContext(ctx, query, args...)
		return mustAffect(res, err, notFound)
	})
}

// ExecContext runs a statement.
func (tx *sqlTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return tx.tx.ExecContext(ctx, tx.rebind(query), args...)
}

// QueryContext runs a query.
func (tx *sqlTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return tx.tx.QueryContext(ctx, tx.rebind(query), args...)
}

// QueryRowContext runs a query returning at most one row.
func (tx *sqlTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return tx.tx.QueryRowContext(ctx, tx.rebind(query), args...)
}

// nowUTC returns the store clock in UTC at the precision times are stored.
func (s *Store) nowUTC() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// insertJobs inserts jobs in tx, the transaction that wrote their rows.
func (s *Store) insertJobs(ctx context.Context, tx *sqlTx, jobs []store.Job) error {
	if len(jobs) == 0 {
		return nil
	}
	if s.jobs == nil {
		return sfzoom.Errorf(sfzoom.EINTERNAL, "No job queue is configured.")
	}
	if _, err := s.jobs.InsertManyTx(ctx, tx.tx, jobs); err != nil {
		return fmt.Errorf("%s: insert jobs: %w", s.d.Name, err)
	}
	return nil
}

// insertJobsFast inserts jobs in tx like insertJobs, through River's fast
// path when none of them is unique: it does not read the inserted rows back,
// which on SQLite halves the cost of the job insert that was more than half
// of the webhook writer's time (docs/performance.md). Webhook deliveries use
// it; their jobs are never unique (the delivery's dedupe key is). A unique
// job needs River to skip a duplicate gracefully, so any unique job sends
// the whole batch through insertJobs, as does a dialect without
// FastJobInserts.
func (s *Store) insertJobsFast(ctx context.Context, tx *sqlTx, jobs []store.Job) error {
	if !s.d.FastJobInserts || len(jobs) == 0 || slices.ContainsFunc(jobs, isUniqueJob) {
		return s.insertJobs(ctx, tx, jobs)
	}
	if s.jobs == nil {
		return sfzoom.Errorf(sfzoom.EINTERNAL, "No job queue is configured.")
	}
	if _, err := s.jobs.InsertManyFastTx(ctx, tx.tx, jobs); err != nil {
		return fmt.Errorf("%s: insert jobs: %w", s.d.Name, err)
	}
	return nil
}

// isUniqueJob reports whether j has unique options, given with the job or
// by its args' InsertOpts.
func isUniqueJob(j store.Job) bool {
	if j.InsertOpts != nil && !reflect.ValueOf(j.InsertOpts.UniqueOpts).IsZero() {
		return true
	}
	a, ok := j.Args.(river.JobArgsWithInsertOpts)
	return ok && !reflect.ValueOf(a.InsertOpts().UniqueOpts).IsZero()
}

// rebind rewrites query for the dialect's placeholders.
func (d *Dialect) rebind(query string) string {
	if d.Rebind == nil {
		return query
	}
	return d.Rebind(query)
}

// formatTime encodes t for storage: UTC, truncated to microseconds so that
// what the caller holds equals what is stored.
func (d *Dialect) formatTime(t time.Time) any { return d.TimeArg(t.UTC().Truncate(time.Microsecond)) }

// formatNullTime encodes t, storing the zero time as NULL.
func (d *Dialect) formatNullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return d.formatTime(t)
}

// limitClause returns a LIMIT/OFFSET clause; a zero limit means no limit.
func (d *Dialect) limitClause(limit, offset int) string {
	if limit <= 0 && offset <= 0 {
		return ""
	}
	if limit <= 0 {
		return fmt.Sprintf(" LIMIT %s OFFSET %d", d.NoLimit, offset)
	}
	return fmt.Sprintf(" LIMIT %d OFFSET %d", limit, offset)
}

// formatError translates driver errors into application errors: unique
// violations become ECONFLICT, foreign key violations ENOTFOUND and a
// database that is busy or cannot be reached EUNAVAILABLE. Errors
// that are already *sfzoom.Error pass through.
func (d *Dialect) formatError(err error) error {
	if err == nil {
		return nil
	}
	var se *sfzoom.Error
	if errors.As(err, &se) {
		return err
	}
	switch d.ErrorCode(err) {
	case sfzoom.ECONFLICT:
		return sfzoom.WrapError(sfzoom.ECONFLICT, err, "It already exists.")
	case sfzoom.ENOTFOUND:
		return sfzoom.WrapError(sfzoom.ENOTFOUND, err, "A row it refers to does not exist.")
	case sfzoom.EUNAVAILABLE:
		return sfzoom.WrapError(sfzoom.EUNAVAILABLE, err, "The database is busy or cannot be reached right now. Try again in a moment.")
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return sfzoom.WrapError(sfzoom.EINTERNAL, err, "Internal database error.")
}

// wrapErr prefixes err with the dialect and operation after translating it.
func (d *Dialect) wrapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %s: %w", d.Name, op, d.formatError(err))
}

// The Store reaches the dialect's helpers through these.
func (s *Store) formatTime(t time.Time) any           { return s.d.formatTime(t) }
func (s *Store) formatNullTime(t time.Time) any       { return s.d.formatNullTime(t) }
func (s *Store) limitClause(limit, offset int) string { return s.d.limitClause(limit, offset) }
func (s *Store) formatError(err error) error          { return s.d.formatError(err) }
func (s *Store) wrapErr(op string, err error) error   { return s.d.wrapErr(op, err) }

// dbTime scans a NOT NULL time column: TEXT in TimeLayout (SQLite) or a
// TIMESTAMPTZ (Postgres). The result is in UTC.
type dbTime struct{ Time time.Time }

// Scan implements sql.Scanner.
func (t *dbTime) Scan(src any) error {
	if src == nil {
		return errors.New("sqlstore: scan time: NULL in a NOT NULL time column")
	}
	var err error
	t.Time, err = scanTime(src)
	return err
}

// dbNullTime scans a nullable time column like dbTime; NULL leaves Valid
// false and Time zero.
type dbNullTime struct {
	Time  time.Time
	Valid bool
}

// Scan implements sql.Scanner.
func (t *dbNullTime) Scan(src any) error {
	if src == nil {
		*t = dbNullTime{}
		return nil
	}
	tm, err := scanTime(src)
	if err != nil {
		return err
	}
	*t = dbNullTime{Time: tm, Valid: true}
	return nil
}

func scanTime(src any) (time.Time, error) {
	switch v := src.(type) {
	case time.Time:
		return v.UTC(), nil
	case string:
		return parseTime(v)
	case []byte:
		return parseTime(string(v))
	}
	return time.Time{}, fmt.Errorf("sqlstore: scan time: unsupported type %T", src)
}

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(TimeLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("sqlstore: parse time %q: %w", s, err)
	}
	return t, nil
}

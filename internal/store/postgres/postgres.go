// Package postgres implements store.Store on PostgreSQL through pgx's
// database/sql adapter (github.com/jackc/pgx/v5/stdlib). It serves
// deployments with several replicas. Jobs are inserted with a River client
// built on riverdatabasesql over the same *sql.DB, because River requires the
// transaction type of its driver to be the one the rows are written with
// (*sql.Tx); the client that works jobs may use riverpgxv5 on a pgxpool for
// LISTEN/NOTIFY, since both drivers share River's tables.
//
// The store methods live in internal/store/sqlstore; this package opens the
// database, embeds the Postgres migrations and describes the dialect:
// sqlstore.New(db, postgres.Dialect(), jobs, now) is the store.
package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"github.com/pressly/goose/v3"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

// DefaultMaxConns is the pool size OpenDB uses when given 0.
const DefaultMaxConns = 16

// connMaxIdleTime closes a connection unused this long, so a burst's
// connections are given back to the server once it has passed.
const connMaxIdleTime = 5 * time.Minute

// OpenDB opens a pgx-backed *sql.DB for a postgres:// URL, with at most
// maxConns connections (DefaultMaxConns when 0), all of which are kept open
// while idle. database/sql keeps only 2 idle connections by default, so
// under concurrent requests most of them would open a connection (TCP,
// SCRAM authentication, a forked backend) and close it again: that was 45%
// of the CPU of webhook ingest (docs/performance.md). Capping the pool also
// keeps a burst from exhausting the server's max_connections, queueing
// requests instead. Schema isolation (search_path) can be set in the URL,
// e.g. "?search_path=tenant1".
func OpenDB(url string, maxConns int) (*sql.DB, error) {
	if maxConns <= 0 {
		maxConns = DefaultMaxConns
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	db.SetConnMaxIdleTime(connMaxIdleTime)
	return db, nil
}

// Dialect describes Postgres: "$n" placeholders, TIMESTAMPTZ times and
// SQLSTATE codes.
func Dialect() sqlstore.Dialect {
	return sqlstore.Dialect{
		Name:   "postgres",
		Rebind: rebind,
		// Postgres keeps microseconds; sqlstore has truncated t already.
		TimeArg:    func(t time.Time) any { return t },
		ErrorCode:  errorCode,
		NoLimit:    "ALL",
		Goose:      goose.DialectPostgres,
		Migrations: sqlstore.Migrations(migrationsFS),
	}
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

// errorCode classifies Postgres errors for sqlstore: unique violations become
// ECONFLICT, foreign key violations ENOTFOUND, and EUNAVAILABLE whatever says
// the database is busy or cannot be reached right now (so the caller answers
// 503 and Zoom, a job or the user tries again) rather than that the request
// is wrong: serialization failures and deadlocks, a server shutting down or
// refusing connections, a read-only server after a failover, a full disk,
// and a connection that could not be made or broke
// (https://www.postgresql.org/docs/current/errcodes-appendix.html).
func errorCode(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		switch {
		case e.Code == "23505": // unique_violation
			return sfzoom.ECONFLICT
		case e.Code == "23503": // foreign_key_violation
			return sfzoom.ENOTFOUND
		case e.Code == "40001", e.Code == "40P01", // serialization_failure, deadlock_detected
			strings.HasPrefix(e.Code, "08"),                         // connection_exception
			e.Code == "57P01", e.Code == "57P02", e.Code == "57P03", // admin_shutdown, crash_shutdown, cannot_connect_now
			e.Code == "53100", e.Code == "53300", // disk_full, too_many_connections
			e.Code == "25006": // read_only_sql_transaction (a standby)
			return sfzoom.EUNAVAILABLE
		}
		return ""
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return "" // the caller gave up: not the database's fault
	}
	var (
		connect *pgconn.ConnectError
		netErr  net.Error
	)
	if errors.As(err, &connect) || errors.As(err, &netErr) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return sfzoom.EUNAVAILABLE
	}
	return ""
}

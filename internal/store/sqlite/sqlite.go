// Package sqlite implements store.Store on SQLite through the pure-Go
// modernc.org/sqlite driver. It is sfzoom's embedded default: one file, one
// process, with River's SQLite driver sharing the same database so that rows
// and their jobs commit together.
//
// The store methods live in internal/store/sqlstore; this package opens the
// database, embeds the SQLite migrations and describes the dialect:
// sqlstore.New(db, sqlite.Dialect(), jobs, now) is the store.
package sqlite

import (
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"time"

	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

// DSN returns the data source name sfzoom uses for the SQLite file at path:
// WAL, a busy timeout, foreign keys, NORMAL sync and IMMEDIATE transactions
// (so a writer takes the lock at BEGIN instead of failing at its first write).
func DSN(path string) string {
	return "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
}

// OpenDB opens (creating it and its directory if needed) the SQLite database
// at path with a single connection, which River's SQLite driver needs to
// avoid SQLITE_BUSY. It first checks that the directory is writable with
// room left and that an existing file is an SQLite database; such problems
// are *StartupError values that name the path and the fix.
func OpenDB(path string) (*sql.DB, error) {
	if path == "" {
		return nil, fmt.Errorf("sqlite: database path is required")
	}
	if err := preflight(path); err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", DSN(path))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// ReadPoolSize is how many connections OpenReadDB keeps: readers run
// beside the single writer (WAL lets them), so a request's lookups never
// wait behind another's write.
const ReadPoolSize = 4

// OpenReadDB opens a pool of read-only connections (query_only) to the
// database at path, which OpenDB has opened: WAL mode is a property of the
// file, so these connections read beside the writer. Pass it to
// sqlstore.Store.SetReadDB.
func OpenReadDB(path string) (*sql.DB, error) {
	if path == "" {
		return nil, fmt.Errorf("sqlite: database path is required")
	}
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=query_only(1)")
	if err != nil {
		return nil, fmt.Errorf("sqlite: open read pool: %w", err)
	}
	db.SetMaxOpenConns(ReadPoolSize)
	db.SetMaxIdleConns(ReadPoolSize)
	return db, nil
}

// Dialect describes SQLite: "?" placeholders, times as TEXT in
// sqlstore.TimeLayout, and modernc's extended result codes.
func Dialect() sqlstore.Dialect {
	return sqlstore.Dialect{
		Name:       "sqlite",
		TimeArg:    func(t time.Time) any { return t.Format(sqlstore.TimeLayout) },
		ErrorCode:  errorCode,
		NoLimit:    "-1",
		Goose:      goose.DialectSQLite3,
		Migrations: sqlstore.Migrations(migrationsFS),
		// River's SQLite insert prepares its statement anew on every call
		// and reads the rows back: most of the webhook writer's time
		// (docs/performance.md).
		FastJobInserts: true,
	}
}

// errorCode classifies modernc errors for sqlstore: unique violations become
// ECONFLICT, foreign key violations ENOTFOUND, and EUNAVAILABLE whatever says
// the database cannot take the request right now rather than that the
// request is wrong: busy or locked (every extended code of those, such as
// SQLITE_BUSY_SNAPSHOT), a full disk, an I/O error, a read-only or
// unopenable file, a corrupted file
// (https://www.sqlite.org/rescode.html).
func errorCode(err error) string {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return ""
	}
	switch e.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return sfzoom.ECONFLICT
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return sfzoom.ENOTFOUND
	}
	switch e.Code() & 0xff { // the primary result code
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR,
		sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
		return sfzoom.EUNAVAILABLE
	}
	return ""
}

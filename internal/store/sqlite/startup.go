package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// StartupError is a database sfzoom cannot start on: what is wrong with
// which file or directory, and what the operator should do. sfzoom never
// rewrites or truncates an existing database file to get past one.
type StartupError struct {
	Path    string // the file or directory at fault
	Problem string // what is wrong, in words
	Fix     string // what to do
	Err     error  // the underlying error, if any
}

func (e *StartupError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("sqlite: %s %s (%v). %s", e.Path, e.Problem, e.Err, e.Fix)
	}
	return fmt.Sprintf("sqlite: %s %s. %s", e.Path, e.Problem, e.Fix)
}

func (e *StartupError) Unwrap() error { return e.Err }

// header is how every SQLite database file starts
// (https://www.sqlite.org/fileformat.html#the_database_header).
var header = []byte("SQLite format 3\x00")

// probeSize is how much the write probe writes: enough that a full disk
// fails it, small enough to cost nothing.
const probeSize = 64 << 10

// preflight checks, before SQLite opens anything, that path's directory
// exists (creating it) and is writable with some room left, and that an
// existing file at path is an SQLite database. It only writes (and removes)
// a probe file of its own next to the database.
func preflight(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return dirError(dir, err)
	}
	if err := writeProbe(dir); err != nil {
		return dirError(dir, err)
	}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return &StartupError{Path: path, Problem: "cannot be opened", Err: err,
			Fix: "Make the database file readable and writable for sfzoom's user, or set SFZOOM_DATABASE_URL to another sqlite:PATH."}
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return &StartupError{Path: path, Problem: "cannot be read", Err: err, Fix: "Check the file and its volume."}
	}
	if st.IsDir() {
		return &StartupError{Path: path, Problem: "is a directory, not a database file",
			Fix: "Set SFZOOM_DATABASE_URL to a file path inside it, like sqlite:" + filepath.Join(path, "sfzoom.db") + "."}
	}
	if st.Size() == 0 {
		return nil // an empty file is an empty database
	}
	got := make([]byte, len(header))
	if _, err := io.ReadFull(f, got); err != nil || !bytes.Equal(got, header) {
		return &StartupError{Path: path, Problem: "is not an SQLite database (its header is missing or corrupt)",
			Fix: "sfzoom left it untouched. Restore the file from a backup, or move it away to start with an empty database."}
	}
	return nil
}

// writeProbe creates, fills, syncs and removes a file in dir.
func writeProbe(dir string) error {
	f, err := os.CreateTemp(dir, ".sfzoom-write-check-*")
	if err != nil {
		return err
	}
	name := f.Name()
	defer os.Remove(name)
	_, err = f.Write(make([]byte, probeSize))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// dirError explains why dir cannot hold the database.
func dirError(dir string, err error) error {
	switch {
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return &StartupError{Path: dir, Problem: "is on a full disk", Err: err,
			Fix: "Free space on that volume (the database and its -wal file need room to grow), then start sfzoom again."}
	case errors.Is(err, syscall.EROFS), errors.Is(err, os.ErrPermission):
		return &StartupError{Path: dir, Problem: "is read-only for sfzoom", Err: err,
			Fix: "SQLite writes the database and its -wal and -shm files there: make the directory writable for sfzoom's user (is the volume mounted read-only?), or set SFZOOM_DATABASE_URL to sqlite:PATH in a writable directory."}
	case errors.Is(err, syscall.ENOTDIR), errors.Is(err, os.ErrExist):
		return &StartupError{Path: dir, Problem: "is not a directory (a file is in the way)", Err: err,
			Fix: "Move that file away, or set SFZOOM_DATABASE_URL to sqlite:PATH in a directory."}
	}
	return &StartupError{Path: dir, Problem: "cannot hold the database", Err: err,
		Fix: "Check the directory and its volume, or set SFZOOM_DATABASE_URL to sqlite:PATH elsewhere."}
}

// Verify checks an opened database before sfzoom uses it: that no other
// process holds its write lock for longer than the busy timeout (a write
// transaction is begun and rolled back: nothing is written), and that
// SQLite's quick_check finds it intact (a pass over every page, reading
// only). Errors are *StartupError values naming path.
func Verify(ctx context.Context, db *sql.DB, path string) error {
	tx, err := db.BeginTx(ctx, nil) // BEGIN IMMEDIATE (see DSN): takes the write lock
	if err != nil {
		return Explain(path, err)
	}
	if err := tx.Rollback(); err != nil {
		return Explain(path, err)
	}
	rows, err := db.QueryContext(ctx, `PRAGMA quick_check(5)`)
	if err != nil {
		return Explain(path, err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return Explain(path, err)
		}
		if line != "ok" {
			problems = append(problems, strings.Join(strings.Fields(line), " "))
		}
	}
	if err := rows.Err(); err != nil {
		return Explain(path, err)
	}
	if len(problems) > 0 {
		return corrupt(path, errors.New(strings.Join(problems, "; ")))
	}
	return nil
}

func corrupt(path string, err error) error {
	return &StartupError{Path: path, Problem: "is corrupt", Err: err,
		Fix: "sfzoom left it untouched. Stop every process using it, restore it from a backup (or try `sqlite3 " + path + " .recover`), then start sfzoom again."}
}

// Explain turns an error from opening or migrating the database at path
// into a *StartupError when SQLite says why (locked, full, read-only,
// corrupt); other errors are returned as they are.
func Explain(path string, err error) error {
	var se *StartupError
	if errors.As(err, &se) {
		return err
	}
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return err
	}
	switch e.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return &StartupError{Path: path, Problem: "is locked by another process", Err: err,
			Fix: "Another program holds a write lock on it (another sfzoom migrating, or a backup or sqlite3 shell in a transaction): let it finish or stop it, then start sfzoom again. SQLite files cannot be shared across machines or network filesystems."}
	case sqlite3.SQLITE_FULL:
		return dirError(filepath.Dir(path), syscall.ENOSPC)
	case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_CANTOPEN:
		return &StartupError{Path: path, Problem: "cannot be written", Err: err,
			Fix: "Make the file and its directory writable for sfzoom's user (is the volume mounted read-only?), or set SFZOOM_DATABASE_URL to sqlite:PATH in a writable directory."}
	case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
		return corrupt(path, err)
	}
	return err
}

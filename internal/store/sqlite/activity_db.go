package sqlite

import (
	"context"
	"database/sql"
)

// dbTime and dbNullTime are how this store scans times (see activity.go).
type (
	dbTime     = string
	dbNullTime = sql.NullString
)

// execer runs a statement in a transaction.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func (s *Store) beginTx(ctx context.Context) (*sql.Tx, error) { return s.db.BeginTx(ctx, nil) }

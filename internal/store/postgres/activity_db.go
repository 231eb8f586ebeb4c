package postgres

import (
	"context"
	"database/sql"
	"time"
)

// dbTime and dbNullTime are how this store scans times (see activity.go).
type (
	dbTime     = time.Time
	dbNullTime = sql.NullTime
)

// execer runs a statement in a transaction.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func (s *Store) beginTx(ctx context.Context) (*rebindTx, error) { return s.begin(ctx) }

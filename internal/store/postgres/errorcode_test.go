package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// TestErrorCode pins how driver errors reach users: a database that is busy
// or cannot be reached is EUNAVAILABLE (503: try again), never EINTERNAL.
// SQLSTATEs from https://www.postgresql.org/docs/current/errcodes-appendix.html.
func TestErrorCode(t *testing.T) {
	pg := func(code string) error { return fmt.Errorf("query: %w", &pgconn.PgError{Code: code}) }
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"unique_violation", pg("23505"), sfzoom.ECONFLICT},
		{"foreign_key_violation", pg("23503"), sfzoom.ENOTFOUND},
		{"serialization_failure", pg("40001"), sfzoom.EUNAVAILABLE},
		{"deadlock_detected", pg("40P01"), sfzoom.EUNAVAILABLE},
		{"connection_failure", pg("08006"), sfzoom.EUNAVAILABLE},
		{"admin_shutdown", pg("57P01"), sfzoom.EUNAVAILABLE},
		{"cannot_connect_now", pg("57P03"), sfzoom.EUNAVAILABLE},
		{"too_many_connections", pg("53300"), sfzoom.EUNAVAILABLE},
		{"disk_full", pg("53100"), sfzoom.EUNAVAILABLE},
		{"read_only_sql_transaction", pg("25006"), sfzoom.EUNAVAILABLE},
		{"syntax_error stays unclassified", pg("42601"), ""},
		{"not_null_violation stays unclassified", pg("23502"), ""},
		{"connection refused", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}, sfzoom.EUNAVAILABLE},
		{"connection cut mid-answer", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), sfzoom.EUNAVAILABLE},
		{"caller cancelled", fmt.Errorf("query: %w", context.Canceled), ""},
		{"caller's deadline over a network error", fmt.Errorf("%w: %w", context.DeadlineExceeded, &net.OpError{Op: "read", Err: errors.New("i/o timeout")}), ""},
		{"anything else", errors.New("boom"), ""},
	} {
		if got := errorCode(tc.err); got != tc.want {
			t.Errorf("%s: errorCode(%v) = %q, want %q", tc.name, tc.err, got, tc.want)
		}
	}
}

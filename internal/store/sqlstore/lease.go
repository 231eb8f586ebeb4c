package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// AcquireLease takes the named lease for holder until now+ttl. It reports
// whether holder owns it afterwards: true if it was free, expired or already
// holder's (which extends it), false if another holder's lease is still valid.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	if name == "" || holder == "" || ttl <= 0 {
		return false, sfzoom.Errorf(sfzoom.EINVALID, "A lease needs a name, a holder and a positive duration.")
	}
	tx, err := s.begin(ctx)
	if err != nil {
		return false, s.wrapErr("acquire lease", err)
	}
	defer tx.Rollback()
	now := s.nowUTC()
	// One statement decides atomically: the upsert's WHERE only lets the
	// update through when the lease is ours or has expired.
	var got string
	err = tx.QueryRowContext(ctx, `
		INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE leases.holder = excluded.holder OR leases.expires_at <= ?
		RETURNING holder`,
		name, holder, s.formatTime(now.Add(ttl)), s.formatTime(now)).Scan(&got)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	} else if err != nil {
		return false, s.wrapErr("acquire lease", err)
	}
	if err := tx.Commit(); err != nil {
		return false, s.wrapErr("acquire lease", err)
	}
	return got == holder, nil
}

// ReleaseLease gives the lease up if holder owns it.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string) error {
	tx, err := s.begin(ctx)
	if err != nil {
		return s.wrapErr("release lease", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM leases WHERE name = ? AND holder = ?`, name, holder); err != nil {
		return s.wrapErr("release lease", err)
	}
	return s.wrapErr("release lease", tx.Commit())
}

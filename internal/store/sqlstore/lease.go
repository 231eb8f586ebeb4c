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
	now := s.nowUTC()
	// One statement decides atomically: the upsert's WHERE only lets the
	// update through when the lease is ours or has expired.
	var got string
	err := s.write(ctx, "acquire lease", func(tx *sqlTx) error {
		err := tx.QueryRowContext(ctx, `
		INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE leases.holder = excluded.holder OR leases.expires_at <= ?
		RETURNING holder`,
			name, holder, s.formatTime(now.Add(ttl)), s.formatTime(now)).Scan(&got)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // another holder's lease is still valid
		}
		return err
	})
	if err != nil {
		return false, err
	}
	return got == holder, nil
}

// ReleaseLease gives the lease up if holder owns it.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string) error {
	return s.exec(ctx, "release lease", `DELETE FROM leases WHERE name = ? AND holder = ?`, name, holder)
}

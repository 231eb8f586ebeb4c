package sqlstore

import (
	"context"
	"time"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// LoadToken returns the encrypted token of a connection (ENOTFOUND).
func (s *Store) LoadToken(ctx context.Context, connectionID int64) (*sfzoom.TokenRecord, error) {
	return readFirst(ctx, s, "load token", "Token not found.", func(tx *sqlTx) ([]*sfzoom.TokenRecord, error) {
		return findTokens(ctx, tx, `WHERE connection_id = ?`, connectionID)
	})
}

// SaveToken writes rec if the stored version equals expectVersion (0: no
// token yet) and sets rec.Version; otherwise ECONFLICT and nothing is written.
// ENOTFOUND if the connection does not exist.
func (s *Store) SaveToken(ctx context.Context, rec *sfzoom.TokenRecord, expectVersion int64) error {
	if expectVersion < 0 {
		return sfzoom.Errorf(sfzoom.EINVALID, "Token version cannot be negative.")
	}
	now := s.nowUTC()
	next := expectVersion + 1
	nonce, ct := nonNil(rec.Nonce), nonNil(rec.Ciphertext)
	err := s.write(ctx, "save token", func(tx *sqlTx) error {
		if expectVersion == 0 {
			_, err := tx.ExecContext(ctx, `
			INSERT INTO tokens (connection_id, key_id, nonce, ciphertext, version, updated_at)
			VALUES (?, ?, ?, ?, ?, ?)`,
				rec.ConnectionID, rec.KeyID, nonce, ct, next, s.formatTime(now))
			switch sfzoom.ErrorCode(s.formatError(err)) {
			case sfzoom.ECONFLICT:
				return sfzoom.WrapError(sfzoom.ECONFLICT, err, "The token was changed by another writer.")
			case sfzoom.ENOTFOUND:
				return sfzoom.WrapError(sfzoom.ENOTFOUND, err, "Connection not found.")
			}
			return err
		}
		res, err := tx.ExecContext(ctx, `
			UPDATE tokens SET key_id = ?, nonce = ?, ciphertext = ?, version = ?, updated_at = ?
			WHERE connection_id = ? AND version = ?`,
			rec.KeyID, nonce, ct, next, s.formatTime(now), rec.ConnectionID, expectVersion)
		if err := mustAffect(res, err, ""); sfzoom.ErrorCode(err) == sfzoom.ENOTFOUND {
			return sfzoom.Errorf(sfzoom.ECONFLICT, "The token was changed by another writer.")
		} else {
			return err
		}
	})
	if err != nil {
		return err
	}
	rec.Version, rec.UpdatedAt = next, now
	return nil
}

// ListTokens returns every stored token (for key rotation).
func (s *Store) ListTokens(ctx context.Context) ([]*sfzoom.TokenRecord, error) {
	var recs []*sfzoom.TokenRecord
	err := s.read(ctx, "list tokens", func(tx *sqlTx) (err error) {
		recs, err = findTokens(ctx, tx, `ORDER BY connection_id`)
		return err
	})
	return recs, err
}

func findTokens(ctx context.Context, tx *sqlTx, tail string, args ...any) ([]*sfzoom.TokenRecord, error) {
	return queryAll(ctx, tx, scanToken, `SELECT connection_id, key_id, nonce, ciphertext, version, updated_at FROM tokens `+tail, args...)
}

func scanToken(sc rowScanner) (*sfzoom.TokenRecord, error) {
	var (
		r       sfzoom.TokenRecord
		updated dbTime
	)
	if err := sc.Scan(&r.ConnectionID, &r.KeyID, &r.Nonce, &r.Ciphertext, &r.Version, &updated); err != nil {
		return nil, err
	}
	r.UpdatedAt = updated.Time
	return &r, nil
}

// AppendTokenAudit records an access to a token.
func (s *Store) AppendTokenAudit(ctx context.Context, a *sfzoom.TokenAudit) error {
	if a.Actor == "" || a.Action == "" {
		return sfzoom.Errorf(sfzoom.EINVALID, "Token audit needs an actor and an action.")
	}
	at := a.At.UTC().Truncate(time.Microsecond)
	if a.At.IsZero() {
		at = s.nowUTC()
	}
	var id int64
	if err := s.write(ctx, "append token audit", func(tx *sqlTx) error {
		return tx.QueryRowContext(ctx, `
		INSERT INTO token_audit (connection_id, actor, action, reason, at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			a.ConnectionID, a.Actor, a.Action, a.Reason, s.formatTime(at)).Scan(&id)
	}); err != nil {
		return err
	}
	a.ID, a.At = id, at
	return nil
}

// FindTokenAudit returns a connection's audit trail, newest first; limit <= 0
// means no limit.
func (s *Store) FindTokenAudit(ctx context.Context, connectionID int64, limit int) ([]*sfzoom.TokenAudit, error) {
	return list(ctx, s.read, "find token audit", func(sc rowScanner) (*sfzoom.TokenAudit, error) {
		var (
			a  sfzoom.TokenAudit
			at dbTime
		)
		if err := sc.Scan(&a.ID, &a.ConnectionID, &a.Actor, &a.Action, &a.Reason, &at); err != nil {
			return nil, err
		}
		a.At = at.Time
		return &a, nil
	}, `
		SELECT id, connection_id, actor, action, reason, at FROM token_audit
		WHERE connection_id = ? ORDER BY at DESC, id DESC`+s.limitClause(limit, 0), connectionID)
}

// nonNil returns b, or an empty slice for nil, because the columns are NOT NULL.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

package sqlstore

import (
	"context"
	"database/sql"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

const connectionColumns = `id, org_id, provider, subject, status, scopes, detail, created_at, updated_at`

// CreateConnection stores c (ECONFLICT if (OrgID, Provider, Subject) exists).
func (s *Store) CreateConnection(ctx context.Context, c *sfzoom.Connection) error {
	// The account-wide Zoom S2S connection belongs to no org (integrations).
	if (c.OrgID == "" && c.Provider != sfzoom.ProviderZoomS2S) || c.Provider == "" {
		return sfzoom.Errorf(sfzoom.EINVALID, "Connection needs an org and a provider.")
	}
	now := s.nowUTC()
	var id int64
	err := s.write(ctx, "create connection", func(tx *sqlTx) error {
		err := tx.QueryRowContext(ctx, `
		INSERT INTO connections (org_id, provider, subject, status, scopes, detail, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		RETURNING id`,
			c.OrgID, c.Provider, c.Subject, c.Status, c.Scopes, c.Detail, s.formatTime(now), s.formatTime(now)).Scan(&id)
		if sfzoom.ErrorCode(s.formatError(err)) == sfzoom.ECONFLICT {
			return sfzoom.WrapError(sfzoom.ECONFLICT, err, "This org already has that %s connection.", c.Provider)
		}
		return err
	})
	if err != nil {
		return err
	}
	c.ID, c.CreatedAt, c.UpdatedAt = id, now, now
	return nil
}

// FindConnection returns the connection for (orgID, provider, subject) (ENOTFOUND).
func (s *Store) FindConnection(ctx context.Context, orgID, provider, subject string) (*sfzoom.Connection, error) {
	return s.findConnection(ctx, `WHERE org_id = ? AND provider = ? AND subject = ?`, orgID, provider, subject)
}

// FindConnectionByID returns the connection (ENOTFOUND).
func (s *Store) FindConnectionByID(ctx context.Context, id int64) (*sfzoom.Connection, error) {
	return s.findConnection(ctx, `WHERE id = ?`, id)
}

func (s *Store) findConnection(ctx context.Context, where string, args ...any) (*sfzoom.Connection, error) {
	return readFirst(ctx, s, "find connection", "Connection not found.", func(tx *sqlTx) ([]*sfzoom.Connection, error) {
		return findConnections(ctx, tx, where, args...)
	})
}

// FindConnections lists an org's connections, or every org's for "".
func (s *Store) FindConnections(ctx context.Context, orgID string) ([]*sfzoom.Connection, error) {
	var cs []*sfzoom.Connection
	err := s.read(ctx, "find connections", func(tx *sqlTx) (err error) {
		if orgID == "" {
			cs, err = findConnections(ctx, tx, `ORDER BY org_id, id`)
		} else {
			cs, err = findConnections(ctx, tx, `WHERE org_id = ? ORDER BY id`, orgID)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return cs, nil
}

// UpdateConnectionStatus sets status and detail (ENOTFOUND).
func (s *Store) UpdateConnectionStatus(ctx context.Context, id int64, status, detail string) error {
	return s.execOne(ctx, "update connection status", "Connection not found.",
		`UPDATE connections SET status = ?, detail = ?, updated_at = ? WHERE id = ?`, status, detail, s.formatTime(s.nowUTC()), id)
}

// DeleteConnection removes the connection and its token (ENOTFOUND).
func (s *Store) DeleteConnection(ctx context.Context, id int64) error {
	return s.write(ctx, "delete connection", func(tx *sqlTx) error {
		// Deleted explicitly rather than relying on ON DELETE CASCADE alone, so
		// the token goes even if foreign keys were switched off.
		if _, err := tx.ExecContext(ctx, `DELETE FROM tokens WHERE connection_id = ?`, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM connections WHERE id = ?`, id)
		return mustAffect(res, err, "Connection not found.")
	})
}

func findConnections(ctx context.Context, tx *sqlTx, tail string, args ...any) ([]*sfzoom.Connection, error) {
	return queryAll(ctx, tx, scanConnection, `SELECT `+connectionColumns+` FROM connections `+tail, args...)
}

func scanConnection(sc rowScanner) (*sfzoom.Connection, error) {
	var (
		c                sfzoom.Connection
		created, updated dbTime
	)
	if err := sc.Scan(&c.ID, &c.OrgID, &c.Provider, &c.Subject, &c.Status, &c.Scopes, &c.Detail, &created, &updated); err != nil {
		return nil, err
	}
	c.CreatedAt = created.Time
	c.UpdatedAt = updated.Time
	return &c, nil
}

// mustAffect turns an update or delete that touched no row into ENOTFOUND.
func mustAffect(res sql.Result, err error, notFound string) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return sfzoom.Errorf(sfzoom.ENOTFOUND, "%s", notFound)
	}
	return nil
}

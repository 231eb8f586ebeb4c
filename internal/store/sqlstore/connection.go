package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

const connectionColumns = `id, org_id, provider, subject, status, scopes, detail, created_at, updated_at`

// CreateConnection stores c (ECONFLICT if (OrgID, Provider, Subject) exists).
func (s *Store) CreateConnection(ctx context.Context, c *sfzoom.Connection) error {
	// The account-wide Zoom S2S connection belongs to no org (integrations).
	if (c.OrgID == "" && c.Provider != sfzoom.ProviderZoomS2S) || c.Provider == "" {
		return sfzoom.Errorf(sfzoom.EINVALID, "Connection needs an org and a provider.")
	}
	tx, err := s.begin(ctx)
	if err != nil {
		return s.wrapErr("create connection", err)
	}
	defer tx.Rollback()
	now := s.nowUTC()
	var id int64
	err = tx.QueryRowContext(ctx, `
		INSERT INTO connections (org_id, provider, subject, status, scopes, detail, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		RETURNING id`,
		c.OrgID, c.Provider, c.Subject, c.Status, c.Scopes, c.Detail, s.formatTime(now), s.formatTime(now)).Scan(&id)
	if err != nil {
		if sfzoom.ErrorCode(s.formatError(err)) == sfzoom.ECONFLICT {
			return fmt.Errorf("%s: create connection: %w", s.d.Name, sfzoom.WrapError(sfzoom.ECONFLICT, err,
				"This org already has that %s connection.", c.Provider))
		}
		return s.wrapErr("create connection", err)
	}
	if err := tx.Commit(); err != nil {
		return s.wrapErr("create connection", err)
	}
	c.ID, c.CreatedAt, c.UpdatedAt = id, now, now
	return nil
}

// FindConnection returns the connection for (orgID, provider, subject) (ENOTFOUND).
func (s *Store) FindConnection(ctx context.Context, orgID, provider, subject string) (*sfzoom.Connection, error) {
	tx, err := s.begin(ctx)
	if err != nil {
		return nil, s.wrapErr("find connection", err)
	}
	defer tx.Rollback()
	cs, err := findConnections(ctx, tx, `WHERE org_id = ? AND provider = ? AND subject = ?`, orgID, provider, subject)
	if err != nil {
		return nil, s.wrapErr("find connection", err)
	}
	if len(cs) == 0 {
		return nil, sfzoom.Errorf(sfzoom.ENOTFOUND, "Connection not found.")
	}
	return cs[0], nil
}

// FindConnectionByID returns the connection (ENOTFOUND).
func (s *Store) FindConnectionByID(ctx context.Context, id int64) (*sfzoom.Connection, error) {
	tx, err := s.begin(ctx)
	if err != nil {
		return nil, s.wrapErr("find connection", err)
	}
	defer tx.Rollback()
	c, err := findConnectionByID(ctx, tx, id)
	return c, s.wrapErr("find connection", err)
}

// FindConnections lists an org's connections, or every org's for "".
func (s *Store) FindConnections(ctx context.Context, orgID string) ([]*sfzoom.Connection, error) {
	tx, err := s.begin(ctx)
	if err != nil {
		return nil, s.wrapErr("find connections", err)
	}
	defer tx.Rollback()
	var cs []*sfzoom.Connection
	if orgID == "" {
		cs, err = findConnections(ctx, tx, `ORDER BY org_id, id`)
	} else {
		cs, err = findConnections(ctx, tx, `WHERE org_id = ? ORDER BY id`, orgID)
	}
	return cs, s.wrapErr("find connections", err)
}

// UpdateConnectionStatus sets status and detail (ENOTFOUND).
func (s *Store) UpdateConnectionStatus(ctx context.Context, id int64, status, detail string) error {
	tx, err := s.begin(ctx)
	if err != nil {
		return s.wrapErr("update connection status", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE connections SET status = ?, detail = ?, updated_at = ? WHERE id = ?`,
		status, detail, s.formatTime(s.nowUTC()), id)
	if err := mustAffect(res, err, "Connection not found."); err != nil {
		return s.wrapErr("update connection status", err)
	}
	return s.wrapErr("update connection status", tx.Commit())
}

// DeleteConnection removes the connection and its token (ENOTFOUND).
func (s *Store) DeleteConnection(ctx context.Context, id int64) error {
	tx, err := s.begin(ctx)
	if err != nil {
		return s.wrapErr("delete connection", err)
	}
	defer tx.Rollback()
	// Deleted explicitly rather than relying on ON DELETE CASCADE alone, so
	// the token goes even if foreign keys were switched off.
	if _, err := tx.ExecContext(ctx, `DELETE FROM tokens WHERE connection_id = ?`, id); err != nil {
		return s.wrapErr("delete connection", err)
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM connections WHERE id = ?`, id)
	if err := mustAffect(res, err, "Connection not found."); err != nil {
		return s.wrapErr("delete connection", err)
	}
	return s.wrapErr("delete connection", tx.Commit())
}

func findConnectionByID(ctx context.Context, tx *sqlTx, id int64) (*sfzoom.Connection, error) {
	cs, err := findConnections(ctx, tx, `WHERE id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, sfzoom.Errorf(sfzoom.ENOTFOUND, "Connection not found.")
	}
	return cs[0], nil
}

func findConnections(ctx context.Context, tx *sqlTx, tail string, args ...any) ([]*sfzoom.Connection, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+connectionColumns+` FROM connections `+tail, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cs []*sfzoom.Connection
	for rows.Next() {
		var (
			c                sfzoom.Connection
			created, updated dbTime
		)
		if err := rows.Scan(&c.ID, &c.OrgID, &c.Provider, &c.Subject, &c.Status, &c.Scopes, &c.Detail, &created, &updated); err != nil {
			return nil, err
		}
		c.CreatedAt = created.Time
		c.UpdatedAt = updated.Time
		cs = append(cs, &c)
	}
	return cs, rows.Err()
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

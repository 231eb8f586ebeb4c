package sqlstore

import (
	"context"
	"time"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// UpsertUserMapping creates or replaces the mapping of (OrgID, SFUserID).
func (s *Store) UpsertUserMapping(ctx context.Context, m *sfzoom.UserMapping) error {
	if m.OrgID == "" || m.SFUserID == "" {
		return sfzoom.Errorf(sfzoom.EINVALID, "User mapping needs an org and a Salesforce user id.")
	}
	now := s.nowUTC()
	if err := s.exec(ctx, "upsert user mapping", `
		INSERT INTO user_mappings (org_id, sf_user_id, sf_email, sf_name, zoom_email, zoom_user_id, source, status, detail, verified_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (org_id, sf_user_id) DO UPDATE SET
			sf_email = excluded.sf_email, sf_name = excluded.sf_name, zoom_email = excluded.zoom_email,
			zoom_user_id = excluded.zoom_user_id, source = excluded.source, status = excluded.status,
			detail = excluded.detail, verified_at = excluded.verified_at, updated_at = excluded.updated_at`,
		m.OrgID, m.SFUserID, m.SFEmail, m.SFName, m.ZoomEmail, m.ZoomUserID, m.Source, m.Status, m.Detail,
		s.formatNullTime(m.VerifiedAt), s.formatTime(now)); err != nil {
		return err
	}
	if !m.VerifiedAt.IsZero() {
		m.VerifiedAt = m.VerifiedAt.UTC().Truncate(time.Microsecond)
	}
	m.UpdatedAt = now
	return nil
}

// FindUserMapping returns the user's mapping (ENOTFOUND).
func (s *Store) FindUserMapping(ctx context.Context, orgID, sfUserID string) (*sfzoom.UserMapping, error) {
	return readFirst(ctx, s, "find user mapping", "User mapping not found.", func(tx *sqlTx) ([]*sfzoom.UserMapping, error) {
		ms, _, err := findUserMappings(ctx, tx, sfzoom.UserMappingFilter{OrgID: orgID, SFUserID: &sfUserID})
		return ms, err
	})
}

// FindUserMappings returns the matching mappings ordered by SFName, and the total.
func (s *Store) FindUserMappings(ctx context.Context, f sfzoom.UserMappingFilter) ([]*sfzoom.UserMapping, int, error) {
	return readPage(ctx, s, "find user mappings", func(tx *sqlTx) ([]*sfzoom.UserMapping, int, error) {
		return findUserMappings(ctx, tx, f)
	})
}

func findUserMappings(ctx context.Context, tx *sqlTx, f sfzoom.UserMappingFilter) ([]*sfzoom.UserMapping, int, error) {
	if f.OrgID == "" {
		return nil, 0, sfzoom.Errorf(sfzoom.EINVALID, "User mapping filter needs an org.")
	}
	w := orgWhere(f.OrgID)
	whereEq(w, "sf_user_id", f.SFUserID)
	whereEq(w, "zoom_user_id", f.ZoomUserID)
	whereEq(w, "status", f.Status)
	if v := f.VerifiedBefore; v != nil {
		// Never-verified mappings are the most overdue.
		w.add("(verified_at IS NULL OR verified_at < ?)", tx.formatTime(*v))
	}
	cond, args := w.String(), w.args
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM user_mappings WHERE `+cond, args...).Scan(&n); err != nil {
		return nil, 0, err
	}
	ms, err := queryAll(ctx, tx, scanUserMapping, `
		SELECT org_id, sf_user_id, sf_email, sf_name, zoom_email, zoom_user_id, source, status, detail, verified_at, updated_at
		FROM user_mappings WHERE `+cond+`
		ORDER BY sf_name ASC, sf_user_id ASC`+tx.limitClause(f.Limit, f.Offset), args...)
	if err != nil {
		return nil, 0, err
	}
	return ms, n, nil
}

func scanUserMapping(sc rowScanner) (*sfzoom.UserMapping, error) {
	var (
		m        sfzoom.UserMapping
		verified dbNullTime
		updated  dbTime
	)
	if err := sc.Scan(&m.OrgID, &m.SFUserID, &m.SFEmail, &m.SFName, &m.ZoomEmail, &m.ZoomUserID,
		&m.Source, &m.Status, &m.Detail, &verified, &updated); err != nil {
		return nil, err
	}
	m.VerifiedAt = verified.Time
	m.UpdatedAt = updated.Time
	return &m, nil
}

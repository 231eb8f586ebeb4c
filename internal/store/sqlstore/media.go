package sqlstore

import (
	"context"
	"time"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// AppendMediaAudit records one access to a recording file (EINVALID without
// an org or a result).
func (s *Store) AppendMediaAudit(ctx context.Context, a *sfzoom.MediaAudit) error {
	if a.OrgID == "" || a.Result == "" {
		return sfzoom.Errorf(sfzoom.EINVALID, "Media audit entries need an org and a result.")
	}
	at := s.nowUTC()
	if !a.At.IsZero() {
		at = a.At.UTC().Truncate(time.Microsecond)
	}
	var id int64
	err := s.db.QueryRowContext(ctx, s.d.rebind(`
		INSERT INTO media_audit (org_id, sf_user_id, meeting_id, zoom_file_id, range_header, status, bytes, result, detail, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		a.OrgID, a.SFUserID, a.MeetingID, a.ZoomFileID, a.Range, a.Status, a.Bytes, a.Result, a.Detail, s.formatTime(at),
	).Scan(&id)
	if err != nil {
		return s.wrapErr("append media audit", err)
	}
	a.ID, a.At = id, at
	return nil
}

// FindMediaAudit returns an org's audit entries, newest first.
func (s *Store) FindMediaAudit(ctx context.Context, f sfzoom.MediaAuditFilter) ([]*sfzoom.MediaAudit, error) {
	if f.OrgID == "" {
		return nil, sfzoom.Errorf(sfzoom.EINVALID, "Media audit queries need an org.")
	}
	w := orgWhere(f.OrgID)
	whereEq(w, "sf_user_id", f.SFUserID)
	whereEq(w, "meeting_id", f.MeetingID)
	whereEq(w, "zoom_file_id", f.ZoomFileID)
	return list(ctx, s.readOnly, "find media audit", func(sc rowScanner) (*sfzoom.MediaAudit, error) {
		var (
			a  sfzoom.MediaAudit
			at dbTime
		)
		if err := sc.Scan(&a.ID, &a.OrgID, &a.SFUserID, &a.MeetingID, &a.ZoomFileID, &a.Range, &a.Status, &a.Bytes, &a.Result, &a.Detail, &at); err != nil {
			return nil, err
		}
		a.At = at.Time
		return &a, nil
	}, `
		SELECT id, org_id, sf_user_id, meeting_id, zoom_file_id, range_header, status, bytes, result, detail, at
		FROM media_audit WHERE `+w.String()+` ORDER BY at DESC, id DESC`+s.limitClause(f.Limit, 0), w.args...)
}

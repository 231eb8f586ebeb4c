package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// ClaimScheduleRequest inserts r as pending, or takes over a failed request
// with the same key; it reports whether the caller now owns the request. When
// another submission owns it, r is filled with the stored request.
func (s *Store) ClaimScheduleRequest(ctx context.Context, r *sfzoom.ScheduleRequest) (bool, error) {
	if r.OrgID == "" || r.IdempotencyKey == "" {
		return false, sfzoom.Errorf(sfzoom.EINVALID, "A schedule request needs an org and an idempotency key.")
	}
	now := s.nowUTC()
	var (
		claimed bool
		got     *sfzoom.ScheduleRequest
	)
	err := s.write(ctx, "claim schedule request", func(tx *sqlTx) error {
		res, err := tx.ExecContext(ctx, `
		INSERT INTO schedule_requests (org_id, idempotency_key, sf_user_id, status, meeting_id, detail, created_at, updated_at)
		VALUES (?, ?, ?, ?, 0, '', ?, ?)
		ON CONFLICT (org_id, idempotency_key) DO NOTHING`,
			r.OrgID, r.IdempotencyKey, r.SFUserID, sfzoom.ScheduleRequestPending, s.formatTime(now), s.formatTime(now))
		if err != nil {
			return err
		}
		claimed = rowsAffected(res) == 1
		if !claimed {
			// A failed attempt created nothing at Zoom, so the same key may try again.
			res, err = tx.ExecContext(ctx, `
			UPDATE schedule_requests SET status = ?, sf_user_id = ?, detail = '', updated_at = ?
			WHERE org_id = ? AND idempotency_key = ? AND status = ?`,
				sfzoom.ScheduleRequestPending, r.SFUserID, s.formatTime(now), r.OrgID, r.IdempotencyKey, sfzoom.ScheduleRequestFailed)
			if err != nil {
				return err
			}
			claimed = rowsAffected(res) == 1
		}
		got, err = findScheduleRequest(ctx, tx, r.OrgID, r.IdempotencyKey)
		return err
	})
	if err != nil {
		return false, err
	}
	*r = *got
	return claimed, nil
}

// FindScheduleRequest returns the request with the key (ENOTFOUND).
func (s *Store) FindScheduleRequest(ctx context.Context, orgID, key string) (*sfzoom.ScheduleRequest, error) {
	var r *sfzoom.ScheduleRequest
	err := s.read(ctx, "find schedule request", func(tx *sqlTx) (err error) {
		r, err = findScheduleRequest(ctx, tx, orgID, key)
		return err
	})
	return r, err
}

// FinishScheduleRequest marks a pending request done (with the meeting) or
// failed (with a detail) (ENOTFOUND, EINVALID).
func (s *Store) FinishScheduleRequest(ctx context.Context, orgID, key, status string, meetingID int64, detail string) error {
	if status != sfzoom.ScheduleRequestDone && status != sfzoom.ScheduleRequestFailed {
		return sfzoom.Errorf(sfzoom.EINVALID, "A schedule request can only finish as done or failed.")
	}
	res, err := s.db.ExecContext(ctx, s.d.rebind(`
		UPDATE schedule_requests SET status = ?, meeting_id = ?, detail = ?, updated_at = ?
		WHERE org_id = ? AND idempotency_key = ?`),
		status, meetingID, detail, s.formatTime(s.nowUTC()), orgID, key)
	if err != nil {
		return s.wrapErr("finish schedule request", err)
	}
	if rowsAffected(res) == 0 {
		return sfzoom.Errorf(sfzoom.ENOTFOUND, "Schedule request not found.")
	}
	return nil
}

func rowsAffected(res sql.Result) int64 {
	n, _ := res.RowsAffected()
	return n
}

func findScheduleRequest(ctx context.Context, tx *sqlTx, orgID, key string) (*sfzoom.ScheduleRequest, error) {
	var (
		r                sfzoom.ScheduleRequest
		created, updated dbTime
	)
	err := tx.QueryRowContext(ctx, `
		SELECT org_id, idempotency_key, sf_user_id, status, meeting_id, detail, created_at, updated_at
		FROM schedule_requests WHERE org_id = ? AND idempotency_key = ?`, orgID, key).
		Scan(&r.OrgID, &r.IdempotencyKey, &r.SFUserID, &r.Status, &r.MeetingID, &r.Detail, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sfzoom.Errorf(sfzoom.ENOTFOUND, "Schedule request not found.")
	} else if err != nil {
		return nil, err
	}
	r.CreatedAt = created.Time
	r.UpdatedAt = updated.Time
	return &r, nil
}

package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store"
)

const meetingColumns = `id, org_id, zoom_meeting_id, zoom_uuid, host_sf_user_id, host_zoom_user_id,
	record_object, record_id, topic, agenda, start_time, duration, timezone, join_url, status,
	sf_event_id, idempotency_key, settings, created_at, updated_at`

// CreateMeeting stores m and inserts jobs in the same transaction. ECONFLICT
// when the org already has the idempotency key or Zoom meeting id.
func (s *Store) CreateMeeting(ctx context.Context, m *sfzoom.Meeting, jobs ...store.Job) error {
	if err := m.Validate(); err != nil {
		return err
	}
	settings, err := json.Marshal(m.Settings)
	if err != nil {
		return s.wrapErr("create meeting", err)
	}
	now := s.nowUTC()
	var id int64
	err = s.write(ctx, "create meeting", func(tx *sqlTx) error {
		err := tx.QueryRowContext(ctx, `
		INSERT INTO meetings (org_id, zoom_meeting_id, zoom_uuid, host_sf_user_id, host_zoom_user_id,
			record_object, record_id, topic, agenda, start_time, duration, timezone, join_url, status,
			sf_event_id, idempotency_key, settings, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		RETURNING id`,
			m.OrgID, m.ZoomMeetingID, m.ZoomUUID, m.HostSFUserID, m.HostZoomUserID,
			m.RecordObject, m.RecordID, m.Topic, m.Agenda, s.formatTime(m.StartTime), m.Duration, m.Timezone, m.JoinURL, m.Status,
			m.SFEventID, m.IdempotencyKey, string(settings), s.formatTime(now), s.formatTime(now),
		).Scan(&id)
		if err != nil {
			if sfzoom.ErrorCode(s.formatError(err)) == sfzoom.ECONFLICT {
				return sfzoom.WrapError(sfzoom.ECONFLICT, err,
					"This org already has a meeting with that idempotency key or Zoom meeting id.")
			}
			return err
		}
		return s.insertJobs(ctx, tx, jobs)
	})
	if err != nil {
		return err
	}
	m.ID = id
	m.StartTime = m.StartTime.UTC().Truncate(time.Microsecond)
	m.CreatedAt, m.UpdatedAt = now, now
	return nil
}

// FindMeetingByID returns the org's meeting (ENOTFOUND).
func (s *Store) FindMeetingByID(ctx context.Context, orgID string, id int64) (*sfzoom.Meeting, error) {
	var m *sfzoom.Meeting
	err := s.read(ctx, "find meeting", func(tx *sqlTx) (err error) {
		m, err = findMeetingByID(ctx, tx, orgID, id)
		return err
	})
	return m, err
}

// FindMeetings returns the matching meetings by start time and the total count.
func (s *Store) FindMeetings(ctx context.Context, f sfzoom.MeetingFilter) ([]*sfzoom.Meeting, int, error) {
	return readPage(ctx, s, "find meetings", func(tx *sqlTx) ([]*sfzoom.Meeting, int, error) { return findMeetings(ctx, tx, f) })
}

// UpdateMeeting applies upd and inserts jobs in the same transaction (ENOTFOUND).
func (s *Store) UpdateMeeting(ctx context.Context, orgID string, id int64, upd sfzoom.MeetingUpdate, jobs ...store.Job) (*sfzoom.Meeting, error) {
	var m *sfzoom.Meeting
	err := s.write(ctx, "update meeting", func(tx *sqlTx) (err error) {
		if m, err = findMeetingByID(ctx, tx, orgID, id); err != nil {
			return err
		}
		applyMeetingUpdate(m, upd)
		m.UpdatedAt = s.nowUTC()
		if _, err := tx.ExecContext(ctx, `
		UPDATE meetings SET zoom_uuid = ?, topic = ?, agenda = ?, start_time = ?, duration = ?,
			join_url = ?, status = ?, sf_event_id = ?, updated_at = ?
		WHERE org_id = ? AND id = ?`,
			m.ZoomUUID, m.Topic, m.Agenda, s.formatTime(m.StartTime), m.Duration,
			m.JoinURL, m.Status, m.SFEventID, s.formatTime(m.UpdatedAt), orgID, id); err != nil {
			return err
		}
		return s.insertJobs(ctx, tx, jobs)
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// applyMeetingUpdate sets the fields upd names.
func applyMeetingUpdate(m *sfzoom.Meeting, upd sfzoom.MeetingUpdate) {
	setIf(&m.ZoomUUID, upd.ZoomUUID)
	setIf(&m.Topic, upd.Topic)
	setIf(&m.Agenda, upd.Agenda)
	if v := upd.StartTime; v != nil {
		m.StartTime = v.UTC().Truncate(time.Microsecond)
	}
	setIf(&m.Duration, upd.Duration)
	setIf(&m.JoinURL, upd.JoinURL)
	setIf(&m.Status, upd.Status)
	setIf(&m.SFEventID, upd.SFEventID)
}

// setIf stores *v in dst when the update field v is set.
func setIf[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

func findMeetingByID(ctx context.Context, tx *sqlTx, orgID string, id int64) (*sfzoom.Meeting, error) {
	ms, _, err := findMeetings(ctx, tx, sfzoom.MeetingFilter{OrgID: orgID, ID: &id})
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, sfzoom.Errorf(sfzoom.ENOTFOUND, "That meeting doesn't exist in sfzoom (it may have been removed). Reload the record page to see its current meetings.")
	}
	return ms[0], nil
}

func findMeetings(ctx context.Context, tx *sqlTx, f sfzoom.MeetingFilter) ([]*sfzoom.Meeting, int, error) {
	if f.OrgID == "" {
		return nil, 0, sfzoom.Errorf(sfzoom.EINVALID, "Meeting filter needs an org.")
	}
	where, args := meetingWhere(tx, f)
	rows, err := tx.QueryContext(ctx, `
		SELECT `+meetingColumns+`, COUNT(*) OVER ()
		FROM meetings
		WHERE `+where+`
		ORDER BY start_time ASC, id ASC`+tx.limitClause(f.Limit, f.Offset),
		args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()

	var (
		ms []*sfzoom.Meeting
		n  int
	)
	for rows.Next() {
		m, err := scanMeeting(rows, &n)
		if err != nil {
			return nil, 0, err
		}
		ms = append(ms, m)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	// COUNT(*) OVER () is computed before LIMIT/OFFSET, but a page past the
	// end has no row to carry it.
	if len(ms) == 0 && f.Offset > 0 {
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM meetings WHERE `+where, args...).Scan(&n); err != nil {
			return nil, 0, err
		}
	}
	return ms, n, nil
}

// meetingWhere is the WHERE clause (without the keyword) and its arguments
// for f: the org always, and each filter field that is set.
func meetingWhere(tx *sqlTx, f sfzoom.MeetingFilter) (string, []any) {
	w := orgWhere(f.OrgID)
	whereEq(w, "id", f.ID)
	whereEq(w, "zoom_meeting_id", f.ZoomMeetingID)
	whereEq(w, "host_sf_user_id", f.HostSFUserID)
	whereEq(w, "record_object", f.RecordObject)
	whereEq(w, "record_id", f.RecordID)
	whereEq(w, "status", f.Status)
	if v := f.StartsAfter; v != nil {
		w.add("start_time > ?", tx.formatTime(*v))
	}
	whereEq(w, "idempotency_key", f.IdempotencyKey)
	return w.String(), w.args
}

// scanMeeting reads one row of meetingColumns followed by the total count
// (into n), decoding the stored settings.
func scanMeeting(rows *sql.Rows, n *int) (*sfzoom.Meeting, error) {
	var (
		m                   sfzoom.Meeting
		start, created, upd dbTime
		settings            string
	)
	if err := rows.Scan(&m.ID, &m.OrgID, &m.ZoomMeetingID, &m.ZoomUUID, &m.HostSFUserID, &m.HostZoomUserID,
		&m.RecordObject, &m.RecordID, &m.Topic, &m.Agenda, &start, &m.Duration, &m.Timezone, &m.JoinURL, &m.Status,
		&m.SFEventID, &m.IdempotencyKey, &settings, &created, &upd, n); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(settings), &m.Settings); err != nil {
		return nil, fmt.Errorf("decode meeting settings: %w", err)
	}
	m.StartTime = start.Time
	m.CreatedAt = created.Time
	m.UpdatedAt = upd.Time
	return &m, nil
}

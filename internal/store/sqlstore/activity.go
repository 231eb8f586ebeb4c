package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// personKey identifies a person within an occurrence: the email, or the
// display name for participants without one (dial-ins, guests).
func personKey(p *sfzoom.Participant) string {
	if e := strings.ToLower(strings.TrimSpace(p.Email)); e != "" {
		return e
	}
	return "name:" + strings.ToLower(strings.TrimSpace(p.Name))
}

// SaveAttendance upserts an occurrence's participants; hand-linked matches are kept.
func (s *Store) SaveAttendance(ctx context.Context, orgID, meetingUUID string, meetingID int64, ps []*sfzoom.Participant) error {
	if orgID == "" || meetingUUID == "" {
		return sfzoom.Errorf(sfzoom.EINVALID, "Attendance needs an org and a meeting UUID.")
	}
	now := s.nowUTC()
	return s.write(ctx, "save attendance", func(tx *sqlTx) error {
		for _, p := range ps {
			var id int64
			err := tx.QueryRowContext(ctx, `
			INSERT INTO participants (org_id, meeting_id, meeting_uuid, person_key, name, email, join_time, leave_time,
				duration, match, sf_record_id, linked, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)
			ON CONFLICT (org_id, meeting_uuid, person_key) DO UPDATE SET
				meeting_id = excluded.meeting_id, name = excluded.name, email = excluded.email,
				join_time = excluded.join_time, leave_time = excluded.leave_time, duration = excluded.duration,
				match = CASE WHEN participants.linked = 1 THEN participants.match ELSE excluded.match END,
				sf_record_id = CASE WHEN participants.linked = 1 THEN participants.sf_record_id ELSE excluded.sf_record_id END,
				updated_at = excluded.updated_at
			RETURNING id`,
				orgID, meetingID, meetingUUID, personKey(p), p.Name, strings.ToLower(strings.TrimSpace(p.Email)),
				s.formatNullTime(p.JoinTime), s.formatNullTime(p.LeaveTime), p.Duration, p.Match, p.SFRecordID, s.formatTime(now),
			).Scan(&id)
			if err != nil {
				return err
			}
			p.ID, p.OrgID, p.MeetingID = id, orgID, meetingID
		}
		return nil
	})
}

const attendeeColumns = `p.id, p.org_id, p.meeting_id, p.meeting_uuid, p.name, p.email, p.join_time, p.leave_time,
	p.duration, p.match, p.sf_record_id, p.linked, COALESCE(a.topic, '')`

const attendeeFrom = ` FROM participants p
	LEFT JOIN activity_logs a ON a.org_id = p.org_id AND a.meeting_uuid = p.meeting_uuid `

func scanAttendee(sc rowScanner) (*sfzoom.Attendee, error) {
	var (
		a           sfzoom.Attendee
		join, leave dbNullTime
		linked      int
	)
	if err := sc.Scan(&a.ID, &a.OrgID, &a.MeetingID, &a.MeetingUUID, &a.Name, &a.Email, &join, &leave,
		&a.Duration, &a.Match, &a.SFRecordID, &linked, &a.Topic); err != nil {
		return nil, err
	}
	a.JoinTime = join.Time
	a.LeaveTime = leave.Time
	a.Linked = linked == 1
	return &a, nil
}

// FindAttendance returns an occurrence's participants by join time.
func (s *Store) FindAttendance(ctx context.Context, orgID, meetingUUID string) ([]*sfzoom.Attendee, error) {
	return s.findAttendees(ctx, "find attendance", `WHERE p.org_id = ? AND p.meeting_uuid = ? ORDER BY p.join_time, p.id`,
		orgID, meetingUUID)
}

// maxAttendanceMeetings bounds one FindAttendanceByMeetings call (the record
// page asks for its few listed meetings).
const maxAttendanceMeetings = 200

// FindAttendanceByMeetings returns the participants of the org's meetings
// (sfzoom meeting ids), by meeting, then join time.
func (s *Store) FindAttendanceByMeetings(ctx context.Context, orgID string, meetingIDs []int64) ([]*sfzoom.Attendee, error) {
	if orgID == "" {
		return nil, sfzoom.Errorf(sfzoom.EINVALID, "Attendance needs an org.")
	}
	var ids []any
	for _, id := range meetingIDs {
		if id > 0 {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	if len(ids) > maxAttendanceMeetings {
		return nil, sfzoom.Errorf(sfzoom.EINVALID, "Ask for the attendance of at most %d meetings at a time.", maxAttendanceMeetings)
	}
	var out []*sfzoom.Attendee
	err := s.readOnly(ctx, "find attendance by meetings", func(tx *sqlTx) (err error) {
		out, err = findAttendees(ctx, tx, `WHERE p.org_id = ? AND p.meeting_id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)
			ORDER BY p.meeting_id, p.join_time, p.id`, append([]any{orgID}, ids...)...)
		return err
	})
	return out, err
}

// FindUnmatched returns the org's review queue, newest first.
func (s *Store) FindUnmatched(ctx context.Context, orgID string, limit int) ([]*sfzoom.Attendee, error) {
	return s.findAttendees(ctx, "find unmatched", `WHERE p.org_id = ? AND p.match = ? ORDER BY p.id DESC`+s.limitClause(limit, 0),
		orgID, sfzoom.MatchUnmatched)
}

// findAttendees reads the participants that tail selects, with their meeting's topic.
func (s *Store) findAttendees(ctx context.Context, op, tail string, args ...any) ([]*sfzoom.Attendee, error) {
	return list(ctx, s.read, op, scanAttendee, `SELECT `+attendeeColumns+attendeeFrom+tail, args...)
}

func findAttendees(ctx context.Context, tx *sqlTx, tail string, args ...any) ([]*sfzoom.Attendee, error) {
	return queryAll(ctx, tx, scanAttendee, `SELECT `+attendeeColumns+attendeeFrom+tail, args...)
}

// LinkParticipant links a participant to a Contact or Lead by hand and teaches the cache.
func (s *Store) LinkParticipant(ctx context.Context, orgID string, participantID int64, kind, sfRecordID string, cacheUntil time.Time) (*sfzoom.Attendee, error) {
	if kind != sfzoom.MatchContact && kind != sfzoom.MatchLead {
		return nil, sfzoom.Errorf(sfzoom.EINVALID, "A participant can be linked to a Contact or a Lead.")
	}
	if l := len(sfRecordID); (l != 15 && l != 18) || strings.Trim(sfRecordID, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "" {
		return nil, sfzoom.Errorf(sfzoom.EINVALID, "%q is not a Salesforce record id; paste the 15- or 18-character id.", sfRecordID)
	}
	var a *sfzoom.Attendee
	err := s.write(ctx, "link participant", func(tx *sqlTx) error {
		res, err := tx.ExecContext(ctx, `UPDATE participants SET match = ?, sf_record_id = ?, linked = 1, updated_at = ?
		WHERE org_id = ? AND id = ?`, kind, sfRecordID, s.formatTime(s.nowUTC()), orgID, participantID)
		if err := mustAffect(res, err, "That participant is not in the review queue any more; reload the page."); err != nil {
			return err
		}
		as, err := findAttendees(ctx, tx, `WHERE p.org_id = ? AND p.id = ?`, orgID, participantID)
		if err != nil || len(as) != 1 {
			return errors.Join(err, errors.New("participant vanished"))
		}
		a = as[0]
		if a.Email == "" {
			return nil
		}
		return saveMatch(ctx, tx, &sfzoom.Match{OrgID: orgID, Email: a.Email, Kind: kind, SFRecordID: sfRecordID, ExpiresAt: cacheUntil})
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// SaveRecordingFiles upserts an occurrence's recording files (ids and metadata only).
func (s *Store) SaveRecordingFiles(ctx context.Context, orgID, meetingUUID string, meetingID int64, files []*sfzoom.RecordingFile) error {
	if orgID == "" || meetingUUID == "" {
		return sfzoom.Errorf(sfzoom.EINVALID, "Recording files need an org and a meeting UUID.")
	}
	now := s.nowUTC()
	return s.write(ctx, "save recording files", func(tx *sqlTx) error {
		for _, f := range files {
			key := f.ZoomFileID
			if key == "" {
				key = "type:" + f.FileType
			}
			var id int64
			err := tx.QueryRowContext(ctx, `
			INSERT INTO recording_files (org_id, meeting_id, meeting_uuid, file_key, zoom_file_id, file_type, file_extension,
				recording_type, file_size, status, recording_start, recording_end, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (org_id, meeting_uuid, file_key) DO UPDATE SET
				meeting_id = excluded.meeting_id, file_type = excluded.file_type, file_extension = excluded.file_extension,
				recording_type = excluded.recording_type, file_size = excluded.file_size, status = excluded.status,
				recording_start = excluded.recording_start, recording_end = excluded.recording_end, updated_at = excluded.updated_at
			RETURNING id`,
				orgID, meetingID, meetingUUID, key, f.ZoomFileID, f.FileType, f.FileExtension, f.RecordingType, f.FileSize, f.Status,
				s.formatNullTime(f.RecordingStart), s.formatNullTime(f.RecordingEnd), s.formatTime(now),
			).Scan(&id)
			if err != nil {
				return err
			}
			f.ID, f.OrgID, f.MeetingID = id, orgID, meetingID
		}
		return nil
	})
}

// FindRecordingFiles returns the matching recording files.
func (s *Store) FindRecordingFiles(ctx context.Context, f sfzoom.RecordingFileFilter) ([]*sfzoom.RecordingFile, error) {
	if f.OrgID == "" {
		return nil, sfzoom.Errorf(sfzoom.EINVALID, "Recording files are looked up per org.")
	}
	w := orgWhere(f.OrgID)
	whereEq(w, "meeting_id", f.MeetingID)
	whereEq(w, "meeting_uuid", f.MeetingUUID)
	whereEq(w, "zoom_file_id", f.ZoomFileID)
	return list(ctx, s.read, "find recording files", scanRecordingFile, `
		SELECT id, org_id, meeting_id, zoom_file_id, file_type, file_extension, recording_type, file_size, status,
			recording_start, recording_end
		FROM recording_files WHERE `+w.String()+` ORDER BY recording_start, id`, w.args...)
}

func scanRecordingFile(sc rowScanner) (*sfzoom.RecordingFile, error) {
	var (
		r          sfzoom.RecordingFile
		start, end dbNullTime
	)
	if err := sc.Scan(&r.ID, &r.OrgID, &r.MeetingID, &r.ZoomFileID, &r.FileType, &r.FileExtension, &r.RecordingType,
		&r.FileSize, &r.Status, &start, &end); err != nil {
		return nil, err
	}
	r.RecordingStart = start.Time
	r.RecordingEnd = end.Time
	return &r, nil
}

// SaveSummary creates or replaces an occurrence's summary.
func (s *Store) SaveSummary(ctx context.Context, meetingUUID string, sum *sfzoom.Summary) error {
	if sum.OrgID == "" || meetingUUID == "" {
		return sfzoom.Errorf(sfzoom.EINVALID, "A summary needs an org and a meeting UUID.")
	}
	details, err1 := json.Marshal(emptyIfNil(sum.Details))
	steps, err2 := json.Marshal(emptyIfNil(sum.NextSteps))
	items, err3 := json.Marshal(emptyIfNil(sum.ActionItems))
	if err := errors.Join(err1, err2, err3); err != nil {
		return s.wrapErr("save summary", err)
	}
	now := s.nowUTC()
	err := s.write(ctx, "save summary", func(tx *sqlTx) error {
		_, err := tx.ExecContext(ctx, `
		INSERT INTO summaries (org_id, meeting_uuid, meeting_id, overview, details, next_steps, action_items, markdown, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (org_id, meeting_uuid) DO UPDATE SET meeting_id = excluded.meeting_id, overview = excluded.overview,
			details = excluded.details, next_steps = excluded.next_steps, action_items = excluded.action_items,
			markdown = excluded.markdown, updated_at = excluded.updated_at`,
			sum.OrgID, meetingUUID, sum.MeetingID, sum.Overview, string(details), string(steps), string(items), sum.Markdown, s.formatTime(now))
		return err
	})
	if err != nil {
		return err
	}
	sum.UpdatedAt = now
	return nil
}

func emptyIfNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// FindSummary returns an occurrence's summary (ENOTFOUND).
func (s *Store) FindSummary(ctx context.Context, orgID, meetingUUID string) (*sfzoom.Summary, error) {
	var (
		sum                   sfzoom.Summary
		details, steps, items string
		updated               dbTime
	)
	err := s.read(ctx, "find summary", func(tx *sqlTx) error {
		err := tx.QueryRowContext(ctx, `SELECT org_id, meeting_id, overview, details, next_steps, action_items, markdown, updated_at
		FROM summaries WHERE org_id = ? AND meeting_uuid = ?`, orgID, meetingUUID).
			Scan(&sum.OrgID, &sum.MeetingID, &sum.Overview, &details, &steps, &items, &sum.Markdown, &updated)
		if errors.Is(err, sql.ErrNoRows) {
			return sfzoom.Errorf(sfzoom.ENOTFOUND, "This meeting has no summary yet.")
		} else if err != nil {
			return err
		}
		return errors.Join(json.Unmarshal([]byte(details), &sum.Details), json.Unmarshal([]byte(steps), &sum.NextSteps),
			json.Unmarshal([]byte(items), &sum.ActionItems))
	})
	if err != nil {
		return nil, err
	}
	sum.UpdatedAt = updated.Time
	return &sum, nil
}

// FindCachedMatches returns the unexpired cache entries for emails.
func (s *Store) FindCachedMatches(ctx context.Context, orgID string, emails []string, now time.Time) (map[string]*sfzoom.Match, error) {
	out := map[string]*sfzoom.Match{}
	if len(emails) == 0 {
		return out, nil
	}
	args := []any{orgID, s.formatTime(now)}
	for _, e := range emails {
		args = append(args, strings.ToLower(e))
	}
	err := s.read(ctx, "find cached matches", func(tx *sqlTx) error {
		rows, err := tx.QueryContext(ctx, `SELECT email, kind, sf_record_id, account_id, expires_at FROM match_cache
		WHERE org_id = ? AND expires_at > ? AND email IN (?`+strings.Repeat(", ?", len(emails)-1)+`)`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			m := sfzoom.Match{OrgID: orgID}
			var exp dbTime
			if err := rows.Scan(&m.Email, &m.Kind, &m.SFRecordID, &m.AccountID, &exp); err != nil {
				return err
			}
			m.ExpiresAt = exp.Time
			out[m.Email] = &m
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// SaveCachedMatches creates or replaces cache entries.
func (s *Store) SaveCachedMatches(ctx context.Context, ms []*sfzoom.Match) error {
	if len(ms) == 0 {
		return nil
	}
	return s.write(ctx, "save cached matches", func(tx *sqlTx) error {
		for _, m := range ms {
			if err := saveMatch(ctx, tx, m); err != nil {
				return err
			}
		}
		return nil
	})
}

func saveMatch(ctx context.Context, tx *sqlTx, m *sfzoom.Match) error {
	if m.OrgID == "" || m.Email == "" || m.SFRecordID == "" {
		return sfzoom.Errorf(sfzoom.EINVALID, "A cached match needs an org, an email and a record id.")
	}
	m.Email = strings.ToLower(strings.TrimSpace(m.Email))
	_, err := tx.ExecContext(ctx, `
		INSERT INTO match_cache (org_id, email, kind, sf_record_id, account_id, expires_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (org_id, email) DO UPDATE SET kind = excluded.kind, sf_record_id = excluded.sf_record_id,
			account_id = excluded.account_id, expires_at = excluded.expires_at`,
		m.OrgID, m.Email, m.Kind, m.SFRecordID, m.AccountID, tx.formatTime(m.ExpiresAt))
	return err
}

// SaveActivityLog creates or replaces an occurrence's log.
func (s *Store) SaveActivityLog(ctx context.Context, l *sfzoom.ActivityLog) error {
	if l.OrgID == "" || l.MeetingUUID == "" {
		return sfzoom.Errorf(sfzoom.EINVALID, "An activity log needs an org and a meeting UUID.")
	}
	if l.LoggedAt.IsZero() {
		l.LoggedAt = s.nowUTC()
	}
	l.LoggedAt = l.LoggedAt.UTC().Truncate(time.Microsecond)
	l.StartTime = l.StartTime.UTC().Truncate(time.Microsecond)
	return s.write(ctx, "save activity log", func(tx *sqlTx) error {
		_, err := tx.ExecContext(ctx, `
		INSERT INTO activity_logs (org_id, meeting_uuid, meeting_id, zoom_meeting_id, topic, mode, sf_event_id,
			related_record_id, fingerprint, start_time, logged_at, timezone)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (org_id, meeting_uuid) DO UPDATE SET meeting_id = excluded.meeting_id,
			zoom_meeting_id = excluded.zoom_meeting_id, topic = excluded.topic, mode = excluded.mode,
			sf_event_id = excluded.sf_event_id, related_record_id = excluded.related_record_id,
			fingerprint = excluded.fingerprint, start_time = excluded.start_time, logged_at = excluded.logged_at,
			timezone = excluded.timezone`,
			l.OrgID, l.MeetingUUID, l.MeetingID, l.ZoomMeetingID, l.Topic, l.Mode, l.SFEventID, l.RelatedRecordID,
			l.Fingerprint, s.formatNullTime(l.StartTime), s.formatTime(l.LoggedAt), l.Timezone)
		return err
	})
}

const activityLogColumns = `org_id, meeting_uuid, meeting_id, zoom_meeting_id, topic, mode, sf_event_id,
	related_record_id, fingerprint, start_time, logged_at, timezone`

func scanActivityLog(sc rowScanner) (*sfzoom.ActivityLog, error) {
	var (
		l      sfzoom.ActivityLog
		start  dbNullTime
		logged dbTime
	)
	if err := sc.Scan(&l.OrgID, &l.MeetingUUID, &l.MeetingID, &l.ZoomMeetingID, &l.Topic, &l.Mode, &l.SFEventID,
		&l.RelatedRecordID, &l.Fingerprint, &start, &logged, &l.Timezone); err != nil {
		return nil, err
	}
	l.StartTime = start.Time
	l.LoggedAt = logged.Time
	return &l, nil
}

// FindActivityLog returns an occurrence's log (ENOTFOUND).
func (s *Store) FindActivityLog(ctx context.Context, orgID, meetingUUID string) (*sfzoom.ActivityLog, error) {
	return readRow(ctx, s.read, "find activity log", "This meeting has not been logged in Salesforce yet.", scanActivityLog,
		`SELECT `+activityLogColumns+` FROM activity_logs WHERE org_id = ? AND meeting_uuid = ?`, orgID, meetingUUID)
}

// FindActivityLogs returns a Zoom meeting's logged occurrences, newest first.
func (s *Store) FindActivityLogs(ctx context.Context, orgID string, zoomMeetingID int64) ([]*sfzoom.ActivityLog, error) {
	return list(ctx, s.read, "find activity logs", scanActivityLog, `SELECT `+activityLogColumns+` FROM activity_logs
		WHERE org_id = ? AND zoom_meeting_id = ? ORDER BY start_time DESC, logged_at DESC`, orgID, zoomMeetingID)
}

// LatestActivityLog returns the log of the occurrence related to
// relatedRecordID that started last (ENOTFOUND when none is logged).
func (s *Store) LatestActivityLog(ctx context.Context, orgID, relatedRecordID string) (*sfzoom.ActivityLog, error) {
	return readRow(ctx, s.readOnly, "latest activity log", "No meeting of this record has been logged yet.", scanActivityLog,
		`SELECT `+activityLogColumns+` FROM activity_logs
		WHERE org_id = ? AND related_record_id = ? AND start_time IS NOT NULL
		ORDER BY start_time DESC, meeting_uuid DESC LIMIT 1`, orgID, relatedRecordID)
}

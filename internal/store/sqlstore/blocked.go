package sqlstore

import (
	"context"
	"strings"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store"
)

// BlockMeeting parks an occurrence until its connection is fixed. A second
// block of the same occurrence updates where it is blocked and why, counts
// the attempt, and keeps the first job's args and time.
func (s *Store) BlockMeeting(ctx context.Context, b *sfzoom.BlockedMeeting) error {
	if b.OrgID == "" || b.MeetingUUID == "" || b.Provider == "" || b.Fix == "" {
		return sfzoom.Errorf(sfzoom.EINVALID, "A blocked meeting needs an org, a meeting UUID, the connection to fix and the fix.")
	}
	now := s.nowUTC()
	args := b.Args
	if args == nil {
		args = []byte{}
	}
	err := s.write(ctx, "block meeting", func(tx *sqlTx) error {
		return tx.QueryRowContext(ctx, `
		INSERT INTO blocked_meetings (org_id, meeting_uuid, zoom_meeting_id, topic, provider, subject, reason, fix, args,
			attempts, blocked_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)
		ON CONFLICT (org_id, meeting_uuid) DO UPDATE SET
			zoom_meeting_id = CASE WHEN excluded.zoom_meeting_id <> 0 THEN excluded.zoom_meeting_id ELSE blocked_meetings.zoom_meeting_id END,
			topic = CASE WHEN excluded.topic <> '' THEN excluded.topic ELSE blocked_meetings.topic END,
			provider = excluded.provider, subject = excluded.subject, reason = excluded.reason, fix = excluded.fix,
			attempts = blocked_meetings.attempts + 1, updated_at = excluded.updated_at
		RETURNING attempts`,
			b.OrgID, b.MeetingUUID, b.ZoomMeetingID, b.Topic, b.Provider, b.Subject, b.Reason, b.Fix, args,
			s.formatTime(now), s.formatTime(now)).Scan(&b.Attempts)
	})
	if err != nil {
		return err
	}
	b.UpdatedAt = now
	if b.BlockedAt.IsZero() {
		b.BlockedAt = now
	}
	return nil
}

const blockedColumns = `org_id, meeting_uuid, zoom_meeting_id, topic, provider, subject, reason, fix, args, attempts,
	blocked_at, updated_at`

// FindBlockedMeetings returns the matching blocked occurrences, oldest first.
func (s *Store) FindBlockedMeetings(ctx context.Context, f sfzoom.BlockedMeetingFilter) ([]*sfzoom.BlockedMeeting, int, error) {
	where, args := blockedWhere(f.OrgID, f.Provider, f.Subject)
	var (
		out   []*sfzoom.BlockedMeeting
		total int
	)
	err := s.readOnly(ctx, "find blocked meetings", func(tx *sqlTx) (err error) {
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM blocked_meetings`+where, args...).Scan(&total); err != nil {
			return err
		}
		out, err = findBlocked(ctx, tx, where+` ORDER BY blocked_at, org_id, meeting_uuid`+s.limitClause(f.Limit, 0), args...)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

func blockedWhere(orgID string, provider, subject *string) (string, []any) {
	var conds []string
	var args []any
	if orgID != "" {
		conds, args = append(conds, "org_id = ?"), append(args, orgID)
	}
	if provider != nil {
		conds, args = append(conds, "provider = ?"), append(args, *provider)
	}
	if subject != nil {
		conds, args = append(conds, "subject = ?"), append(args, *subject)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

func findBlocked(ctx context.Context, tx *sqlTx, where string, args ...any) ([]*sfzoom.BlockedMeeting, error) {
	return queryAll(ctx, tx, scanBlocked, `SELECT `+blockedColumns+` FROM blocked_meetings`+where, args...)
}

func scanBlocked(sc rowScanner) (*sfzoom.BlockedMeeting, error) {
	var (
		b                sfzoom.BlockedMeeting
		blocked, updated dbTime
	)
	if err := sc.Scan(&b.OrgID, &b.MeetingUUID, &b.ZoomMeetingID, &b.Topic, &b.Provider, &b.Subject, &b.Reason,
		&b.Fix, &b.Args, &b.Attempts, &blocked, &updated); err != nil {
		return nil, err
	}
	b.BlockedAt, b.UpdatedAt = blocked.Time, updated.Time
	return &b, nil
}

// UnblockMeetings deletes the occurrences blocked on a connection and
// inserts their jobs in the same transaction.
func (s *Store) UnblockMeetings(ctx context.Context, orgID, provider, subject string, job func(b *sfzoom.BlockedMeeting) (store.Job, error)) (int, error) {
	if orgID == "" || provider == "" {
		return 0, sfzoom.Errorf(sfzoom.EINVALID, "Unblocking needs an org and the connection's provider.")
	}
	where, args := blockedWhere(orgID, &provider, &subject)
	var n int
	err := s.write(ctx, "unblock meetings", func(tx *sqlTx) error {
		blocked, err := findBlocked(ctx, tx, where+` ORDER BY blocked_at, meeting_uuid`, args...)
		if err != nil || len(blocked) == 0 {
			return err
		}
		jobs := make([]store.Job, 0, len(blocked))
		for _, bm := range blocked {
			j, err := job(bm)
			if err != nil {
				return err
			}
			jobs = append(jobs, j)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM blocked_meetings`+where, args...); err != nil {
			return err
		}
		n = len(blocked)
		return s.insertJobs(ctx, tx, jobs)
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// DeleteBlockedMeeting forgets a blocked occurrence (no error when absent).
func (s *Store) DeleteBlockedMeeting(ctx context.Context, orgID, meetingUUID string) error {
	return s.exec(ctx, "delete blocked meeting", `DELETE FROM blocked_meetings WHERE org_id = ? AND meeting_uuid = ?`, orgID, meetingUUID)
}

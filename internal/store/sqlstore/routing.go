package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store"
)

// FindOrgForZoom returns the one org of a Zoom meeting or host: ENOTFOUND
// when none qualifies, an *store.AmbiguousOrgError when several do and the
// org that claimed zoomAccountID is not one of them. It never guesses: the
// first org to use a Zoom account routes its meetings only while it is the
// only org that qualifies.
func (s *Store) FindOrgForZoom(ctx context.Context, zoomMeetingID int64, hostZoomUserID, zoomAccountID string) (string, error) {
	// One statement outside a transaction: every webhook delivery asks, and
	// on Postgres a read-only transaction around two SELECTs cost three
	// more round trips (BEGIN, the second SELECT, ROLLBACK), 3 of the 8 a
	// delivery made (docs/performance.md). One statement reads one
	// snapshot, as the transaction did. A NULL argument matches no row, so a
	// zero meeting ID or an empty host or account asks nothing of its table.
	var meeting, host, account any
	if zoomMeetingID != 0 {
		meeting = zoomMeetingID
	}
	if hostZoomUserID != "" {
		host = hostZoomUserID
	}
	if zoomAccountID != "" {
		account = zoomAccountID
	}
	var (
		orgs     []string
		claimant sql.NullString
	)
	err := s.queryReadOnly(ctx, "find org for zoom", func(rows rowScanner) error {
		var org string
		if err := rows.Scan(&org, &claimant); err != nil {
			return err
		}
		orgs = append(orgs, org)
		return nil
	}, findOrgForZoomQuery, meeting, host, account)
	switch {
	case err != nil:
		return "", err
	case len(orgs) == 0:
		return "", sfzoom.Errorf(sfzoom.ENOTFOUND, "No org knows this Zoom meeting or host.")
	case len(orgs) == 1:
		return orgs[0], nil
	case claimant.Valid && slices.Contains(orgs, claimant.String):
		return claimant.String, nil
	}
	return "", &store.AmbiguousOrgError{Orgs: orgs, AccountID: zoomAccountID}
}

// findOrgForZoomQuery lists the orgs a Zoom meeting may belong to, each
// with the org that claimed the Zoom account (NULL if none): the orgs that
// scheduled the meeting when any did, the host's mappings otherwise.
const findOrgForZoomQuery = `
	WITH scheduled AS (
		SELECT DISTINCT org_id FROM meetings WHERE zoom_meeting_id = ? AND org_id <> ''
	), candidates AS (
		SELECT org_id FROM scheduled
		UNION ALL
		SELECT DISTINCT org_id FROM user_mappings
		WHERE zoom_user_id = ? AND org_id <> '' AND NOT EXISTS (SELECT 1 FROM scheduled)
	)
	SELECT c.org_id, (SELECT a.org_id FROM zoom_account_orgs a WHERE a.zoom_account_id = ?) AS claimant
	FROM candidates c ORDER BY c.org_id`

func findZoomAccountOrg(ctx context.Context, tx *sqlTx, zoomAccountID string) (string, error) {
	var org string
	err := tx.QueryRowContext(ctx, `SELECT org_id FROM zoom_account_orgs WHERE zoom_account_id = ?`, zoomAccountID).Scan(&org)
	return org, err
}

// SetZoomAccountOrg records the org whose admin claimed a Zoom account.
func (s *Store) SetZoomAccountOrg(ctx context.Context, zoomAccountID, orgID string) error {
	if zoomAccountID == "" || orgID == "" {
		return sfzoom.Errorf(sfzoom.EINVALID, "A Zoom account ID and an org are required.")
	}
	// The update applies only to the same org's claim, atomically on both
	// databases: another org's claim leaves no row affected.
	return s.write(ctx, "set zoom account org", func(tx *sqlTx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO zoom_account_orgs (zoom_account_id, org_id, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (zoom_account_id) DO UPDATE SET updated_at = excluded.updated_at
		WHERE zoom_account_orgs.org_id = excluded.org_id`,
			zoomAccountID, orgID, s.formatTime(s.nowUTC()))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return sfzoom.Errorf(sfzoom.ECONFLICT, "Zoom account %s is already claimed by another org. An admin of that org must release it first (sfzoom Settings → Connections → Release).", zoomAccountID)
		}
		return nil
	})
}

// ReleaseZoomAccountOrg gives up orgID's claim of a Zoom account.
func (s *Store) ReleaseZoomAccountOrg(ctx context.Context, zoomAccountID, orgID string) error {
	return s.execOne(ctx, "release zoom account org", fmt.Sprintf("This org holds no claim of Zoom account %s.", zoomAccountID),
		`DELETE FROM zoom_account_orgs WHERE zoom_account_id = ? AND org_id = ?`, zoomAccountID, orgID)
}

// FindZoomAccountOrg returns the org that claimed a Zoom account.
func (s *Store) FindZoomAccountOrg(ctx context.Context, zoomAccountID string) (string, error) {
	var org string
	err := s.readOnly(ctx, "find zoom account org", func(tx *sqlTx) (err error) {
		org, err = findZoomAccountOrg(ctx, tx, zoomAccountID)
		if errors.Is(err, sql.ErrNoRows) {
			return sfzoom.Errorf(sfzoom.ENOTFOUND, "No org has claimed Zoom account %q.", zoomAccountID)
		}
		return err
	})
	return org, err
}

// QueueUnroutedMeeting stores an occurrence no single org could be given.
func (s *Store) QueueUnroutedMeeting(ctx context.Context, m *sfzoom.UnroutedMeeting) error {
	if m.MeetingUUID == "" {
		return sfzoom.Errorf(sfzoom.EINVALID, "An unrouted meeting needs its occurrence UUID.")
	}
	return s.write(ctx, "queue unrouted meeting", func(tx *sqlTx) error { return s.queueUnrouted(ctx, tx, m) })
}

func (s *Store) queueUnrouted(ctx context.Context, tx *sqlTx, m *sfzoom.UnroutedMeeting) error {
	if m.ReceivedAt.IsZero() {
		m.ReceivedAt = s.nowUTC()
	}
	m.ReceivedAt = m.ReceivedAt.UTC().Truncate(time.Microsecond)
	_, err := tx.ExecContext(ctx, `INSERT INTO unrouted_meetings
		(meeting_uuid, zoom_meeting_id, host_zoom_user_id, zoom_account_id, candidates, trigger_event, webhook_event_id, started_at, ended_at, received_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (meeting_uuid) DO UPDATE SET zoom_meeting_id = excluded.zoom_meeting_id, host_zoom_user_id = excluded.host_zoom_user_id,
			zoom_account_id = excluded.zoom_account_id, candidates = excluded.candidates, trigger_event = excluded.trigger_event,
			webhook_event_id = CASE WHEN excluded.webhook_event_id = 0 THEN unrouted_meetings.webhook_event_id ELSE excluded.webhook_event_id END,
			started_at = COALESCE(excluded.started_at, unrouted_meetings.started_at), ended_at = COALESCE(excluded.ended_at, unrouted_meetings.ended_at),
			received_at = excluded.received_at`,
		m.MeetingUUID, m.ZoomMeetingID, m.HostZoomUserID, m.ZoomAccountID, strings.Join(m.Candidates, ","), m.Trigger, m.WebhookEventID,
		s.formatNullTime(m.StartedAt), s.formatNullTime(m.EndedAt), s.formatTime(m.ReceivedAt))
	return err
}

// FindUnroutedMeetings returns the unrouted meetings orgID's admins may see.
func (s *Store) FindUnroutedMeetings(ctx context.Context, orgID string, limit int) ([]*sfzoom.UnroutedMeeting, error) {
	var out []*sfzoom.UnroutedMeeting
	err := s.readOnly(ctx, "find unrouted meetings", func(tx *sqlTx) error {
		// The queue is small (meetings waiting for an admin): the candidate
		// list is matched here, exactly, not with LIKE.
		rows, err := tx.QueryContext(ctx, `SELECT u.meeting_uuid, u.zoom_meeting_id, u.host_zoom_user_id, u.zoom_account_id, u.candidates,
			u.trigger_event, u.webhook_event_id, u.started_at, u.ended_at, u.received_at, COALESCE(z.org_id, '')
		FROM unrouted_meetings u LEFT JOIN zoom_account_orgs z ON z.zoom_account_id = u.zoom_account_id
		ORDER BY u.received_at DESC, u.meeting_uuid`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				m              sfzoom.UnroutedMeeting
				candidates     string
				started, ended dbNullTime
				received       dbTime
				claimedBy      string
			)
			if err := rows.Scan(&m.MeetingUUID, &m.ZoomMeetingID, &m.HostZoomUserID, &m.ZoomAccountID, &candidates, &m.Trigger,
				&m.WebhookEventID, &started, &ended, &received, &claimedBy); err != nil {
				return err
			}
			if candidates != "" {
				m.Candidates = strings.Split(candidates, ",")
			}
			// Another org's claim is not this org's business; a meeting no org
			// claims shows where its Zoom account was claimed.
			if !slices.Contains(m.Candidates, orgID) && (len(m.Candidates) > 0 || claimedBy != orgID) {
				continue
			}
			m.StartedAt, m.EndedAt, m.ReceivedAt = started.Time, ended.Time, received.Time
			out = append(out, &m)
			if limit > 0 && len(out) == limit {
				break
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RouteUnroutedMeeting dequeues an occurrence and inserts its jobs.
func (s *Store) RouteUnroutedMeeting(ctx context.Context, meetingUUID string, jobs ...store.Job) error {
	return s.write(ctx, "route unrouted meeting", func(tx *sqlTx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM unrouted_meetings WHERE meeting_uuid = ?`, meetingUUID)
		if err := mustAffect(res, err, "That meeting is no longer waiting to be routed. Reload Settings."); err != nil {
			return err
		}
		return s.insertJobs(ctx, tx, jobs)
	})
}

// DeleteUnroutedMeeting forgets a queued occurrence (no error when absent).
func (s *Store) DeleteUnroutedMeeting(ctx context.Context, meetingUUID string) error {
	return s.exec(ctx, "delete unrouted meeting", `DELETE FROM unrouted_meetings WHERE meeting_uuid = ?`, meetingUUID)
}

package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"time"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store"
)

// CreateWebhookEvent stores a verified delivery and inserts jobs in the same
// transaction. A known DedupeKey returns ECONFLICT and inserts no job.
func (s *Store) CreateWebhookEvent(ctx context.Context, ev *sfzoom.WebhookEvent, jobs ...store.Job) error {
	return s.createWebhookEvent(ctx, ev, nil, jobs)
}

// CreateUnroutedWebhookEvent stores a delivery, its jobs and its unrouted
// queue entry in one transaction.
func (s *Store) CreateUnroutedWebhookEvent(ctx context.Context, ev *sfzoom.WebhookEvent, u *sfzoom.UnroutedMeeting, jobs ...store.Job) error {
	if u == nil || u.MeetingUUID == "" {
		return sfzoom.Errorf(sfzoom.EINVALID, "An unrouted meeting needs its occurrence UUID.")
	}
	return s.createWebhookEvent(ctx, ev, u, jobs)
}

func (s *Store) createWebhookEvent(ctx context.Context, ev *sfzoom.WebhookEvent, u *sfzoom.UnroutedMeeting, jobs []store.Job) error {
	switch {
	case ev.DedupeKey == "":
		return sfzoom.Errorf(sfzoom.EINVALID, "Webhook event needs a dedupe key.")
	case ev.EventType == "":
		return sfzoom.Errorf(sfzoom.EINVALID, "Webhook event needs an event type.")
	}
	if s.group != nil {
		return s.submitWebhookEvent(ctx, ev, u, jobs)
	}
	return s.storeWebhookEvent(ctx, ev, u, jobs)
}

// storeWebhookEvent stores one delivery and its jobs in a transaction of
// its own.
func (s *Store) storeWebhookEvent(ctx context.Context, ev *sfzoom.WebhookEvent, u *sfzoom.UnroutedMeeting, jobs []store.Job) error {
	var row webhookRow
	err := s.write(ctx, "create webhook event", func(tx *sqlTx) (err error) {
		if row, err = s.insertWebhookEvent(ctx, tx, ev, u); err != nil {
			return err
		}
		return s.insertJobsFast(ctx, tx, jobs)
	})
	if err != nil {
		return err
	}
	row.apply(ev)
	return nil
}

// webhookRow is what storing a delivery sets on it once committed.
type webhookRow struct {
	id       int64
	received time.Time
}

func (r webhookRow) apply(ev *sfzoom.WebhookEvent) { ev.ID, ev.ReceivedAt = r.id, r.received }

// insertWebhookEvent inserts ev (and u, queued for routing) in tx; a known
// DedupeKey is ECONFLICT and inserts nothing.
func (s *Store) insertWebhookEvent(ctx context.Context, tx *sqlTx, ev *sfzoom.WebhookEvent, u *sfzoom.UnroutedMeeting) (webhookRow, error) {
	args, received := s.webhookArgs(ev)
	// ON CONFLICT DO NOTHING instead of a failed INSERT: the duplicate is
	// detected without an error, and the transaction is rolled back so no job
	// is inserted.
	var id int64
	err := tx.QueryRowContext(ctx, insertWebhookEvents+webhookValues+webhookConflict+` RETURNING id`, args...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return webhookRow{}, errAlreadyReceived()
	} else if err != nil {
		return webhookRow{}, err
	}
	return s.queueWebhookUnrouted(ctx, tx, webhookRow{id: id, received: received}, u)
}

// The INSERT of deliveries, one row of webhookValues each.
const (
	insertWebhookEvents = `INSERT INTO webhook_events (org_id, dedupe_key, event_type, meeting_uuid, event_ts, payload, received_at, processed_at) VALUES `
	webhookValues       = `(?, ?, ?, ?, ?, ?, ?, ?)`
	webhookConflict     = ` ON CONFLICT (dedupe_key) DO NOTHING`
)

// webhookArgs returns ev's row for webhookValues and its received time.
func (s *Store) webhookArgs(ev *sfzoom.WebhookEvent) ([]any, time.Time) {
	received := ev.ReceivedAt.UTC().Truncate(time.Microsecond)
	if ev.ReceivedAt.IsZero() {
		received = s.nowUTC()
	}
	var processed any
	if ev.ProcessedAt != nil {
		processed = s.formatNullTime(*ev.ProcessedAt)
	}
	payload := ev.Payload
	if payload == nil {
		payload = []byte{}
	}
	return []any{ev.OrgID, ev.DedupeKey, ev.EventType, ev.MeetingUUID, ev.EventTS, payload, s.formatTime(received), processed}, received
}

// queueWebhookUnrouted queues u (when not nil) for routing, pointing at the
// stored delivery row.
func (s *Store) queueWebhookUnrouted(ctx context.Context, tx *sqlTx, row webhookRow, u *sfzoom.UnroutedMeeting) (webhookRow, error) {
	if u != nil {
		u.WebhookEventID = row.id
		if err := s.queueUnrouted(ctx, tx, u); err != nil {
			return webhookRow{}, err
		}
	}
	return row, nil
}

// errAlreadyReceived is the ECONFLICT of a delivery whose DedupeKey is stored.
func errAlreadyReceived() error {
	return sfzoom.Errorf(sfzoom.ECONFLICT, "This webhook delivery was already received.")
}

// FindWebhookEventByID returns the event (ENOTFOUND).
func (s *Store) FindWebhookEventByID(ctx context.Context, id int64) (*sfzoom.WebhookEvent, error) {
	return s.findWebhookEvent(ctx, s.read, "find webhook event", `WHERE id = ?`, id)
}

// MarkWebhookEventProcessed records when the event was handled (ENOTFOUND).
func (s *Store) MarkWebhookEventProcessed(ctx context.Context, id int64, at time.Time) error {
	return s.execOne(ctx, "mark webhook event processed", "Webhook event not found.",
		`UPDATE webhook_events SET processed_at = ? WHERE id = ?`, s.formatTime(at), id)
}

// LastWebhookEvent returns orgID's most recently received event (ENOTFOUND).
func (s *Store) LastWebhookEvent(ctx context.Context, orgID string) (*sfzoom.WebhookEvent, error) {
	return s.LastOrgWebhookEvent(ctx, orgID, "")
}

func findWebhookEvent(ctx context.Context, tx *sqlTx, tail string, args ...any) (*sfzoom.WebhookEvent, error) {
	var (
		ev        sfzoom.WebhookEvent
		received  dbTime
		processed dbNullTime
	)
	err := tx.QueryRowContext(ctx, `
		SELECT id, org_id, dedupe_key, event_type, meeting_uuid, event_ts, payload, received_at, processed_at
		FROM webhook_events `+tail, args...).
		Scan(&ev.ID, &ev.OrgID, &ev.DedupeKey, &ev.EventType, &ev.MeetingUUID, &ev.EventTS, &ev.Payload, &received, &processed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sfzoom.Errorf(sfzoom.ENOTFOUND, "Webhook event not found.")
	} else if err != nil {
		return nil, err
	}
	ev.ReceivedAt = received.Time
	if processed.Valid {
		t := processed.Time
		ev.ProcessedAt = &t
	}
	return &ev, nil
}

// CheckWrite inserts and deletes a probe delivery in one committed
// transaction (see store.Store).
func (s *Store) CheckWrite(ctx context.Context) error {
	var b [8]byte
	_, _ = rand.Read(b[:])
	key := "sfzoom-readiness-probe/" + hex.EncodeToString(b[:])
	err := s.write(ctx, "write probe", func(tx *sqlTx) error {
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO webhook_events (org_id, dedupe_key, event_type, meeting_uuid, event_ts, payload, received_at)
			VALUES ('', ?, 'sfzoom.readiness_probe', '', 0, ?, ?)`, key, []byte("{}"), s.formatTime(s.nowUTC())); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM webhook_events WHERE dedupe_key = ?`, key)
		return err
	})
	if err != nil {
		return sfzoom.WrapError(sfzoom.EUNAVAILABLE, err,
			"The database cannot store deliveries right now (read-only, full or damaged).")
	}
	return nil
}

// LastOrgWebhookEvent returns orgID's most recent event of eventType (any
// type when ""), ENOTFOUND if none.
//
// Both forms walk the webhook_events_org_received index backwards from the
// newest delivery. One query that tested inside SQL whether eventType was
// empty cost Postgres, under a generic plan, a sort of all the org's
// deliveries.
func (s *Store) LastOrgWebhookEvent(ctx context.Context, orgID, eventType string) (*sfzoom.WebhookEvent, error) {
	const newest = ` ORDER BY received_at DESC, id DESC LIMIT 1`
	if eventType == "" {
		return s.findWebhookEvent(ctx, s.readOnly, "last org webhook event", `WHERE org_id = ?`+newest, orgID)
	}
	return s.findWebhookEvent(ctx, s.readOnly, "last org webhook event",
		`WHERE org_id = ? AND event_type = ?`+newest, orgID, eventType)
}

func (s *Store) findWebhookEvent(ctx context.Context, read readFunc, op, tail string, args ...any) (*sfzoom.WebhookEvent, error) {
	var ev *sfzoom.WebhookEvent
	err := read(ctx, op, func(tx *sqlTx) (err error) {
		ev, err = findWebhookEvent(ctx, tx, tail, args...)
		return err
	})
	return ev, err
}

// pruneBatch bounds one delete, so pruning a large backlog never holds the
// (single) SQLite writer or a Postgres lock for long.
const pruneBatch = 1000

// DeleteWebhookEventsBefore deletes the deliveries received before cutoff,
// in batches, and returns how many it deleted.
func (s *Store) DeleteWebhookEventsBefore(ctx context.Context, cutoff time.Time) (int64, error) {
	var total int64
	for {
		n, err := s.deleteWebhookBatch(ctx, cutoff)
		total += n
		if err != nil || n < pruneBatch {
			return total, err
		}
	}
}

func (s *Store) deleteWebhookBatch(ctx context.Context, cutoff time.Time) (int64, error) {
	var n int64
	err := s.write(ctx, "delete webhook events", func(tx *sqlTx) error {
		res, err := tx.ExecContext(ctx, `
		DELETE FROM webhook_events WHERE id IN (
			SELECT id FROM webhook_events WHERE received_at < ? ORDER BY id LIMIT ?)`,
			s.formatTime(cutoff), pruneBatch)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// FindWebhookEventByDedupeKey returns the delivery stored under key (ENOTFOUND).
func (s *Store) FindWebhookEventByDedupeKey(ctx context.Context, key string) (*sfzoom.WebhookEvent, error) {
	return s.findWebhookEvent(ctx, s.readOnly, "find webhook event", `WHERE dedupe_key = ?`, key)
}

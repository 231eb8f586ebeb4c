-- +goose Up
-- schedule_requests: one row per Schedule Zoom form submission, written
-- before Zoom is called (durable first), keyed by the form's idempotency key.
CREATE TABLE schedule_requests (
	org_id          TEXT NOT NULL,
	idempotency_key TEXT NOT NULL,
	sf_user_id      TEXT NOT NULL DEFAULT '',
	status          TEXT NOT NULL,
	meeting_id      INTEGER NOT NULL DEFAULT 0,
	detail          TEXT NOT NULL DEFAULT '',
	created_at      TEXT NOT NULL,
	updated_at      TEXT NOT NULL,
	PRIMARY KEY (org_id, idempotency_key)
);

-- +goose Down
DROP TABLE schedule_requests;

-- +goose Up
-- blocked_meetings: occurrences whose logging waits for a person to fix a
-- connection (Zoom authorization refused, Salesforce not connected). They
-- are never dropped: the Health tab lists them with the fix, and connecting
-- again re-enqueues them (issue 19).
CREATE TABLE blocked_meetings (
	org_id          TEXT NOT NULL,
	meeting_uuid    TEXT NOT NULL,
	zoom_meeting_id BIGINT NOT NULL DEFAULT 0,
	topic           TEXT NOT NULL DEFAULT '',
	provider        TEXT NOT NULL,
	subject         TEXT NOT NULL DEFAULT '',
	reason          TEXT NOT NULL DEFAULT '',
	fix             TEXT NOT NULL,
	args            BYTEA NOT NULL,
	attempts        INTEGER NOT NULL DEFAULT 1,
	blocked_at      TIMESTAMPTZ NOT NULL,
	updated_at      TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (org_id, meeting_uuid)
);
CREATE INDEX blocked_meetings_connection ON blocked_meetings (org_id, provider, subject);

-- +goose Down
DROP TABLE blocked_meetings;

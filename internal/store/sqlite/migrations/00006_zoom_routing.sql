-- +goose Up
-- zoom_account_orgs: the org an admin chose as the owner of a Zoom account,
-- for meetings several orgs claim (a production org and its sandbox sharing
-- one Zoom account). unrouted_meetings: occurrences no single org could be
-- given, waiting for an admin (never routed by a guess); stored in the
-- webhook delivery's transaction.
CREATE TABLE zoom_account_orgs (
	zoom_account_id TEXT PRIMARY KEY,
	org_id          TEXT NOT NULL,
	updated_at      TEXT NOT NULL
);
CREATE TABLE unrouted_meetings (
	meeting_uuid      TEXT PRIMARY KEY,
	zoom_meeting_id   INTEGER NOT NULL DEFAULT 0,
	host_zoom_user_id TEXT NOT NULL DEFAULT '',
	zoom_account_id   TEXT NOT NULL DEFAULT '',
	candidates        TEXT NOT NULL DEFAULT '',
	trigger_event     TEXT NOT NULL DEFAULT '',
	webhook_event_id  INTEGER NOT NULL DEFAULT 0,
	started_at        TEXT,
	ended_at          TEXT,
	received_at       TEXT NOT NULL
);
CREATE INDEX unrouted_meetings_received_at ON unrouted_meetings (received_at);

-- +goose Down
DROP TABLE unrouted_meetings;
DROP TABLE zoom_account_orgs;

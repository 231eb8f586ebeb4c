-- +goose Up
-- media_audit: every access to a recording file through the media proxy
-- (issue 8). Never a Zoom URL or token. The recordings and summaries tables
-- belong to 00003_activity.sql.
CREATE TABLE media_audit (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	org_id       TEXT NOT NULL,
	sf_user_id   TEXT NOT NULL DEFAULT '',
	meeting_id   INTEGER NOT NULL DEFAULT 0,
	zoom_file_id TEXT NOT NULL DEFAULT '',
	range_header TEXT NOT NULL DEFAULT '',
	status       INTEGER NOT NULL DEFAULT 0,
	bytes        INTEGER NOT NULL DEFAULT 0,
	result       TEXT NOT NULL,
	detail       TEXT NOT NULL DEFAULT '',
	at           TEXT NOT NULL
);
CREATE INDEX media_audit_org_at ON media_audit (org_id, at);
CREATE INDEX media_audit_org_meeting ON media_audit (org_id, meeting_id);

-- +goose Down
DROP TABLE media_audit;

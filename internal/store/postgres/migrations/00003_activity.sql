-- +goose Up
-- The post-meeting pipeline (issue 7): attendance per occurrence, recording
-- file ids (never a Zoom URL or token), AI summaries, the email match cache
-- and the activity log (which occurrences were written to Salesforce).
CREATE TABLE participants (
	id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	org_id       TEXT NOT NULL,
	meeting_id   BIGINT NOT NULL DEFAULT 0,
	meeting_uuid TEXT NOT NULL,
	person_key   TEXT NOT NULL,
	name         TEXT NOT NULL DEFAULT '',
	email        TEXT NOT NULL DEFAULT '',
	join_time    TIMESTAMPTZ,
	leave_time   TIMESTAMPTZ,
	duration     INTEGER NOT NULL DEFAULT 0,
	match        TEXT NOT NULL DEFAULT '',
	sf_record_id TEXT NOT NULL DEFAULT '',
	linked       INTEGER NOT NULL DEFAULT 0,
	updated_at   TIMESTAMPTZ NOT NULL,
	UNIQUE (org_id, meeting_uuid, person_key)
);
CREATE INDEX participants_org_match ON participants (org_id, match);

CREATE TABLE recording_files (
	id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	org_id          TEXT NOT NULL,
	meeting_id      BIGINT NOT NULL DEFAULT 0,
	meeting_uuid    TEXT NOT NULL,
	file_key        TEXT NOT NULL,
	zoom_file_id    TEXT NOT NULL DEFAULT '',
	file_type       TEXT NOT NULL DEFAULT '',
	file_extension  TEXT NOT NULL DEFAULT '',
	recording_type  TEXT NOT NULL DEFAULT '',
	file_size       BIGINT NOT NULL DEFAULT 0,
	status          TEXT NOT NULL DEFAULT '',
	recording_start TIMESTAMPTZ,
	recording_end   TIMESTAMPTZ,
	updated_at      TIMESTAMPTZ NOT NULL,
	UNIQUE (org_id, meeting_uuid, file_key)
);
CREATE INDEX recording_files_org_meeting ON recording_files (org_id, meeting_id);
CREATE INDEX recording_files_org_file ON recording_files (org_id, zoom_file_id);

CREATE TABLE summaries (
	org_id       TEXT NOT NULL,
	meeting_uuid TEXT NOT NULL,
	meeting_id   BIGINT NOT NULL DEFAULT 0,
	overview     TEXT NOT NULL DEFAULT '',
	details      TEXT NOT NULL DEFAULT '[]',
	next_steps   TEXT NOT NULL DEFAULT '[]',
	action_items TEXT NOT NULL DEFAULT '[]',
	markdown     TEXT NOT NULL DEFAULT '',
	updated_at   TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (org_id, meeting_uuid)
);

CREATE TABLE match_cache (
	org_id       TEXT NOT NULL,
	email        TEXT NOT NULL,
	kind         TEXT NOT NULL,
	sf_record_id TEXT NOT NULL,
	account_id   TEXT NOT NULL DEFAULT '',
	expires_at   TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (org_id, email)
);

CREATE TABLE activity_logs (
	org_id            TEXT NOT NULL,
	meeting_uuid      TEXT NOT NULL,
	meeting_id        BIGINT NOT NULL DEFAULT 0,
	zoom_meeting_id   BIGINT NOT NULL DEFAULT 0,
	topic             TEXT NOT NULL DEFAULT '',
	mode              TEXT NOT NULL DEFAULT '',
	sf_event_id       TEXT NOT NULL DEFAULT '',
	related_record_id TEXT NOT NULL DEFAULT '',
	fingerprint       TEXT NOT NULL DEFAULT '',
	start_time        TIMESTAMPTZ,
	logged_at         TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (org_id, meeting_uuid)
);
CREATE INDEX activity_logs_org_zoom_meeting ON activity_logs (org_id, zoom_meeting_id);

-- +goose Down
DROP TABLE activity_logs;
DROP TABLE match_cache;
DROP TABLE summaries;
DROP TABLE recording_files;
DROP TABLE participants;

-- +goose Up
CREATE TABLE orgs (
	id           TEXT PRIMARY KEY,
	name         TEXT NOT NULL DEFAULT '',
	instance_url TEXT NOT NULL DEFAULT '',
	settings     TEXT NOT NULL DEFAULT '{}',
	created_at   TIMESTAMPTZ NOT NULL,
	updated_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE meetings (
	id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	org_id            TEXT NOT NULL,
	zoom_meeting_id   BIGINT NOT NULL,
	zoom_uuid         TEXT NOT NULL DEFAULT '',
	host_sf_user_id   TEXT NOT NULL DEFAULT '',
	host_zoom_user_id TEXT NOT NULL DEFAULT '',
	record_object     TEXT NOT NULL DEFAULT '',
	record_id         TEXT NOT NULL DEFAULT '',
	topic             TEXT NOT NULL DEFAULT '',
	agenda            TEXT NOT NULL DEFAULT '',
	start_time        TIMESTAMPTZ NOT NULL,
	duration          INTEGER NOT NULL DEFAULT 0,
	timezone          TEXT NOT NULL DEFAULT '',
	join_url          TEXT NOT NULL DEFAULT '',
	status            TEXT NOT NULL DEFAULT '',
	sf_event_id       TEXT NOT NULL DEFAULT '',
	idempotency_key   TEXT NOT NULL DEFAULT '',
	settings          TEXT NOT NULL DEFAULT '{}',
	created_at        TIMESTAMPTZ NOT NULL,
	updated_at        TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX meetings_org_zoom_meeting_id ON meetings (org_id, zoom_meeting_id);
CREATE UNIQUE INDEX meetings_org_idempotency_key ON meetings (org_id, idempotency_key) WHERE idempotency_key <> '';
CREATE INDEX meetings_org_record ON meetings (org_id, record_object, record_id);
CREATE INDEX meetings_org_start ON meetings (org_id, start_time);

CREATE TABLE webhook_events (
	id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	org_id       TEXT NOT NULL DEFAULT '',
	dedupe_key   TEXT NOT NULL UNIQUE,
	event_type   TEXT NOT NULL,
	meeting_uuid TEXT NOT NULL DEFAULT '',
	event_ts     BIGINT NOT NULL DEFAULT 0,
	payload      BYTEA NOT NULL,
	received_at  TIMESTAMPTZ NOT NULL,
	processed_at TIMESTAMPTZ
);
CREATE INDEX webhook_events_received_at ON webhook_events (received_at);

CREATE TABLE user_mappings (
	org_id       TEXT NOT NULL,
	sf_user_id   TEXT NOT NULL,
	sf_email     TEXT NOT NULL DEFAULT '',
	sf_name      TEXT NOT NULL DEFAULT '',
	zoom_email   TEXT NOT NULL DEFAULT '',
	zoom_user_id TEXT NOT NULL DEFAULT '',
	source       TEXT NOT NULL DEFAULT '',
	status       TEXT NOT NULL DEFAULT '',
	detail       TEXT NOT NULL DEFAULT '',
	verified_at  TIMESTAMPTZ,
	updated_at   TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (org_id, sf_user_id)
);

CREATE TABLE connections (
	id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	org_id     TEXT NOT NULL,
	provider   TEXT NOT NULL,
	subject    TEXT NOT NULL,
	status     TEXT NOT NULL DEFAULT '',
	scopes     TEXT NOT NULL DEFAULT '',
	detail     TEXT NOT NULL DEFAULT '',
	created_at TIMESTAMPTZ NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL,
	UNIQUE (org_id, provider, subject)
);

-- Secrets live apart from business data: only the token vault reads this table.
CREATE TABLE tokens (
	connection_id BIGINT PRIMARY KEY REFERENCES connections (id) ON DELETE CASCADE,
	key_id        TEXT NOT NULL,
	nonce         BYTEA NOT NULL,
	ciphertext    BYTEA NOT NULL,
	version       BIGINT NOT NULL,
	updated_at    TIMESTAMPTZ NOT NULL
);

-- The audit trail outlives the connection it describes, so no foreign key.
CREATE TABLE token_audit (
	id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	connection_id BIGINT NOT NULL,
	actor         TEXT NOT NULL,
	action        TEXT NOT NULL,
	reason        TEXT NOT NULL DEFAULT '',
	at            TIMESTAMPTZ NOT NULL
);
CREATE INDEX token_audit_connection ON token_audit (connection_id, at);

CREATE TABLE leases (
	name       TEXT PRIMARY KEY,
	holder     TEXT NOT NULL,
	expires_at TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE leases;
DROP TABLE token_audit;
DROP TABLE tokens;
DROP TABLE connections;
DROP TABLE user_mappings;
DROP TABLE webhook_events;
DROP TABLE meetings;
DROP TABLE orgs;

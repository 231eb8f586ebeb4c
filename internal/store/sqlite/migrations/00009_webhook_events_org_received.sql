-- +goose Up
-- The setup checklist asks for an org's latest delivery and for Zoom's
-- latest endpoint validation (LastOrgWebhookEvent). Without this index the
-- database read and sorted every stored delivery for each answer: 11 ms at
-- 20,000 deliveries on SQLite, growing with the retention period
-- (docs/performance.md).
CREATE INDEX webhook_events_org_received ON webhook_events (org_id, received_at, id);

-- +goose Down
DROP INDEX webhook_events_org_received;

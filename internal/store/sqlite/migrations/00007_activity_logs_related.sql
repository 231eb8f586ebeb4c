-- +goose Up
-- The latest logged occurrence of a Salesforce record (the Opportunity
-- roll-ups follow the meeting that started last, whatever the logging
-- order), and the time zone the occurrence's Event was written in (a later
-- update writes it in the same zone without reading it again).
CREATE INDEX activity_logs_org_related_start ON activity_logs (org_id, related_record_id, start_time);
ALTER TABLE activity_logs ADD COLUMN timezone TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE activity_logs DROP COLUMN timezone;
DROP INDEX activity_logs_org_related_start;

-- +goose Up
-- The latest logged occurrence of a Salesforce record (the Opportunity
-- roll-ups follow the meeting that started last, whatever the logging order).
CREATE INDEX activity_logs_org_related_start ON activity_logs (org_id, related_record_id, start_time);

-- +goose Down
DROP INDEX activity_logs_org_related_start;

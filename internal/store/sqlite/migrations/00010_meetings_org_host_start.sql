-- +goose Up
-- A rep's Home page lists the rep's meetings from yesterday on
-- (scheduling.Upcoming). Without this index the database read every meeting
-- of the org in that range, most of them other reps': 8.5 ms on SQLite at
-- 20,000 meetings, growing with the org (docs/performance.md).
CREATE INDEX meetings_org_host_start ON meetings (org_id, host_sf_user_id, start_time);

-- +goose Down
DROP INDEX meetings_org_host_start;

-- +goose Up
-- A record page lists who attended its meetings (FindAttendanceByMeetings,
-- by sfzoom meeting id). Without this index every record page view read all
-- of the org's participants: 7.6 ms on SQLite at 20,000 participants,
-- growing with every meeting logged (docs/performance.md).
CREATE INDEX participants_org_meeting ON participants (org_id, meeting_id);

-- +goose Down
DROP INDEX participants_org_meeting;

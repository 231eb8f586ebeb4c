-- +goose Up
-- The routing lookup every Zoom delivery makes (FindOrgForZoom) asks which
-- orgs scheduled a Zoom meeting and which orgs map its host, neither by
-- org. Without these indexes each delivery read the whole meetings and
-- user_mappings tables (docs/performance.md).
CREATE INDEX meetings_zoom_meeting_id ON meetings (zoom_meeting_id, org_id);
CREATE INDEX user_mappings_zoom_user_id ON user_mappings (zoom_user_id, org_id);

-- +goose Down
DROP INDEX user_mappings_zoom_user_id;
DROP INDEX meetings_zoom_meeting_id;

package jobs

import (
	"time"

	"github.com/riverqueue/river"
)

// LogMeetingArgs asks the post-meeting pipeline to log (or re-log) one
// meeting occurrence in Salesforce. Webhooks for the same occurrence
// (meeting.ended, recording.completed, meeting.summary_completed) each
// enqueue one, which adds what its delivery brings; the pipeline is
// idempotent, so the same Salesforce Event is updated in place.
type LogMeetingArgs struct {
	OrgID         string `json:"org_id,omitempty"`
	ZoomMeetingID int64  `json:"zoom_meeting_id"`
	MeetingUUID   string `json:"meeting_uuid"`
	// Trigger is the event type that caused the job (for logs and admins).
	Trigger string `json:"trigger"`
	// WebhookEventID is the stored delivery, when a webhook caused it and
	// its id is known (a routed or unblocked delivery).
	WebhookEventID int64 `json:"webhook_event_id,omitempty"`
	// DeliveryKey is the stored delivery's DedupeKey, set by the webhook:
	// the job reads what its delivery carried (a recording's files) back
	// from the store by it.
	DeliveryKey string `json:"delivery_key,omitempty"`
	// HostZoomUserID and ZoomAccountID route a delivery that names no org
	// (FindOrgForZoom).
	HostZoomUserID string `json:"host_zoom_user_id,omitempty"`
	ZoomAccountID  string `json:"zoom_account_id,omitempty"`
	// StartedAt and EndedAt are when the occurrence really ran, from
	// meeting.ended (zero for other triggers).
	StartedAt time.Time `json:"started_at,omitzero"`
	EndedAt   time.Time `json:"ended_at,omitzero"`
}

// Kind implements river.JobArgs.
func (LogMeetingArgs) Kind() string { return "log_meeting" }

// InsertOpts retries for about a day. NewWorker runs the jobs with the
// post-meeting pipeline's LogMeeting.
func (LogMeetingArgs) InsertOpts() river.InsertOpts { return retryForADay }

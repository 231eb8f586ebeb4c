package jobs

import (
	"context"
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

// InsertOpts gives the pipeline many attempts spread over about a day, so
// an outage of Salesforce or Zoom loses nothing.
func (LogMeetingArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 15, Queue: river.QueueDefault}
}

// MeetingLogger is the post-meeting pipeline as the worker sees it.
type MeetingLogger interface {
	LogMeeting(ctx context.Context, args LogMeetingArgs) error
}

// LogMeetingWorker runs LogMeetingArgs jobs.
type LogMeetingWorker struct {
	river.WorkerDefaults[LogMeetingArgs]
	Logger MeetingLogger
}

// Work logs the meeting and maps the error to a River outcome (snooze on
// rate limits, cancel on permanent errors, retry otherwise).
func (w *LogMeetingWorker) Work(ctx context.Context, job *river.Job[LogMeetingArgs]) error {
	return Result(w.Logger.LogMeeting(ctx, job.Args))
}

package sfzoom

import "time"

// Schedule request statuses.
const (
	ScheduleRequestPending = "pending" // claimed; the Zoom meeting may be being created
	ScheduleRequestDone    = "done"    // the meeting exists (MeetingID is set)
	ScheduleRequestFailed  = "failed"  // nothing was created; the same key may be tried again
)

// ScheduleRequest is the durable record of one submission of the Schedule
// Zoom form, keyed by the form's idempotency key. It is written before Zoom
// is called, so a double click, a resubmitted form or a retried request
// finds it and waits for (or returns) the first submission's meeting
// instead of creating a second one.
type ScheduleRequest struct {
	OrgID          string
	IdempotencyKey string
	SFUserID       string // who submitted it
	Status         string
	MeetingID      int64  // sfzoom meeting id once Status is done
	Detail         string // why it failed, safe to show
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

package sfzoom

import (
	"fmt"
	"time"
)

// WebhookEvent is one verified Zoom webhook delivery, stored before it is
// acknowledged. DedupeKey is unique: a duplicate delivery (Zoom retries, or a
// second replica receiving the same event) is recognised by it.
type WebhookEvent struct {
	ID          int64
	OrgID       string // "" when the event cannot be tied to an org yet
	DedupeKey   string
	EventType   string // e.g. "meeting.ended"
	MeetingUUID string
	EventTS     int64  // event_ts, milliseconds
	Payload     []byte // the raw, verified body
	ReceivedAt  time.Time
	ProcessedAt *time.Time
}

// WebhookDedupeKey builds the idempotency key of a delivery from its meaning:
// the event type, the meeting UUID, an occurrence or file discriminator and
// the event timestamp.
func WebhookDedupeKey(eventType, meetingUUID, discriminator string, eventTS int64) string {
	return fmt.Sprintf("%s|%s|%s|%d", eventType, meetingUUID, discriminator, eventTS)
}

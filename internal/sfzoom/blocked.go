package sfzoom

import "time"

// BlockedMeeting is a meeting occurrence whose logging waits for a person to
// fix a connection: the host's Zoom authorization was refused, the
// Server-to-Server app's credentials were, or the org's Salesforce
// integration connection is missing or needs reconnecting. Such meetings are
// never dropped: they are kept here, shown to admins with the fix in words,
// and logged again as soon as the connection is restored (the connect
// callback re-enqueues them, and a periodic sweep does too).
type BlockedMeeting struct {
	OrgID         string
	MeetingUUID   string
	ZoomMeetingID int64
	Topic         string
	// Provider and Subject name the connection that must be fixed:
	// ProviderZoomUser with the host's Salesforce user id,
	// ProviderZoomS2S with "account", or ProviderSalesforce with
	// "integration".
	Provider string
	Subject  string
	// Reason says what went wrong and Fix what a person must do, both in
	// words an admin understands; neither ever holds a secret.
	Reason string
	Fix    string
	// Args is the encoded job that was blocked, re-enqueued on unblock.
	Args      []byte
	Attempts  int // how many times logging was blocked
	BlockedAt time.Time
	UpdatedAt time.Time
}

// BlockedMeetingFilter selects blocked meetings. OrgID "" selects every
// org's (the periodic sweep only; pages always pass the session's org).
type BlockedMeetingFilter struct {
	OrgID    string
	Provider *string
	Subject  *string
	Limit    int // 0: no limit
}

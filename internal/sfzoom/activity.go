package sfzoom

import "time"

// Match is what a participant's email resolved to in Salesforce, as kept in
// the match cache: a Contact, an unconverted Lead or an Account (by website
// domain). Admin links from the review queue are cached the same way.
type Match struct {
	OrgID      string
	Email      string // lower-case
	Kind       string // MatchContact, MatchLead, MatchAccount
	SFRecordID string
	// AccountID is the Contact's Account, when known (used to derive the
	// related Opportunity).
	AccountID string
	ExpiresAt time.Time
}

// Attendee is a participant of one meeting occurrence, as the review queue
// and the record page list them.
type Attendee struct {
	Participant
	MeetingUUID string
	Topic       string // the meeting's topic, when known
	// Linked is true when an admin linked the participant by hand; the
	// pipeline never overwrites such a match.
	Linked bool
}

// RecordingFileFilter selects recording files. OrgID is required; nil
// fields do not filter.
type RecordingFileFilter struct {
	OrgID       string
	MeetingID   *int64  // sfzoom's meeting id
	MeetingUUID *string // the occurrence
	ZoomFileID  *string
}

// ActivityLog records that a meeting occurrence was written to Salesforce:
// the Event, the related record and a fingerprint of what was written, so a
// re-run that would write the same content can be recognised.
type ActivityLog struct {
	OrgID           string
	MeetingUUID     string
	MeetingID       int64 // sfzoom's meeting id (0 when the meeting was never scheduled through sfzoom)
	ZoomMeetingID   int64
	Topic           string
	Mode            string // ActivityModeDirect or ActivityModePlatformEvent
	SFEventID       string
	RelatedRecordID string
	Fingerprint     string
	StartTime       time.Time
	LoggedAt        time.Time
	// Timezone is the IANA zone the Event's text was written in ("" for
	// UTC), so that a later update writes it in the same zone.
	Timezone string
}

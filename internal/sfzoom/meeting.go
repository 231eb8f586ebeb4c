package sfzoom

import "time"

// Meeting statuses as sfzoom tracks them.
const (
	MeetingScheduled = "scheduled"
	MeetingStarted   = "started"
	MeetingEnded     = "ended"
	MeetingCancelled = "cancelled"
)

// Salesforce objects a meeting can be scheduled from.
const (
	ObjectOpportunity = "Opportunity"
	ObjectContact     = "Contact"
	ObjectLead        = "Lead"
	ObjectAccount     = "Account"
)

// Meeting is a Zoom meeting that sfzoom knows about: scheduled from a record,
// or first seen in a webhook. The Zoom start_url is never stored (it expires
// within hours and grants host rights).
type Meeting struct {
	ID             int64  // sfzoom's own id
	OrgID          string // Salesforce org id
	ZoomMeetingID  int64  // Zoom's numeric meeting id
	ZoomUUID       string // the occurrence's UUID, once known
	HostSFUserID   string // the rep who owns it
	HostZoomUserID string
	RecordObject   string // Opportunity, Contact, … ("" when unknown)
	RecordID       string // 18-character record id ("" when unknown)
	Topic          string
	Agenda         string
	StartTime      time.Time
	Duration       int // minutes
	Timezone       string
	JoinURL        string
	Status         string
	SFEventID      string // the Salesforce Event written for it
	IdempotencyKey string // the scheduling form's key; unique per org when set
	Settings       MeetingSettings
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// MeetingFilter selects meetings. Nil fields do not filter.
type MeetingFilter struct {
	OrgID          string // required
	ID             *int64
	ZoomMeetingID  *int64
	HostSFUserID   *string
	RecordObject   *string
	RecordID       *string
	Status         *string
	StartsAfter    *time.Time
	IdempotencyKey *string
	Offset, Limit  int
}

// MeetingUpdate changes a meeting. Nil fields are left alone.
type MeetingUpdate struct {
	ZoomUUID  *string
	Topic     *string
	Agenda    *string
	StartTime *time.Time
	Duration  *int
	JoinURL   *string
	Status    *string
	SFEventID *string
}

// EndTime returns the scheduled end of the meeting.
func (m *Meeting) EndTime() time.Time {
	return m.StartTime.Add(time.Duration(m.Duration) * time.Minute)
}

// Validate reports whether the meeting may be stored.
func (m *Meeting) Validate() error {
	switch {
	case m.OrgID == "":
		return Errorf(EINVALID, "Meeting org is required.")
	case m.ZoomMeetingID <= 0:
		return Errorf(EINVALID, "Meeting needs a Zoom meeting id.")
	}
	return nil
}

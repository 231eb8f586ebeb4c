package sfzoom

import (
	"strconv"
	"strings"
	"time"
)

// MeetingStatus is a meeting's stored status, which sfzoom and Zoom's
// webhooks move (see MeetingState for where it stands on the clock).
type MeetingStatus string

// Meeting statuses as sfzoom tracks them.
const (
	MeetingScheduled MeetingStatus = "scheduled"
	MeetingStarted   MeetingStatus = "started"
	MeetingEnded     MeetingStatus = "ended"
	MeetingCancelled MeetingStatus = "cancelled"
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
	Status         MeetingStatus
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
	Status         *MeetingStatus
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
	Status    *MeetingStatus
	SFEventID *string
}

// MeetingState is where a meeting stands for the people in it, from its
// stored status (which Zoom's webhooks move) and the clock. Lists and badges
// use it, so a cancelled meeting next week is not "past" and an instant
// meeting nobody joined yet is not "in progress".
type MeetingState int

// Meeting states.
const (
	StateUpcoming  MeetingState = iota // scheduled, starts later
	StateWaiting                       // its start time came (or it is instant); Zoom has not said it started
	StateLive                          // Zoom said it started and has not said it ended
	StateEnded                         // Zoom said it ended, or it was never started and its time is over
	StateCancelled                     // cancelled in sfzoom (deleted at Zoom)
)

// String is the state as a rep reads it.
func (s MeetingState) String() string {
	switch s {
	case StateUpcoming:
		return "Scheduled"
	case StateWaiting:
		return "Waiting for the host"
	case StateLive:
		return "In progress"
	case StateEnded:
		return "Ended"
	case StateCancelled:
		return "Cancelled"
	}
	return "Unknown"
}

// State returns the meeting's state at now.
func (m *Meeting) State(now time.Time) MeetingState {
	switch m.Status {
	case MeetingCancelled:
		return StateCancelled
	case MeetingEnded:
		return StateEnded
	case MeetingStarted:
		return StateLive
	}
	switch {
	case m.EndTime().Before(now):
		return StateEnded
	case m.StartTime.After(now):
		return StateUpcoming
	default:
		return StateWaiting
	}
}

// Past reports whether the meeting belongs among past meetings at now: it
// ended, or it was cancelled and its time has come (a cancelled meeting
// still ahead stays with the upcoming ones, marked cancelled).
func (m *Meeting) Past(now time.Time) bool {
	switch m.State(now) {
	case StateEnded:
		return true
	case StateCancelled:
		return !m.StartTime.After(now)
	}
	return false
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

// MeetingNumber formats a Zoom meeting id the way Zoom shows it to people
// who join: 9 digits as 3-3-3, 10 as 3-3-4, 11 as 3-4-4 ("812 3456 7890");
// other lengths as they are.
func MeetingNumber(id int64) string {
	d := strconv.FormatInt(id, 10)
	var groups []int
	switch len(d) {
	case 9:
		groups = []int{3, 3, 3}
	case 10:
		groups = []int{3, 3, 4}
	case 11:
		groups = []int{3, 4, 4}
	default:
		return d
	}
	var b strings.Builder
	for i, n := range groups {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(d[:n])
		d = d[n:]
	}
	return b.String()
}

// Location returns the meeting's time zone (the one it was scheduled in),
// or UTC when it has none or an unknown one.
func (m *Meeting) Location() *time.Location {
	if m == nil || m.Timezone == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(m.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

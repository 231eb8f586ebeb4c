package templates

import (
	"strconv"
	"time"

	"github.com/a-h/templ"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// Fact is a labelled value in the record header.
type Fact struct{ Label, Value string }

// InviteeOption is one invitee checkbox of the Schedule Zoom form.
type InviteeOption struct {
	ID, Name, Email, Role string
	Checked               bool
}

// ScheduleForm is the Schedule Zoom form, ready to submit.
type ScheduleForm struct {
	Action         string // POST URL (carries the session)
	SessionToken   string
	CSRFToken      string
	IdempotencyKey string
	Topic          string
	StartLocal     string // "2006-01-02T15:04" in the rep's time zone
	TimezoneName   string // IANA name, sent back with the form
	Duration       int
	Agenda         string
	Invitees       []InviteeOption
	Settings       sfzoom.MeetingSettings
}

// MeetingFlags are extra statuses of a meeting shown as badges.
type MeetingFlags struct {
	RecordingAvailable bool
	SummaryAvailable   bool
}

// MeetingsView lists a record's meetings.
type MeetingsView struct {
	Upcoming []*sfzoom.Meeting
	Past     []*sfzoom.Meeting
	// MoreUpcoming and MorePast count the meetings not listed.
	MoreUpcoming, MorePast int
	Loc                    *time.Location
	Flags                  map[int64]MeetingFlags
	// UserID is the viewer; only the host (or an admin) gets the actions.
	UserID  string
	IsAdmin bool
	// ActionURL returns the URL of an action on a meeting ("reschedule",
	// "cancel"), carrying the session.
	ActionURL func(id int64, action string) string
	// RefreshURL re-fetches this list.
	RefreshURL string
	Now        time.Time
}

// RecordView is the record page.
type RecordView struct {
	Object   string
	ID       string
	Name     string
	Facts    []Fact
	Warning  string // shown above the form, e.g. no Zoom user yet
	Form     ScheduleForm
	Meetings MeetingsView
	// Sections are extra sections other features add below the meetings
	// (the recordings player); each renders its own card.
	Sections []templ.Component
}

// ScheduleResultView is the answer to a schedule submission.
type ScheduleResultView struct {
	Meeting      *sfzoom.Meeting
	Loc          *time.Location
	EventPending bool
	Duplicate    bool
	// NextKey replaces the form's idempotency key so the next submission
	// schedules a new meeting.
	NextKey  string
	Meetings MeetingsView
}

func (v MeetingsView) canChange(m *sfzoom.Meeting) bool {
	if m.Status == sfzoom.MeetingEnded || m.Status == sfzoom.MeetingCancelled {
		return false
	}
	return v.ActionURL != nil && (m.HostSFUserID == v.UserID || v.IsAdmin)
}

func (v MeetingsView) action(m *sfzoom.Meeting, a string) string {
	return v.ActionURL(m.ID, a)
}

func meetingIDString(m *sfzoom.Meeting) string { return strconv.FormatInt(m.ID, 10) }

func localInput(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format("2006-01-02T15:04")
}

func durationOptions() []int { return []int{15, 30, 45, 60, 90, 120} }

// moreMeetings is "1 later meeting" or "3 older meetings".
func moreMeetings(n int, which string) string {
	if n == 1 {
		return "1 " + which + " meeting"
	}
	return strconv.Itoa(n) + " " + which + " meetings"
}

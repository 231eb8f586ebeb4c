package templates

import (
	"slices"
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
	// InstantDuration is the length of an instant meeting in minutes (it
	// starts now with its own topic and length, whatever the form says).
	InstantDuration int
	// Object is the record's type, for the hint when it has no contacts.
	Object string
	// Errors are messages about single fields, by field name ("topic",
	// "start", "duration", "agenda", "invitee"), shown under the field;
	// Error is shown next to the buttons (the message about the whole
	// submission, or a repeat of the field's message).
	Errors map[string]string
	Error  string
}

func (f ScheduleForm) fieldError(name string) string { return f.Errors[name] }

func (f ScheduleForm) noInvitees() string {
	switch f.Object {
	case sfzoom.ObjectOpportunity:
		return "No contacts on this record. Add contact roles in Salesforce to invite them."
	default:
		return "This record has no email address to invite. Add one in Salesforce to invite them."
	}
}

// invalidAttrs marks a control with an error (aria-invalid, and
// aria-describedby pointing at its help text); no error, no attributes.
func invalidAttrs(id, errorText string) templ.Attributes {
	if errorText == "" {
		return templ.Attributes{}
	}
	return templ.Attributes{"aria-invalid": "true", "aria-describedby": ErrorID(id)}
}

// describedByError points the form's buttons at the form's error message.
func describedByError(errorText string) templ.Attributes {
	if errorText == "" {
		return templ.Attributes{}
	}
	return templ.Attributes{"aria-describedby": "sfzoom-schedule-error"}
}

// MeetingFlags are extra statuses of a meeting shown as badges.
type MeetingFlags struct {
	RecordingAvailable bool
	SummaryAvailable   bool
}

// AttendeeView is one person who attended a past meeting.
type AttendeeView struct {
	Name, Email string
	Minutes     int
	// Kind is sfzoom.MatchContact, MatchLead, MatchAccount, MatchInternal,
	// MatchUnmatched (waiting in Review), or "" for a match the viewer may
	// not see (Hidden).
	Kind   string
	Hidden bool
	// RecordID and RecordURL open the matched record in Salesforce (empty
	// when nothing matched or the viewer may not read it).
	RecordID, RecordURL string
}

func (a AttendeeView) label() string {
	switch {
	case a.Name != "" && a.Email != "":
		return a.Name + " <" + a.Email + ">"
	case a.Name != "":
		return a.Name
	}
	return a.Email
}

// matchText says what the person matched, in words.
func (a AttendeeView) matchText() string {
	switch a.Kind {
	case sfzoom.MatchContact:
		return "Contact"
	case sfzoom.MatchLead:
		return "Lead"
	case sfzoom.MatchAccount:
		return "Account (by email domain)"
	case sfzoom.MatchInternal:
		return "Your team"
	case sfzoom.MatchUnmatched:
		return "Waiting in Review"
	}
	return "Matched to a record you can't open"
}

func (a AttendeeView) minutesText() string {
	if a.Minutes <= 0 {
		return ""
	}
	return strconv.Itoa(a.Minutes) + " min"
}

// maxAttendeesShown is how many attendees a past meeting lists; the rest
// are counted.
const maxAttendeesShown = 12

func shownAttendees(as []AttendeeView) []AttendeeView {
	if len(as) > maxAttendeesShown {
		return as[:maxAttendeesShown]
	}
	return as
}

func moreAttendees(as []AttendeeView) string {
	n := len(as) - maxAttendeesShown
	if n <= 0 {
		return ""
	}
	if n == 1 {
		return "and 1 more person (all are on the Salesforce event)"
	}
	return "and " + strconv.Itoa(n) + " more people (all are on the Salesforce event)"
}

// MeetingsView lists a record's meetings.
type MeetingsView struct {
	Upcoming []*sfzoom.Meeting
	Past     []*sfzoom.Meeting
	// MoreUpcoming and MorePast count the meetings not listed.
	MoreUpcoming, MorePast int
	Loc                    *time.Location
	Flags                  map[int64]MeetingFlags
	// Attendees are who attended each past meeting, by meeting id.
	Attendees map[int64][]AttendeeView
	// UserID is the viewer; only the host (or an admin) gets the actions.
	UserID  string
	IsAdmin bool
	// ActionURL returns the URL of an action on a meeting ("reschedule",
	// "cancel"), carrying the session.
	ActionURL func(id int64, action string) string
	// RefreshURL re-fetches this list.
	RefreshURL string
	// FormURL loads a fresh Schedule Zoom form; RecordURL is the record
	// page (both carry the session).
	FormURL, RecordURL string
	Now                time.Time
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
	// Instant is an instant meeting; StartURL, when set, is Zoom's start
	// URL for the host, shown once and never stored (it grants host rights
	// and expires).
	Instant  bool
	StartURL string
	// FormURL loads a fresh form ("Schedule another"); RecordURL is the
	// record page, for browsers without htmx.
	FormURL, RecordURL string
	Meetings           MeetingsView
}

// canChange: only a meeting that has not started yet can be rescheduled or
// cancelled (a live one is ended in Zoom), by its host or an admin.
func (v MeetingsView) canChange(m *sfzoom.Meeting) bool {
	if m.State(v.Now) != sfzoom.StateUpcoming && m.State(v.Now) != sfzoom.StateWaiting {
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

// durationOptions are the duration choices, plus current when it is not
// one of them (a rescheduled meeting, an org default).
func durationOptions(current int) []int {
	opts := []int{15, 30, 45, 60, 90, 120}
	if current > 0 && !slices.Contains(opts, current) {
		opts = append(opts, current)
		slices.Sort(opts)
	}
	return opts
}

// moreMeetings is "1 later meeting" or "3 older meetings".
func moreMeetings(n int, which string) string {
	if n == 1 {
		return "1 " + which + " meeting"
	}
	return strconv.Itoa(n) + " " + which + " meetings"
}

func joinable(s sfzoom.MeetingState) bool {
	return s == sfzoom.StateUpcoming || s == sfzoom.StateWaiting || s == sfzoom.StateLive
}

func stateBadge(s sfzoom.MeetingState) string {
	switch s {
	case sfzoom.StateLive:
		return BadgeSuccess
	case sfzoom.StateWaiting:
		return BadgeWarning
	case sfzoom.StateEnded:
		return BadgeLightest
	case sfzoom.StateCancelled:
		return BadgeError
	}
	return BadgeDefault
}

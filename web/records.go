package web

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/sfzoom/sfzoom/internal/scheduling"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/templates"
)

// Scheduler is what the record and home pages need from the scheduling use
// case (*scheduling.Service implements it).
type Scheduler interface {
	Record(ctx context.Context, u *sfzoom.User, object, id string) (*scheduling.Record, error)
	Schedule(ctx context.Context, u *sfzoom.User, in scheduling.Input) (*scheduling.Result, error)
	Reschedule(ctx context.Context, u *sfzoom.User, id int64, start time.Time, duration int) (*scheduling.Result, error)
	Cancel(ctx context.Context, u *sfzoom.User, id int64) (*scheduling.Result, error)
	// Meetings checks u may read the record, like Record, before listing.
	Meetings(ctx context.Context, u *sfzoom.User, object, id string) (upcoming, past []*sfzoom.Meeting, err error)
	Upcoming(ctx context.Context, u *sfzoom.User) ([]*sfzoom.Meeting, error)
}

type orgFinder interface {
	FindOrgByID(ctx context.Context, orgID string) (*sfzoom.Org, error)
}

type mappingLookup interface {
	Lookup(ctx context.Context, orgID, sfUserID string) (*sfzoom.UserMapping, error)
}

// MeetingFlagger reports which meetings have a recording or a summary
// (the post-meeting pipeline's data); nil shows no such badges.
type MeetingFlagger interface {
	MeetingFlags(ctx context.Context, orgID string, ms []*sfzoom.Meeting) (map[int64]templates.MeetingFlags, error)
}

// AttendanceLister lists who attended past meetings, with what each person
// matched that the viewer may see (*scheduling.Service implements it).
type AttendanceLister interface {
	Attendance(ctx context.Context, u *sfzoom.User, ms []*sfzoom.Meeting) (map[int64][]scheduling.Attendee, error)
}

// RecordSection adds a section to the record page below the meetings (the
// recordings player, for example). It may return nil to show nothing. It
// can also serve its own routes, e.g. an htmx-loaded fragment.
type RecordSection interface {
	RecordSection(c echo.Context, h *Helpers, object, id string, meetings []*sfzoom.Meeting) (templ.Component, error)
}

// SchedulingPages serves the record page (Schedule Zoom and the record's
// meetings) and the home page (the rep's upcoming meetings).
type SchedulingPages struct {
	Scheduler Scheduler
	Orgs      orgFinder
	Mappings  mappingLookup  // optional: warns early about a missing Zoom user
	Flags     MeetingFlagger // optional
	// Attendance, when set, lists who attended each past meeting.
	Attendance AttendanceLister
	// Records, when set, names the record each meeting on the home page
	// belongs to.
	Records  MeetingRecordNamer
	Sections []RecordSection
	// Zoom, when set (user mode), offers Connect/Disconnect Zoom on the home page.
	Zoom *ZoomUserConnection
}

// accessMemo lets one request reuse a record-access check that passed: the
// record page reads the record and then its meetings, and an action redraws
// the meeting list after checking the record.
func accessMemo(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.SetRequest(c.Request().WithContext(scheduling.WithAccessMemo(c.Request().Context())))
		return next(c)
	}
}

func recordPath(object, id string) string {
	return "/app/records/" + url.PathEscape(object) + "/" + url.PathEscape(id)
}

func (p *SchedulingPages) handleRecordShow(h *Helpers) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		u := h.Session(c).User()
		object, id := c.Param("object"), c.Param("id")
		rec, err := p.Scheduler.Record(ctx, u, object, id)
		if err != nil {
			return err
		}
		org, err := p.Orgs.FindOrgByID(ctx, u.OrgID)
		if err != nil {
			return err
		}
		mv, err := p.meetingsView(c, h, rec.Object, rec.ID)
		if err != nil {
			return err
		}
		v := templates.RecordView{
			Object: rec.Object, ID: rec.ID, Name: rec.Name, Meetings: mv,
			Form: p.form(c, h, rec, org.Settings.MeetingDefaults),
		}
		for _, f := range rec.Facts {
			v.Facts = append(v.Facts, templates.Fact{Label: f.Label, Value: f.Value})
		}
		if p.Mappings != nil {
			if m, err := p.Mappings.Lookup(ctx, u.OrgID, u.UserID); err == nil && m.Status == sfzoom.MappingUnmatched {
				v.Warning = "sfzoom couldn't find your Zoom user. Ask your Salesforce admin to set your Zoom email in sfzoom Settings → Users."
			}
		}
		for _, s := range p.Sections {
			comp, err := s.RecordSection(c, h, rec.Object, rec.ID, append(mv.Upcoming, mv.Past...))
			if err != nil {
				return err
			}
			if comp != nil {
				v.Sections = append(v.Sections, comp)
			}
		}
		return h.Render(c, http.StatusOK, templates.RecordPage(h.Meta(c, rec.Name), v))
	}
}

// form builds the Schedule Zoom form: topic from the record, start at the
// next half hour in the rep's time zone, 30 minutes, every invitee checked,
// settings from the org's defaults, and a fresh idempotency key.
func (p *SchedulingPages) form(c echo.Context, h *Helpers, rec *scheduling.Record, defaults sfzoom.MeetingSettings) templates.ScheduleForm {
	loc := h.Location(c)
	meta := h.Meta(c, "")
	f := templates.ScheduleForm{
		Action:       h.Link(c, recordPath(rec.Object, rec.ID)+"/meetings"),
		SessionToken: meta.SessionToken, CSRFToken: meta.CSRFToken,
		IdempotencyKey: newIdempotencyKey(), Topic: rec.DefaultTopic(),
		StartLocal: NextHalfHour(h.Now(), loc).Format("2006-01-02T15:04"), TimezoneName: loc.String(),
		Duration: 30, Settings: defaults, InstantDuration: scheduling.InstantDuration, Object: rec.Object,
	}
	for _, inv := range rec.Invitees {
		f.Invitees = append(f.Invitees, templates.InviteeOption{ID: inv.ContactID, Name: inv.Name, Email: inv.Email, Role: inv.Role, Checked: inv.Email != ""})
	}
	return f
}

// handleScheduleForm serves a fresh Schedule Zoom form, with a new
// submission key ("Schedule another" after a result).
func (p *SchedulingPages) handleScheduleForm(h *Helpers) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		u := h.Session(c).User()
		rec, err := p.Scheduler.Record(ctx, u, c.Param("object"), c.Param("id"))
		if err != nil {
			return err
		}
		org, err := p.Orgs.FindOrgByID(ctx, u.OrgID)
		if err != nil {
			return err
		}
		return h.Render(c, http.StatusOK, templates.ScheduleFormView(p.form(c, h, rec, org.Settings.MeetingDefaults)))
	}
}

// submittedForm is the Schedule Zoom form as the rep submitted it, shown
// again with err next to its field (scheduling.FieldOf) and the buttons.
// It keeps the submission key: a failed attempt created nothing, so the
// same key may try again.
func (p *SchedulingPages) submittedForm(c echo.Context, h *Helpers, err error) error {
	if code := sfzoom.ErrorCode(err); code == sfzoom.EUNAUTHORIZED || code == sfzoom.EINTERNAL {
		// A lost session reloads the page through the Canvas SDK; a bug
		// gets the error page (and the log).
		return err
	}
	ctx := c.Request().Context()
	u := h.Session(c).User()
	rec, rerr := p.Scheduler.Record(ctx, u, c.Param("object"), c.Param("id"))
	if rerr != nil {
		return err
	}
	f := p.form(c, h, rec, sfzoom.MeetingSettings{
		WaitingRoom: c.FormValue("waiting_room") == "1", JoinBeforeHost: c.FormValue("join_before_host") == "1",
		MeetingAuthentication: c.FormValue("meeting_authentication") == "1",
	})
	f.Topic, f.StartLocal, f.Agenda = c.FormValue("topic"), c.FormValue("start"), c.FormValue("agenda")
	if d, derr := strconv.Atoi(c.FormValue("duration")); derr == nil && d > 0 {
		f.Duration = d
	}
	if tz := c.FormValue("timezone"); tz != "" {
		if _, lerr := time.LoadLocation(tz); lerr == nil {
			f.TimezoneName = tz
		}
	}
	if key := c.FormValue("idempotency_key"); scheduling.ValidKey(key) {
		f.IdempotencyKey = key
	}
	picked := map[string]bool{}
	if form, ferr := c.FormParams(); ferr == nil {
		for _, id := range form["invitee"] {
			picked[id] = true
		}
	}
	for i := range f.Invitees {
		f.Invitees[i].Checked = picked[f.Invitees[i].ID]
	}
	msg := sfzoom.ErrorMessage(err)
	if field := scheduling.FieldOf(err); field != "" {
		f.Errors = map[string]string{field: msg}
	}
	f.Error = msg
	return &formError{err: err, form: templates.ScheduleFormView(f), target: templates.ScheduleID}
}

// NextHalfHour returns the first :00 or :30 strictly after now, in loc.
func NextHalfHour(now time.Time, loc *time.Location) time.Time {
	t := now.In(loc)
	next := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), 0, 0, 0, loc)
	for !next.After(t) {
		next = next.Add(30 * time.Minute)
	}
	return next
}

func newIdempotencyKey() string { return strings.ReplaceAll(rand.Text(), "=", "") }

// maxListedMeetings is how many upcoming (the soonest) and past (the most
// recent) meetings the record page lists.
const maxListedMeetings = 5

func (p *SchedulingPages) meetingsView(c echo.Context, h *Helpers, object, id string) (templates.MeetingsView, error) {
	ctx := c.Request().Context()
	sess := h.Session(c)
	up, past, err := p.Scheduler.Meetings(ctx, sess.User(), object, id)
	if err != nil {
		return templates.MeetingsView{}, err
	}
	// The record page grows with its content up to the canvas's height cap
	// (2,000 px by default), so long histories are cut, with a count.
	var moreUp, morePast int
	if len(up) > maxListedMeetings {
		up, moreUp = up[:maxListedMeetings], len(up)-maxListedMeetings
	}
	if len(past) > maxListedMeetings {
		past, morePast = past[:maxListedMeetings], len(past)-maxListedMeetings
	}
	v := templates.MeetingsView{
		Upcoming: up, Past: past, MoreUpcoming: moreUp, MorePast: morePast,
		Loc: h.Location(c), UserID: sess.UserID, IsAdmin: sess.IsAdmin, Now: h.Now(),
		RefreshURL: h.Link(c, recordPath(object, id)+"/meetings"),
		FormURL:    h.Link(c, recordPath(object, id)+"/schedule-form"), RecordURL: h.Link(c, recordPath(object, id)),
		ActionURL: func(mid int64, action string) string {
			return h.Link(c, "/app/meetings/"+strconv.FormatInt(mid, 10)+"/"+action+"?record="+url.QueryEscape(object+"/"+id))
		},
	}
	if p.Flags != nil && len(up)+len(past) > 0 {
		flags, err := p.Flags.MeetingFlags(ctx, sess.OrgID, append(append([]*sfzoom.Meeting(nil), up...), past...))
		if err != nil {
			h.Logger().WarnContext(ctx, "meeting flags", "err", err.Error())
		}
		v.Flags = flags
	}
	if p.Attendance != nil && len(past) > 0 {
		att, err := p.Attendance.Attendance(ctx, sess.User(), past)
		if err != nil {
			// The list still helps without who attended.
			h.Logger().WarnContext(ctx, "meeting attendance", "err", err.Error())
		}
		v.Attendees = attendeeViews(sess.User().InstanceURL, att)
	}
	return v, nil
}

// attendeeViews turns attendance into rows whose matched records link to
// Salesforce's record page (/lightning/r/{Object}/{id}/view) on the org's
// verified instance URL.
func attendeeViews(instanceURL string, att map[int64][]scheduling.Attendee) map[int64][]templates.AttendeeView {
	if len(att) == 0 {
		return nil
	}
	out := make(map[int64][]templates.AttendeeView, len(att))
	for id, as := range att {
		for _, a := range as {
			av := templates.AttendeeView{Name: a.Name, Email: a.Email, Minutes: a.Minutes, Kind: a.Kind, Hidden: a.Hidden,
				RecordID: a.RecordID, RecordURL: salesforceRecordURL(instanceURL, a.RecordID)}
			out[id] = append(out[id], av)
		}
	}
	return out
}

func (p *SchedulingPages) handleRecordMeetings(h *Helpers) echo.HandlerFunc {
	return func(c echo.Context) error {
		object, id := c.Param("object"), c.Param("id")
		if !scheduling.Supported(object) {
			return scheduling.Unsupported(object)
		}
		mv, err := p.meetingsView(c, h, object, id)
		if err != nil {
			return err
		}
		return h.Render(c, http.StatusOK, templates.MeetingsFragment(mv, ""))
	}
}

// parseLocal reads a datetime-local value in loc.
func parseLocal(v string, loc *time.Location) (time.Time, error) {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, strings.TrimSpace(v), loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, sfzoom.Errorf(sfzoom.EINVALID, "Enter the start as a date and time, like 2026-03-01 14:30.")
}

func parseDuration(v string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, sfzoom.Errorf(sfzoom.EINVALID, "Enter the duration in minutes, like 30.")
	}
	return n, nil
}

func (p *SchedulingPages) handleMeetingCreate(h *Helpers) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		sess := h.Session(c)
		u := sess.User()
		loc := h.Location(c)
		if tz := c.FormValue("timezone"); tz != "" {
			if l, err := time.LoadLocation(tz); err == nil {
				loc = l
			}
		}
		in := scheduling.Input{
			Object: c.Param("object"), RecordID: c.Param("id"), Topic: c.FormValue("topic"), Agenda: c.FormValue("agenda"),
			Timezone: loc.String(), Instant: c.FormValue("instant") == "1", IdempotencyKey: c.FormValue("idempotency_key"),
			Settings: sfzoom.MeetingSettings{
				WaitingRoom: c.FormValue("waiting_room") == "1", JoinBeforeHost: c.FormValue("join_before_host") == "1",
				MeetingAuthentication: c.FormValue("meeting_authentication") == "1",
			},
		}
		if !scheduling.Supported(in.Object) {
			return scheduling.Unsupported(in.Object)
		}
		form, err := c.FormParams()
		if err != nil {
			return sfzoom.Errorf(sfzoom.EINVALID, "The form could not be read. Reload the page and try again.")
		}
		in.InviteeIDs = form["invitee"]
		if len(in.InviteeIDs) > 100 {
			return p.submittedForm(c, h, scheduling.InvalidField(scheduling.FieldInvitees, "Too many invitees; pick at most 100."))
		}
		if !in.Instant {
			if in.Duration, err = parseDuration(c.FormValue("duration")); err != nil {
				return p.submittedForm(c, h, scheduling.InvalidField(scheduling.FieldDuration, "%s", sfzoom.ErrorMessage(err)))
			}
			if strings.TrimSpace(c.FormValue("start")) == "" {
				return p.submittedForm(c, h, scheduling.InvalidField(scheduling.FieldStart, "Enter a start date and time."))
			}
			if in.Start, err = parseLocal(c.FormValue("start"), loc); err != nil {
				return p.submittedForm(c, h, scheduling.InvalidField(scheduling.FieldStart, "%s", sfzoom.ErrorMessage(err)))
			}
		}
		res, err := p.Scheduler.Schedule(ctx, u, in)
		if err != nil {
			return p.submittedForm(c, h, err)
		}
		mv, err := p.meetingsView(c, h, res.Meeting.RecordObject, res.Meeting.RecordID)
		if err != nil {
			return err
		}
		v := templates.ScheduleResultView{Meeting: res.Meeting, Loc: h.Location(c), EventPending: res.EventPending,
			Duplicate: res.Duplicate, Instant: in.Instant, StartURL: res.StartURL, Meetings: mv,
			FormURL: mv.FormURL, RecordURL: mv.RecordURL}
		if c.Request().Header.Get("HX-Request") != "true" {
			// Without htmx, show the result on a page of its own.
			return h.Render(c, http.StatusOK, templates.Page(h.Meta(c, "Meeting scheduled"), templates.ScheduleResult(v)))
		}
		return h.Render(c, http.StatusOK, templates.ScheduleResult(v))
	}
}

func meetingParam(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, sfzoom.Errorf(sfzoom.ENOTFOUND, "That meeting doesn't exist. Reload the record page.")
	}
	return id, nil
}

// afterAction re-renders the record's meeting list with a message.
func (p *SchedulingPages) afterAction(c echo.Context, h *Helpers, res *scheduling.Result, msg string) error {
	m := res.Meeting
	mv, err := p.meetingsView(c, h, m.RecordObject, m.RecordID)
	if err != nil {
		return err
	}
	if res.EventPending {
		msg += " The Salesforce event will be updated in a few minutes."
	}
	return h.Render(c, http.StatusOK, templates.MeetingsFragment(mv, msg))
}

func (p *SchedulingPages) handleMeetingReschedule(h *Helpers) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := meetingParam(c)
		if err != nil {
			return err
		}
		start, err := parseLocal(c.FormValue("start"), h.Location(c))
		if err != nil {
			return err
		}
		dur, err := parseDuration(c.FormValue("duration"))
		if err != nil {
			return err
		}
		res, err := p.Scheduler.Reschedule(c.Request().Context(), h.Session(c).User(), id, start, dur)
		if err != nil {
			return err
		}
		return p.afterAction(c, h, res, fmt.Sprintf("Meeting moved to %s, %d minutes.", start.Format("Mon 2 Jan 15:04 MST"), dur))
	}
}

func (p *SchedulingPages) handleMeetingCancel(h *Helpers) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := meetingParam(c)
		if err != nil {
			return err
		}
		res, err := p.Scheduler.Cancel(c.Request().Context(), h.Session(c).User(), id)
		if err != nil {
			return err
		}
		return p.afterAction(c, h, res, "Meeting cancelled in Zoom and in Salesforce.")
	}
}

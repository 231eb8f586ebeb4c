// Package scheduling is the use case behind the Schedule Zoom form: it reads
// the record a rep is on, creates the Zoom meeting as the rep's Zoom user,
// writes the Salesforce Event (upserted by Zoom_Meeting_ID__c) and stores the
// meeting-to-record link for the post-meeting pipeline; it also reschedules
// and cancels.
//
// Idempotency is durable first: the form's idempotency key is recorded in
// the store (a pending schedule request) before Zoom is called, so
// concurrent or repeated submissions of the same form wait for and return the
// first one's meeting. The meeting row is stored with a delayed Event job in
// the same transaction, so an Event write that fails (or a crash right after
// the Zoom call) is repaired by River.
//
// Record reads use the org's integration connection; the rep's own access is
// checked with UserRecordAccess before anything is shown or written (see the
// integrations package doc).
package scheduling

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/riverqueue/river"

	"github.com/sfzoom/sfzoom/internal/jobs"
	"github.com/sfzoom/sfzoom/internal/salesforce"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store"
	"github.com/sfzoom/sfzoom/internal/zoom"
)

// Store is the part of the store scheduling uses.
type Store interface {
	FindOrgByID(ctx context.Context, orgID string) (*sfzoom.Org, error)
	ClaimScheduleRequest(ctx context.Context, r *sfzoom.ScheduleRequest) (bool, error)
	FindScheduleRequest(ctx context.Context, orgID, key string) (*sfzoom.ScheduleRequest, error)
	FinishScheduleRequest(ctx context.Context, orgID, key, status string, meetingID int64, detail string) error
	CreateMeeting(ctx context.Context, m *sfzoom.Meeting, jobs ...store.Job) error
	FindMeetingByID(ctx context.Context, orgID string, id int64) (*sfzoom.Meeting, error)
	FindMeetings(ctx context.Context, f sfzoom.MeetingFilter) ([]*sfzoom.Meeting, int, error)
	UpdateMeeting(ctx context.Context, orgID string, id int64, upd sfzoom.MeetingUpdate, jobs ...store.Job) (*sfzoom.Meeting, error)
}

// ZoomMeetings creates and changes meetings.
type ZoomMeetings interface {
	CreateMeeting(ctx context.Context, userID string, req *zoom.MeetingRequest) (*zoom.Meeting, error)
	UpdateMeeting(ctx context.Context, meetingID int64, req *zoom.MeetingRequest) error
	DeleteMeeting(ctx context.Context, meetingID int64) error
}

// Salesforce is the part of the Salesforce client scheduling uses.
type Salesforce interface {
	Query(ctx context.Context, q salesforce.Query) ([]salesforce.Record, error)
	ContactRoles(ctx context.Context, opportunityID string) ([]salesforce.ContactRole, error)
	CanRead(ctx context.Context, userID, recordID string) (bool, error)
	RecordAccess(ctx context.Context, userID string, recordIDs []string) (map[string]bool, error)
	Upsert(ctx context.Context, object salesforce.Object, extIDField salesforce.Field, extID string, fields salesforce.Fields) (string, bool, error)
}

// Identity resolves the rep's Zoom user.
type Identity interface {
	Resolve(ctx context.Context, u *sfzoom.User) (*sfzoom.UserMapping, error)
}

// Options configure a Service.
type Options struct {
	Store    Store
	Identity Identity
	// Zoom returns the client that acts for the rep.
	Zoom func(ctx context.Context, orgID, sfUserID string) (ZoomMeetings, error)
	// Salesforce returns the org's integration client.
	Salesforce func(ctx context.Context, orgID string) (Salesforce, error)
	// Attendance, when set, lists who attended past meetings (Attendance).
	Attendance AttendanceStore
	// UserMode is true when reps connect their own Zoom accounts: meetings
	// are then created as "me" and identity is not consulted.
	UserMode bool
	Now      func() time.Time
	Logger   *slog.Logger
	// EventRepairDelay is when the safety-net Event job runs (default 2 min).
	EventRepairDelay time.Duration
	// WaitForDuplicate bounds how long a duplicate submission waits for the
	// first one (default 20 s); PollInterval is how often it looks (100 ms).
	WaitForDuplicate time.Duration
	PollInterval     time.Duration
}

// Service schedules, reschedules and cancels meetings.
type Service struct {
	opts Options
}

// New returns a Service.
func New(opts Options) *Service {
	opts.Now = sfzoom.NowOrTimeNow(opts.Now)
	opts.Logger = sfzoom.LoggerOrDiscard(opts.Logger)
	if opts.EventRepairDelay <= 0 {
		opts.EventRepairDelay = 2 * time.Minute
	}
	if opts.WaitForDuplicate <= 0 {
		opts.WaitForDuplicate = 20 * time.Second
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = 100 * time.Millisecond
	}
	return &Service{opts: opts}
}

// Fact is a labelled value shown in the record header.
type Fact struct{ Label, Value string }

// Invitee is a Contact that may be invited.
type Invitee struct {
	ContactID string
	Name      string
	Email     string
	Role      string
	Primary   bool
}

// Record is the record a rep schedules from.
type Record struct {
	Object    string
	ID        string
	Name      string
	AccountID string
	Account   string
	Facts     []Fact
	Invitees  []Invitee
}

// DefaultTopic is the form's suggested topic.
func (r *Record) DefaultTopic() string {
	if (r.Object == sfzoom.ObjectContact || r.Object == sfzoom.ObjectLead) && r.Account != "" {
		return r.Name + " / " + r.Account
	}
	return r.Name
}

// Supported reports whether meetings can be scheduled from object:
// Opportunities, Contacts and Leads (like Zoom's own Salesforce package; an
// Event's WhoId may be a Lead).
func Supported(object string) bool {
	return object == sfzoom.ObjectOpportunity || object == sfzoom.ObjectContact || object == sfzoom.ObjectLead
}

// Unsupported is the error for a record type sfzoom does not schedule from.
func Unsupported(object string) error { return unsupported(object) }

func unsupported(object string) error {
	return sfzoom.Errorf(sfzoom.EINVALID, "sfzoom schedules meetings from Opportunities, Contacts and Leads, not from %q records.", object).
		WithAction("Open an Opportunity, a Contact or a Lead in Salesforce and use Schedule Zoom there.")
}

func notFound(object string) error {
	return sfzoom.Errorf(sfzoom.ENOTFOUND, "We couldn't find this %s, or you don't have access to it.", object).
		WithAction("Go back to the record in Salesforce and reload the page. If it keeps happening, ask the record's owner to share it with you.")
}

// checkAccess refuses an unsupported object, a malformed id, or a record u
// may not read, and returns the org's Salesforce client.
//
// Errors: EINVALID (unsupported object), ENOTFOUND (unknown or no access),
// EUNAUTHORIZED (Salesforce not connected), API errors.
func (s *Service) checkAccess(ctx context.Context, u *sfzoom.User, object, id string) (Salesforce, error) {
	if !Supported(object) {
		return nil, unsupported(object)
	}
	if !salesforce.ValidID(id) {
		return nil, notFound(object)
	}
	sf, err := s.opts.Salesforce(ctx, u.OrgID)
	if err != nil {
		return nil, err
	}
	memo, _ := ctx.Value(accessMemoKey{}).(*accessMemo)
	key := u.OrgID + "/" + u.UserID + "/" + salesforce.To18(id)
	if memo.passed(key) {
		return sf, nil
	}
	ok, err := sf.CanRead(ctx, u.UserID, id)
	if err != nil {
		return nil, fmt.Errorf("scheduling: record access: %w", err)
	}
	if !ok {
		return nil, notFound(object)
	}
	memo.pass(key)
	return sf, nil
}

type accessMemoKey struct{}

// accessMemo remembers the record-access checks that passed during one
// request; nil remembers nothing.
type accessMemo struct {
	mu     sync.Mutex
	passes map[string]bool
}

func (m *accessMemo) passed(key string) bool {
	if m == nil {
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.passes[key]
}

func (m *accessMemo) pass(key string) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.passes[key] = true
}

// WithAccessMemo returns a context for one request in which a record-access
// check that passed is not asked of Salesforce again (a page that reads the
// record and then its meetings costs one UserRecordAccess query, not two).
// Use it per request only: access can be revoked at any time.
func WithAccessMemo(ctx context.Context) context.Context {
	return context.WithValue(ctx, accessMemoKey{}, &accessMemo{passes: map[string]bool{}})
}

// Record reads the record u is on, after checking u may read it.
//
// Errors: EINVALID (unsupported object), ENOTFOUND (unknown or no access),
// EUNAUTHORIZED (Salesforce not connected), API errors.
func (s *Service) Record(ctx context.Context, u *sfzoom.User, object, id string) (*Record, error) {
	sf, err := s.checkAccess(ctx, u, object, id)
	if err != nil {
		return nil, err
	}
	r := &Record{Object: object, ID: salesforce.To18(id)}
	switch object {
	case sfzoom.ObjectOpportunity:
		err = readOpportunity(ctx, sf, u.UserID, r)
	case sfzoom.ObjectContact:
		err = readContact(ctx, sf, r)
	case sfzoom.ObjectLead:
		err = readLead(ctx, sf, r)
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

// readRecord reads fields of r from sfObject (ENOTFOUND when it is gone);
// name names the object in errors.
func readRecord(ctx context.Context, sf Salesforce, r *Record, sfObject salesforce.Object, name string, fields ...salesforce.Field) (salesforce.Record, error) {
	q := salesforce.Select(fields...).From(sfObject).Where(salesforce.Eq(salesforce.FieldID, r.ID)).Limit(1)
	recs, err := sf.Query(ctx, q)
	if err != nil {
		return salesforce.Record{}, fmt.Errorf("scheduling: read %s: %w", name, err)
	}
	if len(recs) == 0 {
		return salesforce.Record{}, notFound(r.Object)
	}
	return recs[0], nil
}

// readOpportunity reads an Opportunity, its facts and, as invitees, the
// contact roles userID may read.
func readOpportunity(ctx context.Context, sf Salesforce, userID string, r *Record) error {
	rec, err := readRecord(ctx, sf, r, salesforce.ObjectOpportunity, "opportunity",
		salesforce.FieldID, salesforce.FieldName, salesforce.FieldStageName, salesforce.FieldCloseDate,
		salesforce.FieldAmount, salesforce.FieldAccountID, salesforce.FieldAccountName)
	if err != nil {
		return err
	}
	r.Name, r.AccountID, r.Account = rec.String(salesforce.FieldName), rec.String(salesforce.FieldAccountID), rec.String(salesforce.FieldAccountName)
	r.Facts = appendFact(r.Facts, "Account", r.Account)
	r.Facts = appendFact(r.Facts, "Stage", rec.String(salesforce.FieldStageName))
	r.Facts = appendFact(r.Facts, "Close date", rec.String(salesforce.FieldCloseDate))
	if amt, ok := rec.Float(salesforce.FieldAmount); ok {
		r.Facts = appendFact(r.Facts, "Amount", strconv.FormatFloat(amt, 'f', -1, 64))
	}
	roles, err := sf.ContactRoles(ctx, r.ID)
	if err != nil {
		return fmt.Errorf("scheduling: contact roles: %w", err)
	}
	roles, err = readableRoles(ctx, sf, userID, roles)
	if err != nil || len(roles) == 0 {
		return err
	}
	ids := make([]string, 0, len(roles))
	for _, cr := range roles {
		ids = append(ids, cr.ContactID)
	}
	names, err := contactNames(ctx, sf, ids)
	if err != nil {
		return err
	}
	for _, cr := range roles {
		r.Invitees = append(r.Invitees, Invitee{ContactID: cr.ContactID, Name: names[salesforce.To18(cr.ContactID)],
			Email: cr.ContactEmail, Role: cr.Role, Primary: cr.IsPrimary})
	}
	return nil
}

// readContact reads a Contact, who is its own invitee.
func readContact(ctx context.Context, sf Salesforce, r *Record) error {
	rec, err := readRecord(ctx, sf, r, salesforce.ObjectContact, "contact",
		salesforce.FieldID, salesforce.FieldName, salesforce.FieldEmail, salesforce.FieldTitle,
		salesforce.FieldAccountID, salesforce.FieldAccountName)
	if err != nil {
		return err
	}
	r.Name, r.AccountID, r.Account = rec.String(salesforce.FieldName), rec.String(salesforce.FieldAccountID), rec.String(salesforce.FieldAccountName)
	r.Facts = appendFact(r.Facts, "Title", rec.String(salesforce.FieldTitle))
	r.Facts = appendFact(r.Facts, "Account", r.Account)
	r.Facts = appendFact(r.Facts, "Email", rec.String(salesforce.FieldEmail))
	r.Invitees = []Invitee{{ContactID: r.ID, Name: r.Name, Email: rec.String(salesforce.FieldEmail), Primary: true}}
	return nil
}

// readLead reads a Lead, who is its own invitee.
func readLead(ctx context.Context, sf Salesforce, r *Record) error {
	rec, err := readRecord(ctx, sf, r, salesforce.ObjectLead, "lead",
		salesforce.FieldID, salesforce.FieldName, salesforce.FieldEmail, salesforce.FieldCompany, salesforce.FieldStatus)
	if err != nil {
		return err
	}
	// A Lead has no Account; its Company stands in for the topic.
	r.Name, r.Account = rec.String(salesforce.FieldName), rec.String(salesforce.FieldCompany)
	r.Facts = appendFact(r.Facts, "Company", r.Account)
	r.Facts = appendFact(r.Facts, "Lead status", rec.String(salesforce.FieldStatus))
	r.Facts = appendFact(r.Facts, "Email", rec.String(salesforce.FieldEmail))
	r.Invitees = []Invitee{{ContactID: r.ID, Name: r.Name, Email: rec.String(salesforce.FieldEmail), Primary: true}}
	return nil
}

// readableRoles keeps the contact roles whose Contact userID may read. The
// roles were read with the integration connection, which sees every
// Contact; the rep must not learn the name, email or role of a Contact
// Salesforce hides from them, nor invite one. One UserRecordAccess query
// checks up to 200 Contacts (salesforce.MaxRecordAccessIDs; UserRecordAccess
// takes at most 200 RecordIds per query:
// https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_userrecordaccess.htm).
func readableRoles(ctx context.Context, sf Salesforce, userID string, roles []salesforce.ContactRole) ([]salesforce.ContactRole, error) {
	if len(roles) == 0 {
		return nil, nil
	}
	ids := make([]string, 0, len(roles))
	for _, cr := range roles {
		if salesforce.ValidID(cr.ContactID) {
			ids = append(ids, cr.ContactID)
		}
	}
	access, err := sf.RecordAccess(ctx, userID, ids)
	if err != nil {
		return nil, fmt.Errorf("scheduling: contact access: %w", err)
	}
	out := roles[:0:0]
	for _, cr := range roles {
		if salesforce.ValidID(cr.ContactID) && access[salesforce.To18(cr.ContactID)] {
			out = append(out, cr)
		}
	}
	return out, nil
}

func appendFact(fs []Fact, label, value string) []Fact {
	if value == "" {
		return fs
	}
	return append(fs, Fact{label, value})
}

func contactNames(ctx context.Context, sf Salesforce, ids []string) (map[string]string, error) {
	q := salesforce.Select(salesforce.FieldID, salesforce.FieldName).From(salesforce.ObjectContact).
		Where(salesforce.In(salesforce.FieldID, ids...))
	recs, err := sf.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("scheduling: contact names: %w", err)
	}
	out := make(map[string]string, len(recs))
	for _, r := range recs {
		out[salesforce.To18(r.ID())] = r.String(salesforce.FieldName)
	}
	return out, nil
}

// Input is a submitted Schedule Zoom form.
type Input struct {
	Object         string
	RecordID       string
	Topic          string
	Agenda         string
	Start          time.Time
	Duration       int // minutes
	Timezone       string
	Instant        bool
	InviteeIDs     []string
	Settings       sfzoom.MeetingSettings
	IdempotencyKey string
}

// Limits of the form's fields.
const (
	MaxTopic    = 200
	MaxAgenda   = 2000
	MaxDuration = 24 * 60
	// PastGrace lets a start a few minutes in the past through (the form
	// was filled in at the half hour).
	PastGrace = 5 * time.Minute
)

var keyRE = regexp.MustCompile(`^[A-Za-z0-9_-]{8,100}$`)

// ValidKey reports whether key has the shape of a form's idempotency key.
func ValidKey(key string) bool { return keyRE.MatchString(key) }

// InstantDuration is the length of an instant meeting in minutes. An
// instant meeting starts now with its own topic (the record's) and this
// length, whatever the form's fields still say.
const InstantDuration = 60

// InstantTopic is the topic of an instant meeting from rec.
func InstantTopic(rec *Record) string {
	t := "Instant meeting: " + rec.DefaultTopic()
	if utf8.RuneCountInString(t) > MaxTopic {
		t = string([]rune(t)[:MaxTopic])
	}
	return t
}

// Form fields an input error can be about (FieldOf).
const (
	FieldTopic    = "topic"
	FieldStart    = "start"
	FieldDuration = "duration"
	FieldAgenda   = "agenda"
	FieldInvitees = "invitee"
)

// FieldError is an EINVALID error about one field of the Schedule Zoom
// form, so the form can show the message next to that field.
type FieldError struct {
	Field string
	Err   *sfzoom.Error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }

// Unwrap lets sfzoom.ErrorCode and ErrorMessage see the *sfzoom.Error.
func (e *FieldError) Unwrap() error { return e.Err }

// InvalidField returns an EINVALID error about field.
func InvalidField(field, format string, args ...any) error {
	return &FieldError{Field: field, Err: sfzoom.Errorf(sfzoom.EINVALID, format, args...)}
}

// FieldOf returns the form field err is about, or "" when it is about the
// form as a whole (or not an input error).
func FieldOf(err error) string {
	var fe *FieldError
	if errors.As(err, &fe) {
		return fe.Field
	}
	return ""
}

// Validate checks the input and returns EINVALID with a message that says
// what to fix; errors about one field are *FieldError (see FieldOf).
func (in *Input) Validate(now time.Time) error {
	in.Topic, in.Agenda = strings.TrimSpace(in.Topic), strings.TrimSpace(in.Agenda)
	if in.Instant {
		// The topic and length are the instant meeting's own (schedule
		// sets them once the record is read).
		if !keyRE.MatchString(in.IdempotencyKey) {
			return sfzoom.Errorf(sfzoom.EINVALID, "This form is missing its submission key. Reload the page and try again.")
		}
		return nil
	}
	switch {
	case !keyRE.MatchString(in.IdempotencyKey):
		return sfzoom.Errorf(sfzoom.EINVALID, "This form is missing its submission key. Reload the page and try again.")
	case in.Topic == "":
		return InvalidField(FieldTopic, "Enter a topic for the meeting.")
	case utf8.RuneCountInString(in.Topic) > MaxTopic:
		return InvalidField(FieldTopic, "The topic is too long; keep it under %d characters.", MaxTopic)
	case utf8.RuneCountInString(in.Agenda) > MaxAgenda:
		return InvalidField(FieldAgenda, "The agenda is too long; keep it under %d characters.", MaxAgenda)
	case in.Duration < 1 || in.Duration > MaxDuration:
		return InvalidField(FieldDuration, "Enter a duration between 1 and %d minutes.", MaxDuration)
	case !in.Instant && in.Start.IsZero():
		return InvalidField(FieldStart, "Enter a start date and time.")
	case !in.Instant && in.Start.Before(now.Add(-PastGrace)):
		return InvalidField(FieldStart, "The start time is in the past. Pick a time from now on, or use Start instant meeting.")
	}
	return nil
}

// Result is a scheduled meeting and whether its Salesforce Event is written.
type Result struct {
	Meeting *sfzoom.Meeting
	// EventPending is true when the Event could not be written yet; a job
	// retries it.
	EventPending bool
	// Duplicate is true when this submission returned an earlier one's meeting.
	Duplicate bool
	// StartURL is Zoom's start URL for the host of a meeting just created
	// (instant meetings open it). It grants host rights and expires, so it
	// is handed to the rep once and never stored or logged.
	StartURL string
}

// Schedule creates the meeting for in as u. Duplicate submissions of the same
// form (same idempotency key) return the first one's meeting.
//
// Errors: EINVALID (bad input), ENOTFOUND (record), EFORBIDDEN (no Zoom
// user), EUNAUTHORIZED, EUNAVAILABLE, ERATELIMIT.
func (s *Service) Schedule(ctx context.Context, u *sfzoom.User, in Input) (*Result, error) {
	if !Supported(in.Object) {
		return nil, unsupported(in.Object)
	}
	if err := in.Validate(s.opts.Now()); err != nil {
		return nil, err
	}
	req := &sfzoom.ScheduleRequest{OrgID: u.OrgID, IdempotencyKey: in.IdempotencyKey, SFUserID: u.UserID}
	claimed, err := s.opts.Store.ClaimScheduleRequest(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("scheduling: claim: %w", err)
	}
	if !claimed {
		return s.awaitDuplicate(ctx, u, req)
	}
	res, err := s.schedule(ctx, u, in)
	if err != nil {
		// Nothing exists at Zoom (schedule cleans up after itself), so the
		// same form may be submitted again.
		if ferr := s.opts.Store.FinishScheduleRequest(context.WithoutCancel(ctx), u.OrgID, in.IdempotencyKey,
			sfzoom.ScheduleRequestFailed, 0, sfzoom.ErrorMessage(err)); ferr != nil {
			s.opts.Logger.ErrorContext(ctx, "scheduling: mark request failed", "org_id", u.OrgID, "err", ferr.Error())
		}
		return nil, err
	}
	return res, nil
}

// awaitDuplicate waits for the submission that owns the key to finish.
func (s *Service) awaitDuplicate(ctx context.Context, u *sfzoom.User, req *sfzoom.ScheduleRequest) (*Result, error) {
	deadline := s.opts.Now().Add(s.opts.WaitForDuplicate)
	for {
		// The key is a form's; a submission by anyone else (a leaked or
		// replayed form) must not get the first rep's meeting back.
		if req.SFUserID != u.UserID {
			return nil, sfzoom.Errorf(sfzoom.EINVALID, "This form was already used by someone else. Reload the page and try again.")
		}
		switch req.Status {
		case sfzoom.ScheduleRequestDone:
			m, err := s.opts.Store.FindMeetingByID(ctx, u.OrgID, req.MeetingID)
			if err != nil {
				return nil, fmt.Errorf("scheduling: duplicate: %w", err)
			}
			return &Result{Meeting: m, EventPending: m.SFEventID == "", Duplicate: true}, nil
		case sfzoom.ScheduleRequestFailed:
			return nil, sfzoom.Errorf(sfzoom.EUNAVAILABLE, "Scheduling did not work: %s Submit the form again to retry.", strings.TrimSuffix(req.Detail, "."))
		}
		if !s.opts.Now().Before(deadline) {
			return nil, sfzoom.Errorf(sfzoom.EUNAVAILABLE, "This meeting is still being scheduled. Reload the record in a minute to see it; don't submit the form again.")
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(s.opts.PollInterval):
		}
		r, err := s.opts.Store.FindScheduleRequest(ctx, u.OrgID, req.IdempotencyKey)
		if err != nil {
			return nil, fmt.Errorf("scheduling: duplicate: %w", err)
		}
		req = r
	}
}

func (s *Service) schedule(ctx context.Context, u *sfzoom.User, in Input) (*Result, error) {
	rec, err := s.Record(ctx, u, in.Object, in.RecordID)
	if err != nil {
		return nil, err
	}
	if in.Instant {
		in.Topic, in.Duration, in.Agenda = InstantTopic(rec), InstantDuration, ""
	}
	invitees, err := pickInvitees(rec, in.InviteeIDs)
	if err != nil {
		return nil, err
	}
	host, err := s.zoomHost(ctx, u)
	if err != nil {
		return nil, err
	}
	zc, err := s.opts.Zoom(ctx, u.OrgID, u.UserID)
	if err != nil {
		return nil, err
	}
	zr, start := meetingRequest(in, invitees, s.opts.Now())
	zm, err := zc.CreateMeeting(ctx, host, zr)
	if err != nil {
		return nil, err
	}
	m := newMeeting(u, in, rec, zm, host, start)
	who, what := eventLinks(rec, invitees)
	if err := s.storeMeeting(ctx, zc, m, who, what); err != nil {
		return nil, err
	}
	res := &Result{Meeting: m, StartURL: zm.StartURL}
	if err := s.writeEvent(ctx, m, who, what); err != nil {
		s.opts.Logger.WarnContext(ctx, "scheduling: event write failed; a job will retry", "org_id", u.OrgID, "meeting_id", m.ID, "err", err.Error())
		res.EventPending = true
		s.enqueueEvent(ctx, m, who, what)
	}
	return res, nil
}

// pickInvitees returns the record's contacts the form chose, in the form's
// order, or an invalid-field error when one of them is no longer a contact
// of the record (ids compare in their 18-character form).
func pickInvitees(rec *Record, ids []string) ([]Invitee, error) {
	var invitees []Invitee
	for _, id := range ids {
		i := slices.IndexFunc(rec.Invitees, func(inv Invitee) bool { return salesforce.To18(id) == salesforce.To18(inv.ContactID) })
		if i < 0 {
			return nil, InvalidField(FieldInvitees, "One of the invitees is not a contact of this record any more. Reload the page and pick the invitees again.")
		}
		invitees = append(invitees, rec.Invitees[i])
	}
	return invitees, nil
}

// zoomHost is the Zoom user the meeting is created for: "me" (the token's
// own user) in user mode, otherwise the rep's mapped Zoom user.
func (s *Service) zoomHost(ctx context.Context, u *sfzoom.User) (string, error) {
	if s.opts.UserMode {
		return "me", nil
	}
	m, err := s.opts.Identity.Resolve(ctx, u)
	if err != nil {
		return "", err
	}
	return m.ZoomUserID, nil
}

// meetingRequest is the Zoom create-meeting body for the form, and the start
// time the meeting row records: now for an instant meeting, the form's start
// otherwise.
func meetingRequest(in Input, invitees []Invitee, now time.Time) (*zoom.MeetingRequest, time.Time) {
	zr := &zoom.MeetingRequest{Topic: in.Topic, Agenda: in.Agenda, Duration: in.Duration, Timezone: in.Timezone,
		Settings: zoomSettings(in.Settings, invitees)}
	if in.Instant {
		zr.Type = zoom.MeetingInstant
		return zr, now
	}
	zr.Type = zoom.MeetingScheduled
	t := zoom.NewTime(in.Start.UTC())
	zr.StartTime = &t
	return zr, in.Start
}

// newMeeting is the meeting row for a meeting Zoom just created.
func newMeeting(u *sfzoom.User, in Input, rec *Record, zm *zoom.Meeting, host string, start time.Time) *sfzoom.Meeting {
	m := &sfzoom.Meeting{
		OrgID: u.OrgID, ZoomMeetingID: int64(zm.ID), ZoomUUID: zm.UUID, HostSFUserID: u.UserID, HostZoomUserID: host,
		RecordObject: in.Object, RecordID: rec.ID, Topic: in.Topic, Agenda: in.Agenda, StartTime: start.UTC(),
		Duration: in.Duration, Timezone: in.Timezone, JoinURL: zm.JoinURL, Status: sfzoom.MeetingScheduled,
		IdempotencyKey: in.IdempotencyKey, Settings: in.Settings,
	}
	// An instant meeting waits for its host like any other: it is started
	// when Zoom says so (meeting.started), not when it is created.
	if zm.HostID != "" {
		m.HostZoomUserID = zm.HostID
	}
	return m
}

// storeMeeting writes the meeting row with its safety-net Event job and
// marks the form's schedule request done. When the row cannot be written the
// Zoom meeting is deleted again, so nothing is orphaned.
func (s *Service) storeMeeting(ctx context.Context, zc ZoomMeetings, m *sfzoom.Meeting, who, what string) error {
	args := jobs.UpsertEventArgs{OrgID: m.OrgID, OnlyIfMissing: true, WhoID: who, WhatID: what}
	// The meeting row and the safety-net Event job commit together.
	safety := store.Job{Args: args, InsertOpts: &river.InsertOpts{ScheduledAt: s.opts.Now().Add(s.opts.EventRepairDelay)}}
	if err := s.createMeeting(ctx, m, &args, safety); err != nil {
		// No row means no link: remove the meeting so nothing is orphaned.
		if derr := zc.DeleteMeeting(context.WithoutCancel(ctx), m.ZoomMeetingID); derr != nil {
			s.opts.Logger.ErrorContext(ctx, "scheduling: delete orphan zoom meeting", "org_id", m.OrgID, "zoom_meeting_id", m.ZoomMeetingID, "err", derr.Error())
		}
		return err
	}
	if err := s.opts.Store.FinishScheduleRequest(ctx, m.OrgID, m.IdempotencyKey, sfzoom.ScheduleRequestDone, m.ID, ""); err != nil {
		// The meeting row with the key exists; duplicates would wait, so say so.
		return fmt.Errorf("scheduling: finish request: %w", err)
	}
	return nil
}

// createMeeting stores the meeting with its safety-net job (the job's
// meeting id is known only after the insert, so the job points at the
// idempotency key's meeting through the row it is inserted with).
func (s *Service) createMeeting(ctx context.Context, m *sfzoom.Meeting, args *jobs.UpsertEventArgs, job store.Job) error {
	args.ZoomMeetingID = m.ZoomMeetingID
	job.Args = *args
	if err := s.opts.Store.CreateMeeting(ctx, m, job); err != nil {
		return fmt.Errorf("scheduling: store meeting: %w", err)
	}
	return nil
}

func (s *Service) enqueueEvent(ctx context.Context, m *sfzoom.Meeting, who, what string) {
	args := jobs.UpsertEventArgs{OrgID: m.OrgID, MeetingID: m.ID, ZoomMeetingID: m.ZoomMeetingID, WhoID: who, WhatID: what}
	if _, err := s.opts.Store.UpdateMeeting(context.WithoutCancel(ctx), m.OrgID, m.ID, sfzoom.MeetingUpdate{}, store.Job{Args: args}); err != nil {
		s.opts.Logger.ErrorContext(ctx, "scheduling: enqueue event job", "org_id", m.OrgID, "meeting_id", m.ID, "err", err.Error())
	}
}

// eventLinks picks the Event's WhoId (the Contact or Lead, or the first
// invitee, primary first) and WhatId (the Opportunity, or the Contact's
// Account; none for a Lead).
func eventLinks(rec *Record, invitees []Invitee) (who, what string) {
	switch rec.Object {
	case sfzoom.ObjectContact:
		return rec.ID, rec.AccountID
	case sfzoom.ObjectLead:
		// Salesforce refuses a WhatId next to a Lead WhoId.
		return rec.ID, ""
	default:
		for _, inv := range invitees {
			if inv.Primary {
				return inv.ContactID, rec.ID
			}
		}
		if len(invitees) > 0 {
			who = invitees[0].ContactID
		}
		return who, rec.ID
	}
}

func zoomSettings(ms sfzoom.MeetingSettings, invitees []Invitee) *zoom.MeetingSettings {
	b := func(v bool) *bool { return &v }
	zs := &zoom.MeetingSettings{WaitingRoom: b(ms.WaitingRoom), JoinBeforeHost: b(ms.JoinBeforeHost)}
	if ms.AutoRecordingCloud {
		zs.AutoRecording = "cloud"
	}
	for _, inv := range invitees {
		if inv.Email != "" {
			zs.MeetingInvitees = append(zs.MeetingInvitees, zoom.Invitee{Email: inv.Email})
		}
	}
	return zs
}

// eventFields builds the Event for m.
func eventFields(m *sfzoom.Meeting, who, what string) salesforce.Fields {
	subject := m.Topic
	desc := m.Agenda
	if m.JoinURL != "" {
		desc = strings.TrimSpace(desc + "\n\nJoin Zoom meeting: " + m.JoinURL)
	}
	if m.ZoomMeetingID > 0 {
		desc = strings.TrimSpace(desc + "\nMeeting ID: " + sfzoom.MeetingNumber(m.ZoomMeetingID))
	}
	if m.Status == sfzoom.MeetingCancelled {
		subject = "Cancelled: " + m.Topic
		desc = strings.TrimSpace("This Zoom meeting was cancelled.\n\n" + m.Agenda)
	}
	if utf8.RuneCountInString(subject) > 255 {
		subject = string([]rune(subject)[:255])
	}
	f := salesforce.Fields{
		salesforce.FieldSubject:       subject,
		salesforce.FieldStartDateTime: salesforce.FormatDateTime(m.StartTime),
		salesforce.FieldEndDateTime:   salesforce.FormatDateTime(m.EndTime()),
		salesforce.FieldLocation:      m.JoinURL,
		salesforce.FieldDescription:   desc,
		salesforce.FieldOwnerID:       m.HostSFUserID,
	}
	if m.ZoomMeetingID > 0 {
		f[salesforce.FieldZoomMeetingNumber] = sfzoom.MeetingNumber(m.ZoomMeetingID)
	}
	if who != "" {
		f[salesforce.FieldWhoID] = who
	}
	if what != "" {
		f[salesforce.FieldWhatID] = what
	}
	return f
}

// EventExternalID is the Zoom_Meeting_ID__c of a meeting's Event: the
// occurrence's UUID, the same key the post-meeting pipeline upserts by, so
// the Event written at scheduling time is the one later updated with the
// attendance (one Event per occurrence). The numeric id is a fallback for a
// meeting whose UUID Zoom did not return.
func EventExternalID(m *sfzoom.Meeting) string {
	if m.ZoomUUID != "" {
		return m.ZoomUUID
	}
	return strconv.FormatInt(m.ZoomMeetingID, 10)
}

// writeEvent upserts m's Event and records its id.
func (s *Service) writeEvent(ctx context.Context, m *sfzoom.Meeting, who, what string) error {
	sf, err := s.opts.Salesforce(ctx, m.OrgID)
	if err != nil {
		return err
	}
	id, _, err := sf.Upsert(ctx, salesforce.ObjectEvent, salesforce.FieldZoomMeetingID, EventExternalID(m), eventFields(m, who, what))
	if err != nil {
		return fmt.Errorf("scheduling: upsert event: %w", err)
	}
	if id != "" && id != m.SFEventID {
		if _, err := s.opts.Store.UpdateMeeting(ctx, m.OrgID, m.ID, sfzoom.MeetingUpdate{SFEventID: &id}); err != nil {
			return fmt.Errorf("scheduling: save event id: %w", err)
		}
		m.SFEventID = id
	}
	return nil
}

// WriteEvent runs an UpsertEventArgs job (with jobs.NewWorker).
func (s *Service) WriteEvent(ctx context.Context, args jobs.UpsertEventArgs) error {
	m, err := s.jobMeeting(ctx, args)
	if err != nil {
		return err
	}
	if args.OnlyIfMissing && m.SFEventID != "" {
		return nil
	}
	return s.writeEvent(ctx, m, args.WhoID, args.WhatID)
}

func (s *Service) jobMeeting(ctx context.Context, args jobs.UpsertEventArgs) (*sfzoom.Meeting, error) {
	if args.MeetingID != 0 {
		return s.opts.Store.FindMeetingByID(ctx, args.OrgID, args.MeetingID)
	}
	zid := args.ZoomMeetingID
	ms, _, err := s.opts.Store.FindMeetings(ctx, sfzoom.MeetingFilter{OrgID: args.OrgID, ZoomMeetingID: &zid, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, sfzoom.Errorf(sfzoom.ENOTFOUND, "Meeting %d not found.", zid)
	}
	return ms[0], nil
}

// Meetings returns the meetings of the record u is on, split into upcoming
// (not ended, soonest first) and past (most recent first), after checking u
// may read the record (the same check as Record), so a rep who can't see the
// record sees none of its meetings.
//
// Errors: EINVALID (unsupported object), ENOTFOUND (unknown or no access),
// EUNAUTHORIZED (Salesforce not connected), API errors.
func (s *Service) Meetings(ctx context.Context, u *sfzoom.User, object, id string) (upcoming, past []*sfzoom.Meeting, err error) {
	if _, err := s.checkAccess(ctx, u, object, id); err != nil {
		return nil, nil, err
	}
	id = salesforce.To18(id)
	ms, _, err := s.opts.Store.FindMeetings(ctx, sfzoom.MeetingFilter{OrgID: u.OrgID, RecordObject: &object, RecordID: &id, Limit: 200})
	if err != nil {
		return nil, nil, err
	}
	now := s.opts.Now()
	for _, m := range ms {
		if m.Past(now) {
			past = append([]*sfzoom.Meeting{m}, past...)
		} else {
			upcoming = append(upcoming, m)
		}
	}
	return upcoming, past, nil
}

// Upcoming returns u's own meetings that have not ended.
func (s *Service) Upcoming(ctx context.Context, u *sfzoom.User) ([]*sfzoom.Meeting, error) {
	after := s.opts.Now().Add(-24 * time.Hour)
	host := u.UserID
	ms, _, err := s.opts.Store.FindMeetings(ctx, sfzoom.MeetingFilter{OrgID: u.OrgID, HostSFUserID: &host, StartsAfter: &after, Limit: 100})
	if err != nil {
		return nil, err
	}
	now := s.opts.Now()
	out := ms[:0]
	for _, m := range ms {
		if m.Status != sfzoom.MeetingEnded && m.Status != sfzoom.MeetingCancelled && m.EndTime().After(now) {
			out = append(out, m)
		}
	}
	return out, nil
}

// ownMeeting loads a meeting u may change: the host, or an admin.
func (s *Service) ownMeeting(ctx context.Context, u *sfzoom.User, id int64) (*sfzoom.Meeting, error) {
	m, err := s.opts.Store.FindMeetingByID(ctx, u.OrgID, id)
	if err != nil {
		return nil, err
	}
	if m.HostSFUserID != u.UserID && !u.IsAdmin {
		return nil, sfzoom.Errorf(sfzoom.EFORBIDDEN, "Only the rep who scheduled this meeting (or an sfzoom admin) can change it.")
	}
	switch m.Status {
	case sfzoom.MeetingCancelled:
		return nil, sfzoom.Errorf(sfzoom.EINVALID, "This meeting has already been cancelled, so it can't be changed. Schedule a new one instead.")
	case sfzoom.MeetingEnded:
		return nil, sfzoom.Errorf(sfzoom.EINVALID, "This meeting has already ended, so it can't be changed. Schedule a new one instead.")
	}
	return m, nil
}

// ownMeetingAtZoom is ownMeeting with the Zoom client of its host.
func (s *Service) ownMeetingAtZoom(ctx context.Context, u *sfzoom.User, id int64) (*sfzoom.Meeting, ZoomMeetings, error) {
	m, err := s.ownMeeting(ctx, u, id)
	if err != nil {
		return nil, nil, err
	}
	zc, err := s.hostZoom(ctx, u, m)
	if err != nil {
		return nil, nil, err
	}
	return m, zc, nil
}

// hostZoom returns the Zoom client that acts for m's host: in user mode
// only the host's own Zoom connection may change the meeting (an admin's
// would act on the admin's account, where the meeting doesn't exist).
func (s *Service) hostZoom(ctx context.Context, u *sfzoom.User, m *sfzoom.Meeting) (ZoomMeetings, error) {
	zc, err := s.opts.Zoom(ctx, u.OrgID, m.HostSFUserID)
	if err != nil && s.opts.UserMode && m.HostSFUserID != u.UserID && sfzoom.ErrorCode(err) == sfzoom.EUNAUTHORIZED {
		// The message the integration gives ("connect your Zoom account")
		// would send the admin to connect their own account, which can't help.
		return nil, sfzoom.WrapError(sfzoom.EUNAUTHORIZED, err, "The rep who scheduled this meeting must reconnect Zoom (Connect Zoom, on the sfzoom home page) before it can be changed here.")
	}
	return zc, err
}

// Reschedule moves a meeting in Zoom and in its Salesforce Event.
func (s *Service) Reschedule(ctx context.Context, u *sfzoom.User, id int64, start time.Time, duration int) (*Result, error) {
	if start.Before(s.opts.Now().Add(-PastGrace)) {
		return nil, sfzoom.Errorf(sfzoom.EINVALID, "The new start time is in the past. Pick a time from now on.")
	}
	if duration < 1 || duration > MaxDuration {
		return nil, sfzoom.Errorf(sfzoom.EINVALID, "Enter a duration between 1 and %d minutes.", MaxDuration)
	}
	m, zc, err := s.ownMeetingAtZoom(ctx, u, id)
	if err != nil {
		return nil, err
	}
	t := zoom.NewTime(start.UTC())
	if err := zc.UpdateMeeting(ctx, m.ZoomMeetingID, &zoom.MeetingRequest{StartTime: &t, Duration: duration, Timezone: m.Timezone}); err != nil {
		return nil, err
	}
	st := start.UTC()
	m, err = s.opts.Store.UpdateMeeting(ctx, u.OrgID, id, sfzoom.MeetingUpdate{StartTime: &st, Duration: &duration})
	if err != nil {
		return nil, err
	}
	return s.afterChange(ctx, m), nil
}

// Cancel deletes the meeting at Zoom and marks its Event cancelled.
func (s *Service) Cancel(ctx context.Context, u *sfzoom.User, id int64) (*Result, error) {
	m, zc, err := s.ownMeetingAtZoom(ctx, u, id)
	if err != nil {
		return nil, err
	}
	if err := zc.DeleteMeeting(ctx, m.ZoomMeetingID); err != nil && !errors.Is(err, zoom.ErrNotFound) {
		return nil, err
	}
	status := sfzoom.MeetingCancelled
	m, err = s.opts.Store.UpdateMeeting(ctx, u.OrgID, id, sfzoom.MeetingUpdate{Status: &status})
	if err != nil {
		return nil, err
	}
	return s.afterChange(ctx, m), nil
}

// afterChange rewrites the Event (keeping its Who/What) or queues a retry.
func (s *Service) afterChange(ctx context.Context, m *sfzoom.Meeting) *Result {
	res := &Result{Meeting: m}
	if err := s.writeEvent(ctx, m, "", ""); err != nil {
		s.opts.Logger.WarnContext(ctx, "scheduling: event update failed; a job will retry", "org_id", m.OrgID, "meeting_id", m.ID, "err", err.Error())
		res.EventPending = true
		s.enqueueEvent(ctx, m, "", "")
	}
	return res
}

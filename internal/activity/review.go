package activity

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/riverqueue/river"

	"github.com/sfzoom/sfzoom/internal/jobs"
	"github.com/sfzoom/sfzoom/internal/salesforce"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// Candidate is a Contact or Lead an unmatched participant may be linked to.
type Candidate struct {
	ID      string
	Kind    string // sfzoom.MatchContact or sfzoom.MatchLead
	Name    string
	Email   string
	Company string // the Contact's Account name, or the Lead's company
}

// ReviewStore is what the review queue reads and writes.
type ReviewStore interface {
	FindUnmatched(ctx context.Context, orgID string, limit int) ([]*sfzoom.Attendee, error)
	LinkParticipant(ctx context.Context, orgID string, participantID int64, kind, sfRecordID string, cacheUntil time.Time) (*sfzoom.Attendee, error)
	FindActivityLog(ctx context.Context, orgID, meetingUUID string) (*sfzoom.ActivityLog, error)
}

// SalesforceFunc returns an org's integration Salesforce client.
type SalesforceFunc func(ctx context.Context, orgID string) (SalesforceAPI, error)

// ReviewOptions configure the review queue.
type ReviewOptions struct {
	Store      ReviewStore
	Salesforce SalesforceFunc
	// Enqueue, when set, re-logs the meeting after a link so the Event's
	// description and WhoId show the newly linked person.
	Enqueue Enqueuer
	// RelogDelay postpones that re-log a little, so linking several people
	// of one meeting in a row usually ends in one up-to-date write.
	RelogDelay time.Duration
	// CacheTTL is how long the cache trusts a hand link (default 90 days).
	CacheTTL time.Duration
	Logger   *slog.Logger
	Now      func() time.Time
}

// Review is the admin review queue: unmatched participants, a search for
// Contacts and Leads to link them to, and the link itself (which teaches
// the match cache).
type Review struct{ opts ReviewOptions }

// NewReview returns a review queue.
func NewReview(opts ReviewOptions) *Review {
	if opts.CacheTTL <= 0 {
		opts.CacheTTL = 90 * 24 * time.Hour
	}
	opts.Now = sfzoom.NowOrTimeNow(opts.Now)
	opts.Logger = sfzoom.LoggerOrDiscard(opts.Logger)
	return &Review{opts: opts}
}

// MaxQueue is how many unmatched participants the queue shows at once.
const MaxQueue = 200

// Queue returns the org's unmatched participants, newest first.
func (r *Review) Queue(ctx context.Context, orgID string) ([]*sfzoom.Attendee, error) {
	return r.opts.Store.FindUnmatched(ctx, orgID, MaxQueue)
}

// Search query bounds.
const (
	minSearch     = 2
	maxSearch     = 80
	maxCandidates = 10
)

// Search finds Contacts and unconverted Leads whose name or email contains
// q, in one Salesforce call (a read-only composite of two SOQL queries,
// made as the interactive user action it is), and keeps those userID (the
// admin searching) may read: the integration connection sees every record,
// the admin only what Salesforce shares with them (one UserRecordAccess
// query more). EINVALID for a query that is too short or too long.
func (r *Review) Search(ctx context.Context, orgID, userID, q string) ([]Candidate, error) {
	q = strings.TrimSpace(q)
	if n := utf8.RuneCountInString(q); n < minSearch || n > maxSearch {
		return nil, sfzoom.Errorf(sfzoom.EINVALID, "Type %d to %d characters of a name or email to search Contacts and Leads.", minSearch, maxSearch)
	}
	sf, err := r.opts.Salesforce(ctx, orgID)
	if err != nil {
		return nil, err
	}
	ctx = salesforce.WithPriority(ctx, salesforce.Interactive)
	// Contains escapes the user's %, _ and quotes: they match literally.
	byNameOrEmail := salesforce.Or(salesforce.Contains(salesforce.FieldName, q), salesforce.Contains(salesforce.FieldEmail, q))
	con, err := soqlStep("con", salesforce.Select(salesforce.FieldID, salesforce.FieldName, salesforce.FieldEmail, salesforce.FieldAccountName).
		From(salesforce.ObjectContact).Where(byNameOrEmail).OrderBy(salesforce.FieldName, salesforce.Asc).Limit(maxCandidates))
	if err != nil {
		return nil, err
	}
	lead, err := soqlStep("lead", salesforce.Select(salesforce.FieldID, salesforce.FieldName, salesforce.FieldEmail, salesforce.FieldCompany).
		From(salesforce.ObjectLead).Where(salesforce.And(salesforce.Eq(salesforce.FieldIsConverted, false), byNameOrEmail)).
		OrderBy(salesforce.FieldName, salesforce.Asc).Limit(maxCandidates))
	if err != nil {
		return nil, err
	}
	resps, err := sf.Composite(ctx, false, []salesforce.Subrequest{con, lead})
	if err != nil {
		return nil, fmt.Errorf("activity: search contacts and leads: %w", err)
	}
	var out []Candidate
	for _, resp := range resps {
		recs, err := records(resp)
		if err != nil {
			return nil, fmt.Errorf("activity: search %s: %w", resp.ReferenceID, err)
		}
		for _, rec := range recs {
			c := Candidate{ID: rec.ID(), Name: rec.String(salesforce.FieldName), Email: rec.String(salesforce.FieldEmail)}
			if resp.ReferenceID == "con" {
				c.Kind, c.Company = sfzoom.MatchContact, rec.String(salesforce.FieldAccountName)
			} else {
				c.Kind, c.Company = sfzoom.MatchLead, rec.String(salesforce.FieldCompany)
			}
			out = append(out, c)
		}
	}
	return readable(ctx, sf, userID, out)
}

// readable keeps the candidates userID may read. UserRecordAccess answers
// for up to 200 RecordIds per query
// (https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_userrecordaccess.htm);
// a search returns at most 2×maxCandidates, so one query.
func readable(ctx context.Context, sf SalesforceAPI, userID string, cands []Candidate) ([]Candidate, error) {
	if len(cands) == 0 {
		return cands, nil
	}
	ids := make([]string, len(cands))
	for i, c := range cands {
		ids[i] = c.ID
	}
	access, err := sf.RecordAccess(ctx, userID, ids)
	if err != nil {
		return nil, fmt.Errorf("activity: search access: %w", err)
	}
	out := cands[:0]
	for _, c := range cands {
		if access[salesforce.To18(c.ID)] {
			out = append(out, c)
		}
	}
	return out, nil
}

// RecordKind tells a Contact id (prefix 003) from a Lead id (00Q). It
// returns EINVALID, with what to paste instead, for anything else.
func RecordKind(id string) (string, error) {
	if !salesforce.ValidID(id) {
		return "", sfzoom.Errorf(sfzoom.EINVALID, "%q is not a Salesforce record id. Paste the 15- or 18-character id from the Contact's or Lead's URL, like 003… or 00Q….", clip(id, 40))
	}
	switch id[:3] {
	case "003":
		return sfzoom.MatchContact, nil
	case "00Q":
		return sfzoom.MatchLead, nil
	}
	return "", sfzoom.Errorf(sfzoom.EINVALID, "%s is not a Contact or Lead id: Contact ids start with 003 and Lead ids with 00Q. Open the person's record and copy the id from its URL.", id)
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// Link links an unmatched participant to the Contact or Lead recordID: it
// checks the id's form, that the record exists (one interactive call), then
// stores the link and teaches the match cache in one transaction, and
// finally asks for the meeting to be re-logged. EINVALID for a bad or
// unknown id; ENOTFOUND for a participant not in the org's queue.
func (r *Review) Link(ctx context.Context, orgID, userID string, participantID int64, recordID string) (*sfzoom.Attendee, *Candidate, error) {
	recordID = strings.TrimSpace(recordID)
	kind, err := RecordKind(recordID)
	if err != nil {
		return nil, nil, err
	}
	cand, err := r.find(ctx, orgID, userID, kind, recordID)
	if err != nil {
		return nil, nil, err
	}
	a, err := r.opts.Store.LinkParticipant(ctx, orgID, participantID, kind, cand.ID, r.opts.Now().Add(r.opts.CacheTTL))
	if err != nil {
		return nil, nil, err
	}
	r.relog(ctx, orgID, a)
	return a, cand, nil
}

// find reads the record, so a typo is caught before it reaches the Event.
func (r *Review) find(ctx context.Context, orgID, userID, kind, id string) (*Candidate, error) {
	sf, err := r.opts.Salesforce(ctx, orgID)
	if err != nil {
		return nil, err
	}
	ctx = salesforce.WithPriority(ctx, salesforce.Interactive)
	q := salesforce.Select(salesforce.FieldID, salesforce.FieldName, salesforce.FieldEmail, salesforce.FieldAccountName).
		From(salesforce.ObjectContact).Where(salesforce.Eq(salesforce.FieldID, id))
	label := "Contact"
	if kind == sfzoom.MatchLead {
		label = "Lead"
		q = salesforce.Select(salesforce.FieldID, salesforce.FieldName, salesforce.FieldEmail, salesforce.FieldCompany).
			From(salesforce.ObjectLead).Where(salesforce.Eq(salesforce.FieldID, id))
	}
	recs, err := sf.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("activity: find %s: %w", label, err)
	}
	if len(recs) == 0 {
		return nil, sfzoom.Errorf(sfzoom.EINVALID, "No %s with id %s exists in Salesforce (or the integration user cannot see it). Check the id, or search by name instead.", label, id)
	}
	// A pasted id is held to the same rule as a search result: the admin
	// links only records Salesforce shares with them, and the answer does
	// not say whether a hidden one exists.
	if ok, err := readable(ctx, sf, userID, []Candidate{{ID: recs[0].ID()}}); err != nil {
		return nil, err
	} else if len(ok) == 0 {
		return nil, sfzoom.Errorf(sfzoom.EINVALID, "No %s with id %s exists in Salesforce (or the integration user cannot see it). Check the id, or search by name instead.", label, id)
	}
	rec := recs[0]
	c := &Candidate{ID: rec.ID(), Kind: kind, Name: rec.String(salesforce.FieldName), Email: rec.String(salesforce.FieldEmail),
		Company: rec.String(salesforce.FieldAccountName)}
	if kind == sfzoom.MatchLead {
		c.Company = rec.String(salesforce.FieldCompany)
	}
	if c.ID == "" {
		c.ID = id
	}
	return c, nil
}

// relog enqueues a re-log of the linked participant's meeting. A failure is
// logged, not returned: the link is stored and the next log of the meeting
// (or an admin's retry) picks it up.
func (r *Review) relog(ctx context.Context, orgID string, a *sfzoom.Attendee) {
	if r.opts.Enqueue == nil || a.MeetingUUID == "" {
		return
	}
	// Only a logged meeting is re-logged: one never written has its job
	// still pending (or failed, with a retry button), which reads the link.
	l, err := r.opts.Store.FindActivityLog(ctx, orgID, a.MeetingUUID)
	if err != nil {
		if sfzoom.ErrorCode(err) != sfzoom.ENOTFOUND {
			r.opts.Logger.WarnContext(ctx, "activity: relink: find log", "org", orgID, "err", err.Error())
		}
		return
	}
	args := jobs.LogMeetingArgs{OrgID: orgID, ZoomMeetingID: l.ZoomMeetingID, MeetingUUID: a.MeetingUUID, Trigger: TriggerRelink}
	opts := &river.InsertOpts{}
	if r.opts.RelogDelay > 0 {
		opts.ScheduledAt = r.opts.Now().Add(r.opts.RelogDelay)
	}
	if _, err := r.opts.Enqueue.Insert(ctx, args, opts); err != nil {
		r.opts.Logger.WarnContext(ctx, "activity: relink: enqueue re-log", "org", orgID, "err", err.Error())
	}
}

package scheduling

import (
	"context"
	"fmt"

	"github.com/sfzoom/sfzoom/internal/salesforce"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// AttendanceStore reads what the post-meeting pipeline stored about who
// attended (internal/store.Activity).
type AttendanceStore interface {
	FindAttendanceByMeetings(ctx context.Context, orgID string, meetingIDs []int64) ([]*sfzoom.Attendee, error)
}

// Attendee is one person who attended a past meeting, as the viewer may see
// them.
type Attendee struct {
	Name, Email string
	Minutes     int
	// Kind is what the person matched: sfzoom.MatchContact, MatchLead,
	// MatchAccount, MatchInternal (the org's own people) or MatchUnmatched
	// (waiting in the admins' Review tab).
	Kind string
	// RecordID is the matched Contact, Lead or Account; empty when the
	// viewer may not read it (Hidden) or nothing matched.
	RecordID string
	// Hidden is true when the person matched a record Salesforce hides from
	// the viewer: they learn neither which record nor its type.
	Hidden bool
}

// Waiting reports whether the person waits in the Review tab.
func (a Attendee) Waiting() bool { return a.Kind == sfzoom.MatchUnmatched }

// Attendance returns who attended each of ms (meetings u may see, from
// Meetings), keyed by meeting id, in join order. A match to a record u may
// not read is shown as Hidden: the matched record ids are checked with
// UserRecordAccess in batches of 200 (salesforce.Client.RecordAccess), the
// same check the Schedule form applies to invitees. Without an
// AttendanceStore it returns nothing.
//
// Errors: EUNAUTHORIZED (Salesforce not connected), store and API errors.
func (s *Service) Attendance(ctx context.Context, u *sfzoom.User, ms []*sfzoom.Meeting) (map[int64][]Attendee, error) {
	if s.opts.Attendance == nil || len(ms) == 0 {
		return nil, nil
	}
	ids := make([]int64, 0, len(ms))
	for _, m := range ms {
		if m.OrgID == u.OrgID {
			ids = append(ids, m.ID)
		}
	}
	rows, err := s.opts.Attendance.FindAttendanceByMeetings(ctx, u.OrgID, ids)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	readable, err := s.readableMatches(ctx, u, rows)
	if err != nil {
		return nil, err
	}
	out := map[int64][]Attendee{}
	for _, r := range rows {
		out[r.MeetingID] = append(out[r.MeetingID], attendee(r, readable))
	}
	return out, nil
}

// readableMatches asks Salesforce which of the records rows matched u may
// read, keyed by 18-character id. With no matched record it asks nothing.
func (s *Service) readableMatches(ctx context.Context, u *sfzoom.User, rows []*sfzoom.Attendee) (map[string]bool, error) {
	var records []string
	for _, r := range rows {
		if matchedRecord(r) {
			records = append(records, r.SFRecordID)
		}
	}
	if len(records) == 0 {
		return map[string]bool{}, nil
	}
	_, readable, err := s.recordAccess(ctx, u, records, "attendee access")
	return readable, err
}

// recordAccess returns u's org's Salesforce client and which of ids u may
// read (one UserRecordAccess query), keyed by 18-character id; op names the
// lookup in errors.
func (s *Service) recordAccess(ctx context.Context, u *sfzoom.User, ids []string, op string) (Salesforce, map[string]bool, error) {
	sf, err := s.opts.Salesforce(ctx, u.OrgID)
	if err != nil {
		return nil, nil, err
	}
	readable, err := sf.RecordAccess(ctx, u.UserID, ids)
	if err != nil {
		return nil, nil, fmt.Errorf("scheduling: %s: %w", op, err)
	}
	return sf, readable, nil
}

// attendee is the stored row r as the viewer may see it: minutes rounded up,
// no match shown as waiting for review, and a match to a record the viewer
// may not read (not in readable) shown as Hidden, with neither its id nor its
// type.
func attendee(r *sfzoom.Attendee, readable map[string]bool) Attendee {
	a := Attendee{Name: r.Name, Email: r.Email, Minutes: (r.Duration + 59) / 60, Kind: r.Match}
	if a.Kind == "" {
		a.Kind = sfzoom.MatchUnmatched
	}
	if matchedRecord(r) {
		if readable[salesforce.To18(r.SFRecordID)] {
			a.RecordID = salesforce.To18(r.SFRecordID)
		} else {
			a.Kind, a.Hidden = "", true
		}
	}
	return a
}

func matchedRecord(a *sfzoom.Attendee) bool {
	switch a.Match {
	case sfzoom.MatchContact, sfzoom.MatchLead, sfzoom.MatchAccount:
		return salesforce.ValidID(a.SFRecordID)
	}
	return false
}

// RecordRef is the Salesforce record a meeting belongs to, as u may see it.
type RecordRef struct {
	Object, ID, Name string
}

// MeetingRecords names the records ms were scheduled from (one SOQL query
// per object type and one UserRecordAccess query for all), keyed by meeting
// id. A record u may no longer read, or that no longer exists, is left out.
//
// Errors: EUNAUTHORIZED (Salesforce not connected), API errors.
func (s *Service) MeetingRecords(ctx context.Context, u *sfzoom.User, ms []*sfzoom.Meeting) (map[int64]RecordRef, error) {
	byObject := map[string][]string{}
	var ids []string
	for _, m := range ms {
		if m.OrgID == u.OrgID && Supported(m.RecordObject) && salesforce.ValidID(m.RecordID) {
			byObject[m.RecordObject] = append(byObject[m.RecordObject], salesforce.To18(m.RecordID))
			ids = append(ids, m.RecordID)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	sf, readable, err := s.recordAccess(ctx, u, ids, "meeting records access")
	if err != nil {
		return nil, err
	}
	names, err := recordNames(ctx, sf, byObject, readable)
	if err != nil {
		return nil, err
	}
	out := map[int64]RecordRef{}
	for _, m := range ms {
		if name, ok := names[salesforce.To18(m.RecordID)]; ok && m.OrgID == u.OrgID {
			out[m.ID] = RecordRef{Object: m.RecordObject, ID: salesforce.To18(m.RecordID), Name: name}
		}
	}
	return out, nil
}

// recordNames queries the names of the records in byObject (18-character ids
// by object type) that readable says the viewer may read, one SOQL query per
// object type, keyed by 18-character id.
func recordNames(ctx context.Context, sf Salesforce, byObject map[string][]string, readable map[string]bool) (map[string]string, error) {
	names := map[string]string{}
	for object, oids := range byObject {
		var visible []string
		for _, id := range oids {
			if readable[id] {
				visible = append(visible, id)
			}
		}
		if len(visible) == 0 {
			continue
		}
		recs, err := sf.Query(ctx, salesforce.Select(salesforce.FieldID, salesforce.FieldName).
			From(salesforce.Object(object)).Where(salesforce.In(salesforce.FieldID, visible...)))
		if err != nil {
			return nil, fmt.Errorf("scheduling: meeting record names: %w", err)
		}
		for _, r := range recs {
			names[salesforce.To18(r.ID())] = r.String(salesforce.FieldName)
		}
	}
	return names, nil
}

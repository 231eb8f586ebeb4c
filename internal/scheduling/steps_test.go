package scheduling

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/zoom"
)

// TestPickInvitees pins the form's invitee choice: ids match the record's
// contacts in either the 15- or the 18-character form, the form's order is
// kept, and an id that is not a contact of the record is an invalid field.
func TestPickInvitees(t *testing.T) {
	rec := &Record{Invitees: []Invitee{
		{ContactID: "003000000000001AAA", Name: "Ada"},
		{ContactID: "003000000000002AAA", Name: "Bo"},
	}}
	tests := []struct {
		name    string
		ids     []string
		want    []string
		wantErr bool
	}{
		{name: "none", ids: nil, want: nil},
		{name: "18-character ids in form order", ids: []string{"003000000000002AAA", "003000000000001AAA"}, want: []string{"Bo", "Ada"}},
		{name: "15-character id", ids: []string{"003000000000001"}, want: []string{"Ada"}},
		{name: "not a contact of the record", ids: []string{"003000000000001AAA", "003000000000009AAA"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := pickInvitees(rec, tt.ids)
			if tt.wantErr {
				if sfzoom.ErrorCode(err) != sfzoom.EINVALID {
					t.Fatalf("pickInvitees(%v) error = %v, want an EINVALID field error", tt.ids, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("pickInvitees(%v): %v", tt.ids, err)
			}
			var names []string
			for _, inv := range got {
				names = append(names, inv.Name)
			}
			if diff := cmp.Diff(tt.want, names); diff != "" {
				t.Errorf("pickInvitees(%v) names (-want +got):\n%s", tt.ids, diff)
			}
		})
	}
}

// TestMeetingRequest pins the create-meeting body: an instant meeting has no
// start time and the row starts now; a scheduled one carries the form's
// start in UTC.
func TestMeetingRequest(t *testing.T) {
	now := time.Date(2026, 3, 2, 15, 4, 0, 0, time.UTC)
	start := time.Date(2026, 3, 9, 10, 0, 0, 0, time.FixedZone("CET", 3600))
	in := Input{Topic: "Demo", Duration: 30, Timezone: "Europe/Paris", Start: start}

	zr, got := meetingRequest(in, nil, now)
	if zr.Type != zoom.MeetingScheduled || zr.StartTime == nil || !zr.StartTime.Time.Equal(start) || zr.StartTime.Time.Location() != time.UTC {
		t.Errorf("scheduled: type %v start %v, want scheduled at %v in UTC", zr.Type, zr.StartTime, start.UTC())
	}
	if !got.Equal(start) {
		t.Errorf("scheduled: row start %v, want %v", got, start)
	}
	if zr.Topic != "Demo" || zr.Duration != 30 || zr.Timezone != "Europe/Paris" {
		t.Errorf("scheduled: body %+v lost the form's topic, duration or time zone", zr)
	}

	in.Instant = true
	zr, got = meetingRequest(in, nil, now)
	if zr.Type != zoom.MeetingInstant || zr.StartTime != nil {
		t.Errorf("instant: type %v start %v, want instant with no start time", zr.Type, zr.StartTime)
	}
	if !got.Equal(now) {
		t.Errorf("instant: row start %v, want now %v", got, now)
	}
}

// TestAttendee pins how a stored attendance row is shown to a viewer:
// minutes round up, no match waits for review, an internal match shows as
// is, and a match to a record the viewer may not read hides both the record
// and its type.
func TestAttendee(t *testing.T) {
	const contact15, contact18 = "003000000000001", "003000000000001AAA"
	readable := map[string]bool{contact18: true}
	tests := []struct {
		name string
		row  sfzoom.Attendee
		want Attendee
	}{
		{name: "readable contact by 15-character id",
			row:  sfzoom.Attendee{Participant: sfzoom.Participant{Name: "Ada", Email: "ada@example.com", Duration: 61, Match: sfzoom.MatchContact, SFRecordID: contact15}},
			want: Attendee{Name: "Ada", Email: "ada@example.com", Minutes: 2, Kind: sfzoom.MatchContact, RecordID: contact18}},
		{name: "hidden lead",
			row:  sfzoom.Attendee{Participant: sfzoom.Participant{Name: "Bo", Duration: 60, Match: sfzoom.MatchLead, SFRecordID: "00Q000000000001AAA"}},
			want: Attendee{Name: "Bo", Minutes: 1, Hidden: true}},
		{name: "no match waits for review",
			row:  sfzoom.Attendee{Participant: sfzoom.Participant{Name: "Cy", Duration: 0}},
			want: Attendee{Name: "Cy", Kind: sfzoom.MatchUnmatched}},
		{name: "internal person",
			row:  sfzoom.Attendee{Participant: sfzoom.Participant{Name: "Di", Duration: 1, Match: sfzoom.MatchInternal}},
			want: Attendee{Name: "Di", Minutes: 1, Kind: sfzoom.MatchInternal}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, attendee(&tt.row, readable)); diff != "" {
				t.Errorf("attendee (-want +got):\n%s", diff)
			}
		})
	}
}

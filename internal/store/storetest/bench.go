package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store"
)

// BenchmarkScale times the reads whose cost must not grow with the tables,
// each on a fresh store of a deployment some months in (20,000 meetings of
// 2,000 mapped users, or 20,000 stored deliveries), so a missing index shows
// as milliseconds (docs/performance.md): the routing lookup of every
// delivery, the setup checklist's webhook reads, a rep's Home page and a
// record page's attendance.
// open returns a fresh, migrated store with a job inserter.
func BenchmarkScale(b *testing.B, open func(testing.TB) store.Store) {
	b.Run("FindOrgForZoom", func(b *testing.B) { benchFindOrgForZoom(b, open(b), 20000, 2000) })
	b.Run("SetupWebhookReads", func(b *testing.B) { benchSetupWebhookReads(b, open(b), 20000) })
	b.Run("RepUpcoming", func(b *testing.B) { benchRepUpcoming(b, open(b), 20000, 2000) })
	b.Run("RecordAttendance", func(b *testing.B) { benchRecordAttendance(b, open(b), 4000, 5) })
}

// benchRecordAttendance times the attendance read of a record page (the
// participants of the record's listed meetings: FindAttendanceByMeetings)
// on a store holding meetings meetings of one org with perMeeting
// participants each. It must read those meetings' participants, not the
// whole org's.
func benchRecordAttendance(b *testing.B, s store.Store, meetings, perMeeting int) {
	ctx := context.Background()
	org := benchOrgs[0]
	for m := range meetings {
		ps := make([]*sfzoom.Participant, perMeeting)
		for p := range ps {
			ps[p] = &sfzoom.Participant{Name: fmt.Sprintf("Guest %d", p), Email: fmt.Sprintf("guest%d-%d@customer.example", m, p),
				JoinTime: benchStart.Add(time.Duration(m) * time.Hour), LeaveTime: benchStart.Add(time.Duration(m)*time.Hour + 30*time.Minute),
				Duration: 1800, Match: sfzoom.MatchUnmatched}
		}
		if err := s.SaveAttendance(ctx, org, fmt.Sprintf("uuid-%d==", m), int64(m+1), ps); err != nil {
			b.Fatalf("SaveAttendance: %v", err)
		}
	}
	listed := []int64{int64(meetings / 2), int64(meetings/2 + 1), int64(meetings/2 + 2)}
	for b.Loop() {
		as, err := s.FindAttendanceByMeetings(ctx, org, listed)
		if err != nil || len(as) != len(listed)*perMeeting {
			b.Fatalf("FindAttendanceByMeetings = %d attendees, %v; want %d", len(as), err, len(listed)*perMeeting)
		}
	}
}

// benchFindOrgForZoom times the routing lookup every Zoom delivery
// makes, on a store already holding meetings scheduled meetings and users
// mapped users spread over a few orgs (a deployment some months in): a
// meeting.ended for a meeting nobody scheduled through sfzoom, routed by
// its host's mapping. The lookup must stay an index search, whatever the
// size of the tables.
func benchFindOrgForZoom(b *testing.B, s store.Store, meetings, users int) {
	ctx := context.Background()
	seedDeployment(b, s, meetings, users)
	host, want := fmt.Sprintf("zoomUser%06d", users/2), benchOrgs[(users/2)%len(benchOrgs)]
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		got, err := s.FindOrgForZoom(ctx, 90_000_000_000+int64(i), host, "acct1")
		if err != nil || got != want {
			b.Fatalf("FindOrgForZoom = %q, %v; want %q", got, err, want)
		}
	}
}

// benchOrgs are the orgs seedDeployment spreads its rows over.
var benchOrgs = []string{"00D000000000001AAA", "00D000000000002AAA", "00D000000000003AAA", "00D000000000004AAA"}

// benchStart is when seedDeployment's first meeting starts; the others
// follow an hour apart.
var benchStart = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)

// seedDeployment stores meetings scheduled meetings, an hour apart, hosted
// in turn by users mapped users, spread over benchOrgs: user i is
// Salesforce user benchUser(i) and Zoom user zoomUser%06d.
func seedDeployment(b *testing.B, s store.Store, meetings, users int) {
	b.Helper()
	ctx := context.Background()
	for i := range meetings {
		m := &sfzoom.Meeting{OrgID: benchOrgs[i%len(benchOrgs)], ZoomMeetingID: 80_000_000_000 + int64(i),
			HostSFUserID: benchUser(i % users), HostZoomUserID: fmt.Sprintf("zoomUser%06d", i%users),
			Topic: "Pipeline review", StartTime: benchStart.Add(time.Duration(i) * time.Hour), Duration: 30,
			Timezone: "UTC", JoinURL: "https://zoom.us/j/1", Status: sfzoom.MeetingScheduled}
		if err := s.CreateMeeting(ctx, m); err != nil {
			b.Fatalf("CreateMeeting: %v", err)
		}
	}
	for i := range users {
		if err := s.UpsertUserMapping(ctx, &sfzoom.UserMapping{OrgID: benchOrgs[i%len(benchOrgs)], SFUserID: benchUser(i),
			SFEmail: fmt.Sprintf("rep%d@acme.example", i), SFName: fmt.Sprintf("Rep %d", i), ZoomEmail: fmt.Sprintf("rep%d@acme.example", i),
			ZoomUserID: fmt.Sprintf("zoomUser%06d", i), Source: sfzoom.MappingSourceEmail, Status: sfzoom.MappingMatched,
			VerifiedAt: benchStart}); err != nil {
			b.Fatalf("UpsertUserMapping: %v", err)
		}
	}
}

func benchUser(i int) string { return fmt.Sprintf("005%015d", i) }

// benchRepUpcoming times the read behind a rep's Home page (the rep's
// meetings starting after yesterday, at most 100: scheduling.Upcoming) on a
// store holding meetings meetings of users reps, most of them still to
// come. It must read the rep's meetings, not the whole org's.
func benchRepUpcoming(b *testing.B, s store.Store, meetings, users int) {
	ctx := context.Background()
	seedDeployment(b, s, meetings, users)
	host, org := benchUser(users/2), benchOrgs[(users/2)%len(benchOrgs)]
	after := benchStart.Add(-24 * time.Hour)
	for b.Loop() {
		ms, _, err := s.FindMeetings(ctx, sfzoom.MeetingFilter{OrgID: org, HostSFUserID: &host, StartsAfter: &after, Limit: 100})
		if err != nil || len(ms) == 0 {
			b.Fatalf("FindMeetings = %d meetings, %v", len(ms), err)
		}
	}
}

// benchSetupWebhookReads times the two reads of the setup checklist's
// webhook check (internal/setup) on a store holding deliveries deliveries of
// one busy org, received after Zoom last validated the endpoint: when Zoom
// last validated it, and the last delivery of a quiet org (none: the
// slowest answer to find). Both must stay index searches however many
// deliveries the retention period keeps.
func benchSetupWebhookReads(b *testing.B, s store.Store, deliveries int) {
	ctx := context.Background()
	const busy, quiet = "00D000000000001AAA", "00D000000000002AAA"
	validation := &sfzoom.WebhookEvent{DedupeKey: "endpoint.url_validation|bench", EventType: "endpoint.url_validation",
		Payload: []byte(`{"event":"endpoint.url_validation"}`)}
	if err := s.CreateWebhookEvent(ctx, validation); err != nil {
		b.Fatalf("CreateWebhookEvent: %v", err)
	}
	for i := range deliveries {
		uuid := fmt.Sprintf("uuid-%d==", i)
		if err := s.CreateWebhookEvent(ctx, &sfzoom.WebhookEvent{OrgID: busy, EventType: "meeting.ended", MeetingUUID: uuid,
			DedupeKey: sfzoom.WebhookDedupeKey("meeting.ended", uuid, "", int64(i)), EventTS: int64(i),
			Payload: []byte(`{"event":"meeting.ended"}`)}); err != nil {
			b.Fatalf("CreateWebhookEvent: %v", err)
		}
	}
	b.Run("LastValidation", func(b *testing.B) {
		for b.Loop() {
			if ev, err := s.LastOrgWebhookEvent(ctx, "", "endpoint.url_validation"); err != nil || ev.DedupeKey != validation.DedupeKey {
				b.Fatalf("LastOrgWebhookEvent(validation) = %v, %v", ev, err)
			}
		}
	})
	b.Run("QuietOrg", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.LastOrgWebhookEvent(ctx, quiet, ""); sfzoom.ErrorCode(err) != sfzoom.ENOTFOUND {
				b.Fatalf("LastOrgWebhookEvent(quiet org) = %v, want ENOTFOUND", err)
			}
		}
	})
	b.Run("BusyOrg", func(b *testing.B) {
		for b.Loop() {
			if ev, err := s.LastOrgWebhookEvent(ctx, busy, ""); err != nil || ev.OrgID != busy {
				b.Fatalf("LastOrgWebhookEvent(busy org) = %v, %v", ev, err)
			}
		}
	})
}

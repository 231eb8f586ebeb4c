// Package storetest is the conformance suite of store.Store. Every
// implementation runs Exercise against a fresh database, so the SQLite and
// Postgres stores are held to the same documented behaviour.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/riverqueue/river"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store"
)

// JobCounter is implemented by the stores that Exercise receives (usually a
// test wrapper around the real store) so the suite can see which River jobs
// committed with their rows.
type JobCounter interface {
	// CountJobs returns the number of River jobs of the given kind.
	CountJobs(ctx context.Context, kind string) (int, error)
}

// JobKind is the River kind of the jobs Exercise inserts.
const JobKind = "storetest_job"

// JobArgs are the River args of the jobs Exercise inserts.
type JobArgs struct {
	Ref string `json:"ref"`
}

// Kind implements river.JobArgs.
func (JobArgs) Kind() string { return JobKind }

// failingArgs cannot be encoded, so River refuses to insert them after the
// store has already written its row.
type failingArgs struct{}

func (failingArgs) Kind() string { return JobKind }

func (failingArgs) MarshalJSON() ([]byte, error) {
	return nil, errors.New("storetest: refuse to encode")
}

// Job returns a job for the suite's kind.
func Job(ref string) store.Job { return store.Job{Args: JobArgs{Ref: ref}} }

func failingJob() store.Job { return store.Job{Args: failingArgs{}} }

// Exercise runs the conformance suite. newStore must return an empty,
// migrated store whose clock is the real time.Now, which can insert River jobs
// and which implements JobCounter.
func Exercise(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("Health", func(t *testing.T) { testHealth(t, newStore) })
	t.Run("Org", func(t *testing.T) { testOrg(t, newStore) })
	t.Run("Meeting", func(t *testing.T) { testMeeting(t, newStore) })
	t.Run("WebhookEvent", func(t *testing.T) { testWebhookEvent(t, newStore) })
	t.Run("UserMapping", func(t *testing.T) { testUserMapping(t, newStore) })
	t.Run("Connection", func(t *testing.T) { testConnection(t, newStore) })
	t.Run("Token", func(t *testing.T) { testToken(t, newStore) })
	t.Run("Lease", func(t *testing.T) { testLease(t, newStore) })
	t.Run("MediaAudit", func(t *testing.T) { testMediaAudit(t, newStore) })
	t.Run("Scheduling", func(t *testing.T) { testScheduling(t, newStore) })
	t.Run("Activity", func(t *testing.T) { testActivity(t, newStore) })
	t.Run("Blocked", func(t *testing.T) { testBlocked(t, newStore) })
	t.Run("Routing", func(t *testing.T) { testRouting(t, newStore) })
}

// wantCode fails the test unless err carries the code.
func wantCode(t *testing.T, op string, err error, code string) {
	t.Helper()
	if got := sfzoom.ErrorCode(err); got != code {
		t.Fatalf("%s: error code = %q (%v), want %q", op, got, err, code)
	}
}

// WantUnavailable fails the test unless err is EUNAVAILABLE with a message
// that tells the user to try again: what a store call must answer when the
// database is down, full or read-only (a 503, so Zoom redelivers and a job
// retries), never "Internal error".
func WantUnavailable(t *testing.T, op string, err error) {
	t.Helper()
	wantCode(t, op, err, sfzoom.EUNAVAILABLE)
	if msg := sfzoom.ErrorMessage(err); !strings.Contains(msg, "Try again") {
		t.Errorf("%s: message %q does not say what to do", op, msg)
	}
}

// mustNoErr fails the test on err.
func mustNoErr(t *testing.T, op string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
}

// countJobs returns how many suite jobs the store's database holds.
// findCase is one row of a find table: a filter, the rows it finds and
// the total of the unpaged query.
type findCase[F, T any] struct {
	name  string
	f     F
	want  []T
	total int
}

// checkFind runs find (op, e.g. "FindMeetings") on each case's filter in a
// subtest and compares the rows and the total.
func checkFind[F, T any](t *testing.T, op string, find func(context.Context, F) ([]T, int, error), cases []findCase[F, T]) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			got, total, err := find(context.Background(), tt.f)
			mustNoErr(t, op, err)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s mismatch (-want +got):\n%s", op, diff)
			}
			if total != tt.total {
				t.Errorf("%s total = %d, want %d", op, total, tt.total)
			}
		})
	}
}

// winners runs try(0) … try(n-1) at once and counts the calls that won
// (returned true); an error fails the test.
func winners(t *testing.T, op string, n int, try func(i int) (bool, error)) int {
	t.Helper()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		wins int
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			won, err := try(i)
			if err != nil {
				t.Errorf("%s: %v", op, err)
				return
			}
			if won {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return wins
}

func countJobs(t *testing.T, s store.Store) int {
	t.Helper()
	jc, ok := s.(JobCounter)
	if !ok {
		t.Fatalf("store %T does not implement storetest.JobCounter", s)
	}
	n, err := jc.CountJobs(context.Background(), JobKind)
	mustNoErr(t, "CountJobs", err)
	return n
}

func testHealth(t *testing.T, newStore func(*testing.T) store.Store) {
	ctx := context.Background()
	s := newStore(t)
	mustNoErr(t, "Ping", s.Ping(ctx))
	mustNoErr(t, "CheckMigrations", s.CheckMigrations(ctx))
	for range 3 {
		mustNoErr(t, "CheckWrite", s.CheckWrite(ctx))
	}
	// The probe leaves nothing behind.
	if ev, err := s.LastWebhookEvent(ctx, ""); sfzoom.ErrorCode(err) != sfzoom.ENOTFOUND {
		t.Fatalf("after CheckWrite: LastWebhookEvent = %+v, %v; want ENOTFOUND", ev, err)
	}
}

func testOrg(t *testing.T, newStore func(*testing.T) store.Store) {
	ctx := context.Background()

	t.Run("OK", func(t *testing.T) {
		s := newStore(t)
		o := &sfzoom.Org{ID: "00D000000000001AAA", Name: "Acme", InstanceURL: "https://acme.my.salesforce.com"}
		mustNoErr(t, "UpsertOrg", s.UpsertOrg(ctx, o))
		if o.CreatedAt.IsZero() || o.UpdatedAt.IsZero() {
			t.Fatalf("UpsertOrg did not set timestamps: %+v", o)
		}
		got, err := s.FindOrgByID(ctx, o.ID)
		mustNoErr(t, "FindOrgByID", err)
		if diff := cmp.Diff(o, got); diff != "" {
			t.Fatalf("FindOrgByID mismatch (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(sfzoom.DefaultOrgSettings(), got.Settings); diff != "" {
			t.Fatalf("new org settings (-want +got):\n%s", diff)
		}
	})

	t.Run("UpsertKeepsSettings", func(t *testing.T) {
		s := newStore(t)
		o := &sfzoom.Org{ID: "00D000000000001AAA", Name: "Acme"}
		mustNoErr(t, "UpsertOrg", s.UpsertOrg(ctx, o))
		settings := sfzoom.OrgSettings{InternalDomains: []string{"acme.com"}, ActivityMode: sfzoom.ActivityModePlatformEvent}
		mustNoErr(t, "UpdateOrgSettings", s.UpdateOrgSettings(ctx, o.ID, settings))
		mustNoErr(t, "UpsertOrg", s.UpsertOrg(ctx, &sfzoom.Org{ID: o.ID, Name: "Acme Corp", InstanceURL: "https://new"}))
		got, err := s.FindOrgByID(ctx, o.ID)
		mustNoErr(t, "FindOrgByID", err)
		if got.Name != "Acme Corp" || got.InstanceURL != "https://new" {
			t.Fatalf("FindOrgByID = %+v, want the new name and URL", got)
		}
		if diff := cmp.Diff(settings, got.Settings); diff != "" {
			t.Fatalf("settings after upsert (-want +got):\n%s", diff)
		}
		// An upsert without an instance URL (nothing verified it) keeps
		// the stored one.
		mustNoErr(t, "UpsertOrg", s.UpsertOrg(ctx, &sfzoom.Org{ID: o.ID, Name: "Acme Corp"}))
		if got, err := s.FindOrgByID(ctx, o.ID); err != nil || got.InstanceURL != "https://new" {
			t.Fatalf("FindOrgByID after upsert without URL = %+v, %v; want the URL kept", got, err)
		}
	})

	// Every Canvas open upserts its org: one that changes nothing is not
	// written, and the caller still gets the stored org.
	t.Run("UnchangedUpsertWritesNothing", func(t *testing.T) {
		s := newStore(t)
		o := &sfzoom.Org{ID: "00D000000000001AAA", Name: "Acme", InstanceURL: "https://acme.my.salesforce.com"}
		mustNoErr(t, "UpsertOrg", s.UpsertOrg(ctx, o))
		for _, again := range []*sfzoom.Org{
			{ID: o.ID, Name: "Acme", InstanceURL: "https://acme.my.salesforce.com"},
			{ID: o.ID, Name: "Acme"}, // no verified URL: the stored one stands
		} {
			mustNoErr(t, "UpsertOrg", s.UpsertOrg(ctx, again))
			if diff := cmp.Diff(o, again); diff != "" {
				t.Fatalf("unchanged UpsertOrg returned (-first +now):\n%s", diff)
			}
		}
		got, err := s.FindOrgByID(ctx, o.ID)
		mustNoErr(t, "FindOrgByID", err)
		if !got.UpdatedAt.Equal(o.UpdatedAt) {
			t.Fatalf("UpdatedAt after unchanged upserts = %v, want %v (not written)", got.UpdatedAt, o.UpdatedAt)
		}
		renamed := &sfzoom.Org{ID: o.ID, Name: "Acme Corp"}
		mustNoErr(t, "UpsertOrg", s.UpsertOrg(ctx, renamed))
		if renamed.Name != "Acme Corp" || !renamed.UpdatedAt.After(o.UpdatedAt) || renamed.InstanceURL != o.InstanceURL {
			t.Fatalf("UpsertOrg with a new name = %+v, want it written (later UpdatedAt, URL kept)", renamed)
		}
	})

	// An unchanged upsert may be answered from memory (every Canvas open
	// makes one), but never with settings older than the last write.
	t.Run("UnchangedUpsertSeesSettingsWrite", func(t *testing.T) {
		s := newStore(t)
		o := &sfzoom.Org{ID: "00D000000000001AAA", Name: "Acme", InstanceURL: "https://acme.my.salesforce.com"}
		for range 2 {
			mustNoErr(t, "UpsertOrg", s.UpsertOrg(ctx, &sfzoom.Org{ID: o.ID, Name: o.Name, InstanceURL: o.InstanceURL}))
		}
		for _, domains := range [][]string{{"acme.com"}, {"acme.com", "acme.io"}} {
			settings := sfzoom.OrgSettings{InternalDomains: domains, ActivityMode: sfzoom.ActivityModePlatformEvent}
			mustNoErr(t, "UpdateOrgSettings", s.UpdateOrgSettings(ctx, o.ID, settings))
			// Each returned org is the caller's own: changing it changes
			// nothing a later upsert returns.
			for range 3 {
				again := &sfzoom.Org{ID: o.ID, Name: o.Name, InstanceURL: o.InstanceURL}
				mustNoErr(t, "UpsertOrg", s.UpsertOrg(ctx, again))
				if diff := cmp.Diff(settings, again.Settings); diff != "" {
					t.Fatalf("UpsertOrg after UpdateOrgSettings: settings (-written +returned):\n%s", diff)
				}
				again.Settings.InternalDomains[0] = "changed.example"
			}
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		s := newStore(t)
		_, err := s.FindOrgByID(ctx, "00Dmissing")
		wantCode(t, "FindOrgByID", err, sfzoom.ENOTFOUND)
		err = s.UpdateOrgSettings(ctx, "00Dmissing", sfzoom.DefaultOrgSettings())
		wantCode(t, "UpdateOrgSettings", err, sfzoom.ENOTFOUND)
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		s := newStore(t)
		mustNoErr(t, "UpsertOrg", s.UpsertOrg(ctx, &sfzoom.Org{ID: "00D1"}))
		err := s.UpdateOrgSettings(ctx, "00D1", sfzoom.OrgSettings{ActivityMode: "carrier pigeon"})
		wantCode(t, "UpdateOrgSettings", err, sfzoom.EINVALID)
		err = s.UpdateOrgSettings(ctx, "00D1", sfzoom.OrgSettings{ActivityMode: sfzoom.ActivityModeDirect, InternalDomains: []string{"not a domain"}})
		wantCode(t, "UpdateOrgSettings", err, sfzoom.EINVALID)
	})
}

// newMeeting returns a valid meeting for org.
func newMeeting(org string, zoomID int64, key string, start time.Time) *sfzoom.Meeting {
	return &sfzoom.Meeting{
		OrgID: org, ZoomMeetingID: zoomID, ZoomUUID: fmt.Sprintf("uuid-%d==", zoomID),
		HostSFUserID: "005A", HostZoomUserID: "zA", RecordObject: sfzoom.ObjectOpportunity, RecordID: "006A",
		Topic: "Demo", Agenda: "Agenda", StartTime: start, Duration: 30, Timezone: "Europe/Paris",
		JoinURL: "https://zoom.us/j/1", Status: sfzoom.MeetingScheduled, IdempotencyKey: key,
		Settings: sfzoom.MeetingSettings{WaitingRoom: true, AutoRecordingCloud: true},
	}
}

func testMeeting(t *testing.T, newStore func(*testing.T) store.Store) {
	ctx := context.Background()
	start := time.Date(2026, 3, 1, 15, 0, 0, 123456000, time.UTC)

	t.Run("OK", func(t *testing.T) {
		s := newStore(t)
		m := newMeeting("orgA", 111, "key-1", start.In(time.FixedZone("CET", 3600)))
		mustNoErr(t, "CreateMeeting", s.CreateMeeting(ctx, m, Job("m1")))
		if m.ID == 0 || m.CreatedAt.IsZero() || m.UpdatedAt.IsZero() {
			t.Fatalf("CreateMeeting did not set id and timestamps: %+v", m)
		}
		got, err := s.FindMeetingByID(ctx, "orgA", m.ID)
		mustNoErr(t, "FindMeetingByID", err)
		if !got.StartTime.Equal(start) || got.StartTime.Location() != time.UTC {
			t.Fatalf("StartTime = %v, want %v in UTC", got.StartTime, start)
		}
		if diff := cmp.Diff(m, got); diff != "" {
			t.Fatalf("FindMeetingByID mismatch (-want +got):\n%s", diff)
		}
		if n := countJobs(t, s); n != 1 {
			t.Fatalf("jobs after CreateMeeting = %d, want 1", n)
		}
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		s := newStore(t)
		wantCode(t, "CreateMeeting", s.CreateMeeting(ctx, newMeeting("", 1, "", start)), sfzoom.EINVALID)
		wantCode(t, "CreateMeeting", s.CreateMeeting(ctx, newMeeting("orgA", 0, "", start)), sfzoom.EINVALID)
		_, _, err := s.FindMeetings(ctx, sfzoom.MeetingFilter{})
		wantCode(t, "FindMeetings without org", err, sfzoom.EINVALID)
	})

	t.Run("ErrConflict", func(t *testing.T) {
		tests := []struct {
			name   string
			second *sfzoom.Meeting
			code   string
		}{
			{"SameIdempotencyKey", newMeeting("orgA", 222, "key-1", start), sfzoom.ECONFLICT},
			{"SameZoomMeetingID", newMeeting("orgA", 111, "key-2", start), sfzoom.ECONFLICT},
			{"SameZoomMeetingIDNoKey", newMeeting("orgA", 111, "", start), sfzoom.ECONFLICT},
			{"OtherOrgSameKeys", newMeeting("orgB", 111, "key-1", start), ""},
			{"EmptyKeysDoNotCollide", newMeeting("orgA", 333, "", start), ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				s := newStore(t)
				mustNoErr(t, "CreateMeeting", s.CreateMeeting(ctx, newMeeting("orgA", 111, "key-1", start)))
				if tt.name == "EmptyKeysDoNotCollide" {
					mustNoErr(t, "CreateMeeting", s.CreateMeeting(ctx, newMeeting("orgA", 444, "", start)))
				}
				err := s.CreateMeeting(ctx, tt.second, Job("dup"))
				wantCode(t, "CreateMeeting", err, tt.code)
				wantJobs := 1
				if tt.code != "" {
					wantJobs = 0
					if tt.second.ID != 0 {
						t.Fatalf("CreateMeeting set ID %d on conflict", tt.second.ID)
					}
				}
				if n := countJobs(t, s); n != wantJobs {
					t.Fatalf("jobs = %d, want %d", n, wantJobs)
				}
			})
		}
	})

	t.Run("FailingJobRollsBack", func(t *testing.T) {
		s := newStore(t)
		err := s.CreateMeeting(ctx, newMeeting("orgA", 111, "key-1", start), Job("ok"), failingJob())
		if err == nil {
			t.Fatal("CreateMeeting with a failing job succeeded")
		}
		_, n, err := s.FindMeetings(ctx, sfzoom.MeetingFilter{OrgID: "orgA"})
		mustNoErr(t, "FindMeetings", err)
		if n != 0 {
			t.Fatalf("meetings after failed job insert = %d, want 0", n)
		}
		if n := countJobs(t, s); n != 0 {
			t.Fatalf("jobs after failed job insert = %d, want 0", n)
		}
		// The keys are free again.
		mustNoErr(t, "CreateMeeting", s.CreateMeeting(ctx, newMeeting("orgA", 111, "key-1", start)))
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		s := newStore(t)
		m := newMeeting("orgA", 111, "", start)
		mustNoErr(t, "CreateMeeting", s.CreateMeeting(ctx, m))
		_, err := s.FindMeetingByID(ctx, "orgA", m.ID+100)
		wantCode(t, "FindMeetingByID", err, sfzoom.ENOTFOUND)
		// Another org cannot see it.
		_, err = s.FindMeetingByID(ctx, "orgB", m.ID)
		wantCode(t, "FindMeetingByID(other org)", err, sfzoom.ENOTFOUND)
		topic := "hijack"
		_, err = s.UpdateMeeting(ctx, "orgB", m.ID, sfzoom.MeetingUpdate{Topic: &topic})
		wantCode(t, "UpdateMeeting(other org)", err, sfzoom.ENOTFOUND)
		got, err := s.FindMeetingByID(ctx, "orgA", m.ID)
		mustNoErr(t, "FindMeetingByID", err)
		if got.Topic != m.Topic {
			t.Fatalf("Topic = %q after another org's update, want %q", got.Topic, m.Topic)
		}
	})

	t.Run("FindMeetings", func(t *testing.T) {
		s := newStore(t)
		// Inserted out of order to check the ordering by start time.
		m3 := newMeeting("orgA", 3, "k3", start.Add(2*time.Hour))
		m1 := newMeeting("orgA", 1, "k1", start)
		m2 := newMeeting("orgA", 2, "k2", start.Add(time.Hour))
		m2.RecordObject, m2.RecordID, m2.Status, m2.HostSFUserID = sfzoom.ObjectContact, "003B", sfzoom.MeetingEnded, "005B"
		other := newMeeting("orgB", 1, "k1", start)
		for _, m := range []*sfzoom.Meeting{m3, m1, m2, other} {
			mustNoErr(t, "CreateMeeting", s.CreateMeeting(ctx, m))
		}
		ptr := func(s string) *string { return &s }
		status := func(s sfzoom.MeetingStatus) *sfzoom.MeetingStatus { return &s }
		zid := int64(3)
		after := start.Add(30 * time.Minute)
		checkFind(t, "FindMeetings", s.FindMeetings, []findCase[sfzoom.MeetingFilter, *sfzoom.Meeting]{
			{"All", sfzoom.MeetingFilter{OrgID: "orgA"}, []*sfzoom.Meeting{m1, m2, m3}, 3},
			{"OtherOrg", sfzoom.MeetingFilter{OrgID: "orgB"}, []*sfzoom.Meeting{other}, 1},
			{"UnknownOrg", sfzoom.MeetingFilter{OrgID: "orgC"}, nil, 0},
			{"Record", sfzoom.MeetingFilter{OrgID: "orgA", RecordObject: ptr(sfzoom.ObjectContact), RecordID: ptr("003B")}, []*sfzoom.Meeting{m2}, 1},
			{"Status", sfzoom.MeetingFilter{OrgID: "orgA", Status: status(sfzoom.MeetingScheduled)}, []*sfzoom.Meeting{m1, m3}, 2},
			{"Host", sfzoom.MeetingFilter{OrgID: "orgA", HostSFUserID: ptr("005B")}, []*sfzoom.Meeting{m2}, 1},
			{"ZoomMeetingID", sfzoom.MeetingFilter{OrgID: "orgA", ZoomMeetingID: &zid}, []*sfzoom.Meeting{m3}, 1},
			{"IdempotencyKey", sfzoom.MeetingFilter{OrgID: "orgA", IdempotencyKey: ptr("k1")}, []*sfzoom.Meeting{m1}, 1},
			{"StartsAfter", sfzoom.MeetingFilter{OrgID: "orgA", StartsAfter: &after}, []*sfzoom.Meeting{m2, m3}, 2},
			{"Limit", sfzoom.MeetingFilter{OrgID: "orgA", Limit: 2}, []*sfzoom.Meeting{m1, m2}, 3},
			{"Offset", sfzoom.MeetingFilter{OrgID: "orgA", Offset: 1, Limit: 1}, []*sfzoom.Meeting{m2}, 3},
			{"OffsetPastEnd", sfzoom.MeetingFilter{OrgID: "orgA", Offset: 10, Limit: 5}, nil, 3},
			{"OffsetWithoutLimit", sfzoom.MeetingFilter{OrgID: "orgA", Offset: 1}, []*sfzoom.Meeting{m2, m3}, 3},
		})
	})

	t.Run("Update", func(t *testing.T) {
		s := newStore(t)
		m := newMeeting("orgA", 111, "", start)
		mustNoErr(t, "CreateMeeting", s.CreateMeeting(ctx, m))
		status, event, newStart := sfzoom.MeetingEnded, "00U1", start.Add(time.Hour)
		got, err := s.UpdateMeeting(ctx, "orgA", m.ID, sfzoom.MeetingUpdate{Status: &status, SFEventID: &event, StartTime: &newStart}, Job("u1"), Job("u2"))
		mustNoErr(t, "UpdateMeeting", err)
		want := *m
		want.Status, want.SFEventID, want.StartTime, want.UpdatedAt = status, event, newStart, got.UpdatedAt
		if diff := cmp.Diff(&want, got); diff != "" {
			t.Fatalf("UpdateMeeting mismatch (-want +got):\n%s", diff)
		}
		found, err := s.FindMeetingByID(ctx, "orgA", m.ID)
		mustNoErr(t, "FindMeetingByID", err)
		if diff := cmp.Diff(got, found); diff != "" {
			t.Fatalf("FindMeetingByID after update (-want +got):\n%s", diff)
		}
		if n := countJobs(t, s); n != 2 {
			t.Fatalf("jobs after UpdateMeeting = %d, want 2", n)
		}
		_, err = s.UpdateMeeting(ctx, "orgA", m.ID+100, sfzoom.MeetingUpdate{Status: &status})
		wantCode(t, "UpdateMeeting(missing)", err, sfzoom.ENOTFOUND)

		topic := "rolled back"
		_, err = s.UpdateMeeting(ctx, "orgA", m.ID, sfzoom.MeetingUpdate{Topic: &topic}, failingJob())
		if err == nil {
			t.Fatal("UpdateMeeting with a failing job succeeded")
		}
		found, err = s.FindMeetingByID(ctx, "orgA", m.ID)
		mustNoErr(t, "FindMeetingByID", err)
		if found.Topic != m.Topic {
			t.Fatalf("Topic = %q after a failed update, want %q", found.Topic, m.Topic)
		}
	})
}

func newEvent(key string, at time.Time) *sfzoom.WebhookEvent {
	return &sfzoom.WebhookEvent{
		OrgID: "orgA", DedupeKey: key, EventType: "meeting.ended", MeetingUUID: "u==",
		EventTS: 1700000000000, Payload: []byte(`{"event":"meeting.ended"}`), ReceivedAt: at,
	}
}

func testWebhookEvent(t *testing.T, newStore func(*testing.T) store.Store) {
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 16, 0, 0, 5000, time.UTC)

	t.Run("OK", func(t *testing.T) {
		s := newStore(t)
		ev := newEvent("k1", at)
		mustNoErr(t, "CreateWebhookEvent", s.CreateWebhookEvent(ctx, ev, Job("w1")))
		if ev.ID == 0 {
			t.Fatal("CreateWebhookEvent did not set ID")
		}
		got, err := s.FindWebhookEventByID(ctx, ev.ID)
		mustNoErr(t, "FindWebhookEventByID", err)
		if diff := cmp.Diff(ev, got); diff != "" {
			t.Fatalf("FindWebhookEventByID mismatch (-want +got):\n%s", diff)
		}
		byKey, err := s.FindWebhookEventByDedupeKey(ctx, "k1")
		mustNoErr(t, "FindWebhookEventByDedupeKey", err)
		if diff := cmp.Diff(ev, byKey); diff != "" {
			t.Fatalf("FindWebhookEventByDedupeKey mismatch (-want +got):\n%s", diff)
		}
		_, err = s.FindWebhookEventByDedupeKey(ctx, "k2")
		wantCode(t, "FindWebhookEventByDedupeKey unknown", err, sfzoom.ENOTFOUND)
		if n := countJobs(t, s); n != 1 {
			t.Fatalf("jobs = %d, want 1", n)
		}
	})

	t.Run("LastWebhookEventPerOrg", func(t *testing.T) {
		// An org's Health tab shows its own last delivery, never a newer
		// one of another org (or of no org yet).
		s := newStore(t)
		a1 := newEvent("a1", at)
		a2 := newEvent("a2", at.Add(time.Minute))
		b1 := newEvent("b1", at.Add(2*time.Minute))
		b1.OrgID = "orgB"
		none := newEvent("n1", at.Add(3*time.Minute))
		none.OrgID = ""
		for _, ev := range []*sfzoom.WebhookEvent{a1, a2, b1, none} {
			mustNoErr(t, "CreateWebhookEvent", s.CreateWebhookEvent(ctx, ev))
		}
		for _, tt := range []struct {
			org  string
			want int64
		}{{"orgA", a2.ID}, {"orgB", b1.ID}} {
			got, err := s.LastWebhookEvent(ctx, tt.org)
			mustNoErr(t, "LastWebhookEvent", err)
			if got.ID != tt.want || got.OrgID != tt.org {
				t.Fatalf("LastWebhookEvent(%s) = event %d of %q, want %d", tt.org, got.ID, got.OrgID, tt.want)
			}
		}
		_, err := s.LastWebhookEvent(ctx, "orgC")
		wantCode(t, "LastWebhookEvent(orgC)", err, sfzoom.ENOTFOUND)
	})

	t.Run("ReceivedAtDefaultsToNow", func(t *testing.T) {
		s := newStore(t)
		before := time.Now().Add(-time.Second)
		ev := newEvent("k1", time.Time{})
		mustNoErr(t, "CreateWebhookEvent", s.CreateWebhookEvent(ctx, ev))
		if ev.ReceivedAt.Before(before) || ev.ReceivedAt.After(time.Now().Add(time.Second)) {
			t.Fatalf("ReceivedAt = %v, want about now", ev.ReceivedAt)
		}
	})

	t.Run("DuplicateInsertsNoJob", func(t *testing.T) {
		s := newStore(t)
		mustNoErr(t, "CreateWebhookEvent", s.CreateWebhookEvent(ctx, newEvent("k1", at), Job("first")))
		dup := newEvent("k1", at.Add(time.Second))
		err := s.CreateWebhookEvent(ctx, dup, Job("second"), Job("third"))
		wantCode(t, "CreateWebhookEvent(duplicate)", err, sfzoom.ECONFLICT)
		if dup.ID != 0 {
			t.Fatalf("duplicate got ID %d", dup.ID)
		}
		if n := countJobs(t, s); n != 1 {
			t.Fatalf("jobs after duplicate = %d, want 1", n)
		}
	})

	t.Run("FailingJobRollsBack", func(t *testing.T) {
		s := newStore(t)
		err := s.CreateWebhookEvent(ctx, newEvent("k1", at), Job("ok"), failingJob())
		if err == nil {
			t.Fatal("CreateWebhookEvent with a failing job succeeded")
		}
		_, err = s.LastWebhookEvent(ctx, "orgA")
		wantCode(t, "LastWebhookEvent", err, sfzoom.ENOTFOUND)
		if n := countJobs(t, s); n != 0 {
			t.Fatalf("jobs = %d, want 0", n)
		}
		// A retried delivery is not mistaken for a duplicate.
		mustNoErr(t, "CreateWebhookEvent(retry)", s.CreateWebhookEvent(ctx, newEvent("k1", at), Job("ok")))
		if n := countJobs(t, s); n != 1 {
			t.Fatalf("jobs after retry = %d, want 1", n)
		}
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		s := newStore(t)
		wantCode(t, "CreateWebhookEvent", s.CreateWebhookEvent(ctx, newEvent("", at)), sfzoom.EINVALID)
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		s := newStore(t)
		_, err := s.FindWebhookEventByID(ctx, 42)
		wantCode(t, "FindWebhookEventByID", err, sfzoom.ENOTFOUND)
		wantCode(t, "MarkWebhookEventProcessed", s.MarkWebhookEventProcessed(ctx, 42, at), sfzoom.ENOTFOUND)
		_, err = s.LastWebhookEvent(ctx, "orgA")
		wantCode(t, "LastWebhookEvent", err, sfzoom.ENOTFOUND)
	})

	t.Run("MarkProcessed", func(t *testing.T) {
		s := newStore(t)
		ev := newEvent("k1", at)
		mustNoErr(t, "CreateWebhookEvent", s.CreateWebhookEvent(ctx, ev))
		done := at.Add(time.Minute)
		mustNoErr(t, "MarkWebhookEventProcessed", s.MarkWebhookEventProcessed(ctx, ev.ID, done))
		got, err := s.FindWebhookEventByID(ctx, ev.ID)
		mustNoErr(t, "FindWebhookEventByID", err)
		if got.ProcessedAt == nil || !got.ProcessedAt.Equal(done) {
			t.Fatalf("ProcessedAt = %v, want %v", got.ProcessedAt, done)
		}
	})

	t.Run("Last", func(t *testing.T) {
		s := newStore(t)
		for i, key := range []string{"k2", "k3", "k1"} {
			// k3 is received last although it is not inserted last.
			received := at.Add(time.Duration([]int{1, 3, 2}[i]) * time.Second)
			mustNoErr(t, "CreateWebhookEvent", s.CreateWebhookEvent(ctx, newEvent(key, received)))
		}
		got, err := s.LastWebhookEvent(ctx, "orgA")
		mustNoErr(t, "LastWebhookEvent", err)
		if got.DedupeKey != "k3" {
			t.Fatalf("LastWebhookEvent = %q, want k3", got.DedupeKey)
		}
	})

	t.Run("LastOfOrg", func(t *testing.T) {
		s := newStore(t)
		for i, e := range []struct{ key, org, typ string }{
			{"a1", "orgA", "meeting.ended"}, {"b1", "orgB", "meeting.ended"}, {"a2", "orgA", "recording.completed"},
			{"v1", "", "endpoint.url_validation"}, {"b2", "orgB", "meeting.started"},
		} {
			ev := newEvent(e.key, at.Add(time.Duration(i)*time.Second))
			ev.OrgID, ev.EventType = e.org, e.typ
			mustNoErr(t, "CreateWebhookEvent", s.CreateWebhookEvent(ctx, ev))
		}
		for _, tc := range []struct{ org, typ, want string }{
			{"orgA", "", "a2"}, {"orgA", "meeting.ended", "a1"}, {"orgB", "", "b2"}, {"", "", "v1"},
			{"", "endpoint.url_validation", "v1"},
		} {
			got, err := s.LastOrgWebhookEvent(ctx, tc.org, tc.typ)
			mustNoErr(t, "LastOrgWebhookEvent", err)
			if got.DedupeKey != tc.want {
				t.Errorf("LastOrgWebhookEvent(%q, %q) = %q, want %q", tc.org, tc.typ, got.DedupeKey, tc.want)
			}
		}
		_, err := s.LastOrgWebhookEvent(ctx, "orgC", "")
		wantCode(t, "LastOrgWebhookEvent(orgC)", err, sfzoom.ENOTFOUND)
		_, err = s.LastOrgWebhookEvent(ctx, "orgB", "recording.completed")
		wantCode(t, "LastOrgWebhookEvent(orgB, recording.completed)", err, sfzoom.ENOTFOUND)
	})

	t.Run("DeleteBefore", func(t *testing.T) {
		s := newStore(t)
		// 1,203 old deliveries (more than one delete batch) and 2 recent ones.
		old := at.Add(-40 * 24 * time.Hour)
		var keep []int64
		for i := range 1205 {
			received := old.Add(time.Duration(i) * time.Second)
			if i >= 1203 {
				received = at.Add(time.Duration(i) * time.Second)
			}
			ev := newEvent(fmt.Sprintf("k%d", i), received)
			mustNoErr(t, "CreateWebhookEvent", s.CreateWebhookEvent(ctx, ev))
			if i >= 1203 {
				keep = append(keep, ev.ID)
			}
		}
		// The cutoff itself is kept: only deliveries received before it go.
		cutoff := at.Add(1203 * time.Second)
		n, err := s.DeleteWebhookEventsBefore(ctx, cutoff)
		mustNoErr(t, "DeleteWebhookEventsBefore", err)
		if n != 1203 {
			t.Fatalf("DeleteWebhookEventsBefore deleted %d, want 1203", n)
		}
		for _, id := range keep {
			if _, err := s.FindWebhookEventByID(ctx, id); err != nil {
				t.Fatalf("recent event %d deleted: %v", id, err)
			}
		}
		got, err := s.LastWebhookEvent(ctx, "orgA")
		mustNoErr(t, "LastWebhookEvent", err)
		if got.ID != keep[1] {
			t.Fatalf("LastWebhookEvent = %d, want %d", got.ID, keep[1])
		}
		// Nothing left to prune: a second pass deletes nothing.
		if n, err := s.DeleteWebhookEventsBefore(ctx, cutoff); err != nil || n != 0 {
			t.Fatalf("second DeleteWebhookEventsBefore = %d, %v; want 0, nil", n, err)
		}
		// A pruned dedupe key is free again (Zoom stopped retrying long ago).
		mustNoErr(t, "CreateWebhookEvent(k0 again)", s.CreateWebhookEvent(ctx, newEvent("k0", at)))
	})
}

func testUserMapping(t *testing.T, newStore func(*testing.T) store.Store) {
	ctx := context.Background()
	verified := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	mapping := func(org, user, name, status string) *sfzoom.UserMapping {
		return &sfzoom.UserMapping{
			OrgID: org, SFUserID: user, SFEmail: user + "@acme.com", SFName: name, ZoomEmail: user + "@acme.com",
			ZoomUserID: "z" + user, Source: sfzoom.MappingSourceEmail, Status: status, VerifiedAt: verified,
		}
	}

	t.Run("UpsertAndFind", func(t *testing.T) {
		s := newStore(t)
		m := mapping("orgA", "005A", "Alice", sfzoom.MappingMatched)
		mustNoErr(t, "UpsertUserMapping", s.UpsertUserMapping(ctx, m))
		got, err := s.FindUserMapping(ctx, "orgA", "005A")
		mustNoErr(t, "FindUserMapping", err)
		if diff := cmp.Diff(m, got); diff != "" {
			t.Fatalf("FindUserMapping mismatch (-want +got):\n%s", diff)
		}
		// Replace: every field takes the new value, including a cleared time.
		repl := &sfzoom.UserMapping{OrgID: "orgA", SFUserID: "005A", SFName: "Alice B", Status: sfzoom.MappingUnmatched, Detail: "no Zoom user"}
		mustNoErr(t, "UpsertUserMapping", s.UpsertUserMapping(ctx, repl))
		got, err = s.FindUserMapping(ctx, "orgA", "005A")
		mustNoErr(t, "FindUserMapping", err)
		if diff := cmp.Diff(repl, got); diff != "" {
			t.Fatalf("FindUserMapping after replace (-want +got):\n%s", diff)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		s := newStore(t)
		mustNoErr(t, "UpsertUserMapping", s.UpsertUserMapping(ctx, mapping("orgA", "005A", "Alice", sfzoom.MappingMatched)))
		_, err := s.FindUserMapping(ctx, "orgA", "005Z")
		wantCode(t, "FindUserMapping", err, sfzoom.ENOTFOUND)
		_, err = s.FindUserMapping(ctx, "orgB", "005A")
		wantCode(t, "FindUserMapping(other org)", err, sfzoom.ENOTFOUND)
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		s := newStore(t)
		wantCode(t, "UpsertUserMapping", s.UpsertUserMapping(ctx, &sfzoom.UserMapping{SFUserID: "005A"}), sfzoom.EINVALID)
		_, _, err := s.FindUserMappings(ctx, sfzoom.UserMappingFilter{})
		wantCode(t, "FindUserMappings without org", err, sfzoom.EINVALID)
	})

	t.Run("FindUserMappings", func(t *testing.T) {
		s := newStore(t)
		carol := mapping("orgA", "005C", "Carol", sfzoom.MappingMatched)
		alice := mapping("orgA", "005A", "Alice", sfzoom.MappingMatched)
		bob := mapping("orgA", "005B", "Bob", sfzoom.MappingUnmatched)
		bob.VerifiedAt = time.Time{}
		alice.VerifiedAt = verified.Add(48 * time.Hour)
		other := mapping("orgB", "005A", "Alice Other", sfzoom.MappingMatched)
		for _, m := range []*sfzoom.UserMapping{carol, alice, bob, other} {
			mustNoErr(t, "UpsertUserMapping", s.UpsertUserMapping(ctx, m))
		}
		ptr := func(s string) *string { return &s }
		before := verified.Add(time.Hour)
		checkFind(t, "FindUserMappings", s.FindUserMappings, []findCase[sfzoom.UserMappingFilter, *sfzoom.UserMapping]{
			{"All", sfzoom.UserMappingFilter{OrgID: "orgA"}, []*sfzoom.UserMapping{alice, bob, carol}, 3},
			{"OtherOrg", sfzoom.UserMappingFilter{OrgID: "orgB"}, []*sfzoom.UserMapping{other}, 1},
			{"Status", sfzoom.UserMappingFilter{OrgID: "orgA", Status: ptr(sfzoom.MappingMatched)}, []*sfzoom.UserMapping{alice, carol}, 2},
			{"ZoomUserID", sfzoom.UserMappingFilter{OrgID: "orgA", ZoomUserID: ptr("z005C")}, []*sfzoom.UserMapping{carol}, 1},
			{"VerifiedBefore", sfzoom.UserMappingFilter{OrgID: "orgA", VerifiedBefore: &before}, []*sfzoom.UserMapping{bob, carol}, 2},
			{"Page", sfzoom.UserMappingFilter{OrgID: "orgA", Offset: 1, Limit: 1}, []*sfzoom.UserMapping{bob}, 3},
		})
	})
}

func testConnection(t *testing.T, newStore func(*testing.T) store.Store) {
	ctx := context.Background()
	conn := func(org, provider, subject string) *sfzoom.Connection {
		return &sfzoom.Connection{OrgID: org, Provider: provider, Subject: subject, Status: sfzoom.ConnectionActive, Scopes: "meeting:read"}
	}

	t.Run("OK", func(t *testing.T) {
		s := newStore(t)
		c := conn("orgA", sfzoom.ProviderZoomS2S, "acct1")
		mustNoErr(t, "CreateConnection", s.CreateConnection(ctx, c))
		if c.ID == 0 || c.CreatedAt.IsZero() {
			t.Fatalf("CreateConnection did not set id and timestamps: %+v", c)
		}
		got, err := s.FindConnectionByID(ctx, c.ID)
		mustNoErr(t, "FindConnectionByID", err)
		if diff := cmp.Diff(c, got); diff != "" {
			t.Fatalf("FindConnectionByID mismatch (-want +got):\n%s", diff)
		}
		got, err = s.FindConnection(ctx, "orgA", sfzoom.ProviderZoomS2S, "acct1")
		mustNoErr(t, "FindConnection", err)
		if diff := cmp.Diff(c, got); diff != "" {
			t.Fatalf("FindConnection mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("ErrConflict", func(t *testing.T) {
		s := newStore(t)
		mustNoErr(t, "CreateConnection", s.CreateConnection(ctx, conn("orgA", sfzoom.ProviderZoomS2S, "acct1")))
		wantCode(t, "CreateConnection", s.CreateConnection(ctx, conn("orgA", sfzoom.ProviderZoomS2S, "acct1")), sfzoom.ECONFLICT)
		// Another org, provider or subject is a different connection.
		mustNoErr(t, "CreateConnection(other org)", s.CreateConnection(ctx, conn("orgB", sfzoom.ProviderZoomS2S, "acct1")))
		mustNoErr(t, "CreateConnection(other provider)", s.CreateConnection(ctx, conn("orgA", sfzoom.ProviderSalesforce, "acct1")))
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		s := newStore(t)
		c := conn("orgA", sfzoom.ProviderZoomS2S, "acct1")
		mustNoErr(t, "CreateConnection", s.CreateConnection(ctx, c))
		_, err := s.FindConnection(ctx, "orgB", sfzoom.ProviderZoomS2S, "acct1")
		wantCode(t, "FindConnection(other org)", err, sfzoom.ENOTFOUND)
		_, err = s.FindConnectionByID(ctx, c.ID+100)
		wantCode(t, "FindConnectionByID", err, sfzoom.ENOTFOUND)
		wantCode(t, "UpdateConnectionStatus", s.UpdateConnectionStatus(ctx, c.ID+100, sfzoom.ConnectionRevoked, ""), sfzoom.ENOTFOUND)
		wantCode(t, "DeleteConnection", s.DeleteConnection(ctx, c.ID+100), sfzoom.ENOTFOUND)
	})

	t.Run("FindConnections", func(t *testing.T) {
		s := newStore(t)
		a1 := conn("orgA", sfzoom.ProviderZoomS2S, "acct1")
		b1 := conn("orgB", sfzoom.ProviderSalesforce, "005B")
		a2 := conn("orgA", sfzoom.ProviderSalesforce, "005A")
		for _, c := range []*sfzoom.Connection{a1, b1, a2} {
			mustNoErr(t, "CreateConnection", s.CreateConnection(ctx, c))
		}
		got, err := s.FindConnections(ctx, "orgA")
		mustNoErr(t, "FindConnections", err)
		if diff := cmp.Diff([]*sfzoom.Connection{a1, a2}, got); diff != "" {
			t.Fatalf("FindConnections(orgA) (-want +got):\n%s", diff)
		}
		got, err = s.FindConnections(ctx, "")
		mustNoErr(t, "FindConnections", err)
		if len(got) != 3 {
			t.Fatalf("FindConnections(all) returned %d, want 3", len(got))
		}
	})

	t.Run("UpdateStatusAndDelete", func(t *testing.T) {
		s := newStore(t)
		c := conn("orgA", sfzoom.ProviderZoomUser, "zU")
		mustNoErr(t, "CreateConnection", s.CreateConnection(ctx, c))
		mustNoErr(t, "UpdateConnectionStatus", s.UpdateConnectionStatus(ctx, c.ID, sfzoom.ConnectionReconnect, "refresh refused"))
		got, err := s.FindConnectionByID(ctx, c.ID)
		mustNoErr(t, "FindConnectionByID", err)
		if got.Status != sfzoom.ConnectionReconnect || got.Detail != "refresh refused" {
			t.Fatalf("after UpdateConnectionStatus = %+v", got)
		}
		mustNoErr(t, "SaveToken", s.SaveToken(ctx, &sfzoom.TokenRecord{ConnectionID: c.ID, KeyID: "k1", Nonce: []byte{1}, Ciphertext: []byte{2}}, 0))
		mustNoErr(t, "DeleteConnection", s.DeleteConnection(ctx, c.ID))
		_, err = s.FindConnectionByID(ctx, c.ID)
		wantCode(t, "FindConnectionByID(deleted)", err, sfzoom.ENOTFOUND)
		_, err = s.LoadToken(ctx, c.ID)
		wantCode(t, "LoadToken(deleted connection)", err, sfzoom.ENOTFOUND)
	})
}

func testToken(t *testing.T, newStore func(*testing.T) store.Store) {
	ctx := context.Background()
	setup := func(t *testing.T) (store.Store, int64) {
		s := newStore(t)
		c := &sfzoom.Connection{OrgID: "orgA", Provider: sfzoom.ProviderZoomS2S, Subject: "acct", Status: sfzoom.ConnectionActive}
		mustNoErr(t, "CreateConnection", s.CreateConnection(ctx, c))
		return s, c.ID
	}

	t.Run("SaveAndLoad", func(t *testing.T) {
		s, id := setup(t)
		rec := &sfzoom.TokenRecord{ConnectionID: id, KeyID: "k1", Nonce: []byte("nonce"), Ciphertext: []byte("cipher")}
		mustNoErr(t, "SaveToken", s.SaveToken(ctx, rec, 0))
		if rec.Version != 1 {
			t.Fatalf("Version after first save = %d, want 1", rec.Version)
		}
		got, err := s.LoadToken(ctx, id)
		mustNoErr(t, "LoadToken", err)
		if diff := cmp.Diff(rec, got); diff != "" {
			t.Fatalf("LoadToken mismatch (-want +got):\n%s", diff)
		}
		rec2 := &sfzoom.TokenRecord{ConnectionID: id, KeyID: "k2", Nonce: []byte("n2"), Ciphertext: []byte("c2")}
		mustNoErr(t, "SaveToken", s.SaveToken(ctx, rec2, 1))
		if rec2.Version != 2 {
			t.Fatalf("Version after second save = %d, want 2", rec2.Version)
		}
		list, err := s.ListTokens(ctx)
		mustNoErr(t, "ListTokens", err)
		if diff := cmp.Diff([]*sfzoom.TokenRecord{rec2}, list); diff != "" {
			t.Fatalf("ListTokens (-want +got):\n%s", diff)
		}
	})

	t.Run("ErrConflict", func(t *testing.T) {
		s, id := setup(t)
		first := &sfzoom.TokenRecord{ConnectionID: id, KeyID: "k1", Nonce: []byte("a"), Ciphertext: []byte("a")}
		mustNoErr(t, "SaveToken", s.SaveToken(ctx, first, 0))
		tests := []struct {
			name   string
			expect int64
		}{
			{"AlreadyExists", 0},
			{"StaleVersion", 2},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := s.SaveToken(ctx, &sfzoom.TokenRecord{ConnectionID: id, KeyID: "x", Nonce: []byte("x"), Ciphertext: []byte("x")}, tt.expect)
				wantCode(t, "SaveToken", err, sfzoom.ECONFLICT)
				got, err := s.LoadToken(ctx, id)
				mustNoErr(t, "LoadToken", err)
				if diff := cmp.Diff(first, got); diff != "" {
					t.Fatalf("token changed by a conflicting save (-want +got):\n%s", diff)
				}
			})
		}
	})

	t.Run("ConcurrentCompareAndSwap", func(t *testing.T) {
		s, id := setup(t)
		mustNoErr(t, "SaveToken", s.SaveToken(ctx, &sfzoom.TokenRecord{ConnectionID: id, KeyID: "k", Nonce: []byte("n"), Ciphertext: []byte("v1")}, 0))
		const writers = 8
		var (
			wg        sync.WaitGroup
			mu        sync.Mutex
			won       []string
			conflicts int
			other     []error
		)
		for i := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ct := fmt.Sprintf("writer-%d", i)
				err := s.SaveToken(ctx, &sfzoom.TokenRecord{ConnectionID: id, KeyID: "k", Nonce: []byte("n"), Ciphertext: []byte(ct)}, 1)
				mu.Lock()
				defer mu.Unlock()
				switch sfzoom.ErrorCode(err) {
				case "":
					won = append(won, ct)
				case sfzoom.ECONFLICT:
					conflicts++
				default:
					other = append(other, err)
				}
			}()
		}
		wg.Wait()
		if len(other) > 0 {
			t.Fatalf("unexpected errors: %v", other)
		}
		if len(won) != 1 || conflicts != writers-1 {
			t.Fatalf("winners = %v, conflicts = %d; want exactly one winner", won, conflicts)
		}
		got, err := s.LoadToken(ctx, id)
		mustNoErr(t, "LoadToken", err)
		if string(got.Ciphertext) != won[0] || got.Version != 2 {
			t.Fatalf("stored %q v%d, want %q v2", got.Ciphertext, got.Version, won[0])
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		s, id := setup(t)
		_, err := s.LoadToken(ctx, id)
		wantCode(t, "LoadToken", err, sfzoom.ENOTFOUND)
		err = s.SaveToken(ctx, &sfzoom.TokenRecord{ConnectionID: id + 100, KeyID: "k", Nonce: []byte("n"), Ciphertext: []byte("c")}, 0)
		wantCode(t, "SaveToken(unknown connection)", err, sfzoom.ENOTFOUND)
	})

	t.Run("Audit", func(t *testing.T) {
		s, id := setup(t)
		base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		var want []*sfzoom.TokenAudit
		for i, action := range []string{"write", "read", "refresh"} {
			a := &sfzoom.TokenAudit{ConnectionID: id, Actor: "system", Action: action, Reason: "test", At: base.Add(time.Duration(i) * time.Minute)}
			mustNoErr(t, "AppendTokenAudit", s.AppendTokenAudit(ctx, a))
			if a.ID == 0 {
				t.Fatal("AppendTokenAudit did not set ID")
			}
			want = append([]*sfzoom.TokenAudit{a}, want...)
		}
		mustNoErr(t, "AppendTokenAudit(other)", s.AppendTokenAudit(ctx, &sfzoom.TokenAudit{ConnectionID: id + 1, Actor: "cli", Action: "read", At: base}))
		got, err := s.FindTokenAudit(ctx, id, 10)
		mustNoErr(t, "FindTokenAudit", err)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("FindTokenAudit (-want +got):\n%s", diff)
		}
		got, err = s.FindTokenAudit(ctx, id, 2)
		mustNoErr(t, "FindTokenAudit", err)
		if diff := cmp.Diff(want[:2], got); diff != "" {
			t.Fatalf("FindTokenAudit(limit 2) (-want +got):\n%s", diff)
		}
	})
}

func testLease(t *testing.T, newStore func(*testing.T) store.Store) {
	ctx := context.Background()
	acquire := func(t *testing.T, s store.Store, holder string, ttl time.Duration, want bool) {
		t.Helper()
		got, err := s.AcquireLease(ctx, "refresher", holder, ttl)
		mustNoErr(t, "AcquireLease", err)
		if got != want {
			t.Fatalf("AcquireLease(%s) = %v, want %v", holder, got, want)
		}
	}

	t.Run("Exclusive", func(t *testing.T) {
		s := newStore(t)
		acquire(t, s, "a", time.Minute, true)
		acquire(t, s, "b", time.Minute, false)
		acquire(t, s, "a", time.Minute, true) // renewal
		got, err := s.AcquireLease(ctx, "other-lease", "b", time.Minute)
		mustNoErr(t, "AcquireLease", err)
		if !got {
			t.Fatal("AcquireLease of a different name = false, want true")
		}
	})

	t.Run("Expiry", func(t *testing.T) {
		s := newStore(t)
		acquire(t, s, "a", 50*time.Millisecond, true)
		acquire(t, s, "b", time.Minute, false)
		time.Sleep(80 * time.Millisecond)
		acquire(t, s, "b", time.Minute, true)
		acquire(t, s, "a", time.Minute, false)
	})

	t.Run("Release", func(t *testing.T) {
		s := newStore(t)
		acquire(t, s, "a", time.Minute, true)
		mustNoErr(t, "ReleaseLease(not holder)", s.ReleaseLease(ctx, "refresher", "b"))
		acquire(t, s, "b", time.Minute, false)
		mustNoErr(t, "ReleaseLease", s.ReleaseLease(ctx, "refresher", "a"))
		acquire(t, s, "b", time.Minute, true)
	})

	t.Run("Concurrent", func(t *testing.T) {
		s := newStore(t)
		wins := winners(t, "AcquireLease", 8, func(i int) (bool, error) {
			return s.AcquireLease(ctx, "refresher", fmt.Sprintf("h%d", i), time.Minute)
		})
		if wins != 1 {
			t.Fatalf("concurrent AcquireLease winners = %d, want 1", wins)
		}
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		s := newStore(t)
		_, err := s.AcquireLease(ctx, "refresher", "", time.Minute)
		wantCode(t, "AcquireLease", err, sfzoom.EINVALID)
	})
}

var _ river.JobArgs = JobArgs{}

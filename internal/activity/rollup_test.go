package activity_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/sfzoom/sfzoom/internal/activity"
	"github.com/sfzoom/sfzoom/internal/backend"
	"github.com/sfzoom/sfzoom/internal/jobs"
	"github.com/sfzoom/sfzoom/internal/salesforce"
	"github.com/sfzoom/sfzoom/internal/salesforce/salesforcetest"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store/storetest"
	"github.com/sfzoom/sfzoom/internal/zoom"
	"github.com/sfzoom/sfzoom/internal/zoom/zoomtest"
)

// TestOpportunityRollupsUnderConcurrency logs 20 meetings of one
// Opportunity at the same time, from two pipelines (two replicas' worth of
// workers) on one database, on both stores. Meeting_Count__c ends at 20
// (it lost increments when it was written as count+1), and the last-meeting
// fields follow the latest meeting by start time: an older meeting logged
// afterwards (reconciliation finding it late) and a re-log change neither.
func TestOpportunityRollupsUnderConcurrency(t *testing.T) {
	for _, tc := range []struct {
		name  string
		dbURL func(t *testing.T) string
	}{
		{"SQLite", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "db.sqlite") }},
		{"Postgres", func(t *testing.T) string { return storetest.PostgresSchemaURL(t) }},
	} {
		t.Run(tc.name, func(t *testing.T) { testRollups(t, tc.dbURL(t)) })
	}
}

func testRollups(t *testing.T, dbURL string) {
	ctx := context.Background()
	z, sf, seed, host, _ := newFakes(t)
	be, err := backend.Open(ctx, backend.Options{DatabaseURL: dbURL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { be.Close() })
	cl := realClients(t, z.APIURL(), z.IssueAccessToken(host.ID), sf.URL(), sf.IssueToken(seed.AdminID))
	opp := seed.OpportunityIDs[0]

	type held struct {
		args  jobs.LogMeetingArgs
		start time.Time
	}
	// Meeting i started i days ago; the 21st (i = 20) is the oldest.
	const concurrent = 20
	var ms []held
	for i := range concurrent + 1 {
		m := holdMeeting(t, z, host.ID, fmt.Sprintf("Globex call %d", i), time.Now().Add(-time.Duration(i)*24*time.Hour-time.Hour))
		if i == 0 {
			seedOrg(t, be, seed, m, host.ID)
		} else if err := be.Store.CreateMeeting(ctx, &sfzoom.Meeting{OrgID: seed.OrgID, ZoomMeetingID: m.ID, ZoomUUID: m.UUID,
			HostSFUserID: seed.RepID, HostZoomUserID: host.ID, RecordObject: sfzoom.ObjectOpportunity, RecordID: opp,
			Topic: m.Topic, StartTime: m.StartTime, Duration: 30, Status: sfzoom.MeetingScheduled}); err != nil {
			t.Fatal(err)
		}
		ms = append(ms, held{args: jobs.LogMeetingArgs{OrgID: seed.OrgID, ZoomMeetingID: m.ID, MeetingUUID: m.UUID, Trigger: "meeting.ended"},
			start: m.StartTime})
	}
	replicas := []*activity.Pipeline{
		activity.New(activity.Options{Store: be.Store, Clients: cl, PublicURL: publicURL, Holder: "replica-a"}),
		activity.New(activity.Options{Store: be.Store, Clients: cl, PublicURL: publicURL, Holder: "replica-b"}),
	}
	// logUntilDone plays River: a snoozed job runs again.
	logUntilDone := func(p *activity.Pipeline, args jobs.LogMeetingArgs) error {
		for range 50 {
			err := jobs.Result(p.LogMeeting(ctx, args))
			var snooze *river.JobSnoozeError
			if !errors.As(err, &snooze) {
				return err
			}
			time.Sleep(20 * time.Millisecond)
		}
		return fmt.Errorf("%s: still snoozed after 50 runs", args.MeetingUUID)
	}

	// Each meeting's meeting.ended and meeting.summary_completed jobs run
	// at once, in either order, on either replica.
	summaryOf := func(args jobs.LogMeetingArgs) jobs.LogMeetingArgs {
		args.Trigger = zoom.EventSummaryCompleted
		return args
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2*concurrent)
	start := make(chan struct{})
	for i := range concurrent {
		for j, args := range []jobs.LogMeetingArgs{ms[i].args, summaryOf(ms[i].args)} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs <- logUntilDone(replicas[(i+j)%2], args)
			}()
		}
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	// The meetings carry no time zone of their own, so the roll-up date is
	// the start's date in the org's default time zone (a 22:55 PST meeting
	// on 4 Dec is dated 4 Dec, not the UTC 5 Dec).
	orgZone, err := time.LoadLocation(salesforcetest.DefaultOrgTimeZone)
	if err != nil {
		t.Fatal(err)
	}
	latest := salesforce.DateOf(ms[0].start.In(orgZone)).String()
	check := func(when string, wantCount float64) {
		t.Helper()
		o, ok := sf.Record(opp)
		if !ok {
			t.Fatal("opportunity vanished")
		}
		if o["Meeting_Count__c"] != wantCount {
			t.Errorf("%s: Meeting_Count__c = %v, want %v", when, o["Meeting_Count__c"], wantCount)
		}
		if fmt.Sprint(o["Last_Meeting_Date__c"]) != latest || o["Last_Meeting_Summary__c"] != "Overview of Globex call 0" {
			t.Errorf("%s: Last_Meeting_Date__c = %v, Last_Meeting_Summary__c = %v; want the latest meeting's (%s, %q)",
				when, o["Last_Meeting_Date__c"], o["Last_Meeting_Summary__c"], latest, "Overview of Globex call 0")
		}
	}
	check("after 20 concurrent meetings", concurrent)

	// The oldest meeting, found late by reconciliation and then completed
	// by its summary delivery, is counted but is not the latest: neither
	// write touches the last-meeting fields.
	late := ms[concurrent].args
	late.Trigger = activity.TriggerReconcile
	if err := logUntilDone(replicas[0], late); err != nil {
		t.Fatal(err)
	}
	check("after an older meeting logged late", concurrent+1)
	if err := z.AddSummary(late.MeetingUUID, zoomtest.Summary{Title: "late", Overview: "An updated overview of the oldest call"}); err != nil {
		t.Fatal(err)
	}
	if err := logUntilDone(replicas[1], summaryOf(late)); err != nil {
		t.Fatal(err)
	}
	check("after the older meeting's summary arrived", concurrent+1)

	// A re-log (an admin's retry) changes nothing.
	relog := ms[5].args
	relog.Trigger = activity.TriggerManual
	if err := logUntilDone(replicas[1], relog); err != nil {
		t.Fatal(err)
	}
	check("after a re-log", concurrent+1)
}

// holdMeeting adds a meeting of host that started at start and ran 30
// minutes, with a matched Contact and a summary, and ends it in the fake
// Zoom (no webhook is configured).
func holdMeeting(t *testing.T, z *zoomtest.Server, hostID, topic string, start time.Time) zoomtest.Meeting {
	t.Helper()
	start = start.UTC().Truncate(time.Second)
	m, err := z.AddMeeting(zoomtest.Meeting{HostID: hostID, Topic: topic, Duration: 30, StartTime: start})
	if err != nil {
		t.Fatal(err)
	}
	if err := z.AddParticipant(m.UUID, zoomtest.Participant{Name: "Hank Scorpio", Email: "hank@globex.example",
		JoinTime: start, LeaveTime: start.Add(30 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if err := z.AddSummary(m.UUID, zoomtest.Summary{Title: topic, Overview: "Overview of " + topic}); err != nil {
		t.Fatal(err)
	}
	uuid, err := z.EndMeeting(context.Background(), m.ID)
	if err != nil {
		t.Fatal(err)
	}
	m.UUID, m.StartTime = uuid, start
	return m
}

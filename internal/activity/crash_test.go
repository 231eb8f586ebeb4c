package activity_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/sfzoom/sfzoom/internal/activity"
	"github.com/sfzoom/sfzoom/internal/backend"
	"github.com/sfzoom/sfzoom/internal/helperproc"
	"github.com/sfzoom/sfzoom/internal/jobs"
	"github.com/sfzoom/sfzoom/internal/salesforce"
	"github.com/sfzoom/sfzoom/internal/salesforce/salesforcetest"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/zoom"
	"github.com/sfzoom/sfzoom/internal/zoom/zoomtest"
)

// Environment of the crash helper process.
const (
	envCrashHelper = "SFZOOM_ACTIVITY_CRASH_HELPER"
	envCrashDB     = "SFZOOM_ACTIVITY_CRASH_DB"
	envZoomURL     = "SFZOOM_ACTIVITY_ZOOM_URL"
	envZoomToken   = "SFZOOM_ACTIVITY_ZOOM_TOKEN"
	envSFURL       = "SFZOOM_ACTIVITY_SF_URL"
	envSFToken     = "SFZOOM_ACTIVITY_SF_TOKEN"
)

// markerFetched is what the helper prints once the Zoom fetch is done.
const markerFetched = "FETCHED"

// realClients builds the real Zoom and Salesforce clients against the fakes
// at the given URLs (in this process or the parent's).
func realClients(t testing.TB, zoomURL, zoomToken, sfURL, sfToken string) *clients {
	t.Helper()
	cl, err := newClients(zoomURL, zoomToken, sfURL, sfToken)
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

func newClients(zoomURL, zoomToken, sfURL, sfToken string) (*clients, error) {
	cl := &clients{}
	cl.zc = zoom.NewClient(&http.Client{Transport: bearer{zoomToken}}, zoom.WithBaseURL(zoomURL))
	var err error
	cl.sc, err = salesforce.NewClient(&http.Client{Transport: bearer{sfToken}}, sfURL)
	return cl, err
}

// TestMain runs the crash helper when TestCrashAfterZoomFetch starts the
// test binary again with envCrashHelper set, and the tests otherwise.
func TestMain(m *testing.M) {
	if os.Getenv(envCrashHelper) != "" {
		crashHelperProcess()
		return
	}
	if os.Getenv(envServeHelper) != "" {
		serveHelperProcess()
		return
	}
	os.Exit(m.Run())
}

// crashHelperProcess works the queued job against the parent's fakes,
// prints markerFetched right after the Zoom fetch and blocks there until it
// is SIGKILLed.
func crashHelperProcess() {
	ctx := context.Background()
	be := helperBackend(ctx, backend.Options{}, activity.Options{Holder: "crashing-helper",
		AfterFetch: func(ctx context.Context, orgID, uuid string) error {
			fmt.Println(markerFetched)
			select {} // wait for SIGKILL
		}})
	if err := be.Start(ctx); err != nil {
		helperFail(err)
	}
	select {}
}

// helperBackend opens a helper process's backend on the parent's database
// (envCrashDB) with the log_meeting worker running the real pipeline against
// the parent's fakes. opts and act add to the options it sets.
func helperBackend(ctx context.Context, opts backend.Options, act activity.Options) *backend.Backend {
	cl, err := newClients(os.Getenv(envZoomURL), os.Getenv(envZoomToken), os.Getenv(envSFURL), os.Getenv(envSFToken))
	if err != nil {
		helperFail(err)
	}
	var pipeline meetingLogger
	workers := river.NewWorkers()
	river.AddWorker(workers, jobs.NewWorker(lateLogger{&pipeline}.LogMeeting))
	opts.DatabaseURL, opts.Workers, opts.FetchPollInterval = os.Getenv(envCrashDB), workers, 100*time.Millisecond
	be, err := backend.Open(ctx, opts)
	if err != nil {
		helperFail(err)
	}
	act.Store, act.Clients, act.PublicURL = be.Store, cl, publicURL
	pipeline = activity.New(act)
	return be
}

// helperFail reports err to the parent test and exits.
func helperFail(err error) {
	fmt.Println("ERROR", err)
	os.Exit(2)
}

// TestCrashAfterZoomFetch kills a real worker process with SIGKILL right
// after it fetched the meeting from Zoom and before anything reached
// Salesforce, then restarts a worker on the same SQLite file: the meeting is
// logged once (one Event, Meeting_Count__c 1) and the job completes.
func TestCrashAfterZoomFetch(t *testing.T) {
	ctx := context.Background()
	z, sf, seed, host, m := newFakes(t)
	uuid, err := z.EndMeeting(ctx, m.ID) // no webhook URL: nothing delivered
	if err != nil {
		t.Fatal(err)
	}
	zoomToken, sfToken := z.IssueAccessToken(host.ID), sf.IssueToken(seed.AdminID)
	dbURL := "sqlite:" + filepath.Join(t.TempDir(), "crash.db")

	// Seed the database and queue the job, then close it for the helper.
	be, err := backend.Open(ctx, backend.Options{DatabaseURL: dbURL})
	if err != nil {
		t.Fatal(err)
	}
	seedOrg(t, be, seed, m, host.ID)
	res, err := be.Client().Insert(ctx, jobs.LogMeetingArgs{OrgID: seed.OrgID, ZoomMeetingID: m.ID, MeetingUUID: uuid, Trigger: zoom.EventMeetingEnded}, nil)
	if err != nil {
		t.Fatal(err)
	}
	jobID := res.Job.ID
	be.Close()
	sf.ResetRequests()
	z.ResetRequests()

	runUntilKilled(t, []string{envCrashHelper + "=1", envCrashDB + "=" + dbURL, envZoomURL + "=" + z.APIURL(), envZoomToken + "=" + zoomToken,
		envSFURL + "=" + sf.URL(), envSFToken + "=" + sfToken}, markerFetched)

	if n := zoomAPICalls(z); n != 1 {
		t.Fatalf("the killed worker made %d Zoom calls, want the participants fetch (1)", n)
	}
	if n := sf.APICalls(); n != 0 {
		t.Fatalf("the killed worker made %d Salesforce calls, want none", n)
	}

	// River's rescuer returns a job stuck in "running" to the queue after
	// RescueStuckJobsAfter (an hour by default), and the dead worker's
	// occurrence lease expires after five minutes. Both are stand-ins for
	// time passing: do what the rescuer does, and run the new worker's store
	// ten minutes ahead.
	later := func() time.Time { return time.Now().Add(10 * time.Minute) }
	cl := realClients(t, z.APIURL(), zoomToken, sf.URL(), sfToken)
	var pipeline meetingLogger
	workers := river.NewWorkers()
	river.AddWorker(workers, jobs.NewWorker(lateLogger{&pipeline}.LogMeeting))
	be, err = backend.Open(ctx, backend.Options{DatabaseURL: dbURL, Workers: workers, FetchPollInterval: 100 * time.Millisecond, Now: later})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { be.Close() })
	job, err := be.Client().JobGet(ctx, jobID)
	if err != nil {
		t.Fatal(err)
	}
	if job.State != rivertype.JobStateRunning {
		t.Fatalf("job state after the kill = %s, want running", job.State)
	}
	if _, err := be.DB().ExecContext(ctx, `UPDATE river_job SET state = 'available' WHERE id = ?`, jobID); err != nil {
		t.Fatal(err)
	}
	pipeline = activity.New(activity.Options{Store: be.Store, Clients: cl, PublicURL: publicURL, Holder: "restarted"})
	if err := be.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		be.Stop(sctx)
	})
	waitJob(t, be, jobID, rivertype.JobStateCompleted)

	evs := sf.Records("Event")
	if len(evs) != 1 || evs[0]["Zoom_Meeting_ID__c"] != uuid {
		t.Fatalf("Events = %v, want one for %s", evs, uuid)
	}
	opp, _ := sf.Record(seed.OpportunityIDs[0])
	if opp["Meeting_Count__c"] != 1.0 {
		t.Fatalf("Meeting_Count__c = %v, want 1", opp["Meeting_Count__c"])
	}
	if _, err := be.Store.FindActivityLog(ctx, seed.OrgID, uuid); err != nil {
		t.Fatalf("no activity log after the restart: %v", err)
	}
}

// newFakes starts a fake Zoom and a seeded fake org, with Riley's Zoom user
// hosting the "Globex renewal" meeting of seedMeeting.
func newFakes(t testing.TB) (*zoomtest.Server, *salesforcetest.Server, salesforcetest.Demo, zoomtest.User, zoomtest.Meeting) {
	t.Helper()
	z := zoomtest.NewServer()
	t.Cleanup(z.Close)
	sf := salesforcetest.NewServer()
	t.Cleanup(sf.Close)
	seed := sf.SeedDemo()
	host := z.AddUser(zoomtest.User{Email: "riley.chen@acme-demo.com", FirstName: "Riley", LastName: "Chen", Type: 2})
	return z, sf, seed, host, seedMeeting(t, z, host.ID, "Globex renewal")
}

// seedOrg stores the org (internal domain acme-demo.com, direct mode) and
// the meeting as scheduled from the first Opportunity.
func seedOrg(t testing.TB, be *backend.Backend, seed salesforcetest.Demo, m zoomtest.Meeting, hostZoomID string) {
	t.Helper()
	ctx := context.Background()
	settings := sfzoom.DefaultOrgSettings()
	settings.InternalDomains = []string{"acme-demo.com"}
	if err := be.Store.UpsertOrg(ctx, &sfzoom.Org{ID: seed.OrgID, Name: "Demo"}); err != nil {
		t.Fatal(err)
	}
	if err := be.Store.UpdateOrgSettings(ctx, seed.OrgID, settings); err != nil {
		t.Fatal(err)
	}
	if err := be.Store.CreateMeeting(ctx, &sfzoom.Meeting{OrgID: seed.OrgID, ZoomMeetingID: m.ID, ZoomUUID: m.UUID, HostSFUserID: seed.RepID,
		HostZoomUserID: hostZoomID, RecordObject: sfzoom.ObjectOpportunity, RecordID: seed.OpportunityIDs[0], Topic: m.Topic,
		StartTime: m.StartTime, Duration: 30, Status: sfzoom.MeetingScheduled}); err != nil {
		t.Fatal(err)
	}
}

// waitJob waits until the job reaches state.
func waitJob(t testing.TB, be *backend.Backend, id int64, state rivertype.JobState) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var job *rivertype.JobRow
	var err error
	for time.Now().Before(deadline) {
		if job, err = be.Client().JobGet(context.Background(), id); err == nil && job.State == state {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	if job != nil {
		t.Fatalf("job %d is %s (errors %v), want %s", id, job.State, job.Errors, state)
	}
	t.Fatalf("job %d: %v", id, err)
}

// runUntilKilled runs the crash helper with env and SIGKILLs it once it
// prints marker.
func runUntilKilled(t *testing.T, env []string, marker string) {
	t.Helper()
	cmd, _ := helperproc.Start(t, env, func(line string) bool { return line == marker })
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
}

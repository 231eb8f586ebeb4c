package activity_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/sfzoom/sfzoom/internal/activity"
	"github.com/sfzoom/sfzoom/internal/jobs"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/zoom/zoomtest"
)

// recordingEnqueuer records the jobs the reconciler inserts and passes them
// on to River.
type recordingEnqueuer struct {
	inner activity.Enqueuer
	mu    sync.Mutex
	args  []river.JobArgs
}

func (r *recordingEnqueuer) Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	r.mu.Lock()
	r.args = append(r.args, args)
	r.mu.Unlock()
	return r.inner.Insert(ctx, args, opts)
}

func (r *recordingEnqueuer) take() []river.JobArgs {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.args
	r.args = nil
	return out
}

// TestReconcileFindsMissedMeeting: a mapped rep's meeting ends while Zoom
// delivers no webhooks. Reconciliation lists the rep's previous meetings,
// then the meeting's past instances (GET /past_meetings/{id}/instances),
// and enqueues exactly the ended instance's UUID — not the listing's uuid,
// which after the end is the next instance's. The worker logs it; a second
// pass finds it logged and enqueues nothing. An unmapped Zoom user's ended
// meeting is never listed nor logged.
func TestReconcileFindsMissedMeeting(t *testing.T) {
	e := newEnv(t, sfzoom.ActivityModeDirect, true)
	ctx := context.Background()
	hostID := e.meeting.HostID
	stranger := e.zoom.AddUser(zoomtest.User{Email: "not.mapped@acme-demo.com", FirstName: "Not", LastName: "Mapped", Type: 2})
	other := seedMeeting(t, e.zoom, stranger.ID, "Someone else's call")

	e.zoom.SetWebhook("", nil) // webhooks are lost
	uuid, err := e.zoom.EndMeeting(ctx, e.meeting.ID)
	if err != nil {
		t.Fatal(err)
	}
	otherUUID, err := e.zoom.EndMeeting(ctx, other.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d := e.zoom.Deliveries(); len(d) != 0 {
		t.Fatalf("%d webhook deliveries, want none", len(d))
	}
	next, _ := e.zoom.CurrentUUID(e.meeting.ID)
	if next == uuid {
		t.Fatal("the fake kept the ended instance's UUID for the next instance")
	}

	// The rep is mapped; the org has its Salesforce connection, which is how
	// the reconciler finds orgs.
	if err := e.be.Store.UpsertUserMapping(ctx, &sfzoom.UserMapping{OrgID: e.orgID, SFUserID: e.seed.RepID, SFEmail: "riley.chen@acme-demo.com",
		SFName: "Riley Chen", ZoomEmail: "riley.chen@acme-demo.com", ZoomUserID: hostID, Source: "email", Status: sfzoom.MappingMatched}); err != nil {
		t.Fatal(err)
	}
	if err := e.be.Store.CreateConnection(ctx, &sfzoom.Connection{OrgID: e.orgID, Provider: sfzoom.ProviderSalesforce,
		Subject: "integration", Status: sfzoom.ConnectionActive}); err != nil {
		t.Fatal(err)
	}

	enq := &recordingEnqueuer{inner: e.be.Client()}
	var zoomFor []string
	var mu sync.Mutex
	r := &activity.Reconciler{Pipeline: e.p, Orgs: e.be.Store, Enqueue: enq,
		Zoom: func(ctx context.Context, orgID, sfUserID string) (activity.MeetingLister, error) {
			mu.Lock()
			zoomFor = append(zoomFor, orgID+"/"+sfUserID)
			mu.Unlock()
			return e.cl.zc, nil
		}}

	// The instance started 30 minutes ago: outside a 10-minute window.
	r.Window = 10 * time.Minute
	if n, err := r.Run(ctx); err != nil || n != 0 {
		t.Fatalf("Run(window 10m) = %d, %v; want 0, nil", n, err)
	}
	if got := enq.take(); len(got) != 0 {
		t.Fatalf("Run(window 10m) enqueued %v", got)
	}

	r.Window = 0 // the default 48 hours
	n, err := r.Run(ctx)
	if err != nil || n != 1 {
		t.Fatalf("Run = %d, %v; want 1, nil", n, err)
	}
	want := []river.JobArgs{jobs.LogMeetingArgs{OrgID: e.orgID, ZoomMeetingID: e.meeting.ID, MeetingUUID: uuid, Trigger: activity.TriggerReconcile}}
	if diff := cmp.Diff(want, enq.take()); diff != "" {
		t.Fatalf("enqueued jobs (-want +got):\n%s", diff)
	}
	e.waitLogged(t, uuid)
	evs := e.events(t)
	if len(evs) != 1 || evs[0]["Zoom_Meeting_ID__c"] != uuid {
		t.Fatalf("Events = %v, want one for the ended instance %s", evs, uuid)
	}
	if c := e.opp(t)["Meeting_Count__c"]; c != 1.0 {
		t.Fatalf("Meeting_Count__c = %v, want 1", c)
	}

	// Second pass: already logged, nothing enqueued.
	if n, err := r.Run(ctx); err != nil || n != 0 {
		t.Fatalf("second Run = %d, %v; want 0, nil", n, err)
	}
	if got := enq.take(); len(got) != 0 {
		t.Fatalf("second Run enqueued %v", got)
	}

	// The unmapped user was never touched: no client, no listing, no log.
	for _, k := range zoomFor {
		if k != e.orgID+"/"+e.seed.RepID {
			t.Errorf("Zoom client asked for %s, want only the mapped rep", k)
		}
	}
	for _, req := range e.zoom.RequestLog() {
		if strings.Contains(req.RawPath, stranger.ID) || strings.Contains(req.RawPath, "/"+strconv.FormatInt(other.ID, 10)+"/") {
			t.Errorf("Zoom request for the unmapped user: %s %s", req.Method, req.RawPath)
		}
	}
	if _, err := e.be.Store.FindActivityLog(ctx, e.orgID, otherUUID); sfzoom.ErrorCode(err) != sfzoom.ENOTFOUND {
		t.Errorf("FindActivityLog(unmapped user's meeting) = %v, want ENOTFOUND", err)
	}
	if n := len(e.events(t)); n != 1 {
		t.Errorf("%d Events, want 1", n)
	}
}

package activity_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/sfzoom/sfzoom/internal/activity"
	"github.com/sfzoom/sfzoom/internal/jobs"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/zoom"
	"github.com/sfzoom/sfzoom/internal/zoom/zoomtest"
)

// blockedOnly returns the org's blocked meetings and fails unless there is
// exactly one, for uuid.
func blockedOnly(t *testing.T, e *env, uuid string) *sfzoom.BlockedMeeting {
	t.Helper()
	bs, total, err := e.be.Store.FindBlockedMeetings(context.Background(), sfzoom.BlockedMeetingFilter{OrgID: e.orgID})
	if err != nil {
		t.Fatal(err)
	}
	if total != 1 || bs[0].MeetingUUID != uuid {
		t.Fatalf("blocked meetings = %d (%+v), want exactly %s", total, bs, uuid)
	}
	return bs[0]
}

// wantParked fails unless the job's outcome is neither a cancel nor a
// retry: the meeting is parked in the blocked list and the worker is free.
func wantParked(t *testing.T, err error) {
	t.Helper()
	var cancel *river.JobCancelError
	if r := jobs.Result(err); r != nil {
		if errors.As(r, &cancel) {
			t.Fatalf("job cancelled (%v): a blocked meeting must never be dropped", r)
		}
		t.Fatalf("outcome = %v, want the meeting parked as blocked", r)
	}
}

// TestSalesforceNotConnectedBlocks: without a Salesforce connection the
// meeting is parked as blocked — durably, with the fix in words, visible to
// admins at once — no Zoom call is spent, and the sweep logs it once the
// connection exists.
func TestSalesforceNotConnectedBlocks(t *testing.T) {
	e := newEnv(t, sfzoom.ActivityModeDirect, true)
	ctx := context.Background()
	uuid := endQuietly(t, e)
	e.cl.noSFToken.Store(true)
	wantParked(t, e.p.LogMeeting(ctx, endedArgs(e, uuid)))
	b := blockedOnly(t, e, uuid)
	if b.Provider != sfzoom.ProviderSalesforce || !strings.Contains(b.Fix, "Connect Salesforce as the integration user") || b.Reason == "" {
		t.Fatalf("blocked = %+v, want Salesforce with the fix", b)
	}
	if n := zoomAPICalls(e.zoom); n != 0 {
		t.Fatalf("%d Zoom calls spent without a Salesforce connection", n)
	}

	// The sweep leaves it alone while Salesforce is still not connected.
	if n, err := e.p.Sweep(ctx, e.be.Store); err != nil || n != 0 {
		t.Fatalf("Sweep before connecting = %d, %v; want 0", n, err)
	}
	blockedOnly(t, e, uuid)

	// An admin connects Salesforce: the sweep re-enqueues, the worker logs.
	e.cl.noSFToken.Store(false)
	if err := e.be.Store.CreateConnection(ctx, &sfzoom.Connection{OrgID: e.orgID, Provider: sfzoom.ProviderSalesforce,
		Subject: "integration", Status: sfzoom.ConnectionActive}); err != nil {
		t.Fatal(err)
	}
	if n, err := e.p.Sweep(ctx, e.be.Store); err != nil || n != 1 {
		t.Fatalf("Sweep after connecting = %d, %v; want 1", n, err)
	}
	e.waitLogged(t, uuid)
	if n := len(e.events(t)); n != 1 {
		t.Fatalf("%d Events after connecting, want 1", n)
	}
	if _, total, _ := e.be.Store.FindBlockedMeetings(ctx, sfzoom.BlockedMeetingFilter{OrgID: e.orgID}); total != 0 {
		t.Fatalf("%d meetings still blocked after logging", total)
	}
}

// TestZoomUnauthorizedBlocksUntilReconnect: Zoom refuses the host's token
// (401 on every call, as after a lost refresh burned the rotating refresh
// token). The meeting is parked as blocked on the host's connection, with
// the host's name in the fix — never cancelled — and it is logged as soon
// as the host reconnects (the connect callback calls Unblock).
func TestZoomUnauthorizedBlocksUntilReconnect(t *testing.T) {
	e := newEnv(t, sfzoom.ActivityModeDirect, true)
	ctx := context.Background()
	p := activity.New(activity.Options{Store: e.be.Store, Clients: e.cl, PublicURL: publicURL, Holder: "per-user", ZoomPerUser: true})
	if err := e.be.Store.UpsertUserMapping(ctx, &sfzoom.UserMapping{OrgID: e.orgID, SFUserID: e.seed.RepID, SFName: "Riley Rep",
		ZoomEmail: "riley.chen@acme-demo.com", Status: "matched"}); err != nil {
		t.Fatal(err)
	}
	uuid := endQuietly(t, e)
	e.zoom.Fail(zoomtest.Failure{Status: http.StatusUnauthorized, Count: 100, Code: 124, Message: "Invalid access token."})
	for range 3 { // every webhook of the occurrence blocks the same row
		wantParked(t, p.LogMeeting(ctx, endedArgs(e, uuid)))
	}
	b := blockedOnly(t, e, uuid)
	if b.Provider != sfzoom.ProviderZoomUser || b.Subject != e.seed.RepID || b.Attempts != 3 ||
		!strings.Contains(b.Fix, "Riley Rep must reconnect Zoom") {
		t.Fatalf("blocked = %+v, want Riley Rep's Zoom connection with the fix", b)
	}
	if n := len(e.events(t)); n != 0 {
		t.Fatalf("%d Events written while Zoom refuses", n)
	}

	e.zoom.ClearFailures()
	if n, err := p.Unblock(ctx, e.orgID, sfzoom.ProviderZoomUser, e.seed.RepID); err != nil || n != 1 {
		t.Fatalf("Unblock = %d, %v; want 1", n, err)
	}
	e.waitLogged(t, uuid)
	e.wantLoggedOnce(t)
}

// TestZoomS2SUnauthorizedBlocks: with the account-wide app, a refused
// token blocks on the app's credentials and the sweep retries it.
func TestZoomS2SUnauthorizedBlocks(t *testing.T) {
	e := newEnv(t, sfzoom.ActivityModeDirect, true)
	ctx := context.Background()
	uuid := endQuietly(t, e)
	e.zoom.Fail(zoomtest.Failure{Status: http.StatusUnauthorized, Count: 100, Code: 124, Message: "Invalid access token."})
	wantParked(t, e.p.LogMeeting(ctx, endedArgs(e, uuid)))
	if b := blockedOnly(t, e, uuid); b.Provider != sfzoom.ProviderZoomS2S || !strings.Contains(b.Fix, "SFZOOM_ZOOM_CLIENT_SECRET") {
		t.Fatalf("blocked = %+v, want the S2S app with the fix", b)
	}
	e.zoom.ClearFailures()
	if n, err := e.p.Sweep(ctx, e.be.Store); err != nil || n != 1 {
		t.Fatalf("Sweep = %d, %v; want 1", n, err)
	}
	e.waitLogged(t, uuid)
}

// TestZoomRateLimitSnoozesWithoutSleeping: a 429 whose Retry-After (20 s)
// the Zoom client would otherwise wait out inside the call (it waits up to
// 30 s) is not slept in the worker: the worker returns at once and River
// snoozes the job for Zoom's Retry-After, so a storm leaves workers free.
func TestZoomRateLimitSnoozesWithoutSleeping(t *testing.T) {
	e := newEnv(t, sfzoom.ActivityModeDirect, false)
	ctx := context.Background()
	uuid := endQuietly(t, e)
	var mu sync.Mutex
	var slept []time.Duration
	e.cl.zc = zoom.NewClient(&http.Client{Transport: bearer{e.zoom.IssueAccessToken(e.meeting.HostID)}}, zoom.WithBaseURL(e.zoom.APIURL()),
		zoom.WithSleeper(func(ctx context.Context, d time.Duration) error {
			mu.Lock()
			slept = append(slept, d)
			mu.Unlock()
			return nil
		}))
	e.zoom.Fail(zoomtest.Failure{Status: http.StatusTooManyRequests, Count: 20, RetryAfter: 20 * time.Second, Category: "Medium", Type: "QPS"})
	w := jobs.NewWorker(e.p.LogMeeting)
	start := time.Now()
	err := w.Work(ctx, &river.Job[jobs.LogMeetingArgs]{Args: endedArgs(e, uuid)})
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("worker took %s on a 429", d)
	}
	var snooze *river.JobSnoozeError
	if !errors.As(err, &snooze) {
		t.Fatalf("outcome = %v, want a snooze", err)
	}
	if snooze.Duration < 18*time.Second || snooze.Duration > 21*time.Second {
		t.Fatalf("snoozed for %s, want Zoom's Retry-After of 20 s", snooze.Duration)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, d := range slept {
		if d >= time.Second {
			t.Fatalf("the Zoom client slept %s inside the job (all waits: %v)", d, slept)
		}
	}
}

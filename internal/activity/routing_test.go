package activity_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/sfzoom/sfzoom/internal/jobs"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// TestSharedZoomAccountNeverGuessed: a production org and its sandbox both
// scheduled the Zoom meeting (a sandbox copied from production shares its
// Zoom account). A delivery stored without an org is not logged in either:
// the job queues it for the admins of both, with the fix, and ends. Once
// production's admin claims the Zoom account, the same job logs it in
// production once and the queue entry is gone.
func TestSharedZoomAccountNeverGuessed(t *testing.T) {
	const sandbox, account = "00D000000000009AAA", "acctShared"
	e := newEnv(t, sfzoom.ActivityModeDirect, false)
	ctx := context.Background()
	st := e.be.Store
	if err := st.CreateMeeting(ctx, &sfzoom.Meeting{OrgID: sandbox, ZoomMeetingID: e.meeting.ID, HostSFUserID: e.seed.RepID,
		RecordObject: sfzoom.ObjectOpportunity, RecordID: e.seed.OpportunityIDs[0], Topic: "Globex renewal (sandbox)",
		StartTime: time.Now(), Duration: 30, Status: sfzoom.MeetingScheduled}); err != nil {
		t.Fatal(err)
	}
	uuid := endQuietly(t, e)
	args := jobs.LogMeetingArgs{ZoomMeetingID: e.meeting.ID, MeetingUUID: uuid, Trigger: "meeting.ended", ZoomAccountID: account}

	err := e.p.LogMeeting(ctx, args)
	if err == nil {
		t.Fatal("an ambiguous meeting was logged")
	}
	if r := jobs.Result(err); r == nil || !errors.As(r, new(*river.JobCancelError)) {
		t.Fatalf("ambiguous meeting maps to %v, want the job cancelled (the queue entry is what admins act on)", r)
	}
	if n := len(e.events(t)); n != 0 {
		t.Fatalf("%d Events written for a meeting no single org owns", n)
	}
	for _, org := range []string{e.orgID, sandbox} {
		q, err := st.FindUnroutedMeetings(ctx, org, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(q) != 1 || q[0].MeetingUUID != uuid || len(q[0].Candidates) != 2 || q[0].ZoomAccountID != account {
			t.Fatalf("queue of %s = %+v, want the meeting with both orgs as candidates", org, q)
		}
	}

	if err := st.SetZoomAccountOrg(ctx, account, e.orgID); err != nil {
		t.Fatal(err)
	}
	if err := e.p.LogMeeting(ctx, args); err != nil {
		t.Fatalf("after the claim: %v", err)
	}
	e.wantLoggedOnce(t)
	if q, err := st.FindUnroutedMeetings(ctx, e.orgID, 0); err != nil || len(q) != 0 {
		t.Fatalf("queue after routing = %+v, %v; want empty", q, err)
	}
}

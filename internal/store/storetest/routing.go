package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store"
)

// testRouting: FindOrgForZoom never guesses between orgs sharing a Zoom
// account, and meetings no single org owns wait in a durable queue.
func testRouting(t *testing.T, newStore func(*testing.T) store.Store) {
	ctx := context.Background()
	const (
		prod, sandbox, other = "00D000000000001AAA", "00D000000000002AAA", "00D000000000003AAA"
		host, account        = "zHostUser", "acctShared"
	)
	mapHost := func(t *testing.T, s store.Store, org string) {
		t.Helper()
		mustNoErr(t, "UpsertUserMapping", s.UpsertUserMapping(ctx, &sfzoom.UserMapping{OrgID: org, SFUserID: "005000000000001AAA",
			SFEmail: "riley@acme.com", SFName: "Riley", ZoomEmail: "riley@acme.com", ZoomUserID: host,
			Source: sfzoom.MappingSourceEmail, Status: sfzoom.MappingMatched, VerifiedAt: time.Now()}))
	}
	wantAmbiguous := func(t *testing.T, err error, orgs ...string) {
		t.Helper()
		wantCode(t, "FindOrgForZoom", err, sfzoom.ECONFLICT)
		amb, ok := errors.AsType[*store.AmbiguousOrgError](err)
		if !ok {
			t.Fatalf("FindOrgForZoom error %v is not an *AmbiguousOrgError", err)
		}
		if diff := cmp.Diff(orgs, amb.Orgs); diff != "" {
			t.Fatalf("ambiguous orgs (-want +got):\n%s", diff)
		}
	}

	t.Run("FindOrgForZoomNeverGuesses", func(t *testing.T) {
		s := newStore(t)
		_, err := s.FindOrgForZoom(ctx, 0, host, account)
		wantCode(t, "FindOrgForZoom(unknown)", err, sfzoom.ENOTFOUND)

		// The first org to use the account is its org while it is the only one.
		mapHost(t, s, prod)
		got, err := s.FindOrgForZoom(ctx, 0, host, account)
		mustNoErr(t, "FindOrgForZoom(one org)", err)
		if got != prod {
			t.Fatalf("FindOrgForZoom(one org) = %q, want %q", got, prod)
		}
		// A sandbox copy of production maps the same host, later: the
		// meeting is no longer the most recently updated org's, nor the
		// oldest's; it is nobody's until an admin claims the account.
		mapHost(t, s, sandbox)
		_, err = s.FindOrgForZoom(ctx, 0, host, account)
		wantAmbiguous(t, err, prod, sandbox)
		mapHost(t, s, prod) // production updated last: still no guess
		_, err = s.FindOrgForZoom(ctx, 0, host, account)
		wantAmbiguous(t, err, prod, sandbox)

		// An org that is not a candidate claiming the account decides nothing.
		mustNoErr(t, "SetZoomAccountOrg(other)", s.SetZoomAccountOrg(ctx, account, other))
		_, err = s.FindOrgForZoom(ctx, 0, host, account)
		wantAmbiguous(t, err, prod, sandbox)
		// A claim is never taken over: the sandbox can claim the account
		// only once the other org has released it.
		wantCode(t, "SetZoomAccountOrg(sandbox over other)", s.SetZoomAccountOrg(ctx, account, sandbox), sfzoom.ECONFLICT)
		if owner, err := s.FindZoomAccountOrg(ctx, account); err != nil || owner != other {
			t.Fatalf("after a refused take-over: FindZoomAccountOrg = %q, %v; want %q", owner, err, other)
		}
		wantCode(t, "ReleaseZoomAccountOrg(sandbox, not its claim)", s.ReleaseZoomAccountOrg(ctx, account, sandbox), sfzoom.ENOTFOUND)
		mustNoErr(t, "ReleaseZoomAccountOrg(other)", s.ReleaseZoomAccountOrg(ctx, account, other))
		// The sandbox's admin claims the account: its meetings go there,
		// and a claim of another account does not count. Claiming again is
		// no conflict.
		mustNoErr(t, "SetZoomAccountOrg(sandbox)", s.SetZoomAccountOrg(ctx, account, sandbox))
		mustNoErr(t, "SetZoomAccountOrg(sandbox again)", s.SetZoomAccountOrg(ctx, account, sandbox))
		if got, err = s.FindOrgForZoom(ctx, 0, host, account); err != nil || got != sandbox {
			t.Fatalf("FindOrgForZoom(claimed) = %q, %v; want %q", got, err, sandbox)
		}
		owner, err := s.FindZoomAccountOrg(ctx, account)
		if err != nil || owner != sandbox {
			t.Fatalf("FindZoomAccountOrg = %q, %v; want %q", owner, err, sandbox)
		}
		_, err = s.FindOrgForZoom(ctx, 0, host, "acctOther")
		wantAmbiguous(t, err, prod, sandbox)

		// The org that scheduled the meeting decides over host mappings.
		mustNoErr(t, "CreateMeeting", s.CreateMeeting(ctx, newMeeting(prod, 85000000001, "", time.Now())))
		if got, err = s.FindOrgForZoom(ctx, 85000000001, host, account); err != nil || got != prod {
			t.Fatalf("FindOrgForZoom(scheduled) = %q, %v; want %q", got, err, prod)
		}
	})

	// Every delivery's lookup runs through a statement the store prepares on
	// first use; a burst of first deliveries at once must each get the right
	// answer (and, under -race, share the statement safely).
	t.Run("ConcurrentFirstLookups", func(t *testing.T) {
		s := newStore(t)
		mapHost(t, s, prod)
		const n = 16
		errs := make(chan error, n)
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				got, err := s.FindOrgForZoom(ctx, 0, host, account)
				if err == nil && got != prod {
					err = fmt.Errorf("got org %q, want %q", got, prod)
				}
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			mustNoErr(t, "concurrent FindOrgForZoom", err)
		}
	})

	t.Run("ClaimErrors", func(t *testing.T) {
		s := newStore(t)
		wantCode(t, "SetZoomAccountOrg(no account)", s.SetZoomAccountOrg(ctx, "", prod), sfzoom.EINVALID)
		wantCode(t, "SetZoomAccountOrg(no org)", s.SetZoomAccountOrg(ctx, account, ""), sfzoom.EINVALID)
		_, err := s.FindZoomAccountOrg(ctx, account)
		wantCode(t, "FindZoomAccountOrg", err, sfzoom.ENOTFOUND)
	})

	received := time.Date(2026, 3, 2, 15, 31, 0, 0, time.UTC)
	unrouted := func(uuid string, candidates ...string) *sfzoom.UnroutedMeeting {
		return &sfzoom.UnroutedMeeting{MeetingUUID: uuid, ZoomMeetingID: 85000000002, HostZoomUserID: host, ZoomAccountID: account,
			Candidates: candidates, Trigger: "meeting.ended", StartedAt: received.Add(-31 * time.Minute),
			EndedAt: received.Add(-time.Minute), ReceivedAt: received}
	}

	t.Run("QueueStoredWithDelivery", func(t *testing.T) {
		s := newStore(t)
		jobs0 := countJobs(t, s)
		u := unrouted("uuid-1", prod, sandbox)
		ev := newEvent("k1", received)
		mustNoErr(t, "CreateUnroutedWebhookEvent", s.CreateUnroutedWebhookEvent(ctx, ev, u, Job("log")))
		if u.WebhookEventID == 0 || u.WebhookEventID != ev.ID {
			t.Fatalf("queued WebhookEventID = %d, want the delivery's %d", u.WebhookEventID, ev.ID)
		}
		if n := countJobs(t, s); n != jobs0+1 {
			t.Fatalf("jobs = %d, want %d", n, jobs0+1)
		}
		for _, org := range []string{prod, sandbox} {
			got, err := s.FindUnroutedMeetings(ctx, org, 0)
			mustNoErr(t, "FindUnroutedMeetings", err)
			if diff := cmp.Diff([]*sfzoom.UnroutedMeeting{u}, got); diff != "" {
				t.Fatalf("FindUnroutedMeetings(%s) (-want +got):\n%s", org, diff)
			}
		}
		// An org that is not a candidate does not see another org's meeting.
		if got, err := s.FindUnroutedMeetings(ctx, other, 0); err != nil || len(got) != 0 {
			t.Fatalf("FindUnroutedMeetings(other) = %v, %v; want none", got, err)
		}

		// A duplicate delivery changes nothing; a failing job stores nothing.
		err := s.CreateUnroutedWebhookEvent(ctx, newEvent("k1", received), unrouted("uuid-dup", prod), Job("again"))
		wantCode(t, "CreateUnroutedWebhookEvent(duplicate)", err, sfzoom.ECONFLICT)
		if err := s.CreateUnroutedWebhookEvent(ctx, newEvent("k2", received), unrouted("uuid-2", prod), failingJob()); err == nil {
			t.Fatal("CreateUnroutedWebhookEvent with a failing job succeeded")
		}
		got, err := s.FindUnroutedMeetings(ctx, prod, 0)
		mustNoErr(t, "FindUnroutedMeetings", err)
		if len(got) != 1 || got[0].MeetingUUID != "uuid-1" {
			t.Fatalf("queue after duplicate and rollback = %v, want uuid-1 alone", got)
		}
		wantCode(t, "CreateUnroutedWebhookEvent(no uuid)", s.CreateUnroutedWebhookEvent(ctx, newEvent("k3", received), unrouted("")), sfzoom.EINVALID)

		// The job queueing it again keeps the delivery it came from.
		again := unrouted("uuid-1", prod, sandbox)
		again.ReceivedAt = received.Add(time.Hour)
		mustNoErr(t, "QueueUnroutedMeeting", s.QueueUnroutedMeeting(ctx, again))
		got, err = s.FindUnroutedMeetings(ctx, prod, 1)
		mustNoErr(t, "FindUnroutedMeetings", err)
		if len(got) != 1 || got[0].WebhookEventID != ev.ID || !got[0].ReceivedAt.Equal(again.ReceivedAt) {
			t.Fatalf("requeued = %+v, want delivery %d received %v", got, ev.ID, again.ReceivedAt)
		}
		wantCode(t, "QueueUnroutedMeeting(no uuid)", s.QueueUnroutedMeeting(ctx, unrouted("")), sfzoom.EINVALID)
	})

	t.Run("NoCandidateShownWhereAccountClaimed", func(t *testing.T) {
		s := newStore(t)
		mustNoErr(t, "QueueUnroutedMeeting", s.QueueUnroutedMeeting(ctx, unrouted("uuid-none")))
		if got, err := s.FindUnroutedMeetings(ctx, prod, 0); err != nil || len(got) != 0 {
			t.Fatalf("FindUnroutedMeetings before a claim = %v, %v; want none", got, err)
		}
		mustNoErr(t, "SetZoomAccountOrg", s.SetZoomAccountOrg(ctx, account, prod))
		got, err := s.FindUnroutedMeetings(ctx, prod, 0)
		mustNoErr(t, "FindUnroutedMeetings", err)
		if len(got) != 1 || got[0].MeetingUUID != "uuid-none" || len(got[0].Candidates) != 0 {
			t.Fatalf("FindUnroutedMeetings(claimer) = %v, want uuid-none", got)
		}
		if got, err := s.FindUnroutedMeetings(ctx, sandbox, 0); err != nil || len(got) != 0 {
			t.Fatalf("FindUnroutedMeetings(not claimer) = %v, %v; want none", got, err)
		}
	})

	t.Run("RouteOnce", func(t *testing.T) {
		s := newStore(t)
		mustNoErr(t, "QueueUnroutedMeeting", s.QueueUnroutedMeeting(ctx, unrouted("uuid-1", prod, sandbox)))
		jobs0 := countJobs(t, s)
		// A failing job leaves the meeting queued.
		if err := s.RouteUnroutedMeeting(ctx, "uuid-1", failingJob()); err == nil {
			t.Fatal("RouteUnroutedMeeting with a failing job succeeded")
		}
		if got, _ := s.FindUnroutedMeetings(ctx, prod, 0); len(got) != 1 {
			t.Fatalf("queue after a failed route = %v, want the meeting still there", got)
		}
		mustNoErr(t, "RouteUnroutedMeeting", s.RouteUnroutedMeeting(ctx, "uuid-1", Job("routed")))
		wantCode(t, "RouteUnroutedMeeting(again)", s.RouteUnroutedMeeting(ctx, "uuid-1", Job("twice")), sfzoom.ENOTFOUND)
		if n := countJobs(t, s); n != jobs0+1 {
			t.Fatalf("jobs = %d, want %d (one route)", n, jobs0+1)
		}
		if got, _ := s.FindUnroutedMeetings(ctx, prod, 0); len(got) != 0 {
			t.Fatalf("queue after route = %v, want empty", got)
		}
		mustNoErr(t, "DeleteUnroutedMeeting(absent)", s.DeleteUnroutedMeeting(ctx, "uuid-1"))
		mustNoErr(t, "QueueUnroutedMeeting", s.QueueUnroutedMeeting(ctx, unrouted("uuid-2", prod)))
		mustNoErr(t, "DeleteUnroutedMeeting", s.DeleteUnroutedMeeting(ctx, "uuid-2"))
		if got, _ := s.FindUnroutedMeetings(ctx, prod, 0); len(got) != 0 {
			t.Fatalf("queue after delete = %v, want empty", got)
		}
	})
}

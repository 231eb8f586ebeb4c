package storetest

import (
	"context"
	"testing"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store"
)

func testScheduling(t *testing.T, newStore func(*testing.T) store.Store) {
	ctx := context.Background()

	t.Run("OK", func(t *testing.T) {
		s := newStore(t)
		r := &sfzoom.ScheduleRequest{OrgID: "orgA", IdempotencyKey: "k1", SFUserID: "005A"}
		claimed, err := s.ClaimScheduleRequest(ctx, r)
		mustNoErr(t, "ClaimScheduleRequest", err)
		if !claimed || r.Status != sfzoom.ScheduleRequestPending || r.CreatedAt.IsZero() {
			t.Fatalf("ClaimScheduleRequest = %v, %+v; want claimed and pending", claimed, r)
		}
		again := &sfzoom.ScheduleRequest{OrgID: "orgA", IdempotencyKey: "k1", SFUserID: "005B"}
		claimed, err = s.ClaimScheduleRequest(ctx, again)
		mustNoErr(t, "ClaimScheduleRequest again", err)
		if claimed || again.SFUserID != "005A" || again.Status != sfzoom.ScheduleRequestPending {
			t.Fatalf("second ClaimScheduleRequest = %v, %+v; want not claimed, the first request", claimed, again)
		}
		mustNoErr(t, "FinishScheduleRequest", s.FinishScheduleRequest(ctx, "orgA", "k1", sfzoom.ScheduleRequestDone, 42, ""))
		got, err := s.FindScheduleRequest(ctx, "orgA", "k1")
		mustNoErr(t, "FindScheduleRequest", err)
		if got.Status != sfzoom.ScheduleRequestDone || got.MeetingID != 42 {
			t.Fatalf("FindScheduleRequest = %+v, want done with meeting 42", got)
		}
		claimed, err = s.ClaimScheduleRequest(ctx, &sfzoom.ScheduleRequest{OrgID: "orgA", IdempotencyKey: "k1"})
		mustNoErr(t, "ClaimScheduleRequest done", err)
		if claimed {
			t.Fatal("ClaimScheduleRequest of a done request = true, want false")
		}
		// Another org's key is independent.
		claimed, err = s.ClaimScheduleRequest(ctx, &sfzoom.ScheduleRequest{OrgID: "orgB", IdempotencyKey: "k1"})
		mustNoErr(t, "ClaimScheduleRequest other org", err)
		if !claimed {
			t.Fatal("ClaimScheduleRequest in another org = false, want true")
		}
	})

	t.Run("FailedCanBeRetried", func(t *testing.T) {
		s := newStore(t)
		_, err := s.ClaimScheduleRequest(ctx, &sfzoom.ScheduleRequest{OrgID: "orgA", IdempotencyKey: "k"})
		mustNoErr(t, "ClaimScheduleRequest", err)
		mustNoErr(t, "FinishScheduleRequest", s.FinishScheduleRequest(ctx, "orgA", "k", sfzoom.ScheduleRequestFailed, 0, "Zoom is down."))
		r := &sfzoom.ScheduleRequest{OrgID: "orgA", IdempotencyKey: "k", SFUserID: "005C"}
		claimed, err := s.ClaimScheduleRequest(ctx, r)
		mustNoErr(t, "ClaimScheduleRequest after failure", err)
		if !claimed || r.Status != sfzoom.ScheduleRequestPending || r.Detail != "" || r.SFUserID != "005C" {
			t.Fatalf("ClaimScheduleRequest after failure = %v, %+v; want claimed, pending, detail cleared", claimed, r)
		}
	})

	t.Run("ConcurrentClaimsOneWinner", func(t *testing.T) {
		s := newStore(t)
		won := winners(t, "ClaimScheduleRequest", 5, func(int) (bool, error) {
			return s.ClaimScheduleRequest(ctx, &sfzoom.ScheduleRequest{OrgID: "orgA", IdempotencyKey: "same"})
		})
		if won != 1 {
			t.Fatalf("concurrent claims won = %d, want 1", won)
		}
	})

	t.Run("Errors", func(t *testing.T) {
		s := newStore(t)
		_, err := s.ClaimScheduleRequest(ctx, &sfzoom.ScheduleRequest{OrgID: "orgA"})
		wantCode(t, "ClaimScheduleRequest without key", err, sfzoom.EINVALID)
		_, err = s.FindScheduleRequest(ctx, "orgA", "nope")
		wantCode(t, "FindScheduleRequest", err, sfzoom.ENOTFOUND)
		wantCode(t, "FinishScheduleRequest unknown", s.FinishScheduleRequest(ctx, "orgA", "nope", sfzoom.ScheduleRequestDone, 1, ""), sfzoom.ENOTFOUND)
		wantCode(t, "FinishScheduleRequest pending", s.FinishScheduleRequest(ctx, "orgA", "nope", sfzoom.ScheduleRequestPending, 1, ""), sfzoom.EINVALID)
	})
}

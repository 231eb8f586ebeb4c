package storetest

import (
	"context"
	"testing"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store"
)

func testBlocked(t *testing.T, newStore func(*testing.T) store.Store) {
	ctx := context.Background()
	zoomUser, sf := sfzoom.ProviderZoomUser, sfzoom.ProviderSalesforce
	riley := "005000000000001AAA"
	block := func(uuid, provider, subject string, args string) *sfzoom.BlockedMeeting {
		return &sfzoom.BlockedMeeting{OrgID: actOrg, MeetingUUID: uuid, ZoomMeetingID: 85012345678, Topic: "Renewal",
			Provider: provider, Subject: subject, Reason: "Zoom refused the host's authorization.",
			Fix: "Riley Rep must reconnect Zoom (Settings → Connections).", Args: []byte(args)}
	}

	t.Run("BlockFindUnblock", func(t *testing.T) {
		s := newStore(t)
		first := block("uuid-1", zoomUser, riley, `{"trigger":"meeting.ended"}`)
		mustNoErr(t, "BlockMeeting", s.BlockMeeting(ctx, first))
		if first.Attempts != 1 || first.BlockedAt.IsZero() {
			t.Fatalf("BlockMeeting set attempts %d, blocked at %v", first.Attempts, first.BlockedAt)
		}
		// Blocking again keeps the first job and counts the attempt.
		again := block("uuid-1", zoomUser, riley, `{"trigger":"recording.completed"}`)
		again.Reason = "Zoom answered 401 twice."
		mustNoErr(t, "BlockMeeting again", s.BlockMeeting(ctx, again))
		if again.Attempts != 2 {
			t.Fatalf("second block: attempts = %d, want 2", again.Attempts)
		}
		mustNoErr(t, "BlockMeeting other", s.BlockMeeting(ctx, block("uuid-2", sf, "integration", `{}`)))
		other := block("uuid-1", sf, "integration", `{}`)
		other.OrgID = actOther
		mustNoErr(t, "BlockMeeting other org", s.BlockMeeting(ctx, other))

		got, total, err := s.FindBlockedMeetings(ctx, sfzoom.BlockedMeetingFilter{OrgID: actOrg})
		mustNoErr(t, "FindBlockedMeetings", err)
		if total != 2 || len(got) != 2 {
			t.Fatalf("FindBlockedMeetings = %d rows, total %d, want 2", len(got), total)
		}
		if g := got[0]; g.MeetingUUID != "uuid-1" || g.Reason != "Zoom answered 401 twice." || string(g.Args) != `{"trigger":"meeting.ended"}` ||
			g.Attempts != 2 || g.Subject != riley || g.Topic != "Renewal" || g.ZoomMeetingID != 85012345678 || g.Fix == "" {
			t.Fatalf("blocked row = %+v", g)
		}
		onlyZoom, total, err := s.FindBlockedMeetings(ctx, sfzoom.BlockedMeetingFilter{OrgID: actOrg, Provider: &zoomUser, Subject: &riley})
		mustNoErr(t, "FindBlockedMeetings by connection", err)
		if total != 1 || onlyZoom[0].MeetingUUID != "uuid-1" {
			t.Fatalf("by connection: %d rows (total %d)", len(onlyZoom), total)
		}
		if _, total, _ := s.FindBlockedMeetings(ctx, sfzoom.BlockedMeetingFilter{}); total != 3 {
			t.Fatalf("every org: total %d, want 3", total)
		}

		before := countJobs(t, s)
		n, err := s.UnblockMeetings(ctx, actOrg, zoomUser, riley, func(b *sfzoom.BlockedMeeting) (store.Job, error) {
			return Job("unblock " + b.MeetingUUID), nil
		})
		mustNoErr(t, "UnblockMeetings", err)
		if n != 1 || countJobs(t, s) != before+1 {
			t.Fatalf("UnblockMeetings = %d, jobs %d → %d", n, before, countJobs(t, s))
		}
		if _, total, _ := s.FindBlockedMeetings(ctx, sfzoom.BlockedMeetingFilter{OrgID: actOrg}); total != 1 {
			t.Fatalf("after unblock: %d blocked, want 1 (the Salesforce one)", total)
		}
		// The other org's row is untouched by this org's unblock.
		n, err = s.UnblockMeetings(ctx, actOrg, sf, "integration", func(b *sfzoom.BlockedMeeting) (store.Job, error) { return Job(b.MeetingUUID), nil })
		mustNoErr(t, "UnblockMeetings salesforce", err)
		if n != 1 {
			t.Fatalf("UnblockMeetings salesforce = %d, want 1", n)
		}
		if _, total, _ := s.FindBlockedMeetings(ctx, sfzoom.BlockedMeetingFilter{OrgID: actOther}); total != 1 {
			t.Fatalf("other org: %d blocked, want 1", total)
		}
	})

	t.Run("UnblockIsAtomic", func(t *testing.T) {
		s := newStore(t)
		mustNoErr(t, "BlockMeeting", s.BlockMeeting(ctx, block("uuid-1", sf, "integration", `{}`)))
		before := countJobs(t, s)
		_, err := s.UnblockMeetings(ctx, actOrg, sf, "integration", func(*sfzoom.BlockedMeeting) (store.Job, error) { return failingJob(), nil })
		if err == nil {
			t.Fatal("UnblockMeetings with a job River refuses: no error")
		}
		if _, total, _ := s.FindBlockedMeetings(ctx, sfzoom.BlockedMeetingFilter{OrgID: actOrg}); total != 1 || countJobs(t, s) != before {
			t.Fatalf("after a failed unblock: %d blocked (want 1), jobs %d → %d", total, before, countJobs(t, s))
		}
	})

	t.Run("DeleteAndValidation", func(t *testing.T) {
		s := newStore(t)
		mustNoErr(t, "BlockMeeting", s.BlockMeeting(ctx, block("uuid-1", sf, "integration", `{}`)))
		mustNoErr(t, "DeleteBlockedMeeting other org", s.DeleteBlockedMeeting(ctx, actOther, "uuid-1"))
		if _, total, _ := s.FindBlockedMeetings(ctx, sfzoom.BlockedMeetingFilter{OrgID: actOrg}); total != 1 {
			t.Fatal("another org's delete removed this org's blocked meeting")
		}
		mustNoErr(t, "DeleteBlockedMeeting", s.DeleteBlockedMeeting(ctx, actOrg, "uuid-1"))
		mustNoErr(t, "DeleteBlockedMeeting absent", s.DeleteBlockedMeeting(ctx, actOrg, "uuid-1"))
		if _, total, _ := s.FindBlockedMeetings(ctx, sfzoom.BlockedMeetingFilter{OrgID: actOrg}); total != 0 {
			t.Fatalf("after delete: %d blocked", total)
		}
		noFix := block("uuid-2", sf, "integration", `{}`)
		noFix.Fix = ""
		wantCode(t, "BlockMeeting without fix", s.BlockMeeting(ctx, noFix), sfzoom.EINVALID)
		_, err := s.UnblockMeetings(ctx, "", sf, "integration", nil)
		wantCode(t, "UnblockMeetings without org", err, sfzoom.EINVALID)
	})
}

package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store"
)

const (
	actOrg   = "00D000000000001AAA"
	actOther = "00D000000000002AAA"
	actUUID  = "4444AAAiAAAAAiAiAiiAii=="
)

func testActivity(t *testing.T, newStore func(*testing.T) store.Store) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)

	t.Run("Attendance", func(t *testing.T) {
		s := newStore(t)
		ps := []*sfzoom.Participant{
			{Name: "Hank", Email: "Hank@Globex.example", JoinTime: t0, LeaveTime: t0.Add(30 * time.Minute), Duration: 1800, Match: sfzoom.MatchContact, SFRecordID: "003000000000001AAA"},
			{Name: "Dial-in 1", JoinTime: t0.Add(time.Minute), Duration: 60, Match: sfzoom.MatchUnmatched},
		}
		mustNoErr(t, "SaveAttendance", s.SaveAttendance(ctx, actOrg, actUUID, 7, ps))
		if ps[0].ID == 0 || ps[1].ID == 0 {
			t.Fatalf("SaveAttendance did not set ids: %+v %+v", ps[0], ps[1])
		}
		got, err := s.FindAttendance(ctx, actOrg, actUUID)
		mustNoErr(t, "FindAttendance", err)
		if len(got) != 2 || got[0].Email != "hank@globex.example" || got[0].Duration != 1800 || got[1].Match != sfzoom.MatchUnmatched || got[0].MeetingID != 7 {
			t.Fatalf("FindAttendance = %+v %+v", got[0], got[1])
		}
		// Saving again updates in place: no duplicate rows.
		ps[0].Duration = 2400
		mustNoErr(t, "SaveAttendance again", s.SaveAttendance(ctx, actOrg, actUUID, 7, ps))
		got, _ = s.FindAttendance(ctx, actOrg, actUUID)
		if len(got) != 2 || got[0].Duration != 2400 {
			t.Fatalf("after re-save: %d rows, duration %d", len(got), got[0].Duration)
		}
		// Other orgs see nothing.
		if other, _ := s.FindAttendance(ctx, actOther, actUUID); len(other) != 0 {
			t.Fatalf("other org sees %d participants", len(other))
		}
		wantCode(t, "SaveAttendance no org", s.SaveAttendance(ctx, "", actUUID, 0, ps), sfzoom.EINVALID)
	})

	t.Run("AttendanceByMeetings", func(t *testing.T) {
		s := newStore(t)
		const other = "4444AAAiAAAAAiAiAiiAii==other"
		mustNoErr(t, "SaveAttendance 7", s.SaveAttendance(ctx, actOrg, actUUID, 7, []*sfzoom.Participant{
			{Name: "Late", Email: "late@globex.example", JoinTime: t0.Add(10 * time.Minute), Match: sfzoom.MatchLead, SFRecordID: "00Q000000000001AAA"},
			{Name: "Hank", Email: "hank@globex.example", JoinTime: t0, Match: sfzoom.MatchContact, SFRecordID: "003000000000001AAA"},
		}))
		mustNoErr(t, "SaveAttendance 8", s.SaveAttendance(ctx, actOrg, other, 8, []*sfzoom.Participant{
			{Name: "Phone", JoinTime: t0, Match: sfzoom.MatchUnmatched},
		}))
		mustNoErr(t, "SaveAttendance 9", s.SaveAttendance(ctx, actOrg, "uuid-9", 9, []*sfzoom.Participant{{Name: "Not asked", JoinTime: t0}}))
		mustNoErr(t, "SaveAttendance other org", s.SaveAttendance(ctx, actOther, "uuid-x", 7, []*sfzoom.Participant{{Name: "Other org", JoinTime: t0}}))
		got, err := s.FindAttendanceByMeetings(ctx, actOrg, []int64{8, 7})
		mustNoErr(t, "FindAttendanceByMeetings", err)
		var names []string
		for _, a := range got {
			names = append(names, fmt.Sprintf("%d %s %s %s", a.MeetingID, a.Name, a.Match, a.SFRecordID))
		}
		want := []string{"7 Hank contact 003000000000001AAA", "7 Late lead 00Q000000000001AAA", "8 Phone unmatched "}
		if diff := cmp.Diff(want, names); diff != "" {
			t.Fatalf("FindAttendanceByMeetings (-want +got):\n%s", diff)
		}
		if got, err := s.FindAttendanceByMeetings(ctx, actOrg, nil); err != nil || len(got) != 0 {
			t.Fatalf("no ids = %v, %v; want none", got, err)
		}
		_, err = s.FindAttendanceByMeetings(ctx, "", []int64{7})
		wantCode(t, "FindAttendanceByMeetings no org", err, sfzoom.EINVALID)
		many := make([]int64, 201)
		for i := range many {
			many[i] = int64(i + 1)
		}
		_, err = s.FindAttendanceByMeetings(ctx, actOrg, many)
		wantCode(t, "FindAttendanceByMeetings 201 ids", err, sfzoom.EINVALID)
	})

	t.Run("ReviewQueue", func(t *testing.T) {
		s := newStore(t)
		ps := []*sfzoom.Participant{
			{Name: "Guest", Email: "guest@unknown.example", Match: sfzoom.MatchUnmatched},
			{Name: "Phone", Match: sfzoom.MatchUnmatched},
		}
		mustNoErr(t, "SaveAttendance", s.SaveAttendance(ctx, actOrg, actUUID, 0, ps))
		mustNoErr(t, "SaveActivityLog", s.SaveActivityLog(ctx, &sfzoom.ActivityLog{OrgID: actOrg, MeetingUUID: actUUID, Topic: "Renewal"}))
		q, err := s.FindUnmatched(ctx, actOrg, 10)
		mustNoErr(t, "FindUnmatched", err)
		if len(q) != 2 || q[0].Topic != "Renewal" {
			t.Fatalf("FindUnmatched = %d items (%+v)", len(q), q)
		}
		if q, _ := s.FindUnmatched(ctx, actOther, 10); len(q) != 0 {
			t.Fatalf("other org's queue has %d items", len(q))
		}
		_, err = s.LinkParticipant(ctx, actOther, ps[0].ID, sfzoom.MatchContact, "003000000000009AAA", t0.Add(time.Hour))
		wantCode(t, "LinkParticipant other org", err, sfzoom.ENOTFOUND)
		_, err = s.LinkParticipant(ctx, actOrg, ps[0].ID, "account", "003000000000009AAA", t0.Add(time.Hour))
		wantCode(t, "LinkParticipant bad kind", err, sfzoom.EINVALID)
		_, err = s.LinkParticipant(ctx, actOrg, ps[0].ID, sfzoom.MatchContact, "x' OR 1=1", t0.Add(time.Hour))
		wantCode(t, "LinkParticipant bad id", err, sfzoom.EINVALID)

		a, err := s.LinkParticipant(ctx, actOrg, ps[0].ID, sfzoom.MatchContact, "003000000000009AAA", t0.Add(time.Hour))
		mustNoErr(t, "LinkParticipant", err)
		if !a.Linked || a.Match != sfzoom.MatchContact || a.SFRecordID != "003000000000009AAA" {
			t.Fatalf("LinkParticipant = %+v", a)
		}
		if q, _ := s.FindUnmatched(ctx, actOrg, 10); len(q) != 1 {
			t.Fatalf("queue after link has %d items, want 1", len(q))
		}
		// The cache learned the link.
		m, err := s.FindCachedMatches(ctx, actOrg, []string{"guest@unknown.example"}, t0)
		mustNoErr(t, "FindCachedMatches", err)
		if m["guest@unknown.example"] == nil || m["guest@unknown.example"].SFRecordID != "003000000000009AAA" {
			t.Fatalf("cache after link = %+v", m)
		}
		// A pipeline re-run does not undo the admin's link.
		ps[0].Match, ps[0].SFRecordID = sfzoom.MatchUnmatched, ""
		mustNoErr(t, "SaveAttendance re-run", s.SaveAttendance(ctx, actOrg, actUUID, 0, ps))
		got, _ := s.FindAttendance(ctx, actOrg, actUUID)
		for _, g := range got {
			if g.Email == "guest@unknown.example" && (g.Match != sfzoom.MatchContact || !g.Linked) {
				t.Fatalf("re-run overwrote the link: %+v", g)
			}
		}
	})

	t.Run("RecordingFiles", func(t *testing.T) {
		s := newStore(t)
		files := []*sfzoom.RecordingFile{
			{ZoomFileID: "f-mp4", FileType: "MP4", FileExtension: "MP4", RecordingType: "shared_screen_with_speaker_view", FileSize: 1 << 30, Status: "completed", RecordingStart: t0, RecordingEnd: t0.Add(time.Hour)},
			{FileType: "TIMELINE", FileExtension: "JSON", RecordingStart: t0},
		}
		mustNoErr(t, "SaveRecordingFiles", s.SaveRecordingFiles(ctx, actOrg, actUUID, 7, files))
		mustNoErr(t, "SaveRecordingFiles again", s.SaveRecordingFiles(ctx, actOrg, actUUID, 7, files))
		id, uuid, fid := int64(7), actUUID, "f-mp4"
		for _, f := range []sfzoom.RecordingFileFilter{{OrgID: actOrg, MeetingID: &id}, {OrgID: actOrg, MeetingUUID: &uuid}} {
			got, err := s.FindRecordingFiles(ctx, f)
			mustNoErr(t, "FindRecordingFiles", err)
			if len(got) != 2 {
				t.Fatalf("FindRecordingFiles = %d files, want 2", len(got))
			}
		}
		got, err := s.FindRecordingFiles(ctx, sfzoom.RecordingFileFilter{OrgID: actOrg, ZoomFileID: &fid})
		mustNoErr(t, "FindRecordingFiles by file", err)
		want := *files[0]
		if len(got) != 1 || !cmp.Equal(&want, got[0]) {
			t.Fatalf("FindRecordingFiles by file = %+v, want %+v", got, want)
		}
		if got, _ := s.FindRecordingFiles(ctx, sfzoom.RecordingFileFilter{OrgID: actOther, ZoomFileID: &fid}); len(got) != 0 {
			t.Fatalf("other org sees %d files", len(got))
		}
		_, err = s.FindRecordingFiles(ctx, sfzoom.RecordingFileFilter{})
		wantCode(t, "FindRecordingFiles no org", err, sfzoom.EINVALID)
	})

	t.Run("Summary", func(t *testing.T) {
		s := newStore(t)
		_, err := s.FindSummary(ctx, actOrg, actUUID)
		wantCode(t, "FindSummary none", err, sfzoom.ENOTFOUND)
		sum := &sfzoom.Summary{OrgID: actOrg, MeetingID: 7, Overview: "We agreed.", Details: []sfzoom.SummaryDetail{{Label: "Pricing", Summary: "OK"}},
			NextSteps: []string{"Send contract"}, ActionItems: []string{"Send contract"}, Markdown: "## Overview"}
		mustNoErr(t, "SaveSummary", s.SaveSummary(ctx, actUUID, sum))
		sum.Overview = "We agreed twice."
		mustNoErr(t, "SaveSummary replace", s.SaveSummary(ctx, actUUID, sum))
		got, err := s.FindSummary(ctx, actOrg, actUUID)
		mustNoErr(t, "FindSummary", err)
		if diff := cmp.Diff(sum, got); diff != "" {
			t.Fatalf("FindSummary (-want +got):\n%s", diff)
		}
		_, err = s.FindSummary(ctx, actOther, actUUID)
		wantCode(t, "FindSummary other org", err, sfzoom.ENOTFOUND)
	})

	t.Run("MatchCache", func(t *testing.T) {
		s := newStore(t)
		ms := []*sfzoom.Match{
			{OrgID: actOrg, Email: "A@x.example", Kind: sfzoom.MatchContact, SFRecordID: "003000000000001AAA", AccountID: "001000000000001AAA", ExpiresAt: t0.Add(time.Hour)},
			{OrgID: actOrg, Email: "b@x.example", Kind: sfzoom.MatchLead, SFRecordID: "00Q000000000001AAA", ExpiresAt: t0.Add(-time.Minute)},
		}
		mustNoErr(t, "SaveCachedMatches", s.SaveCachedMatches(ctx, ms))
		got, err := s.FindCachedMatches(ctx, actOrg, []string{"a@x.example", "b@x.example", "c@x.example"}, t0)
		mustNoErr(t, "FindCachedMatches", err)
		if len(got) != 1 || got["a@x.example"] == nil || got["a@x.example"].AccountID != "001000000000001AAA" {
			t.Fatalf("FindCachedMatches = %+v (expired entries must not be returned)", got)
		}
		if got, _ := s.FindCachedMatches(ctx, actOther, []string{"a@x.example"}, t0); len(got) != 0 {
			t.Fatalf("other org sees cache %+v", got)
		}
	})

	t.Run("ActivityLog", func(t *testing.T) {
		s := newStore(t)
		_, err := s.FindActivityLog(ctx, actOrg, actUUID)
		wantCode(t, "FindActivityLog none", err, sfzoom.ENOTFOUND)
		l := &sfzoom.ActivityLog{OrgID: actOrg, MeetingUUID: actUUID, MeetingID: 7, ZoomMeetingID: 85746065432, Topic: "Renewal",
			Mode: sfzoom.ActivityModeDirect, SFEventID: "00U000000000001AAA", RelatedRecordID: "006000000000001AAA", Fingerprint: "abc", StartTime: t0, LoggedAt: t0,
			Timezone: "America/New_York"}
		mustNoErr(t, "SaveActivityLog", s.SaveActivityLog(ctx, l))
		got, err := s.FindActivityLog(ctx, actOrg, actUUID)
		mustNoErr(t, "FindActivityLog", err)
		if diff := cmp.Diff(l, got); diff != "" {
			t.Fatalf("FindActivityLog (-want +got):\n%s", diff)
		}
		logs, err := s.FindActivityLogs(ctx, actOrg, 85746065432)
		mustNoErr(t, "FindActivityLogs", err)
		if len(logs) != 1 {
			t.Fatalf("FindActivityLogs = %d, want 1", len(logs))
		}
		_, err = s.FindActivityLog(ctx, actOther, actUUID)
		wantCode(t, "FindActivityLog other org", err, sfzoom.ENOTFOUND)
	})

	t.Run("LatestActivityLog", func(t *testing.T) {
		// The Opportunity roll-ups follow the meeting that started last,
		// whatever order the meetings were logged in.
		s := newStore(t)
		const opp = "006000000000001AAA"
		_, err := s.LatestActivityLog(ctx, actOrg, opp)
		wantCode(t, "LatestActivityLog none", err, sfzoom.ENOTFOUND)
		for i, start := range []time.Time{t0, t0.Add(48 * time.Hour), t0.Add(24 * time.Hour)} {
			mustNoErr(t, "SaveActivityLog", s.SaveActivityLog(ctx, &sfzoom.ActivityLog{OrgID: actOrg, MeetingUUID: fmt.Sprintf("u%d==", i),
				RelatedRecordID: opp, StartTime: start, LoggedAt: t0.Add(time.Duration(i) * time.Hour)}))
		}
		// Later meetings of another record or another org do not count.
		mustNoErr(t, "SaveActivityLog", s.SaveActivityLog(ctx, &sfzoom.ActivityLog{OrgID: actOrg, MeetingUUID: "x==",
			RelatedRecordID: "006000000000002AAA", StartTime: t0.Add(72 * time.Hour), LoggedAt: t0}))
		mustNoErr(t, "SaveActivityLog", s.SaveActivityLog(ctx, &sfzoom.ActivityLog{OrgID: actOther, MeetingUUID: "y==",
			RelatedRecordID: opp, StartTime: t0.Add(72 * time.Hour), LoggedAt: t0}))
		got, err := s.LatestActivityLog(ctx, actOrg, opp)
		mustNoErr(t, "LatestActivityLog", err)
		if got.MeetingUUID != "u1==" || !got.StartTime.Equal(t0.Add(48*time.Hour)) {
			t.Fatalf("LatestActivityLog = %s started %v, want u1== (the latest start, logged second)", got.MeetingUUID, got.StartTime)
		}
	})
}

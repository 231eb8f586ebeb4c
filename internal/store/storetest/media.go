package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store"
)

func testMediaAudit(t *testing.T, newStore func(t *testing.T) store.Store) {
	ctx := context.Background()
	s := newStore(t)
	base := time.Date(2026, 3, 1, 10, 0, 0, 123456000, time.UTC)
	entries := []*sfzoom.MediaAudit{
		{OrgID: "00Dorg1", SFUserID: "005a", MeetingID: 7, ZoomFileID: "f1", Range: "bytes=0-", Status: 206, Bytes: 1024, Result: sfzoom.MediaServed, At: base},
		{OrgID: "00Dorg1", SFUserID: "005b", MeetingID: 7, ZoomFileID: "f1", Status: 403, Result: sfzoom.MediaDenied, Detail: "no read access", At: base.Add(time.Second)},
		{OrgID: "00Dorg1", SFUserID: "005a", MeetingID: 8, ZoomFileID: "f2", Status: 200, Bytes: 99, Result: sfzoom.MediaServed, At: base.Add(2 * time.Second)},
		{OrgID: "00Dorg2", SFUserID: "005a", MeetingID: 7, ZoomFileID: "f1", Status: 200, Result: sfzoom.MediaServed, At: base.Add(3 * time.Second)},
	}
	for _, e := range entries {
		mustNoErr(t, "AppendMediaAudit", s.AppendMediaAudit(ctx, e))
		if e.ID == 0 {
			t.Fatalf("AppendMediaAudit did not set ID")
		}
	}
	t.Run("ErrInvalid", func(t *testing.T) {
		wantCode(t, "AppendMediaAudit(no org)", s.AppendMediaAudit(ctx, &sfzoom.MediaAudit{Result: sfzoom.MediaServed}), sfzoom.EINVALID)
		wantCode(t, "AppendMediaAudit(no result)", s.AppendMediaAudit(ctx, &sfzoom.MediaAudit{OrgID: "00Dorg1"}), sfzoom.EINVALID)
		_, err := s.FindMediaAudit(ctx, sfzoom.MediaAuditFilter{})
		wantCode(t, "FindMediaAudit(no org)", err, sfzoom.EINVALID)
	})
	userA, meeting7, fileF1 := "005a", int64(7), "f1"
	tests := []struct {
		name string
		f    sfzoom.MediaAuditFilter
		want []*sfzoom.MediaAudit
	}{
		{"OrgNewestFirst", sfzoom.MediaAuditFilter{OrgID: "00Dorg1"}, []*sfzoom.MediaAudit{entries[2], entries[1], entries[0]}},
		{"ByUser", sfzoom.MediaAuditFilter{OrgID: "00Dorg1", SFUserID: &userA}, []*sfzoom.MediaAudit{entries[2], entries[0]}},
		{"ByMeetingAndFile", sfzoom.MediaAuditFilter{OrgID: "00Dorg1", MeetingID: &meeting7, ZoomFileID: &fileF1}, []*sfzoom.MediaAudit{entries[1], entries[0]}},
		{"Limit", sfzoom.MediaAuditFilter{OrgID: "00Dorg1", Limit: 1}, []*sfzoom.MediaAudit{entries[2]}},
		{"OtherOrg", sfzoom.MediaAuditFilter{OrgID: "00Dorg2"}, []*sfzoom.MediaAudit{entries[3]}},
		{"UnknownOrg", sfzoom.MediaAuditFilter{OrgID: "00Dnone"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.FindMediaAudit(ctx, tt.f)
			mustNoErr(t, "FindMediaAudit", err)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("FindMediaAudit(%+v) mismatch (-want +got):\n%s", tt.f, diff)
			}
		})
	}
}

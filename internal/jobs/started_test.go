package jobs_test

import (
	"context"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/sfzoom/sfzoom/internal/jobs"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store"
)

type startedStore struct{ ms []*sfzoom.Meeting }

func (s *startedStore) FindMeetings(_ context.Context, f sfzoom.MeetingFilter) ([]*sfzoom.Meeting, int, error) {
	var out []*sfzoom.Meeting
	for _, m := range s.ms {
		if m.OrgID == f.OrgID && f.ZoomMeetingID != nil && m.ZoomMeetingID == *f.ZoomMeetingID {
			out = append(out, m)
		}
	}
	return out, len(out), nil
}

func (s *startedStore) UpdateMeeting(_ context.Context, orgID string, id int64, upd sfzoom.MeetingUpdate, _ ...store.Job) (*sfzoom.Meeting, error) {
	for _, m := range s.ms {
		if m.OrgID == orgID && m.ID == id {
			if upd.Status != nil {
				m.Status = *upd.Status
			}
			return m, nil
		}
	}
	return nil, sfzoom.Errorf(sfzoom.ENOTFOUND, "no meeting %d", id)
}

// TestMeetingStarted: a scheduled meeting becomes started; one that already
// ended (meeting.ended was worked first) or was cancelled keeps its status;
// another org's meeting with the same Zoom id is untouched.
func TestMeetingStarted(t *testing.T) {
	st := &startedStore{ms: []*sfzoom.Meeting{
		{ID: 1, OrgID: "orgA", ZoomMeetingID: 11, Status: sfzoom.MeetingScheduled},
		{ID: 2, OrgID: "orgA", ZoomMeetingID: 22, Status: sfzoom.MeetingEnded},
		{ID: 3, OrgID: "orgA", ZoomMeetingID: 33, Status: sfzoom.MeetingCancelled},
		{ID: 4, OrgID: "orgB", ZoomMeetingID: 11, Status: sfzoom.MeetingScheduled},
	}}
	w := &jobs.MeetingStartedWorker{Meetings: st}
	for _, zid := range []int64{11, 22, 33, 99} {
		job := &river.Job[jobs.MeetingStartedArgs]{JobRow: &rivertype.JobRow{}, Args: jobs.MeetingStartedArgs{OrgID: "orgA", ZoomMeetingID: zid}}
		if err := w.Work(context.Background(), job); err != nil {
			t.Fatalf("Work(%d) = %v", zid, err)
		}
	}
	want := []sfzoom.MeetingStatus{sfzoom.MeetingStarted, sfzoom.MeetingEnded, sfzoom.MeetingCancelled, sfzoom.MeetingScheduled}
	for i, m := range st.ms {
		if m.Status != want[i] {
			t.Errorf("meeting %d status = %q, want %q", m.ID, m.Status, want[i])
		}
	}
}

package jobs

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store"
)

// MeetingStartedArgs marks a meeting scheduled through sfzoom as started
// (meeting.started), so the record page shows it in progress.
type MeetingStartedArgs struct {
	OrgID         string `json:"org_id"`
	ZoomMeetingID int64  `json:"zoom_meeting_id"`
}

// Kind implements river.JobArgs.
func (MeetingStartedArgs) Kind() string { return "meeting_started" }

// InsertOpts: a status badge is worth a few retries, not a day of them.
func (MeetingStartedArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 5, Queue: river.QueueDefault}
}

// StartedMeetings finds meeting rows and updates their status (the store).
type StartedMeetings interface {
	FindMeetings(ctx context.Context, f sfzoom.MeetingFilter) ([]*sfzoom.Meeting, int, error)
	UpdateMeeting(ctx context.Context, orgID string, id int64, upd sfzoom.MeetingUpdate, jobs ...store.Job) (*sfzoom.Meeting, error)
}

// MeetingStartedWorker runs MeetingStartedArgs jobs.
type MeetingStartedWorker struct {
	river.WorkerDefaults[MeetingStartedArgs]
	Meetings StartedMeetings
}

// Work moves a scheduled meeting to started. Deliveries can arrive out of
// order (meeting.ended first), so only "scheduled" changes; a meeting sfzoom
// did not schedule is none of its business.
func (w *MeetingStartedWorker) Work(ctx context.Context, job *river.Job[MeetingStartedArgs]) error {
	a := job.Args
	if a.OrgID == "" || a.ZoomMeetingID == 0 {
		return nil
	}
	zid := a.ZoomMeetingID
	ms, _, err := w.Meetings.FindMeetings(ctx, sfzoom.MeetingFilter{OrgID: a.OrgID, ZoomMeetingID: &zid})
	if err != nil {
		return Result(fmt.Errorf("jobs: meeting started: %w", err))
	}
	for _, m := range ms {
		if m.Status != sfzoom.MeetingScheduled {
			continue
		}
		started := sfzoom.MeetingStarted
		if _, err := w.Meetings.UpdateMeeting(ctx, m.OrgID, m.ID, sfzoom.MeetingUpdate{Status: &started}); err != nil {
			return Result(fmt.Errorf("jobs: meeting started: %w", err))
		}
	}
	return nil
}

package main

import (
	"context"
	"errors"

	"github.com/sfzoom/sfzoom/internal/jobs"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// lateMeetingLogger forwards to the app's post-meeting pipeline, which is
// built after the backend the workers are registered with.
type lateMeetingLogger struct{ a *app }

func (l lateMeetingLogger) LogMeeting(ctx context.Context, args jobs.LogMeetingArgs) error {
	return l.a.pipeline.LogMeeting(ctx, args)
}

// unconfiguredPipeline is used until the activity pipeline is wired: jobs
// stay queued and are retried, never dropped.
type unconfiguredPipeline struct{}

func (unconfiguredPipeline) LogMeeting(context.Context, jobs.LogMeetingArgs) error {
	return errPipelineNotConfigured
}

var errPipelineNotConfigured = errors.New("activity pipeline not configured")

// lateMeetings gives the meeting_started worker the store, which exists
// once the backend is open (before any job runs).
type lateMeetings struct{ a *app }

func (l lateMeetings) FindMeetings(ctx context.Context, f sfzoom.MeetingFilter) ([]*sfzoom.Meeting, int, error) {
	return l.a.backend.Store.FindMeetings(ctx, f)
}

func (l lateMeetings) SetMeetingStatus(ctx context.Context, orgID string, id int64, status string) error {
	_, err := l.a.backend.Store.UpdateMeeting(ctx, orgID, id, sfzoom.MeetingUpdate{Status: &status})
	return err
}

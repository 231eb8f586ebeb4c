package main

import (
	"context"
	"errors"

	"github.com/sfzoom/sfzoom/internal/jobs"
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

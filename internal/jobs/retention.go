package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// PruneWebhooksArgs deletes stored Zoom webhook deliveries older than the
// retention period (SFZOOM_WEBHOOK_RETENTION), so the database does not grow
// forever. A delivery's work is done within minutes to days (a blocked
// meeting waits for a reconnect, and then needs only its job, not the stored
// payload); Zoom stops retrying a delivery 85 minutes after the first attempt
// (https://developers.zoom.us/docs/api/webhooks/#notification-delivery), so
// a pruned dedupe key is never needed again.
type PruneWebhooksArgs struct{}

// Kind implements river.JobArgs.
func (PruneWebhooksArgs) Kind() string { return "prune_webhook_events" }

// InsertOpts: the next run does the same work, so a failed run is not worth
// many retries.
func (PruneWebhooksArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, Queue: river.QueueDefault}
}

// WebhookPruner deletes old deliveries (the store).
type WebhookPruner interface {
	DeleteWebhookEventsBefore(ctx context.Context, cutoff time.Time) (int64, error)
}

// PruneWebhooksWorker runs PruneWebhooksArgs jobs.
type PruneWebhooksWorker struct {
	river.WorkerDefaults[PruneWebhooksArgs]
	Store     WebhookPruner
	Retention time.Duration
	Now       func() time.Time // time.Now when nil
	Logger    *slog.Logger
}

// Work deletes every delivery received more than Retention ago.
func (w *PruneWebhooksWorker) Work(ctx context.Context, _ *river.Job[PruneWebhooksArgs]) error {
	if w.Retention <= 0 {
		return nil // retention off: keep everything
	}
	cutoff := sfzoom.NowOrTimeNow(w.Now)().Add(-w.Retention)
	n, err := w.Store.DeleteWebhookEventsBefore(ctx, cutoff)
	if err != nil {
		return Result(fmt.Errorf("jobs: prune webhook events: %w", err))
	}
	if w.Logger != nil && n > 0 {
		w.Logger.InfoContext(ctx, "pruned stored webhook deliveries", "deleted", n, "received_before", cutoff.UTC().Format(time.RFC3339))
	}
	return nil
}

// PruneWebhooksInterval is how often the retention job runs.
const PruneWebhooksInterval = time.Hour

// PruneWebhooksPeriodicJob runs the retention job every interval (and once
// at start, so a long-stopped server catches up).
func PruneWebhooksPeriodicJob(interval time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(interval), func() (river.JobArgs, *river.InsertOpts) {
		return PruneWebhooksArgs{}, nil
	}, &river.PeriodicJobOpts{ID: "prune_webhook_events", RunOnStart: true})
}

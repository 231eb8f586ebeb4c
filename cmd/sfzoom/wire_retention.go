package main

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/sfzoom/sfzoom/internal/jobs"
)

// retentionPeriodicJobs registers the webhook retention worker (which reaches
// the store through a, complete before jobs run) and returns its periodic
// job, for backend.Options.PeriodicJobs.
func retentionPeriodicJobs(workers *river.Workers, a *app) []*river.PeriodicJob {
	river.AddWorker(workers, &jobs.PruneWebhooksWorker{Store: lateWebhookPruner{a}, Retention: a.cfg.WebhookRetention, Logger: a.log})
	return []*river.PeriodicJob{jobs.PruneWebhooksPeriodicJob(jobs.PruneWebhooksInterval)}
}

// lateWebhookPruner reaches the store once the backend is open.
type lateWebhookPruner struct{ a *app }

func (l lateWebhookPruner) DeleteWebhookEventsBefore(ctx context.Context, cutoff time.Time) (int64, error) {
	return l.a.backend.Store.DeleteWebhookEventsBefore(ctx, cutoff)
}

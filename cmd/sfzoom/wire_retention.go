package main

import (
	"github.com/riverqueue/river"

	"github.com/sfzoom/sfzoom/internal/jobs"
)

// retentionWorkers registers the webhook retention worker and returns its
// periodic job, for backend.WorkerOptions.PeriodicJobs.
func (a *app) retentionWorkers(workers *river.Workers) []*river.PeriodicJob {
	river.AddWorker(workers, &jobs.PruneWebhooksWorker{Store: a.backend.Store, Retention: a.cfg.WebhookRetention, Logger: a.log})
	return []*river.PeriodicJob{jobs.PruneWebhooksPeriodicJob(jobs.PruneWebhooksInterval)}
}

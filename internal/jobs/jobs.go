// Package jobs holds sfzoom's River plumbing: the metrics middleware every
// worker runs inside, and Result, which turns a worker's error into the River
// outcome it deserves (retry, snooze or cancel). Job kinds and their workers
// are added next to it by the packages that own them.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// Job outcomes as counted by Metrics.
const (
	OutcomeCompleted = "completed" // Work returned nil
	OutcomeRetryable = "retryable" // an error with attempts left: River retries with backoff
	OutcomeDiscarded = "discarded" // an error on the last attempt: River gives up
	OutcomeSnoozed   = "snoozed"   // river.JobSnooze: tried again later, no attempt used
	OutcomeCancelled = "cancelled" // river.JobCancel: never tried again
	OutcomePanicked  = "panicked"  // Work panicked (River recovers it and retries)
)

// DefaultSnooze is how long a rate-limited job waits when the upstream gave
// no Retry-After.
const DefaultSnooze = 30 * time.Second

// MaxSnooze caps a Retry-After so that a bogus value cannot park a job for days.
const MaxSnooze = time.Hour

// RetryAfterer is implemented by errors that know when to try again, such as
// an API client's rate-limit error built from a Retry-After header.
type RetryAfterer interface {
	RetryAfterDelay() time.Duration
}

// Worker runs the jobs of one kind by handing their args to Do and mapping
// its error to a River outcome with Result.
type Worker[A river.JobArgs] struct {
	river.WorkerDefaults[A]
	Do func(ctx context.Context, args A) error
}

// NewWorker returns the worker that runs A jobs with do, e.g.
// jobs.NewWorker(pipeline.LogMeeting).
func NewWorker[A river.JobArgs](do func(ctx context.Context, args A) error) *Worker[A] {
	return &Worker[A]{Do: do}
}

// Work runs the job and maps the error to a River outcome.
func (w *Worker[A]) Work(ctx context.Context, job *river.Job[A]) error {
	return Result(w.Do(ctx, job.Args))
}

// retryForADay gives a job many attempts spread over about a day (River's
// backoff), so an outage of Salesforce or Zoom loses nothing.
var retryForADay = river.InsertOpts{MaxAttempts: 15, Queue: river.QueueDefault}

// Result maps the error returned by a job's work to a River outcome:
//
//   - nil, and errors River already understands (JobSnooze, JobCancel), pass through;
//   - ERATELIMIT, or any error implementing RetryAfterer, snoozes the job for
//     the requested delay (DefaultSnooze if unknown, at most MaxSnooze), which
//     does not use up an attempt;
//   - EINVALID, ENOTFOUND, EFORBIDDEN, EUNAUTHORIZED (a person must reconnect)
//     and ENOTIMPLEMENTED are permanent, so the job is cancelled;
//   - everything else (EUNAVAILABLE, EINTERNAL, ECONFLICT from a lost
//     compare-and-swap, network errors) is returned for River to retry with backoff.
func Result(err error) error {
	if err == nil {
		return nil
	}
	var (
		snooze *river.JobSnoozeError
		cancel *river.JobCancelError
	)
	if errors.As(err, &snooze) || errors.As(err, &cancel) {
		return err
	}
	var ra RetryAfterer
	hasDelay := errors.As(err, &ra)
	switch code := sfzoom.ErrorCode(err); {
	case code == sfzoom.ERATELIMIT || hasDelay:
		d := DefaultSnooze
		if hasDelay && ra.RetryAfterDelay() > 0 {
			d = ra.RetryAfterDelay()
		}
		return river.JobSnooze(min(d, MaxSnooze))
	case code == sfzoom.EINVALID, code == sfzoom.ENOTFOUND, code == sfzoom.EFORBIDDEN,
		code == sfzoom.EUNAUTHORIZED, code == sfzoom.ENOTIMPLEMENTED:
		return river.JobCancel(err)
	}
	return err
}

// Metrics is a River worker middleware that counts worked jobs by kind and
// outcome (sfzoom_jobs_total) and observes how long they ran
// (sfzoom_job_duration_seconds). Install it with river.Config.Middleware.
type Metrics struct {
	river.MiddlewareDefaults

	total    *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

var _ rivertype.WorkerMiddleware = (*Metrics)(nil)

// NewMetrics registers the job metrics with reg and returns the middleware.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		total: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sfzoom_jobs_total",
			Help: "Jobs worked, by kind and outcome.",
		}, []string{"kind", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sfzoom_job_duration_seconds",
			Help:    "How long jobs ran, by kind.",
			Buckets: []float64{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"kind"}),
	}
	for _, c := range []prometheus.Collector{m.total, m.duration} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("jobs: register metrics: %w", err)
		}
	}
	return m, nil
}

// Work runs the job and records its outcome and duration.
func (m *Metrics) Work(ctx context.Context, job *rivertype.JobRow, doInner func(ctx context.Context) error) (err error) {
	start := time.Now()
	defer func() {
		m.duration.WithLabelValues(job.Kind).Observe(time.Since(start).Seconds())
		if r := recover(); r != nil {
			m.total.WithLabelValues(job.Kind, OutcomePanicked).Inc()
			panic(r)
		}
		m.total.WithLabelValues(job.Kind, Outcome(job, err)).Inc()
	}()
	return doInner(ctx)
}

// Outcome names what River will do with job after its work returned err.
func Outcome(job *rivertype.JobRow, err error) string {
	var (
		snooze *river.JobSnoozeError
		cancel *river.JobCancelError
	)
	switch {
	case err == nil:
		return OutcomeCompleted
	case errors.As(err, &snooze):
		return OutcomeSnoozed
	case errors.As(err, &cancel):
		return OutcomeCancelled
	case job.Attempt >= job.MaxAttempts:
		return OutcomeDiscarded
	}
	return OutcomeRetryable
}

package jobs_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/sfzoom/sfzoom/internal/jobs"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

type fakePruner struct {
	cutoffs []time.Time
	err     error
}

func (f *fakePruner) DeleteWebhookEventsBefore(_ context.Context, cutoff time.Time) (int64, error) {
	f.cutoffs = append(f.cutoffs, cutoff)
	return 3, f.err
}

func TestPruneWebhooksWorker(t *testing.T) {
	now := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	job := &river.Job[jobs.PruneWebhooksArgs]{}
	t.Run("CutoffIsNowMinusRetention", func(t *testing.T) {
		p := &fakePruner{}
		w := &jobs.PruneWebhooksWorker{Store: p, Retention: 30 * 24 * time.Hour, Now: func() time.Time { return now }}
		if err := w.Work(context.Background(), job); err != nil {
			t.Fatalf("Work = %v", err)
		}
		if want := now.Add(-30 * 24 * time.Hour); len(p.cutoffs) != 1 || !p.cutoffs[0].Equal(want) {
			t.Fatalf("cutoffs = %v, want [%v]", p.cutoffs, want)
		}
	})
	t.Run("ZeroRetentionKeepsEverything", func(t *testing.T) {
		p := &fakePruner{}
		w := &jobs.PruneWebhooksWorker{Store: p}
		if err := w.Work(context.Background(), job); err != nil || len(p.cutoffs) != 0 {
			t.Fatalf("Work = %v with cutoffs %v, want nil and no delete", err, p.cutoffs)
		}
	})
	t.Run("StoreErrorIsRetried", func(t *testing.T) {
		p := &fakePruner{err: sfzoom.Errorf(sfzoom.EUNAVAILABLE, "database down")}
		w := &jobs.PruneWebhooksWorker{Store: p, Retention: time.Hour}
		err := w.Work(context.Background(), job)
		var cancel *river.JobCancelError
		if err == nil || errors.As(err, &cancel) {
			t.Fatalf("Work = %v, want a retryable error", err)
		}
	})
}

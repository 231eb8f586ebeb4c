package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/sfzoom/sfzoom/internal/jobs"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// rateLimitError stands in for an API client's error carrying Retry-After.
type rateLimitError struct{ after time.Duration }

func (e *rateLimitError) Error() string                  { return "rate limited" }
func (e *rateLimitError) RetryAfterDelay() time.Duration { return e.after }

func TestResult(t *testing.T) {
	boom := errors.New("connection reset")
	tests := []struct {
		name       string
		err        error
		wantNil    bool
		wantSnooze time.Duration // > 0: a JobSnoozeError with this duration
		wantCancel bool
	}{
		{name: "Nil", err: nil, wantNil: true},
		{name: "RateLimitWithRetryAfter", err: fmt.Errorf("zoom: list participants: %w", &rateLimitError{after: 7 * time.Second}), wantSnooze: 7 * time.Second},
		{name: "RateLimitCode", err: sfzoom.Errorf(sfzoom.ERATELIMIT, "slow down"), wantSnooze: jobs.DefaultSnooze},
		{name: "RateLimitCodeWrapping", err: sfzoom.WrapError(sfzoom.ERATELIMIT, &rateLimitError{after: 2 * time.Minute}, "slow down"), wantSnooze: 2 * time.Minute},
		{name: "RetryAfterCapped", err: &rateLimitError{after: 48 * time.Hour}, wantSnooze: jobs.MaxSnooze},
		{name: "Invalid", err: sfzoom.Errorf(sfzoom.EINVALID, "bad"), wantCancel: true},
		{name: "NotFound", err: fmt.Errorf("activity: %w", sfzoom.Errorf(sfzoom.ENOTFOUND, "gone")), wantCancel: true},
		{name: "Forbidden", err: sfzoom.Errorf(sfzoom.EFORBIDDEN, "no"), wantCancel: true},
		{name: "Unauthorized", err: sfzoom.Errorf(sfzoom.EUNAUTHORIZED, "reconnect"), wantCancel: true},
		{name: "Unavailable", err: sfzoom.Errorf(sfzoom.EUNAVAILABLE, "breaker open")},
		{name: "Conflict", err: sfzoom.Errorf(sfzoom.ECONFLICT, "lost the race")},
		{name: "Plain", err: boom},
		{name: "AlreadyCancel", err: river.JobCancel(boom), wantCancel: true},
		{name: "AlreadySnooze", err: river.JobSnooze(time.Second), wantSnooze: time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := jobs.Result(tt.err)
			var (
				snooze *river.JobSnoozeError
				cancel *river.JobCancelError
			)
			switch {
			case tt.wantNil:
				if got != nil {
					t.Fatalf("Result(%v) = %v, want nil", tt.err, got)
				}
			case tt.wantSnooze > 0:
				if !errors.As(got, &snooze) || snooze.Duration != tt.wantSnooze {
					t.Fatalf("Result(%v) = %#v, want JobSnooze(%v)", tt.err, got, tt.wantSnooze)
				}
			case tt.wantCancel:
				if !errors.As(got, &cancel) || !errors.Is(got, tt.err) {
					t.Fatalf("Result(%v) = %#v, want JobCancel wrapping the error", tt.err, got)
				}
			default:
				if got != tt.err || errors.As(got, &snooze) || errors.As(got, &cancel) {
					t.Fatalf("Result(%v) = %#v, want the error unchanged", tt.err, got)
				}
			}
		})
	}
}

func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := jobs.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jobs.NewMetrics(reg); err == nil {
		t.Fatal("NewMetrics registered twice on one registry without error")
	}
	row := func(kind string, attempt int) *rivertype.JobRow {
		return &rivertype.JobRow{Kind: kind, Attempt: attempt, MaxAttempts: 3}
	}
	runs := []struct {
		job *rivertype.JobRow
		err error
	}{
		{row("zoom_event", 1), nil},
		{row("zoom_event", 1), nil},
		{row("zoom_event", 1), errors.New("boom")},
		{row("zoom_event", 3), errors.New("boom")},
		{row("zoom_event", 1), river.JobSnooze(time.Second)},
		{row("refresh", 1), river.JobCancel(errors.New("revoked"))},
	}
	ctx := context.Background()
	for _, r := range runs {
		got := m.Work(ctx, r.job, func(context.Context) error { return r.err })
		if got != r.err {
			t.Fatalf("Work returned %v, want the inner error %v", got, r.err)
		}
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("Work swallowed a panic")
			}
		}()
		_ = m.Work(ctx, row("refresh", 1), func(context.Context) error { panic("bad") })
	}()

	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]float64{}
	var observed uint64
	for _, mf := range mfs {
		for _, metric := range mf.GetMetric() {
			switch mf.GetName() {
			case "sfzoom_jobs_total":
				labels := map[string]string{}
				for _, l := range metric.GetLabel() {
					labels[l.GetName()] = l.GetValue()
				}
				counts[labels["kind"]+"/"+labels["outcome"]] = metric.GetCounter().GetValue()
			case "sfzoom_job_duration_seconds":
				observed += metric.GetHistogram().GetSampleCount()
			}
		}
	}
	want := map[string]float64{
		"zoom_event/completed": 2,
		"zoom_event/retryable": 1,
		"zoom_event/discarded": 1,
		"zoom_event/snoozed":   1,
		"refresh/cancelled":    1,
		"refresh/panicked":     1,
	}
	if diff := cmp.Diff(want, counts); diff != "" {
		t.Errorf("sfzoom_jobs_total (-want +got):\n%s", diff)
	}
	if observed != 7 {
		t.Errorf("duration observations = %d, want 7", observed)
	}
}

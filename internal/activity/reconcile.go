package activity

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/sfzoom/sfzoom/internal/jobs"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/zoom"
)

// ReconcileArgs asks for one reconciliation pass: recently ended meetings of
// mapped users that were never logged get a LogMeeting job (missed webhooks).
type ReconcileArgs struct{}

// Kind implements river.JobArgs.
func (ReconcileArgs) Kind() string { return "reconcile_meetings" }

// InsertOpts keeps one pass pending at a time.
func (ReconcileArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByPeriod: time.Minute}}
}

// Enqueuer inserts jobs (a *river.Client).
type Enqueuer interface {
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// OrgLister lists the orgs with a connection (the orgs to reconcile).
type OrgLister interface {
	FindConnections(ctx context.Context, orgID string) ([]*sfzoom.Connection, error)
}

// ZoomListerFunc returns the client that lists a user's meetings.
type ZoomListerFunc func(ctx context.Context, orgID, sfUserID string) (MeetingLister, error)

// Reconciler finds ended meetings whose webhooks were missed.
type Reconciler struct {
	Pipeline *Pipeline
	Orgs     OrgLister
	Zoom     ZoomListerFunc
	Enqueue  Enqueuer
	// Window is how far back meetings are considered (default 48 h).
	Window time.Duration
}

// ReconcileWorker runs ReconcileArgs jobs.
type ReconcileWorker struct {
	river.WorkerDefaults[ReconcileArgs]
	Reconciler *Reconciler
}

// Work runs one pass.
func (w *ReconcileWorker) Work(ctx context.Context, job *river.Job[ReconcileArgs]) error {
	_, err := w.Reconciler.Run(ctx)
	return jobs.Result(err)
}

// PeriodicJob returns the periodic job that runs reconciliation every interval.
func PeriodicJob(interval time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(interval), func() (river.JobArgs, *river.InsertOpts) {
		return ReconcileArgs{}, nil
	}, &river.PeriodicJobOpts{ID: "reconcile_meetings"})
}

// Run makes one pass and returns how many meetings it enqueued. Users
// whose Zoom cannot be listed are skipped (and logged), so one broken
// mapping does not stop the others.
func (r *Reconciler) Run(ctx context.Context) (int, error) {
	p := r.Pipeline
	window := r.Window
	if window <= 0 {
		window = 48 * time.Hour
	}
	conns, err := r.Orgs.FindConnections(ctx, "")
	if err != nil {
		return 0, fmt.Errorf("activity: reconcile: %w", err)
	}
	seen := map[string]bool{}
	n := 0
	since := p.now().Add(-window)
	for _, c := range conns {
		if c.Provider != sfzoom.ProviderSalesforce || c.OrgID == "" || seen[c.OrgID] {
			continue
		}
		seen[c.OrgID] = true
		matched := sfzoom.MappingMatched
		users, _, err := p.opts.Store.FindUserMappings(ctx, sfzoom.UserMappingFilter{OrgID: c.OrgID, Status: &matched})
		if err != nil {
			return n, fmt.Errorf("activity: reconcile: %w", err)
		}
		for _, u := range users {
			if u.ZoomUserID == "" {
				continue
			}
			zc, err := r.Zoom(ctx, c.OrgID, u.SFUserID)
			if err != nil {
				p.log.WarnContext(ctx, "activity: reconcile: no zoom client", "org", c.OrgID, "user", u.SFUserID, "err", err.Error())
				continue
			}
			page, err := zc.ListMeetingsPage(ctx, u.ZoomUserID, &zoom.ListMeetingsOptions{Type: "previous_meetings", PageSize: 300,
				From: since.Format("2006-01-02")}, "")
			if err != nil {
				p.log.WarnContext(ctx, "activity: reconcile: list meetings", "org", c.OrgID, "user", u.SFUserID, "err", err.Error())
				continue
			}
			for _, m := range page.Meetings {
				if m.UUID == "" || m.StartTime.Before(since) {
					continue
				}
				if _, err := p.opts.Store.FindActivityLog(ctx, c.OrgID, m.UUID); sfzoom.ErrorCode(err) != sfzoom.ENOTFOUND {
					continue
				}
				if _, err := r.Enqueue.Insert(ctx, jobs.LogMeetingArgs{OrgID: c.OrgID, ZoomMeetingID: int64(m.ID), MeetingUUID: m.UUID, Trigger: TriggerReconcile},
					&river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Hour}}); err != nil {
					return n, fmt.Errorf("activity: reconcile: enqueue: %w", err)
				}
				n++
			}
		}
	}
	return n, nil
}

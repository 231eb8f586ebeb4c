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

// ReconcileTimeout bounds one reconciliation pass, which lists every mapped
// user's meetings and may take minutes in a large org (the default job
// timeout is internal/backend.JobTimeout, 40 s). River's rescuer honours it,
// so a pass still running is not rescued; a pass whose process died is
// rescued after it, and the next periodic pass would find the same meetings.
const ReconcileTimeout = 10 * time.Minute

// Timeout implements river.Worker.
func (w *ReconcileWorker) Timeout(*river.Job[ReconcileArgs]) time.Duration { return ReconcileTimeout }

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

// Run makes one pass and returns how many meeting instances it enqueued.
// For every matched user of every org with a Salesforce connection it lists
// the user's previous meetings (every page), then each meeting's ended
// instances, and enqueues a LogMeeting job for each instance that started
// within the window and has no activity log. Instances are what Zoom logs
// per occurrence: the UUID in the meeting listing is not reliably the one of
// the instance that ran (after a meeting ends Zoom issues a new UUID for the
// next instance). A user whose Zoom cannot be listed, or a meeting whose
// instances cannot be, is skipped (and logged), so one broken mapping does
// not stop the others.
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
			k, err := r.reconcileUser(ctx, c.OrgID, u, since)
			n += k
			if err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// reconcileUser enqueues the user's unlogged instances since since. Only an
// enqueue failure (the database) is returned; Zoom failures are logged.
func (r *Reconciler) reconcileUser(ctx context.Context, orgID string, u *sfzoom.UserMapping, since time.Time) (int, error) {
	p := r.Pipeline
	warn := func(msg string, err error, args ...any) {
		p.log.WarnContext(ctx, "activity: reconcile: "+msg, append([]any{"org", orgID, "user", u.SFUserID, "err", err.Error()}, args...)...)
	}
	zc, err := r.Zoom(ctx, orgID, u.SFUserID)
	if err != nil {
		warn("no zoom client", err)
		return 0, nil
	}
	meetings, err := listPrevious(ctx, zc, u.ZoomUserID, since)
	if err != nil {
		warn("list meetings", err)
		return 0, nil
	}
	n := 0
	for _, m := range meetings {
		instances, err := zc.PastMeetingInstances(ctx, m.ID.String())
		if err != nil {
			warn("list instances", err, "zoom_meeting_id", int64(m.ID))
			continue
		}
		for _, in := range instances {
			if in.UUID == "" || in.StartTime.Before(since) {
				continue
			}
			if _, err := p.opts.Store.FindActivityLog(ctx, orgID, in.UUID); sfzoom.ErrorCode(err) != sfzoom.ENOTFOUND {
				continue // logged, or the store cannot tell: the next pass retries
			}
			if _, err := r.Enqueue.Insert(ctx, jobs.LogMeetingArgs{OrgID: orgID, ZoomMeetingID: int64(m.ID), MeetingUUID: in.UUID, Trigger: TriggerReconcile},
				&river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Hour}}); err != nil {
				return n, fmt.Errorf("activity: reconcile: enqueue: %w", err)
			}
			n++
		}
	}
	return n, nil
}

// listPrevious returns the user's previous meetings from since's day on,
// following next_page_token across pages, each meeting id once.
func listPrevious(ctx context.Context, zc MeetingLister, zoomUserID string, since time.Time) ([]*zoom.Meeting, error) {
	opts := &zoom.ListMeetingsOptions{Type: "previous_meetings", PageSize: 300, From: since.UTC().Format(time.DateOnly)}
	var out []*zoom.Meeting
	seen := map[zoom.FlexInt64]bool{}
	token := ""
	for {
		page, err := zc.ListMeetingsPage(ctx, zoomUserID, opts, token)
		if err != nil {
			return nil, err
		}
		for _, m := range page.Meetings {
			if m.ID != 0 && !seen[m.ID] {
				seen[m.ID] = true
				out = append(out, m)
			}
		}
		if page.NextPageToken == "" || page.NextPageToken == token {
			return out, nil
		}
		token = page.NextPageToken
	}
}

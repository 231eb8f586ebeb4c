package sqlstore

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store"
)

// Group commit of webhook deliveries (docs/performance.md). Zoom sends
// deliveries in bursts, and each one used to take its own write transaction:
// on SQLite, whose single connection serialises every writer, the BEGIN,
// the River insert (which River's SQLite driver prepares anew on every call)
// and the COMMIT of each delivery were most of the ingest cost; on Postgres,
// the four round trips and the WAL flush of each delivery's transaction.
// With group commit, one writer goroutine takes every delivery waiting when
// it is free and stores them in one transaction: one multi-row INSERT … ON
// CONFLICT DO NOTHING (a known delivery is skipped, not an error), their
// jobs in one River insert, one COMMIT. Nothing changes for the caller:
// CreateWebhookEvent returns only once its delivery and its jobs are
// committed, so Zoom still gets its 200 only for what is durable. If any
// statement of the group fails, the whole transaction rolls back and each
// delivery is then stored alone, as without group commit, so one bad
// delivery never fails the others and none is reported stored unless it is.

// webhookWrite is one delivery waiting for the writer.
type webhookWrite struct {
	ctx  context.Context
	ev   *sfzoom.WebhookEvent
	u    *sfzoom.UnroutedMeeting
	jobs []store.Job
	done chan error // buffered: the writer never waits for the caller
}

// groupCommit is the writer goroutine's side of EnableGroupCommit.
type groupCommit struct {
	in   chan *webhookWrite
	stop chan struct{}
	wg   sync.WaitGroup
	once sync.Once // Close may be called more than once
	max  int
}

// batchTimeout bounds a group's transaction for a delivery without a
// deadline of its own.
const batchTimeout = 10 * time.Second

// EnableGroupCommit makes concurrent CreateWebhookEvent and
// CreateUnroutedWebhookEvent calls share transactions, up to max deliveries
// each (see above). Call it once, before the store is used concurrently;
// Close stops the writer.
func (s *Store) EnableGroupCommit(max int) {
	if max < 2 || s.group != nil {
		return
	}
	g := &groupCommit{in: make(chan *webhookWrite), stop: make(chan struct{}), max: max}
	s.group = g
	g.wg.Go(func() { s.writeGroups(g) })
}

// stopGroupCommit stops the writer after the group it is storing.
func (s *Store) stopGroupCommit() {
	if s.group == nil {
		return
	}
	s.group.once.Do(func() { close(s.group.stop) })
	s.group.wg.Wait()
}

// submitWebhookEvent hands a delivery to the writer and waits for its
// outcome. Once the writer has stopped, the delivery is stored alone.
func (s *Store) submitWebhookEvent(ctx context.Context, ev *sfzoom.WebhookEvent, u *sfzoom.UnroutedMeeting, jobs []store.Job) error {
	w := &webhookWrite{ctx: ctx, ev: ev, u: u, jobs: jobs, done: make(chan error, 1)}
	select {
	case s.group.in <- w:
	case <-s.group.stop:
		return s.storeWebhookEvent(ctx, ev, u, jobs)
	case <-ctx.Done():
		return s.wrapErr("create webhook event", ctx.Err())
	}
	// Always wait for the outcome: the writer answers promptly (a delivery
	// whose context has ended is skipped, and the group's transaction ends
	// at the latest of its deliveries' deadlines), and the caller must not
	// be told "failed" about a delivery that is being committed.
	return <-w.done
}

// writeGroups is the writer: it takes the first delivery to arrive and every
// other one already waiting, up to max, and stores them together.
func (s *Store) writeGroups(g *groupCommit) {
	for {
		var first *webhookWrite
		select {
		case first = <-g.in:
		case <-g.stop:
			return
		}
		batch := []*webhookWrite{first}
	gather:
		for len(batch) < g.max {
			select {
			case w := <-g.in:
				batch = append(batch, w)
			default:
				break gather
			}
		}
		s.writeGroup(batch)
	}
}

// writeGroup stores batch and answers each of its deliveries.
func (s *Store) writeGroup(batch []*webhookWrite) {
	live := make([]*webhookWrite, 0, len(batch))
	for _, w := range batch {
		if err := w.ctx.Err(); err != nil {
			w.done <- s.wrapErr("create webhook event", err)
			continue
		}
		live = append(live, w)
	}
	switch len(live) {
	case 0:
		return
	case 1:
		w := live[0]
		w.done <- s.storeWebhookEvent(w.ctx, w.ev, w.u, w.jobs)
		return
	}
	results, err := s.storeWebhookGroup(live)
	if err != nil {
		// Nothing of the group was kept: store each delivery alone.
		for _, w := range live {
			w.done <- s.storeWebhookEvent(w.ctx, w.ev, w.u, w.jobs)
		}
		return
	}
	for i, w := range live {
		w.done <- results[i]
	}
}

// storeWebhookGroup stores live in one transaction and returns each
// delivery's outcome (nil, or ECONFLICT for a known delivery), or an error
// when the transaction as a whole failed and nothing was stored. The
// deliveries are inserted by one multi-row INSERT … ON CONFLICT DO NOTHING
// (a known DedupeKey is skipped, not an error) and their jobs by one River
// insert: four statements for the group on Postgres, where each is a round
// trip, whatever its size. A delivery repeated within the group is stored
// once, for its first caller. Rows go in DedupeKey order, so two replicas'
// groups lock the keys they share in the same order and never deadlock.
func (s *Store) storeWebhookGroup(live []*webhookWrite) ([]error, error) {
	ctx, cancel := groupContext(live)
	defer cancel()
	results := make([]error, len(live))
	first := make(map[string]int, len(live)) // DedupeKey → its first delivery
	var (
		args     []any
		received = map[string]time.Time{}
		order    = make([]int, 0, len(live))
	)
	for i, w := range live {
		if _, ok := first[w.ev.DedupeKey]; ok {
			results[i] = s.wrapErr("create webhook event", errAlreadyReceived())
			continue
		}
		first[w.ev.DedupeKey] = i
		order = append(order, i)
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(live[a].ev.DedupeKey, live[b].ev.DedupeKey) })
	for _, i := range order {
		a, at := s.webhookArgs(live[i].ev)
		args = append(args, a...)
		received[live[i].ev.DedupeKey] = at
	}
	stored := make(map[int]webhookRow, len(order))
	err := s.write(ctx, "create webhook events", func(tx *sqlTx) error {
		q := insertWebhookEvents + strings.Repeat(webhookValues+", ", len(order)-1) + webhookValues + webhookConflict + ` RETURNING id, dedupe_key`
		rows, err := queryAll(ctx, tx, func(r rowScanner) (row keyedRow, err error) {
			return row, r.Scan(&row.id, &row.key)
		}, q, args...)
		if err != nil {
			return err
		}
		for _, r := range rows {
			stored[first[r.key]] = webhookRow{id: r.id, received: received[r.key]}
		}
		var jobs []store.Job
		for _, i := range order {
			row, ok := stored[i]
			if !ok {
				results[i] = s.wrapErr("create webhook event", errAlreadyReceived())
				continue
			}
			if _, err := s.queueWebhookUnrouted(ctx, tx, row, live[i].u); err != nil {
				return err
			}
			jobs = append(jobs, live[i].jobs...)
		}
		return s.insertJobsFast(ctx, tx, jobs)
	})
	if err != nil {
		return nil, err
	}
	for i, row := range stored {
		row.apply(live[i].ev)
	}
	return results, nil
}

// keyedRow is a stored delivery's id and DedupeKey, as a group's INSERT
// returns them.
type keyedRow struct {
	id  int64
	key string
}

// groupContext is the context of a group's transaction: not cancelled by
// any one caller (a statement interrupted mid-transaction would roll back
// the others' deliveries too), and ending at the latest deadline among them.
func groupContext(live []*webhookWrite) (context.Context, context.CancelFunc) {
	var latest time.Time
	for _, w := range live {
		d, ok := w.ctx.Deadline()
		if !ok {
			d = time.Now().Add(batchTimeout)
		}
		if d.After(latest) {
			latest = d
		}
	}
	return context.WithDeadline(context.Background(), latest)
}

package activity_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sfzoom/sfzoom/internal/activity"
	"github.com/sfzoom/sfzoom/internal/backend"
	"github.com/sfzoom/sfzoom/internal/jobs"
	"github.com/sfzoom/sfzoom/internal/salesforce/salesforcetest"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store/sqlstore"
	"github.com/sfzoom/sfzoom/internal/zoom"
	"github.com/sfzoom/sfzoom/internal/zoom/zoomtest"
)

// frozenClock is a store clock that moves only when the test says so, so
// lease expiry is decided by the test, not by the machine's speed.
type frozenClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *frozenClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *frozenClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// leaseEnv is one ended meeting in the fakes and a store on a frozen clock,
// with no job queue: the tests call LogMeeting directly, as two workers would.
type leaseEnv struct {
	be    *backend.Backend
	clock *frozenClock
	z     *zoomtest.Server
	sf    *salesforcetest.Server
	cl    *clients
	args  jobs.LogMeetingArgs
	lease string // the occurrence's lease name
}

func newLeaseEnv(t *testing.T) *leaseEnv {
	t.Helper()
	ctx := context.Background()
	z, sf, seed, host, m := newFakes(t)
	uuid, err := z.EndMeeting(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	clock := &frozenClock{now: time.Now().UTC()}
	be, err := backend.Open(ctx, backend.Options{DatabaseURL: "sqlite:" + filepath.Join(t.TempDir(), "lease.db"), Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { be.Close() })
	seedOrg(t, be, seed, m, host.ID)
	return &leaseEnv{be: be, clock: clock, z: z, sf: sf,
		cl:    realClients(t, z.APIURL(), z.IssueAccessToken(host.ID), sf.URL(), sf.IssueToken(seed.AdminID)),
		args:  jobs.LogMeetingArgs{OrgID: seed.OrgID, ZoomMeetingID: m.ID, MeetingUUID: uuid, Trigger: zoom.EventMeetingEnded},
		lease: "log_meeting:" + seed.OrgID + ":" + uuid}
}

// pipeline returns a worker's pipeline over st.
func (e *leaseEnv) pipeline(holder string, st activity.Store, opts activity.Options) *activity.Pipeline {
	opts.Store, opts.Clients, opts.PublicURL, opts.Holder = st, e.cl, publicURL, holder
	return activity.New(opts)
}

// blockAfterFetch is an AfterFetch hook that reports the fetch on fetched
// and holds the job there until release is closed.
func blockAfterFetch(fetched chan<- struct{}, release <-chan struct{}) func(context.Context, string, string) error {
	return func(ctx context.Context, _, _ string) error {
		fetched <- struct{}{}
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// startHeld runs p.LogMeeting in the background until it has fetched from
// Zoom (holding the lease); the returned channel yields its result.
func startHeld(t *testing.T, p *activity.Pipeline, args jobs.LogMeetingArgs, fetched <-chan struct{}) <-chan error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- p.LogMeeting(context.Background(), args) }()
	select {
	case <-fetched:
	case err := <-done:
		t.Fatalf("first worker returned before fetching: %v", err)
	case <-time.After(15 * time.Second):
		t.Fatal("first worker did not fetch")
	}
	return done
}

// wantConflict checks err is the lease's "Another worker is logging this
// meeting." answer.
func wantConflict(t *testing.T, err error) {
	t.Helper()
	if sfzoom.ErrorCode(err) != sfzoom.ECONFLICT || sfzoom.ErrorMessage(err) != "Another worker is logging this meeting." {
		t.Fatalf("second worker's LogMeeting = %v, want ECONFLICT \"Another worker is logging this meeting.\"", err)
	}
}

// TestLeaseOneWorkerPerMeeting: while one worker logs an occurrence,
// another worker's job for it is turned away before it calls Zoom, and runs
// once the first is done. (Without the per-occurrence lease the second
// worker fetches and writes at the same time as the first.)
func TestLeaseOneWorkerPerMeeting(t *testing.T) {
	e := newLeaseEnv(t)
	fetched, release := make(chan struct{}, 1), make(chan struct{})
	a := e.pipeline("worker-a", e.be.Store, activity.Options{AfterFetch: blockAfterFetch(fetched, release)})
	b := e.pipeline("worker-b", e.be.Store, activity.Options{})
	done := startHeld(t, a, e.args, fetched)

	before := zoomAPICalls(e.z)
	wantConflict(t, b.LogMeeting(context.Background(), e.args))
	if n := zoomAPICalls(e.z) - before; n != 0 {
		t.Fatalf("the turned-away worker made %d Zoom calls, want none", n)
	}
	if n := len(e.sf.Records("Event")); n != 0 {
		t.Fatalf("%d Events while the first worker is held before its write, want none", n)
	}

	close(release)
	if err := <-done; err != nil {
		t.Fatalf("first worker's LogMeeting = %v", err)
	}
	if err := b.LogMeeting(context.Background(), e.args); err != nil {
		t.Fatalf("second worker's LogMeeting after the first finished = %v, want nil (lease released)", err)
	}
	if n := len(e.sf.Records("Event")); n != 1 {
		t.Fatalf("%d Events, want 1", n)
	}
	if n := countRows(t, e.be.DB(), `SELECT COUNT(*) FROM leases`); n != 0 {
		t.Fatalf("%d leases left after both workers finished, want 0", n)
	}
}

// TestLeaseWaitEndsBeforeJobDeadline: a job whose timeout is shorter than
// the wait for a held occurrence gives up waiting in time and snoozes (the
// lease's ECONFLICT, which asks River to retry without using an attempt),
// rather than running into its timeout, a failed attempt that River retries
// only after its growing backoff (what left TestCrashRecovery's jobs
// pending with its 2 s job timeout).
func TestLeaseWaitEndsBeforeJobDeadline(t *testing.T) {
	e := newLeaseEnv(t)
	fetched, release := make(chan struct{}, 1), make(chan struct{})
	a := e.pipeline("worker-a", e.be.Store, activity.Options{AfterFetch: blockAfterFetch(fetched, release)})
	b := e.pipeline("worker-b", e.be.Store, activity.Options{})
	done := startHeld(t, a, e.args, fetched)
	defer func() {
		close(release)
		if err := <-done; err != nil {
			t.Errorf("first worker's LogMeeting = %v", err)
		}
	}()

	const timeout = time.Second // under the occurrence's lease wait (3 s)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := b.LogMeeting(ctx, e.args)
	if ctx.Err() != nil {
		t.Fatalf("the waiting job ran into its %v timeout (LogMeeting = %v); it must give up before", timeout, err)
	}
	wantConflict(t, err)
	var snooze interface{ RetryAfterDelay() time.Duration }
	if !errors.As(err, &snooze) || snooze.RetryAfterDelay() <= 0 {
		t.Fatalf("LogMeeting = %v, want a snooze (RetryAfterDelay > 0)", err)
	}
}

// TestLeaseHeartbeat: a worker that works longer than the lease's TTL keeps
// the occurrence, because it renews the lease while it works. The store's
// clock is moved an hour ahead (every lease taken before is expired); the
// held worker's heartbeat renews it, and another worker is still turned away.
func TestLeaseHeartbeat(t *testing.T) {
	e := newLeaseEnv(t)
	const ttl = 300 * time.Millisecond
	fetched, release := make(chan struct{}, 1), make(chan struct{})
	a := e.pipeline("worker-a", e.be.Store, activity.Options{LeaseTTL: ttl, AfterFetch: blockAfterFetch(fetched, release)})
	b := e.pipeline("worker-b", e.be.Store, activity.Options{LeaseTTL: ttl})
	done := startHeld(t, a, e.args, fetched)
	defer func() {
		close(release)
		if err := <-done; err != nil {
			t.Errorf("held worker's LogMeeting = %v", err)
		}
	}()

	e.clock.Advance(time.Hour)
	// Wait for a renewal: the lease expires after the moved clock's now.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var expires string
		if err := e.be.DB().QueryRow(`SELECT expires_at FROM leases WHERE name = ?`, e.lease).Scan(&expires); err != nil {
			t.Fatalf("the held worker's lease: %v", err)
		}
		at, err := time.Parse(sqlstore.TimeLayout, expires)
		if err == nil && at.After(e.clock.Now()) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("lease expires at %s, never renewed past the store's now %s: no heartbeat", expires, e.clock.Now())
		}
		time.Sleep(20 * time.Millisecond)
	}
	wantConflict(t, b.LogMeeting(context.Background(), e.args))
}

// stallStore is a worker's view of the store that can stall every lease
// call, as a process that was SIGKILLed (or is frozen) neither renews nor
// releases its lease.
type stallStore struct {
	activity.Store
	stalled chan struct{} // closed: lease calls block until unstall is closed
	unstall chan struct{}
	once    sync.Once
}

func (s *stallStore) stall() { s.once.Do(func() { close(s.stalled) }) }

func (s *stallStore) wait() {
	select {
	case <-s.stalled:
		<-s.unstall
	default:
	}
}

func (s *stallStore) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	s.wait()
	return s.Store.AcquireLease(ctx, name, holder, ttl)
}

func (s *stallStore) ReleaseLease(ctx context.Context, name, holder string) error {
	s.wait()
	return s.Store.ReleaseLease(ctx, name, holder)
}

// TestLeaseOfDeadWorkerFreesWithinSeconds: a worker that dies holding an
// occurrence (no heartbeat, no release) keeps others away for at most 35 s
// of the store's clock, not minutes; the meeting is then logged by another
// worker once.
func TestLeaseOfDeadWorkerFreesWithinSeconds(t *testing.T) {
	e := newLeaseEnv(t)
	dead := &stallStore{Store: e.be.Store, stalled: make(chan struct{}), unstall: make(chan struct{})}
	fetched, release := make(chan struct{}, 1), make(chan struct{})
	a := e.pipeline("worker-a", dead, activity.Options{AfterFetch: func(ctx context.Context, _, _ string) error {
		fetched <- struct{}{}
		<-release
		return errors.New("the dead worker never gets here in real life")
	}})
	b := e.pipeline("worker-b", e.be.Store, activity.Options{})
	done := startHeld(t, a, e.args, fetched)
	dead.stall() // worker a is "killed": its lease is neither renewed nor released
	t.Cleanup(func() {
		close(dead.unstall)
		close(release)
		<-done
	})

	wantConflict(t, b.LogMeeting(context.Background(), e.args))
	e.clock.Advance(35 * time.Second)
	if err := b.LogMeeting(context.Background(), e.args); err != nil {
		t.Fatalf("LogMeeting 35 s after the holder died = %v, want nil (the lease expired)", err)
	}
	if n := len(e.sf.Records("Event")); n != 1 {
		t.Fatalf("%d Events, want 1", n)
	}
}

// releaseFails is a store whose ReleaseLease fails.
type releaseFails struct{ activity.Store }

func (releaseFails) ReleaseLease(context.Context, string, string) error {
	return sfzoom.Errorf(sfzoom.EUNAVAILABLE, "database is locked")
}

// syncBuffer is a bytes.Buffer safe for the heartbeat's and the job's logs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestLeaseReleaseFailureIsLogged: a lease that cannot be given up is
// logged with the lease's name and the error (it frees itself after its TTL).
func TestLeaseReleaseFailureIsLogged(t *testing.T) {
	e := newLeaseEnv(t)
	var logs syncBuffer
	p := e.pipeline("worker-a", releaseFails{e.be.Store}, activity.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err := p.LogMeeting(context.Background(), e.args); err != nil {
		t.Fatalf("LogMeeting = %v", err)
	}
	var line string
	for l := range strings.SplitSeq(logs.String(), "\n") {
		if strings.Contains(l, "release lease failed") {
			line = l
		}
	}
	if !strings.Contains(line, "level=ERROR") || !strings.Contains(line, e.lease) || !strings.Contains(line, "database is locked") {
		t.Fatalf("no error log naming the lease and the cause; logs:\n%s", logs.String())
	}
}

package httpretry

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/sony/gobreaker/v2"
)

// State is a circuit breaker's state. The values match gobreaker's and the
// breaker-state gauges (0 closed, 1 half-open, 2 open).
type State int

// Breaker states.
const (
	StateClosed   State = State(gobreaker.StateClosed)
	StateHalfOpen State = State(gobreaker.StateHalfOpen)
	StateOpen     State = State(gobreaker.StateOpen)
)

// String returns "closed", "half-open" or "open".
func (s State) String() string { return gobreaker.State(s).String() }

// ErrOpen is matched (errors.Is) by a call refused without reaching the
// vendor because its breaker is open, or half-open with its trial requests
// already in flight.
var ErrOpen = errors.New("circuit breaker open")

// BreakerSettings configure a Breaker.
type BreakerSettings struct {
	// Name labels the breaker in logs and OnStateChange (e.g. "meetings").
	Name string
	// ConsecutiveFailures (5xx answers, transport errors) that open it; 5 if 0.
	ConsecutiveFailures uint32
	// OpenTimeout is how long it stays open before half-opening; 30 s if 0.
	OpenTimeout time.Duration
	// HalfOpenRequests may pass while half-open; all must succeed to close
	// it; 1 if 0.
	HalfOpenRequests uint32
	// OnStateChange is called after every transition, outside any lock.
	OnStateChange func(name string, from, to State)
	// Now is the clock (time.Now if nil).
	Now func() time.Time
}

// Breaker is a circuit breaker over a vendor API: sony/gobreaker counts
// failures, trips, and admits the half-open trial requests; the Breaker
// times the open period itself, on its own clock.
//
// Why the wrapper: gobreaker v2 reads time.Now directly and takes no clock
// (https://github.com/sony/gobreaker/pull/57, "Add current time setting", is
// still open), so a test of its open period has to sleep in real time. Here
// gobreaker's own Timeout is one nanosecond, which makes it ready to
// half-open at once; the Breaker keeps callers out until OpenTimeout has
// passed on the injected clock, and reports the state by that clock too.
// gobreaker's Interval is zero, so its counts never reset on a timer either:
// only a success ends a failure streak.
//
// Failures the caller caused (its context cancelled or past its deadline)
// and failures of the credentials (a token source that cannot produce a
// token) are excluded (gobreaker's IsExcluded): they say nothing about the
// vendor's health, and a few abandoned page loads must never open a breaker.
type Breaker struct {
	cb          *gobreaker.CircuitBreaker[struct{}]
	name        string
	now         func() time.Time
	openTimeout time.Duration
	onChange    func(name string, from, to State)

	mu           sync.Mutex // never held while calling into cb
	openUntil    time.Time  // zero unless open
	openedAt     time.Time
	failingSince time.Time // first failure of the current streak
	pending      []transition
}

type transition struct{ from, to State }

// NewBreaker returns a closed breaker.
func NewBreaker(s BreakerSettings) *Breaker {
	b := &Breaker{name: s.Name, now: s.Now, openTimeout: s.OpenTimeout, onChange: s.OnStateChange}
	if b.now == nil {
		b.now = time.Now
	}
	if b.openTimeout <= 0 {
		b.openTimeout = 30 * time.Second
	}
	trip := s.ConsecutiveFailures
	if trip == 0 {
		trip = 5
	}
	b.cb = gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        s.Name,
		MaxRequests: max(s.HalfOpenRequests, 1),
		Timeout:     time.Nanosecond, // the open period is timed by b (see the type's comment)
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= trip },
		// gobreaker calls this with its own mutex held: record only.
		OnStateChange: func(_ string, from, to gobreaker.State) { b.record(State(from), State(to)) },
		IsExcluded:    excluded,
	})
	return b
}

// record notes a gobreaker transition. Its open→half-open (after the
// nanosecond) is not news: b announces half-open when OpenTimeout has passed.
func (b *Breaker) record(from, to State) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch to {
	case StateOpen:
		b.openedAt = b.now()
		b.openUntil = b.openedAt.Add(b.openTimeout)
		if from == StateClosed && b.failingSince.IsZero() {
			b.failingSince = b.openedAt
		}
	case StateHalfOpen:
		return
	case StateClosed:
		b.failingSince = time.Time{}
	}
	b.pending = append(b.pending, transition{from, to})
}

// flush calls OnStateChange for the recorded transitions, outside locks.
func (b *Breaker) flush() {
	b.mu.Lock()
	p := b.pending
	b.pending = nil
	b.mu.Unlock()
	if b.onChange == nil {
		return
	}
	for _, t := range p {
		b.onChange(b.name, t.from, t.to)
	}
}

// gate reports whether the breaker is still open by b's clock; once the
// open period is over it announces half-open.
func (b *Breaker) gate() (open bool) {
	b.mu.Lock()
	if b.openUntil.IsZero() {
		b.mu.Unlock()
		return false
	}
	if b.now().Before(b.openUntil) {
		b.mu.Unlock()
		return true
	}
	b.openUntil = time.Time{}
	b.pending = append(b.pending, transition{StateOpen, StateHalfOpen})
	b.mu.Unlock()
	b.flush()
	return false
}

// State returns the breaker's state by its clock.
func (b *Breaker) State() State {
	if b.gate() {
		return StateOpen
	}
	st := State(b.cb.State())
	b.flush()
	if st == StateOpen { // gobreaker's nanosecond has not passed yet
		return StateHalfOpen
	}
	return st
}

// RetryAt returns when an open breaker lets a trial request through; zero
// when it is not open.
func (b *Breaker) RetryAt() time.Time {
	if !b.gate() {
		return time.Time{}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.openUntil
}

// FailingSince returns when the current failure streak began (the first
// failed request after the last success); zero while the vendor answers.
func (b *Breaker) FailingSince() time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.failingSince
}

// Execute runs fn through the breaker; an error from fn is a failure. ctx
// is the caller's context: when it is done, fn's failure is the caller's
// doing and is not counted. A refusal matches ErrOpen, and fn is not run.
func (b *Breaker) Execute(ctx context.Context, fn func() error) error {
	if b.gate() {
		return openError{gobreaker.ErrOpenState}
	}
	_, err := b.cb.Execute(func() (struct{}, error) {
		err := fn()
		switch {
		case err == nil:
			b.noteSuccess()
		case ctx.Err() != nil:
			err = callerGone{err}
		case !CredentialFailure(err):
			b.noteFailure()
		}
		return struct{}{}, err
	})
	b.flush()
	if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) {
		return openError{err}
	}
	var cg callerGone
	if errors.As(err, &cg) {
		err = cg.err
	}
	return err
}

func (b *Breaker) noteFailure() {
	b.mu.Lock()
	if b.failingSince.IsZero() {
		b.failingSince = b.now()
	}
	b.mu.Unlock()
}

func (b *Breaker) noteSuccess() {
	b.mu.Lock()
	b.failingSince = time.Time{}
	b.mu.Unlock()
}

// excluded is gobreaker's IsExcluded: the caller gave up, or the
// credentials failed, rather than the vendor.
func excluded(err error) bool {
	var cg callerGone
	return errors.As(err, &cg) || CredentialFailure(err)
}

// callerGone marks a failure that happened after the caller's context ended.
type callerGone struct{ err error }

func (e callerGone) Error() string { return e.err.Error() }
func (e callerGone) Unwrap() error { return e.err }

// openError is a refusal by the breaker.
type openError struct{ err error }

func (e openError) Error() string { return e.err.Error() }
func (e openError) Unwrap() []error {
	return []error{e.err, ErrOpen}
}

package setup

import (
	"fmt"
	"strings"
	"time"

	"github.com/sfzoom/sfzoom/internal/httpretry"
)

// BreakerState is one circuit breaker of a vendor's client.
type BreakerState struct {
	API     string    // "" for a single breaker (Salesforce), else "meetings", "users", …
	State   string    // "closed", "half-open", "open"
	RetryAt time.Time // when an open breaker lets a trial request through
}

// VendorStatus is what the Health tab knows about a vendor right now.
type VendorStatus struct {
	Vendor   string // "Salesforce", "Zoom"
	Breakers []BreakerState
	// FailingSince is when the current streak of failed calls began.
	FailingSince time.Time
	// RateLimitedUntil is when the vendor's latest rate limit ends.
	RateLimitedUntil time.Time
	// Waiting is how many meetings wait to be logged (jobs not done yet).
	Waiting int
}

// salesforceState is what Health reads from an org's Salesforce client.
type salesforceState interface {
	BreakerState() httpretry.State
	BreakerRetryAt() time.Time
	FailingSince() time.Time
}

// SalesforceStatus reads the org's Salesforce client's state.
func SalesforceStatus(c salesforceState, waiting int) VendorStatus {
	return VendorStatus{Vendor: "Salesforce", Waiting: waiting, FailingSince: c.FailingSince(),
		Breakers: []BreakerState{{State: c.BreakerState().String(), RetryAt: c.BreakerRetryAt()}}}
}

// zoomState is what Health reads from the Zoom client.
type zoomState interface {
	BreakerState(api string) string
	BreakerRetryAt(api string) time.Time
	FailingSince(api string) time.Time
	RateLimitedUntil() time.Time
}

// ZoomStatus reads the Zoom client's state for the named APIs.
func ZoomStatus(c zoomState, apis []string, waiting int) VendorStatus {
	s := VendorStatus{Vendor: "Zoom", Waiting: waiting, RateLimitedUntil: c.RateLimitedUntil()}
	for _, api := range apis {
		s.Breakers = append(s.Breakers, BreakerState{API: api, State: c.BreakerState(api), RetryAt: c.BreakerRetryAt(api)})
		if since := c.FailingSince(api); !since.IsZero() && (s.FailingSince.IsZero() || since.Before(s.FailingSince)) {
			s.FailingSince = since
		}
	}
	return s
}

// Words says in plain words what is happening with the vendor, for the
// Health tab: "Salesforce unreachable since 10:02 UTC; 3 meetings waiting,
// retrying at 10:07 UTC. …", or "Zoom is rate-limiting sfzoom; next try at
// 10:42:30 UTC. …". ok is false while anything is wrong.
func (s VendorStatus) Words(loc *time.Location) (words string, ok bool) {
	if loc == nil {
		loc = time.UTC
	}
	var open, trial []string
	var retry time.Time
	for _, b := range s.Breakers {
		switch b.State {
		case "open":
			open = append(open, b.API)
			if retry.IsZero() || (!b.RetryAt.IsZero() && b.RetryAt.Before(retry)) {
				retry = b.RetryAt
			}
		case "half-open":
			trial = append(trial, b.API)
		}
	}
	v := s.Vendor
	since := " after repeated failures"
	if !s.FailingSince.IsZero() {
		since = " since " + s.FailingSince.In(loc).Format("15:04 MST")
	}
	switch {
	case len(open) > 0:
		w := v + " unreachable" + which(open) + since + "; " + waiting(s.Waiting) + ", retrying"
		if !retry.IsZero() {
			w += " at " + retry.In(loc).Format("15:04:05 MST")
		}
		return w + ". Nothing is lost: waiting work resumes by itself once " + v + " answers.", false
	case len(trial) > 0:
		return v + " was unreachable" + which(trial) + since + "; sfzoom is trying again with a few requests. " +
			capitalize(waiting(s.Waiting)) + ".", false
	case !s.RateLimitedUntil.IsZero():
		return v + " is rate-limiting sfzoom; next try at " + s.RateLimitedUntil.In(loc).Format("15:04:05 MST") + ". " +
			capitalize(waiting(s.Waiting)) + "; nothing is lost.", false
	}
	return v + " is answering normally.", true
}

func which(apis []string) string {
	var named []string
	for _, a := range apis {
		if a != "" {
			named = append(named, a)
		}
	}
	if len(named) == 0 {
		return ""
	}
	return " (" + strings.Join(named, ", ") + ")"
}

func waiting(n int) string {
	switch n {
	case 0:
		return "no meetings waiting"
	case 1:
		return "1 meeting waiting"
	}
	return fmt.Sprintf("%d meetings waiting", n)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

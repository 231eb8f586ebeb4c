package setup

import (
	"strings"
	"time"
)

// BreakerState is one circuit breaker of a vendor's client.
type BreakerState struct {
	API     string    // "" for a single breaker (Salesforce), else "meetings", "users", …
	State   string    // "closed", "half-open", "open"
	RetryAt time.Time // when an open breaker lets a trial request through
}

// BreakerWords says in plain words whether vendor is answering, for the
// Health tab: "Zoom is refusing requests (meetings); sfzoom tries again at
// 10:42 UTC." ok is false while any breaker is open or half-open.
func BreakerWords(vendor string, states []BreakerState, loc *time.Location) (words string, ok bool) {
	if loc == nil {
		loc = time.UTC
	}
	var open, trial []string
	var retry time.Time
	for _, s := range states {
		switch s.State {
		case "open":
			open = append(open, s.API)
			if retry.IsZero() || (!s.RetryAt.IsZero() && s.RetryAt.Before(retry)) {
				retry = s.RetryAt
			}
		case "half-open":
			trial = append(trial, s.API)
		}
	}
	which := func(apis []string) string {
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
	switch {
	case len(open) > 0:
		w := vendor + " is refusing requests" + which(open) + " after repeated failures; sfzoom has paused calls"
		if !retry.IsZero() {
			w += " and tries again at " + retry.In(loc).Format("15:04 MST")
		}
		return w + ". Work waiting for it is kept and resumes by itself.", false
	case len(trial) > 0:
		return vendor + " was failing" + which(trial) + "; sfzoom is trying again with a few requests.", false
	}
	return vendor + " is answering normally.", true
}

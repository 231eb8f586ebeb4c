package setup_test

import (
	"testing"
	"time"

	"github.com/sfzoom/sfzoom/internal/setup"
)

func TestBreakerWords(t *testing.T) {
	at := time.Date(2026, 12, 5, 10, 42, 0, 0, time.UTC)
	tests := []struct {
		name   string
		states []setup.BreakerState
		want   string
		ok     bool
	}{
		{"Closed", []setup.BreakerState{{State: "closed"}}, "Salesforce is answering normally.", true},
		{"Open", []setup.BreakerState{{State: "open", RetryAt: at}},
			"Salesforce is refusing requests after repeated failures; sfzoom has paused calls and tries again at 10:42 UTC. Work waiting for it is kept and resumes by itself.", false},
		{"HalfOpen", []setup.BreakerState{{State: "half-open"}}, "Salesforce was failing; sfzoom is trying again with a few requests.", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := setup.BreakerWords("Salesforce", tt.states, time.UTC)
			if got != tt.want || ok != tt.ok {
				t.Errorf("BreakerWords = %q, %v; want %q, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
	got, _ := setup.BreakerWords("Zoom", []setup.BreakerState{{API: "meetings", State: "open", RetryAt: at.Add(time.Minute)},
		{API: "users", State: "closed"}, {API: "recordings", State: "open", RetryAt: at}}, time.UTC)
	if want := "Zoom is refusing requests (meetings, recordings) after repeated failures; sfzoom has paused calls and tries again at 10:42 UTC. Work waiting for it is kept and resumes by itself."; got != want {
		t.Errorf("Zoom = %q, want %q", got, want)
	}
}

package setup_test

import (
	"testing"
	"time"

	"github.com/sfzoom/sfzoom/internal/setup"
)

func TestVendorStatus_Words(t *testing.T) {
	at := time.Date(2026, 12, 5, 10, 42, 0, 0, time.UTC)
	since := at.Add(-5 * time.Minute)
	tests := []struct {
		name   string
		status setup.VendorStatus
		want   string
		ok     bool
	}{
		{"Closed", setup.VendorStatus{Vendor: "Salesforce", Breakers: []setup.BreakerState{{State: "closed"}}},
			"Salesforce is answering normally.", true},
		{"Open", setup.VendorStatus{Vendor: "Salesforce", Breakers: []setup.BreakerState{{State: "open", RetryAt: at}},
			FailingSince: since, Waiting: 3},
			"Salesforce unreachable since 10:37 UTC; 3 meetings waiting, retrying at 10:42:00 UTC. Nothing is lost: waiting work resumes by itself once Salesforce answers.", false},
		{"OpenOneWaiting", setup.VendorStatus{Vendor: "Salesforce", Breakers: []setup.BreakerState{{State: "open", RetryAt: at}}, Waiting: 1},
			"Salesforce unreachable after repeated failures; 1 meeting waiting, retrying at 10:42:00 UTC. Nothing is lost: waiting work resumes by itself once Salesforce answers.", false},
		{"HalfOpen", setup.VendorStatus{Vendor: "Salesforce", Breakers: []setup.BreakerState{{State: "half-open"}}, FailingSince: since},
			"Salesforce was unreachable since 10:37 UTC; sfzoom is trying again with a few requests. No meetings waiting.", false},
		{"ZoomAPIs", setup.VendorStatus{Vendor: "Zoom", Breakers: []setup.BreakerState{{API: "meetings", State: "open", RetryAt: at.Add(time.Minute)},
			{API: "users", State: "closed"}, {API: "recordings", State: "open", RetryAt: at}}, FailingSince: since, Waiting: 2},
			"Zoom unreachable (meetings, recordings) since 10:37 UTC; 2 meetings waiting, retrying at 10:42:00 UTC. Nothing is lost: waiting work resumes by itself once Zoom answers.", false},
		{"RateLimited", setup.VendorStatus{Vendor: "Zoom", Breakers: []setup.BreakerState{{API: "meetings", State: "closed"}},
			RateLimitedUntil: at.Add(30 * time.Second), Waiting: 4},
			"Zoom is rate-limiting sfzoom; next try at 10:42:30 UTC. 4 meetings waiting; nothing is lost.", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.status.Words(time.UTC)
			if got != tt.want || ok != tt.ok {
				t.Errorf("Words() = %q, %v;\nwant %q, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

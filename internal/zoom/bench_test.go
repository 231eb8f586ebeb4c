package zoom_test

import (
	"testing"
	"time"

	"github.com/sfzoom/sfzoom/internal/zoom"
)

// BenchmarkCreateMeeting measures a create-meeting round trip against the
// fake over loopback HTTP, through the OAuth transport, limiter and breaker.
func BenchmarkCreateMeeting(b *testing.B) {
	e := setup(b, zoom.WithRateLimits(zoom.RateLimits{})) // no client-side limits
	e.srv.SetDailyMeetingLimit(0)                         // nor Zoom's per-user one
	start := zoom.NewTime(time.Date(2024, 1, 2, 10, 0, 0, 0, time.UTC))
	req := &zoom.MeetingRequest{Topic: "Discovery call", Type: zoom.MeetingScheduled, StartTime: &start, Duration: 30, Timezone: "UTC"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.client.CreateMeeting(b.Context(), e.host.ID, req); err != nil {
			b.Fatal(err)
		}
	}
}

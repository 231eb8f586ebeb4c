package sfzoom_test

import (
	"testing"
	"time"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// TestMeetingState: the state follows Zoom's status where Zoom has spoken
// and the clock otherwise; cancelled meetings still ahead are not past.
func TestMeetingState(t *testing.T) {
	now := time.Date(2026, 12, 4, 22, 55, 0, 0, time.UTC)
	tests := []struct {
		name   string
		status sfzoom.MeetingStatus
		start  time.Time
		want   sfzoom.MeetingState
		label  string
		past   bool
	}{
		{"ScheduledLater", sfzoom.MeetingScheduled, now.Add(time.Hour), sfzoom.StateUpcoming, "Scheduled", false},
		{"InstantNobodyJoined", sfzoom.MeetingScheduled, now, sfzoom.StateWaiting, "Waiting for the host", false},
		{"StartPassedNotStarted", sfzoom.MeetingScheduled, now.Add(-10 * time.Minute), sfzoom.StateWaiting, "Waiting for the host", false},
		{"Started", sfzoom.MeetingStarted, now.Add(-10 * time.Minute), sfzoom.StateLive, "In progress", false},
		{"StartedOverrun", sfzoom.MeetingStarted, now.Add(-2 * time.Hour), sfzoom.StateLive, "In progress", false},
		{"Ended", sfzoom.MeetingEnded, now.Add(-10 * time.Minute), sfzoom.StateEnded, "Ended", true},
		{"NeverStartedTimeOver", sfzoom.MeetingScheduled, now.Add(-2 * time.Hour), sfzoom.StateEnded, "Ended", true},
		{"CancelledNextWeek", sfzoom.MeetingCancelled, now.Add(7 * 24 * time.Hour), sfzoom.StateCancelled, "Cancelled", false},
		{"CancelledYesterday", sfzoom.MeetingCancelled, now.Add(-24 * time.Hour), sfzoom.StateCancelled, "Cancelled", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &sfzoom.Meeting{Status: tt.status, StartTime: tt.start, Duration: 30}
			if got := m.State(now); got != tt.want || got.String() != tt.label {
				t.Errorf("State = %v (%q), want %v (%q)", int(got), got, int(tt.want), tt.label)
			}
			if got := m.Past(now); got != tt.past {
				t.Errorf("Past = %v, want %v", got, tt.past)
			}
		})
	}
}

// TestMeetingNumber: the meeting id as Zoom shows it to people who join
// (https://support.zoom.com/hc/en/article?id=zm_kb&sysparm_article=KB0066280
// shows 9-11 digit meeting IDs grouped like "812 3456 7890").
func TestMeetingNumber(t *testing.T) {
	for id, want := range map[int64]string{
		81234567890: "812 3456 7890",
		8123456789:  "812 345 6789",
		812345678:   "812 345 678",
		1234:        "1234",
	} {
		if got := sfzoom.MeetingNumber(id); got != want {
			t.Errorf("MeetingNumber(%d) = %q, want %q", id, got, want)
		}
	}
}

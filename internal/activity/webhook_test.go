package activity_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sfzoom/sfzoom/internal/activity"
	"github.com/sfzoom/sfzoom/internal/jobs"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/zoom"
)

// TestWebhookPolicyPlan: which delivery enqueues which job, and when. Event
// names and payload shapes are Zoom's
// (https://developers.zoom.us/docs/api/meetings/events/).
func TestWebhookPolicyPlan(t *testing.T) {
	received := time.Date(2026, 3, 2, 15, 31, 0, 0, time.UTC)
	start, end := time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC), time.Date(2026, 3, 2, 15, 30, 0, 0, time.UTC)
	const org, uuid, mid = "00D000000000001AAA", "4444AAAiAAAAAiAiAiiAii==", int64(85746065432)
	ended := &zoom.WebhookEvent{Event: zoom.EventMeetingEnded, MeetingID: mid, MeetingUUID: uuid, HostID: "h", AccountID: "acc", DedupeKey: "k-ended",
		Meeting: &zoom.WebhookMeeting{StartTime: zoom.Time{Time: start}, EndTime: zoom.Time{Time: end}}}
	rec := &zoom.WebhookEvent{Event: zoom.EventRecordingCompleted, MeetingID: mid, MeetingUUID: uuid, HostID: "h", AccountID: "acc", DedupeKey: "k-rec"}
	sum := &zoom.WebhookEvent{Event: zoom.EventSummaryCompleted, MeetingID: mid, MeetingUUID: uuid, HostID: "h", AccountID: "acc", DedupeKey: "k-sum"}
	started := &zoom.WebhookEvent{Event: zoom.EventMeetingStarted, MeetingID: mid, MeetingUUID: uuid}
	joined := &zoom.WebhookEvent{Event: "meeting.participant_joined", MeetingID: mid, MeetingUUID: uuid}
	policy := activity.WebhookPolicy{SettleDelay: 10 * time.Second, FollowUpDelay: 5 * time.Second}

	tests := []struct {
		name      string
		policy    activity.WebhookPolicy
		ev        *zoom.WebhookEvent
		org       string
		wantArgs  any
		wantAt    time.Time // zero: runs at once
		wantQueue bool
	}{
		{"EndedAfterSettle", policy, ended, org,
			jobs.LogMeetingArgs{OrgID: org, ZoomMeetingID: mid, MeetingUUID: uuid, Trigger: zoom.EventMeetingEnded, DeliveryKey: "k-ended", StartedAt: start, EndedAt: end},
			received.Add(10 * time.Second), false},
		{"RecordingAfterFollowUp", policy, rec, org,
			jobs.LogMeetingArgs{OrgID: org, ZoomMeetingID: mid, MeetingUUID: uuid, Trigger: zoom.EventRecordingCompleted, DeliveryKey: "k-rec"},
			received.Add(5 * time.Second), false},
		{"SummaryAfterFollowUp", policy, sum, org,
			jobs.LogMeetingArgs{OrgID: org, ZoomMeetingID: mid, MeetingUUID: uuid, Trigger: zoom.EventSummaryCompleted, DeliveryKey: "k-sum"},
			received.Add(5 * time.Second), false},
		{"NoDelays", activity.WebhookPolicy{}, sum, org,
			jobs.LogMeetingArgs{OrgID: org, ZoomMeetingID: mid, MeetingUUID: uuid, Trigger: zoom.EventSummaryCompleted, DeliveryKey: "k-sum"}, time.Time{}, false},
		{"Unrouted", policy, ended, "",
			jobs.LogMeetingArgs{ZoomMeetingID: mid, MeetingUUID: uuid, Trigger: zoom.EventMeetingEnded, DeliveryKey: "k-ended", StartedAt: start, EndedAt: end,
				HostZoomUserID: "h", ZoomAccountID: "acc"},
			received.Add(10 * time.Second), true},
		{"Started", policy, started, org, jobs.MeetingStartedArgs{OrgID: org, ZoomMeetingID: mid}, time.Time{}, false},
		{"StartedUnrouted", policy, started, "", nil, time.Time{}, false},
		{"OtherEvent", policy, joined, org, nil, time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := tt.policy.Plan(tt.ev, tt.org, []string{"a", "b"}, received)
			if tt.wantArgs == nil {
				if len(plan.Jobs) != 0 || plan.Unrouted != nil {
					t.Fatalf("plan = %+v, want nothing", plan)
				}
				return
			}
			if len(plan.Jobs) != 1 {
				t.Fatalf("%d jobs, want 1", len(plan.Jobs))
			}
			if diff := cmp.Diff(tt.wantArgs, plan.Jobs[0].Args); diff != "" {
				t.Errorf("job args (-want +got):\n%s", diff)
			}
			var at time.Time
			if o := plan.Jobs[0].InsertOpts; o != nil {
				at = o.ScheduledAt
			}
			if !at.Equal(tt.wantAt) {
				t.Errorf("scheduled at %v, want %v", at, tt.wantAt)
			}
			if got := plan.Unrouted != nil; got != tt.wantQueue {
				t.Fatalf("unrouted entry = %+v, want one: %v", plan.Unrouted, tt.wantQueue)
			}
			if tt.wantQueue {
				want := &sfzoom.UnroutedMeeting{MeetingUUID: uuid, ZoomMeetingID: mid, HostZoomUserID: "h", ZoomAccountID: "acc",
					Candidates: []string{"a", "b"}, Trigger: zoom.EventMeetingEnded, StartedAt: start, EndedAt: end, ReceivedAt: received}
				if diff := cmp.Diff(want, plan.Unrouted); diff != "" {
					t.Errorf("unrouted entry (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func FuzzRedactWebhookPayload(f *testing.F) {
	f.Add([]byte(`{"download_token":"t","payload":{"object":{"recording_files":[{"download_url":"u","play_url":"p","id":"1"}]}}}`))
	f.Add([]byte(`[{"Token":1},{"x":{"refresh_TOKEN":"s"}}]`))
	f.Add([]byte(`"plain"`))
	f.Fuzz(func(t *testing.T, body []byte) {
		out, err := activity.RedactWebhookPayload(body)
		if err != nil {
			return
		}
		var v any
		dec := json.NewDecoder(bytes.NewReader(out))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("redacted output is not JSON: %v", err)
		}
		var walk func(any)
		walk = func(v any) {
			switch x := v.(type) {
			case map[string]any:
				for k, y := range x {
					lk := strings.ToLower(k)
					if strings.Contains(lk, "token") || strings.HasSuffix(lk, "url") {
						t.Fatalf("key %q survived redaction", k)
					}
					walk(y)
				}
			case []any:
				for _, y := range x {
					walk(y)
				}
			}
		}
		walk(v)
		// Redaction is idempotent.
		again, err := activity.RedactWebhookPayload(out)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("redaction not idempotent: %v\n%s\n%s", err, out, again)
		}
	})
}

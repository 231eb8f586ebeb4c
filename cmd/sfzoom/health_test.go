package main

import (
	"context"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/sfzoom/sfzoom/internal/jobs"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store"
)

// TestDemo_HealthShowsOnlyTheSessionOrg: one sfzoom serves several orgs
// (production and sandbox); an org's Health tab shows its own last webhook
// and its own queued jobs, never another org's.
func TestDemo_HealthShowsOnlyTheSessionOrg(t *testing.T) {
	_, a := startDemoWithApp(t)
	ctx := context.Background()
	const other, third = "00D000000000002AAA", "00D000000000003AAA"
	received := time.Now().UTC().Truncate(time.Second)
	ev := &sfzoom.WebhookEvent{OrgID: other, DedupeKey: "health-other-org", EventType: "recording.completed", Payload: []byte("{}"), ReceivedAt: received}
	job := store.Job{Args: jobs.LogMeetingArgs{OrgID: other, ZoomMeetingID: 1, MeetingUUID: "health=="},
		InsertOpts: &river.InsertOpts{ScheduledAt: time.Now().Add(time.Hour)}}
	if err := a.backend.Store.CreateWebhookEvent(ctx, ev, job); err != nil {
		t.Fatal(err)
	}
	h := &health{a: a}

	v, err := h.Health(ctx, third)
	if err != nil {
		t.Fatal(err)
	}
	if !v.LastWebhook.IsZero() || v.LastWebhookType != "" {
		t.Errorf("Health(org with no deliveries) shows last webhook %v %q, another org's", v.LastWebhook, v.LastWebhookType)
	}
	for state, n := range v.QueueDepth {
		if n != 0 {
			t.Errorf("Health(org with no jobs) counts %d %s jobs, another org's", n, state)
		}
	}

	v, err = h.Health(ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	if !v.LastWebhook.Equal(received) || v.LastWebhookType != "recording.completed" {
		t.Errorf("Health(org) last webhook = %v %q, want its own %v recording.completed", v.LastWebhook, v.LastWebhookType, received)
	}
	if v.QueueDepth["scheduled"] != 1 {
		t.Errorf("Health(org) queue depth = %v, want its one scheduled job", v.QueueDepth)
	}
}

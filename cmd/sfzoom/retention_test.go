package main

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/sfzoom/sfzoom/internal/config"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// TestWebhookRetention_PrunesOnStart wires the app as `sfzoom serve` does
// with SFZOOM_WEBHOOK_RETENTION=48h: once the job workers start, the periodic
// retention job deletes a delivery received three days ago and keeps one
// received an hour ago.
func TestWebhookRetention_PrunesOnStart(t *testing.T) {
	env := serveEnv(t)
	env["SFZOOM_WEBHOOK_RETENTION"] = "48h"
	cfg, err := config.Load(envFrom(env), config.ModeServe)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := newApp(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), appDeps{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.backend.Close()
	st := a.backend.Store
	old := &sfzoom.WebhookEvent{OrgID: "00Dxx0000001gPFEAY", DedupeKey: "old", EventType: "meeting.ended", Payload: []byte(`{}`), ReceivedAt: time.Now().Add(-72 * time.Hour)}
	recent := &sfzoom.WebhookEvent{OrgID: "00Dxx0000001gPFEAY", DedupeKey: "recent", EventType: "meeting.ended", Payload: []byte(`{}`), ReceivedAt: time.Now().Add(-time.Hour)}
	for _, ev := range []*sfzoom.WebhookEvent{old, recent} {
		if err := st.CreateWebhookEvent(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.backend.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer a.backend.Stop(context.WithoutCancel(ctx))
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, err := st.FindWebhookEventByID(ctx, old.ID)
		if sfzoom.ErrorCode(err) == sfzoom.ENOTFOUND {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the 3-day-old delivery is still stored 20s after start (err %v)", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := st.FindWebhookEventByID(ctx, recent.ID); err != nil {
		t.Fatalf("the recent delivery was pruned: %v", err)
	}
}

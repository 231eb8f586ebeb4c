package main

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/sfzoom/sfzoom/internal/demo"
	"github.com/sfzoom/sfzoom/internal/jobs"
	"github.com/sfzoom/sfzoom/internal/salesforce"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store"
	"github.com/sfzoom/sfzoom/internal/zoom"
	"github.com/sfzoom/sfzoom/internal/zoom/zoomtest"
	"github.com/sfzoom/sfzoom/templates"
)

// TestHealth_TellsTheTruth runs the Health tab's data against the demo,
// breaking one thing at a time: a disconnected Salesforce claims nothing
// about the fields and says how to reconnect; an outage says in words that
// Salesforce is refusing requests and when sfzoom tries again; another
// org's webhook never shows.
func TestHealth_TellsTheTruth(t *testing.T) {
	const otherOrg = "00Dxx0000009zzzEAA"
	tests := []struct {
		name         string
		breakCause   func(t *testing.T, ctx context.Context, d *demo.Demo, a *app)
		check        func(t *testing.T, v templates.HealthView)
		fieldsKnown  bool
		sfStatus     string
		sfBreakerOK  bool
		sfBreakerHas string
		zoomBreaker  string // a regular expression; "" means answering normally
	}{
		{
			name:        "Healthy",
			breakCause:  func(*testing.T, context.Context, *demo.Demo, *app) {},
			fieldsKnown: true, sfStatus: sfzoom.ConnectionActive, sfBreakerOK: true, sfBreakerHas: "answering normally",
		},
		{
			name: "SalesforceDisconnected",
			breakCause: func(t *testing.T, ctx context.Context, d *demo.Demo, a *app) {
				if err := a.integrations.DisconnectSalesforce(ctx, d.Info.OrgID); err != nil {
					t.Fatal(err)
				}
			},
			fieldsKnown: false, sfStatus: "not_connected",
			check: func(t *testing.T, v templates.HealthView) {
				if !strings.Contains(v.Connections[0].Token, "connect Salesforce") {
					t.Errorf("token = %q, want how to connect", v.Connections[0].Token)
				}
			},
		},
		{
			name: "SalesforceOutage",
			breakCause: func(t *testing.T, ctx context.Context, d *demo.Demo, a *app) {
				sf, err := a.integrations.Salesforce(ctx, d.Info.OrgID)
				if err != nil {
					t.Fatal(err)
				}
				d.Salesforce.SetDown(true)
				for range 8 {
					_, _ = sf.Query(ctx, salesforce.Select(salesforce.FieldID).From(salesforce.ObjectUser).Limit(1))
				}
				// A meeting ended meanwhile: its job waits for Salesforce.
				ev := &sfzoom.WebhookEvent{OrgID: d.Info.OrgID, DedupeKey: "outage", EventType: "meeting.ended", Payload: []byte(`{}`), ReceivedAt: time.Now()}
				job := store.Job{Args: jobs.LogMeetingArgs{OrgID: d.Info.OrgID, ZoomMeetingID: 1, MeetingUUID: "outage=="},
					InsertOpts: &river.InsertOpts{ScheduledAt: time.Now().Add(time.Hour)}}
				if err := a.backend.Store.CreateWebhookEvent(ctx, ev, job); err != nil {
					t.Fatal(err)
				}
			},
			// The describe fails while Salesforce is down: nothing is claimed.
			fieldsKnown: false, sfStatus: sfzoom.ConnectionActive, sfBreakerOK: false,
			sfBreakerHas: "; 1 meeting waiting, retrying at ",
			check: func(t *testing.T, v templates.HealthView) {
				if w := v.Connections[0].Breaker; !strings.HasPrefix(w, "Salesforce unreachable since ") || !strings.Contains(w, "Nothing is lost") {
					t.Errorf("Salesforce breaker = %q, want when it became unreachable and that nothing is lost", w)
				}
			},
		},
		{
			// Zoom answers 429 with Retry-After a minute ahead: Health says
			// when the next try is (https://developers.zoom.us/docs/api/rate-limits/).
			name: "ZoomRateLimited",
			breakCause: func(t *testing.T, ctx context.Context, d *demo.Demo, a *app) {
				zc, err := a.integrations.ZoomAccount(ctx)
				if err != nil {
					t.Fatal(err)
				}
				d.Zoom.Fail(zoomtest.Failure{Status: http.StatusTooManyRequests, Count: 1, RetryAfter: time.Minute, Type: "QPS"})
				if _, err := zc.User(zoom.WithoutRateLimitWait(ctx), "me"); sfzoom.ErrorCode(err) != sfzoom.ERATELIMIT {
					t.Fatalf("User during the 429 = %v, want ERATELIMIT", err)
				}
			},
			fieldsKnown: true, sfStatus: sfzoom.ConnectionActive, sfBreakerOK: true, sfBreakerHas: "answering normally",
			zoomBreaker: `^Zoom is rate-limiting sfzoom; next try at \d\d:\d\d:\d\d UTC\. No meetings waiting; nothing is lost\.$`,
		},
		{
			name: "OtherOrgsWebhookHidden",
			breakCause: func(t *testing.T, ctx context.Context, d *demo.Demo, a *app) {
				ev := &sfzoom.WebhookEvent{OrgID: otherOrg, DedupeKey: "other", EventType: "meeting.ended", Payload: []byte(`{}`), ReceivedAt: time.Now()}
				if err := a.backend.Store.CreateWebhookEvent(ctx, ev); err != nil {
					t.Fatal(err)
				}
			},
			fieldsKnown: true, sfStatus: sfzoom.ConnectionActive, sfBreakerOK: true, sfBreakerHas: "answering normally",
			check: func(t *testing.T, v templates.HealthView) {
				if !v.LastWebhook.IsZero() {
					t.Errorf("last webhook = %v %s, want none: the only delivery is another org's", v.LastWebhook, v.LastWebhookType)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			d, a := startDemoWithApp(t)
			tt.breakCause(t, ctx, d, a)
			v, err := a.health().Health(ctx, d.Info.OrgID)
			if err != nil {
				t.Fatal(err)
			}
			if v.FieldsChecked != tt.fieldsKnown {
				t.Errorf("FieldsChecked = %v, want %v (problems %q)", v.FieldsChecked, tt.fieldsKnown, v.Problems)
			}
			if len(v.Connections) != 2 {
				t.Fatalf("connections = %+v", v.Connections)
			}
			sf, zm := v.Connections[0], v.Connections[1]
			if sf.Status != tt.sfStatus {
				t.Errorf("Salesforce status = %q, want %q", sf.Status, tt.sfStatus)
			}
			if tt.sfBreakerHas != "" && (!strings.Contains(sf.Breaker, tt.sfBreakerHas) || sf.BreakerOK != tt.sfBreakerOK) {
				t.Errorf("Salesforce breaker = %q (ok %v), want %q (ok %v)", sf.Breaker, sf.BreakerOK, tt.sfBreakerHas, tt.sfBreakerOK)
			}
			if tt.sfStatus == sfzoom.ConnectionActive && sf.LastOK.IsZero() {
				t.Error("Salesforce last successful call is zero, want the demo's calls")
			}
			wantZoom := "^Zoom is answering normally\\.$"
			if tt.zoomBreaker != "" {
				wantZoom = tt.zoomBreaker
			}
			if zm.Status != sfzoom.ConnectionActive || !strings.HasPrefix(zm.Token, "Token valid until ") || !regexp.MustCompile(wantZoom).MatchString(zm.Breaker) {
				t.Errorf("Zoom = %+v, want breaker words matching %s", zm, wantZoom)
			}
			if tt.check != nil {
				tt.check(t, v)
			}
		})
	}
}

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
	h := a.health()

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

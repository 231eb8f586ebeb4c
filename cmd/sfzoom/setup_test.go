package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sfzoom/sfzoom/internal/config"
	"github.com/sfzoom/sfzoom/internal/demo"
	"github.com/sfzoom/sfzoom/internal/setup"
	"github.com/sfzoom/sfzoom/internal/zoom"
)

// waitValidated waits for the demo's background endpoint validation.
func waitValidated(t *testing.T, a *app) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := a.backend.Store.LastOrgWebhookEvent(context.Background(), "", zoom.EventURLValidation); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the demo's Zoom did not validate the webhook endpoint")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSetupChecklist starts the demo (all green), then breaks one cause at a
// time in the fake org, the fake Zoom or the connection, and checks that
// exactly the check that depends on it turns red (and the checks that need
// it wait), each with a fix.
func TestSetupChecklist(t *testing.T) {
	tests := []struct {
		name       string
		breakCause func(t *testing.T, ctx context.Context, d *demo.Demo, a *app)
		want       map[string]setup.Status // checks not listed must be OK
		// words the failing check's detail or fix must contain
		detail, fix string
	}{
		{name: "AllGreen", breakCause: func(*testing.T, context.Context, *demo.Demo, *app) {}},
		{
			name: "SalesforceDisconnected",
			breakCause: func(t *testing.T, ctx context.Context, d *demo.Demo, a *app) {
				if err := a.integrations.DisconnectSalesforce(ctx, d.Info.OrgID); err != nil {
					t.Fatal(err)
				}
			},
			want: map[string]setup.Status{setup.CheckSalesforce: setup.Failing, setup.CheckSchema: setup.Blocked,
				setup.CheckPermissionSets: setup.Blocked, setup.CheckUsers: setup.Blocked},
			detail: "Not connected", fix: "Connect Salesforce",
		},
		{
			name: "FieldDeleted",
			breakCause: func(t *testing.T, ctx context.Context, d *demo.Demo, a *app) {
				if !d.Salesforce.RemoveField("Event", "Zoom_Meeting_ID__c") {
					t.Fatal("no Event.Zoom_Meeting_ID__c to remove")
				}
			},
			want:   map[string]setup.Status{setup.CheckSchema: setup.Failing},
			detail: "Event.Zoom_Meeting_ID__c", fix: "Deploy",
		},
		{
			name: "PlatformEventFieldDeleted",
			breakCause: func(t *testing.T, ctx context.Context, d *demo.Demo, a *app) {
				if !d.Salesforce.RemoveField("Zoom_Meeting_Event__e", "Topic__c") {
					t.Fatal("no Zoom_Meeting_Event__e.Topic__c to remove")
				}
			},
			want:   map[string]setup.Status{setup.CheckSchema: setup.Failing},
			detail: "Zoom_Meeting_Event__e.Topic__c", fix: "Deploy",
		},
		{
			name: "NoRepHasSfzoomUser",
			breakCause: func(t *testing.T, ctx context.Context, d *demo.Demo, a *app) {
				for _, u := range []string{"rep", "override_rep"} {
					d.Salesforce.UnassignPermissionSet(d.Info.Users[u], setup.PermissionSetUser)
				}
			},
			want:   map[string]setup.Status{setup.CheckPermissionSets: setup.Failing},
			detail: "no user has sfzoom User", fix: "sfzoom User",
		},
		{
			name: "NoAdminHasSfzoomAdmin",
			breakCause: func(t *testing.T, ctx context.Context, d *demo.Demo, a *app) {
				d.Salesforce.UnassignPermissionSet(d.Info.Users["admin"], setup.PermissionSetAdmin)
			},
			want:   map[string]setup.Status{setup.CheckPermissionSets: setup.Failing},
			detail: "No user has sfzoom Admin", fix: "sfzoom Admin",
		},
		{
			name: "ZoomSecretRegenerated",
			breakCause: func(t *testing.T, ctx context.Context, d *demo.Demo, a *app) {
				d.Zoom.SetClientSecret("regenerated-in-the-marketplace")
			},
			want:   map[string]setup.Status{setup.CheckZoom: setup.Failing},
			detail: "Zoom refused", fix: "SFZOOM_ZOOM_CLIENT_SECRET",
		},
		{
			name: "WebhookNeverValidated",
			breakCause: func(t *testing.T, ctx context.Context, d *demo.Demo, a *app) {
				// A fresh install whose Secret Token was pasted wrong: Zoom's
				// Validate fails and nothing is recorded.
				if _, err := a.backend.Store.DeleteWebhookEventsBefore(ctx, time.Now().Add(time.Hour)); err != nil {
					t.Fatal(err)
				}
				d.Zoom.SetWebhook(d.Info.AppURL+"/webhooks/zoom", []byte("not-the-secret-token"))
				if err := d.Zoom.ValidateWebhookURL(ctx); err == nil {
					t.Fatal("validation with the wrong secret succeeded")
				}
			},
			want:   map[string]setup.Status{setup.CheckWebhook: setup.Failing},
			detail: "never validated", fix: "/webhooks/zoom",
		},
		{
			name: "ZoomUsersRemoved",
			breakCause: func(t *testing.T, ctx context.Context, d *demo.Demo, a *app) {
				for _, e := range []string{"riley.chen@acme-demo.com", "sam@zoom.acme-demo.com", "alex.morgan@acme-demo.com"} {
					if !d.Zoom.RemoveUser(e) {
						t.Fatalf("no Zoom user %s", e)
					}
				}
				if _, _, err := a.identity.VerifyAll(ctx, d.Info.OrgID); err != nil {
					t.Fatal(err)
				}
			},
			want:   map[string]setup.Status{setup.CheckUsers: setup.Failing},
			detail: "0 of 3", fix: "Verify all users",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			d, a := startDemoWithApp(t)
			waitValidated(t, a)
			tt.breakCause(t, ctx, d, a)
			r := a.setup.Run(ctx, d.Info.OrgID, time.UTC)
			if len(r.Checks) != 7 {
				t.Fatalf("%d checks, want 7", len(r.Checks))
			}
			for _, c := range r.Checks {
				want, listed := tt.want[c.ID]
				if !listed {
					want = setup.OK
				}
				if c.Status != want {
					t.Errorf("check %s = %s (%s), want %s", c.ID, c.Status, c.Detail, want)
				}
				if c.Status != setup.OK && c.Fix == "" {
					t.Errorf("check %s is %s without a fix", c.ID, c.Status)
				}
				if c.Status == setup.Failing && (!strings.Contains(c.Detail, tt.detail) || !strings.Contains(c.Fix+" "+c.Command, tt.fix)) {
					t.Errorf("check %s: detail %q, fix %q; want %q in the detail and %q in the fix", c.ID, c.Detail, c.Fix, tt.detail, tt.fix)
				}
			}
			if got := r.AllOK(); got != (len(tt.want) == 0) {
				t.Errorf("AllOK = %v", got)
			}
		})
	}
}

// TestSetupChecklist_FreshDescribeAfterReconnect: a field deleted while
// Salesforce was disconnected shows after reconnecting, because every run
// describes the org again (nothing is cached across the disconnect).
func TestSetupChecklist_FreshDescribeAfterReconnect(t *testing.T) {
	ctx := context.Background()
	d, a := startDemoWithApp(t)
	waitValidated(t, a)
	if c := a.setup.Run(ctx, d.Info.OrgID, time.UTC).Checks[2]; c.ID != setup.CheckSchema || c.Status != setup.OK {
		t.Fatalf("schema check before = %+v", c)
	}
	if err := a.integrations.DisconnectSalesforce(ctx, d.Info.OrgID); err != nil {
		t.Fatal(err)
	}
	d.Salesforce.RemoveField("Opportunity", "Meeting_Count__c")
	if err := a.demoConnectSalesforce(ctx, d); err != nil {
		t.Fatal(err)
	}
	c := a.setup.Run(ctx, d.Info.OrgID, time.UTC).Checks[2]
	if c.Status != setup.Failing || !strings.Contains(c.Detail, "Opportunity.Meeting_Count__c") {
		t.Fatalf("schema check after reconnect = %s %q, want failing naming Opportunity.Meeting_Count__c", c.Status, c.Detail)
	}
}

// TestSetupChecklist_CanvasSecret: the Canvas check passes only when a
// consumer secret is bound to the session's org (15- or 18-character id);
// a bare secret, or secrets of other orgs only, fail with the fix.
func TestSetupChecklist_CanvasSecret(t *testing.T) {
	const org = "00Dxx0000001gPFEAY"
	tests := []struct {
		name    string
		secrets []config.ConsumerSecret
		bound   bool
	}{
		{"Bound18", []config.ConsumerSecret{{OrgID: org, Secret: []byte("s")}}, true},
		{"Bound15", []config.ConsumerSecret{{OrgID: org[:15], Secret: []byte("s")}}, true},
		{"Rotation", []config.ConsumerSecret{{OrgID: org, Secret: []byte("new")}, {OrgID: org, Secret: []byte("old")}}, true},
		{"Bare", []config.ConsumerSecret{{Secret: []byte("s")}}, false},
		{"OtherOrgOnly", []config.ConsumerSecret{{OrgID: "00Dxx0000001gPGEAY", Secret: []byte("s")}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := canvasStatus(&config.Config{CanvasConsumerSecrets: tt.secrets})(context.Background(), org)
			if st.Bound != tt.bound {
				t.Fatalf("Bound = %v (%s), want %v", st.Bound, st.Detail, tt.bound)
			}
			if !tt.bound && !strings.Contains(st.Fix, "SFZOOM_CANVAS_CONSUMER_SECRET="+org+":") {
				t.Errorf("Fix = %q, want the ORGID:secret setting", st.Fix)
			}
		})
	}
}

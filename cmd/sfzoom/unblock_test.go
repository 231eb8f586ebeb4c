package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"

	"github.com/sfzoom/sfzoom/internal/activity"
	"github.com/sfzoom/sfzoom/internal/jobs"
	"github.com/sfzoom/sfzoom/internal/salesforce/salesforcetest"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/tokens"
)

// TestConnectSalesforceUnblocks: the Connect Salesforce popup's callback
// re-enqueues the org's meetings that were blocked on the missing
// connection, in the same transaction that removes them from the blocked
// list, so they are logged at once.
func TestConnectSalesforceUnblocks(t *testing.T) {
	ctx := context.Background()
	sf := salesforcetest.NewServer(salesforcetest.WithConnectedApp("c", "s"))
	t.Cleanup(sf.Close)
	admin := sf.AddUser(salesforcetest.User{FirstName: "Alex", LastName: "Admin", Email: "alex@example.com", SystemAdmin: true})
	be, in := salesforceIntegrations(t, sf)
	a := &app{backend: be, log: slog.New(slog.NewTextHandler(io.Discard, nil)), integrations: in,
		pipeline: activity.New(activity.Options{Store: be.Store})}
	org := sf.DefaultOrgID()
	if err := be.Store.BlockMeeting(ctx, &sfzoom.BlockedMeeting{OrgID: org, MeetingUUID: "uuid-1", ZoomMeetingID: 851,
		Provider: sfzoom.ProviderSalesforce, Subject: "integration", Fix: "Connect Salesforce as the integration user.",
		Args: []byte(`{"zoom_meeting_id":851,"meeting_uuid":"uuid-1","trigger":"meeting.ended"}`)}); err != nil {
		t.Fatal(err)
	}

	conn := unblockingConnector{Integrations: in, a: a}
	verifier := tokens.GenerateVerifier()
	code := approve(t, sf, conn.SalesforceAuthURL("st", verifier), admin)
	if _, err := conn.ConnectSalesforce(ctx, org, code, verifier); err != nil {
		t.Fatal(err)
	}
	if _, total, _ := be.Store.FindBlockedMeetings(ctx, sfzoom.BlockedMeetingFilter{OrgID: org}); total != 0 {
		t.Fatalf("%d meetings still blocked after connecting", total)
	}
	rows, err := be.Client().JobList(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, j := range rows.Jobs {
		var args jobs.LogMeetingArgs
		if j.Kind == args.Kind() {
			if err := json.Unmarshal(j.EncodedArgs, &args); err != nil {
				t.Fatal(err)
			}
			found = args.OrgID == org && args.MeetingUUID == "uuid-1" && args.Trigger == activity.TriggerUnblocked
		}
	}
	if !found {
		t.Fatal("no log_meeting job enqueued after connecting Salesforce")
	}
}

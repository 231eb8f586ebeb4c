package main

import (
	"context"
	"time"

	"github.com/sfzoom/sfzoom/internal/activity"
	"github.com/sfzoom/sfzoom/internal/demo"
	"github.com/sfzoom/sfzoom/internal/jobs"
	"github.com/sfzoom/sfzoom/internal/setup"
)

// demoSetup prepares the app for the demo after it is wired: features add
// their demo-only steps here (for example connecting the fake org).
func (a *app) demoSetup(ctx context.Context, d *demo.Demo) error {
	rm, err := a.demoSeedRecordings(ctx, d)
	if err != nil {
		return err
	}
	if err := a.demoConnectSalesforce(ctx, d); err != nil {
		return err
	}
	if rm != nil {
		// Log the recorded meeting in one run, as an admin's re-log would
		// (its webhooks were switched off): the Event lands on the
		// Opportunity with its recording and summary, and who attended
		// (matched, or waiting in Review) shows on the record page at once.
		if err := a.pipeline.LogMeeting(ctx, jobs.LogMeetingArgs{OrgID: d.Info.OrgID, ZoomMeetingID: rm.ZoomMeetingID,
			MeetingUUID: rm.UUID, Trigger: activity.TriggerManual}); err != nil {
			a.log.Warn("demo: the recorded meeting could not be logged", "err", err.Error())
		}
	}
	return a.demoGoLive(ctx, d)
}

// demoGoLive does in the fake org and the fake Zoom what docs/install.md
// asks an admin to do, so the demo's Setup checklist is all green: the reps
// get the sfzoom User permission set, the users are matched to Zoom, and
// Zoom validates the webhook endpoint (once the app serves; it runs in the
// background and answers as soon as the listener accepts).
func (a *app) demoGoLive(ctx context.Context, d *demo.Demo) error {
	for _, id := range []string{d.Info.Users["rep"], d.Info.Users["override_rep"]} {
		d.Salesforce.AssignPermissionSet(id, setup.PermissionSetUser)
	}
	if _, _, err := a.identity.VerifyAll(ctx, d.Info.OrgID); err != nil {
		return err
	}
	go func() {
		vctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := d.Zoom.ValidateWebhookURL(vctx); err != nil {
			a.log.Warn("demo: Zoom could not validate the webhook endpoint", "err", err.Error())
		}
	}()
	return nil
}

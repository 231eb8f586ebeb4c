package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"golang.org/x/oauth2"

	"github.com/sfzoom/sfzoom/internal/activity"
	"github.com/sfzoom/sfzoom/internal/demo"
	"github.com/sfzoom/sfzoom/internal/integrations"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/web"
)

// webhookSettleDelay postpones the meeting.ended job, which writes the
// Event: a recording or summary delivered meanwhile is written in the same
// call (activity.WebhookPolicy).
const webhookSettleDelay = 5 * time.Second

// reconcileInterval is how often the reconciliation pass looks for meetings
// whose webhooks were missed.
const reconcileInterval = 15 * time.Minute

// activityWorkers registers the reconciliation and unblock workers of the
// pipeline wireActivity built and returns their periodic jobs, for
// backend.WorkerOptions.PeriodicJobs.
func (a *app) activityWorkers(workers *river.Workers) []*river.PeriodicJob {
	rec := &activity.Reconciler{Pipeline: a.pipeline, Orgs: a.backend.Store, Enqueue: a.backend.Client(),
		Zoom: func(ctx context.Context, orgID, sfUserID string) (activity.MeetingLister, error) {
			return a.integrations.Zoom(ctx, orgID, sfUserID)
		}}
	river.AddWorker(workers, &activity.ReconcileWorker{Reconciler: rec})
	river.AddWorker(workers, &activity.UnblockWorker{Pipeline: a.pipeline, Connections: a.backend.Store})
	return []*river.PeriodicJob{activity.PeriodicJob(reconcileInterval), activity.UnblockPeriodicJob()}
}

// wireActivity builds the post-meeting pipeline into a.pipeline and returns
// the webhook route for web.Options.Webhook. It runs inside newApp once the
// store and the integrations exist, before the job workers.
func (a *app) wireActivity() *web.ZoomWebhook {
	p := activity.New(activity.Options{
		Store:       a.backend.Store,
		Clients:     activityClients{a},
		PublicURL:   a.cfg.PublicURL.String(),
		Logger:      a.log,
		ZoomPerUser: a.integrations.ZoomMode() == integrations.ZoomAuthUser,
	})
	a.pipeline = p
	return &web.ZoomWebhook{
		Secret: []byte(a.cfg.ZoomWebhookSecret), Store: a.backend.Store, Logger: a.log,
		Policy: activity.WebhookPolicy{SettleDelay: webhookSettleDelay},
	}
}

// reviewRelogDelay lets an admin link several participants of one meeting
// before the re-log that shows them on its Event runs.
const reviewRelogDelay = 10 * time.Second

// reviewPages builds the admin review queue of unmatched participants.
func (a *app) reviewPages() *web.ReviewPages {
	rv := activity.NewReview(activity.ReviewOptions{
		Store: a.backend.Store, Enqueue: a.backend.Client(), RelogDelay: reviewRelogDelay, Logger: a.log,
		Salesforce: func(ctx context.Context, orgID string) (activity.SalesforceAPI, error) {
			return activityClients{a}.Salesforce(ctx, orgID)
		},
	})
	return &web.ReviewPages{Review: rv}
}

// activityClients adapts the integrations to the pipeline's interfaces.
type activityClients struct{ a *app }

func (c activityClients) Zoom(ctx context.Context, orgID, sfUserID string) (activity.ZoomAPI, error) {
	return c.a.integrations.Zoom(ctx, orgID, sfUserID)
}

func (c activityClients) Salesforce(ctx context.Context, orgID string) (activity.SalesforceAPI, error) {
	return c.a.integrations.Salesforce(ctx, orgID)
}

// unblockingConnector is the integrations as the OAuth popups see them: a
// successful (re)connect re-enqueues the meetings that were blocked on that
// connection, so they are logged at once rather than at the next sweep.
type unblockingConnector struct {
	*integrations.Integrations
	a *app
}

func (u unblockingConnector) ConnectSalesforce(ctx context.Context, orgID, code, verifier string) (*sfzoom.Connection, error) {
	c, err := u.Integrations.ConnectSalesforce(ctx, orgID, code, verifier)
	if err == nil {
		u.a.unblock(ctx, orgID, sfzoom.ProviderSalesforce, "integration")
	}
	return c, err
}

func (u unblockingConnector) ConnectZoomUser(ctx context.Context, orgID, sfUserID, sfEmail, code, verifier string) (*sfzoom.Connection, error) {
	c, err := u.Integrations.ConnectZoomUser(ctx, orgID, sfUserID, sfEmail, code, verifier)
	if err == nil {
		u.a.unblock(ctx, orgID, sfzoom.ProviderZoomUser, sfUserID)
	}
	return c, err
}

// unblock re-enqueues the meetings blocked on a connection that was just
// restored. A failure is logged, not returned: the connection works, and
// the periodic sweep re-enqueues them within minutes.
func (a *app) unblock(ctx context.Context, orgID, provider, subject string) {
	if _, err := a.pipeline.Unblock(ctx, orgID, provider, subject); err != nil {
		a.log.WarnContext(ctx, "re-enqueue blocked meetings after connect", "org", orgID, "provider", provider, "err", err.Error())
	}
}

// demoConnectSalesforce connects the fake org's admin as the integration
// user at demo start (unless already connected), so webhooks are logged
// without a click on Connect Salesforce.
func (a *app) demoConnectSalesforce(ctx context.Context, d *demo.Demo) error {
	orgID := d.Info.OrgID
	if err := a.backend.Store.UpsertOrg(ctx, &sfzoom.Org{ID: orgID, Name: "Demo org", InstanceURL: d.Info.SalesforceURL}); err != nil {
		return err
	}
	if c, err := a.backend.Store.FindConnection(ctx, orgID, sfzoom.ProviderSalesforce, "integration"); err == nil && c.Status == sfzoom.ConnectionActive {
		return nil
	}
	verifier := oauth2.GenerateVerifier()
	code, err := d.ApproveSalesforce(ctx, a.integrations.SalesforceAuthURL("demo", verifier), d.Info.Users["admin"])
	if err != nil {
		return err
	}
	if _, err := a.integrations.ConnectSalesforce(ctx, orgID, code, verifier); err != nil {
		return err
	}
	a.unblock(ctx, orgID, sfzoom.ProviderSalesforce, "integration")
	a.log.Info("demo: Salesforce integration connected", slog.String("org", orgID))
	return nil
}

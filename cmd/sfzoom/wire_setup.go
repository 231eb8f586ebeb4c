package main

import (
	"context"
	"strconv"

	"golang.org/x/oauth2"

	"github.com/sfzoom/sfzoom/internal/config"
	"github.com/sfzoom/sfzoom/internal/identity"
	"github.com/sfzoom/sfzoom/internal/integrations"
	"github.com/sfzoom/sfzoom/internal/setup"
)

// setupChecker builds the Setup checklist from the app's parts.
func (a *app) setupChecker(cfg *config.Config, ident *identity.Resolver) *setup.Checker {
	in := a.integrations
	return setup.New(setup.Options{
		Connections: a.backend.Store,
		Webhooks:    a.backend.Store,
		Salesforce: func(ctx context.Context, orgID string) (setup.Salesforce, error) {
			return in.Salesforce(ctx, orgID)
		},
		SalesforceToken: func(ctx context.Context, orgID string) (*oauth2.Token, error) {
			return in.SalesforceToken(ctx, orgID)
		},
		Canvas:           canvasStatus(cfg),
		ZoomUserMode:     in.ZoomMode() == integrations.ZoomAuthUser,
		ProbeZoom:        in.ProbeZoom,
		Users:            ident.Users,
		PublicURL:        cfg.PublicURL.String(),
		BackgroundBudget: cfg.SalesforceBackgroundBudget,
	})
}

// canvasStatus describes how the configured consumer secrets cover an org.
// The admin reads the checklist inside a session that a verified signed
// request opened, so a secret verified this org's request.
func canvasStatus(cfg *config.Config) func(ctx context.Context, orgID string) setup.CanvasStatus {
	n := len(cfg.CanvasConsumerSecrets)
	return func(ctx context.Context, orgID string) setup.CanvasStatus {
		d := "Salesforce's signed request for this page was verified with the consumer secret in SFZOOM_CANVAS_CONSUMER_SECRET"
		if n > 1 {
			d += " (" + strconv.Itoa(n) + " secrets are configured: keep the old one only while Salesforce switches to the new one)"
		}
		return setup.CanvasStatus{Bound: true, Detail: d + "."}
	}
}

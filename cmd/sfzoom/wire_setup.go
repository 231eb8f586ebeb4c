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

// canvasStatus describes how SFZOOM_CANVAS_CONSUMER_SECRET covers an org.
// The admin reads the checklist inside a session that a verified signed
// request opened, so some secret verified this org's request; the question
// is whether that secret is bound to this org alone.
func canvasStatus(cfg *config.Config) func(ctx context.Context, orgID string) setup.CanvasStatus {
	return func(ctx context.Context, orgID string) setup.CanvasStatus {
		bound, bare := 0, 0
		for _, s := range cfg.CanvasConsumerSecrets {
			switch {
			case s.OrgID == "":
				bare++
			case sameOrg(s.OrgID, orgID):
				bound++
			}
		}
		switch {
		case bound == 1:
			return setup.CanvasStatus{Bound: true, Detail: "A consumer secret bound to this org (" + orgID + ") verified Salesforce's signed request for this page."}
		case bound > 1:
			return setup.CanvasStatus{Bound: true, Detail: strconv.Itoa(bound) + " consumer secrets are bound to this org (" + orgID + "): keep the old one only while Salesforce switches to the new one, then remove it."}
		}
		return setup.CanvasStatus{
			Detail: strconv.Itoa(bare) + " consumer secret(s) without an org id are configured: they verify signed requests of every Salesforce org, not only this one.",
			Fix:    "Bind the secret to this org: set SFZOOM_CANVAS_CONSUMER_SECRET=" + orgID + ":<consumer secret> and restart sfzoom.",
		}
	}
}

// sameOrg compares a configured 15- or 18-character org id with the
// session's 18-character one.
func sameOrg(configured, orgID string) bool {
	if len(configured) == 15 && len(orgID) == 18 {
		return configured == orgID[:15]
	}
	return configured == orgID
}

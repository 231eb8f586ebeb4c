package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/sfzoom/sfzoom/internal/activity"
	"github.com/sfzoom/sfzoom/internal/appsession"
	"github.com/sfzoom/sfzoom/internal/backend"
	"github.com/sfzoom/sfzoom/internal/canvas"
	"github.com/sfzoom/sfzoom/internal/config"
	"github.com/sfzoom/sfzoom/internal/identity"
	"github.com/sfzoom/sfzoom/internal/integrations"
	"github.com/sfzoom/sfzoom/internal/jobs"
	"github.com/sfzoom/sfzoom/internal/scheduling"
	"github.com/sfzoom/sfzoom/internal/setup"
	"github.com/sfzoom/sfzoom/internal/tokens"
	"github.com/sfzoom/sfzoom/web"
)

// app is a fully wired sfzoom process: database, job queue and HTTP server.
type app struct {
	cfg     *config.Config
	log     *slog.Logger
	backend *backend.Backend
	web     *web.Server
	reg     *prometheus.Registry

	vault        *tokens.Vault
	integrations *integrations.Integrations
	pipeline     *activity.Pipeline
	setup        *setup.Checker     // the admin's Setup checklist
	identity     *identity.Resolver // Salesforce ↔ Zoom user mapping
}

// appDeps are the pieces the demo replaces (for example the HTTP client used
// to reach Salesforce and Zoom) and the frame ancestors it adds.
type appDeps struct {
	httpClient *http.Client
	// devSalesforceOrigins are the demo's fake org origins
	// (http://localhost:PORT), accepted as Canvas instance URLs in addition
	// to Salesforce's https hosts. Only runDemo sets it; no configuration
	// variable reaches it, so `sfzoom serve` never trusts a local host.
	devSalesforceOrigins []string
	// zoomDemoDownloadOrigin lets recording downloads reach the demo's fake
	// Zoom, which serves on http://127.0.0.1 instead of an https Zoom host.
	// Only the demo sets it (demoDeps); serve never does.
	zoomDemoDownloadOrigin string
}

func newLogger(w io.Writer, format, level string) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(strings.ToUpper(level)))
	opts := &slog.HandlerOptions{Level: lvl}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// newApp wires every component from the configuration. cmd/sfzoom is the only
// place that knows every concrete type.
func newApp(ctx context.Context, cfg *config.Config, logger *slog.Logger, deps appDeps) (*app, error) {
	if deps.httpClient == nil {
		deps.httpClient = &http.Client{Timeout: 30 * time.Second}
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	metrics, err := jobs.NewMetrics(reg)
	if err != nil {
		return nil, err
	}
	a := &app{cfg: cfg, log: logger, reg: reg}
	// The store first, then the services built on it, then the River client
	// that works their jobs (Backend.Work).
	be, err := backend.Open(ctx, backend.Options{DatabaseURL: cfg.DatabaseURL, DBMaxConns: cfg.DBMaxConns, Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	a.backend = be

	vault, err := newVault(cfg, be, logger, deps.httpClient)
	if err != nil {
		be.Close()
		return nil, err
	}
	a.vault = vault
	a.integrations = integrations.New(integrations.Options{
		Store: be.Store, Vault: vault, HTTPClient: deps.httpClient, Logger: logger, Registry: reg,
		ZoomAuthMode: cfg.ZoomAuthMode, ZoomAccountID: cfg.ZoomAccountID,
		ZoomClientID: cfg.ZoomClientID, ZoomClientSecret: cfg.ZoomClientSecret,
		ZoomAPIURL: cfg.ZoomAPIURL.String(), ZoomOAuthURL: cfg.ZoomOAuthURL.String(),
		SalesforceClientID: cfg.SalesforceClientID, SalesforceClientSecret: cfg.SalesforceClientSecret,
		SalesforceLoginURL: cfg.SalesforceLoginURL.String(), BackgroundBudget: cfg.SalesforceBackgroundBudget,
		PublicURL: cfg.PublicURL.String(), ZoomDemoDownloadOrigin: deps.zoomDemoDownloadOrigin,
	})

	opts, scheduler, err := a.wireWeb(cfg, deps)
	if err != nil {
		be.Close()
		return nil, err
	}
	if err := a.wireJobs(ctx, scheduler, metrics); err != nil {
		be.Close()
		return nil, err
	}
	srv, err := web.NewServer(opts)
	if err != nil {
		be.Close()
		return nil, err
	}
	a.web = srv
	return a, nil
}

// wireWeb builds the web server's options: the Canvas entry point and app
// session, the pages, the webhook and the other routes, with the services
// behind them (the scheduling service is returned for its job worker).
func (a *app) wireWeb(cfg *config.Config, deps appDeps) (web.Options, *scheduling.Service, error) {
	logger, reg := a.log, a.reg
	sessions, err := appsession.NewCodec(cfg.SessionKeys, appsession.WithMaxLifetime(cfg.SessionTTL))
	if err != nil {
		return web.Options{}, nil, err
	}
	secrets, err := consumerSecrets(cfg.CanvasConsumerSecrets)
	if err != nil {
		return web.Options{}, nil, err
	}
	if len(deps.devSalesforceOrigins) == 0 && slices.ContainsFunc(secrets, func(s canvas.Secret) bool { return s.OrgID == "" }) {
		logger.Warn("SFZOOM_CANVAS_CONSUMER_SECRET holds bare secrets, which verify signed requests of every org; " +
			"that is right only for a single-org deployment (bind each secret to its org as ORGID:secret)")
	}
	instances := canvas.InstancePolicy{DevOrigins: deps.devSalesforceOrigins}
	var checker web.TokenChecker
	if cfg.CanvasTokenCheck {
		checker = canvas.NewTokenChecker(deps.httpClient, canvas.WithCacheTTL(cfg.CanvasTokenCheckTTL, cfg.CanvasTokenCheckTTL/4),
			canvas.WithLogger(logger), canvas.WithInstancePolicy(instances))
	}
	opts := web.Options{
		Logger:         logger,
		Store:          a.backend.Store,
		Registry:       reg,
		Gatherer:       reg,
		PublicURL:      cfg.PublicURL,
		FrameAncestors: cfg.FrameAncestors,
		RateLimits: web.RateLimits{
			Canvas:      web.RateLimit(cfg.CanvasRateLimit),
			ZoomWebhook: web.RateLimit(cfg.ZoomWebhookRateLimit),
		},
		Version: version(),
		Readiness: []web.ReadinessCheck{{Name: "salesforce_schema", Check: web.CachedCheck(
			(&schemaCheck{store: a.backend.Store, integrations: a.integrations}).Check, 5*time.Minute, time.Now)}},
		RecordLink: &web.RecordLink{Store: a.backend.Store, Instances: instances},
		AdminEntry: true,
	}
	co := &web.CanvasOptions{
		ConsumerSecrets: secrets,
		Instances:       instances,
		Sessions:        sessions,
		SessionTTL:      cfg.SessionTTL,
		TokenChecker:    checker,
		Orgs:            a.backend.Store,
		BootstrapAdmins: cfg.AdminUserIDs,
	}
	admins, scheduler := a.wirePages(cfg, &opts, co)
	a.wireRecordings(&opts, co)
	opts.Webhook = a.wireActivity()
	co.Admins, co.AdminRecheck = admins, admins
	opts.Canvas = co
	return opts, scheduler, nil
}

// wireJobs attaches the job workers of the services wireWeb built; the
// backend works them once started.
func (a *app) wireJobs(ctx context.Context, scheduler *scheduling.Service, metrics *jobs.Metrics) error {
	workers := river.NewWorkers()
	river.AddWorker(workers, jobs.NewWorker(a.pipeline.LogMeeting))
	river.AddWorker(workers, &jobs.MeetingStartedWorker{Meetings: a.backend.Store})
	river.AddWorker(workers, jobs.NewWorker(scheduler.WriteEvent))
	periodic := append(a.activityWorkers(workers), a.retentionWorkers(workers)...)
	return a.backend.Work(ctx, backend.WorkerOptions{Workers: workers, PeriodicJobs: periodic, MaxWorkers: a.cfg.Workers,
		Middleware: []rivertype.Middleware{metrics}})
}

// serve runs the HTTP server on ln and the job workers until ctx is done,
// then shuts down gracefully: the listener closes, in-flight requests finish,
// running jobs finish (or, past the timeout, are cancelled and left for
// River to retry), and the database closes.
func (a *app) serve(ctx context.Context, ln net.Listener) error {
	// Jobs outlive the signal: on SIGTERM they get SFZOOM_SHUTDOWN_TIMEOUT
	// to finish (backend.Stop below) before being handed back.
	if err := a.backend.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start job workers: %w", err)
	}
	hs := a.web.HTTPServer(ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	a.log.Info("sfzoom listening", "addr", ln.Addr().String(), "database", a.backend.Kind())

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	a.log.Info("shutting down", "timeout", a.cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.cfg.ShutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		a.log.Warn("http shutdown", "err", err.Error())
	}
	if err := a.backend.Stop(sctx); err != nil {
		a.log.Warn("job workers shutdown", "err", err.Error())
	}
	if err := a.backend.Close(); err != nil {
		a.log.Warn("close database", "err", err.Error())
	}
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	a.log.Info("stopped")
	return nil
}

// consumerSecrets binds each configured Canvas consumer secret to its org
// (15-character ids become 18).
func consumerSecrets(in []config.ConsumerSecret) ([]canvas.Secret, error) {
	out := make([]canvas.Secret, 0, len(in))
	for i, cs := range in {
		s, err := canvas.BindSecret(cs.OrgID, cs.Secret)
		if err != nil {
			return nil, fmt.Errorf("SFZOOM_CANVAS_CONSUMER_SECRET: entry #%d: %w", i+1, err)
		}
		out = append(out, s)
	}
	return out, nil
}

// newVault builds the token vault from the configured keys.
func newVault(cfg *config.Config, be *backend.Backend, logger *slog.Logger, hc *http.Client) (*tokens.Vault, error) {
	keys := make([]tokens.Key, 0, len(cfg.EncryptionKeys))
	for _, k := range cfg.EncryptionKeys {
		key, err := tokens.NewKey(k.ID, k.Secret)
		if err != nil {
			return nil, err
		}
		keys = append(keys, key)
	}
	hostname, _ := os.Hostname()
	opts := []tokens.Option{tokens.WithLogger(logger), tokens.WithHolder(fmt.Sprintf("%s/%d", hostname, os.Getpid()))}
	if hc != nil {
		// Token requests get their own, shorter timeout than other calls
		// (the vault's refresh lease outlives it; see tokens.DefaultLeaseTTL).
		tc := *hc
		tc.Timeout = tokens.DefaultTokenTimeout
		opts = append(opts, tokens.WithHTTPClient(&tc))
	}
	return tokens.NewVault(be.Store, keys, opts...)
}

package main

import (
	"context"
	"fmt"
	"io"

	"github.com/sfzoom/sfzoom/internal/config"
	"github.com/sfzoom/sfzoom/internal/demo"
)

// runDemo runs the whole product on one command: the app on an embedded
// SQLite database, a fake Salesforce org with its simulator UI and a fake
// Zoom with its control page.
func runDemo(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("demo", stderr)
	opts := demo.Options{Getenv: getenv}
	fs.StringVar(&opts.DataDir, "data", "data/demo", "data folder (SQLite database, demo.json)")
	fs.BoolVar(&opts.Reset, "reset", false, "delete the data folder first")
	fs.StringVar(&opts.AppAddr, "addr", "127.0.0.1:8080", "the app's listen address (port 0 picks a free one)")
	fs.StringVar(&opts.SalesforceAddr, "salesforce-addr", "127.0.0.1:8081", "the fake Salesforce org's listen address, served as http://localhost:PORT")
	fs.StringVar(&opts.ZoomAddr, "zoom-addr", "127.0.0.1:8082", "the fake Zoom's listen address")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	logger := newLogger(stderr, "text", "info")
	opts.Logger = logger
	d, err := demo.Start(ctx, opts)
	if err != nil {
		return err
	}
	defer d.Close()
	cfg, err := config.Load(func(k string) string { return d.Env[k] }, config.ModeDemo)
	if err != nil {
		d.AppListener.Close()
		return fmt.Errorf("demo: %w", err)
	}
	a, err := newApp(ctx, cfg, logger, demoDeps(d))
	if err != nil {
		d.AppListener.Close()
		return err
	}
	if err := a.demoSetup(ctx, d); err != nil {
		d.AppListener.Close()
		return err
	}
	fmt.Fprintf(stdout, `
sfzoom demo is running.

  Open the Salesforce simulator:  %s
  Zoom control page:              %s
  The app itself:                 %s
  Details (secrets, record ids):  %s/demo.json

Press Ctrl+C to stop.
`, d.Info.OpenURL, d.Info.ZoomControlURL, d.Info.AppURL, opts.DataDir)
	return a.serve(ctx, d.AppListener)
}

// demoDeps are the app's dependencies under the demo: the fake org runs on
// http://localhost:PORT, so it (and only it) is trusted as a Canvas instance
// URL, and recording downloads may reach the fake Zoom's local origin.
// `sfzoom serve` never builds these.
func demoDeps(d *demo.Demo) appDeps {
	return appDeps{devSalesforceOrigins: []string{d.Info.SalesforceURL}, zoomDemoDownloadOrigin: d.Info.ZoomURL}
}

package main

import (
	"context"

	"github.com/sfzoom/sfzoom/internal/demo"
)

// demoSetup prepares the app for the demo after it is wired: features add
// their demo-only steps here (for example connecting the fake org).
func (a *app) demoSetup(ctx context.Context, d *demo.Demo) error {
	if err := a.demoSeedRecordings(ctx, d); err != nil {
		return err
	}
	return a.demoConnectSalesforce(ctx, d)
}

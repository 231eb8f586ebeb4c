package storetest

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivermigrate"
)

// MustRiverClient applies River's migrations through driver and returns an
// insert-only River client, which a store under test inserts its jobs with.
func MustRiverClient(tb testing.TB, driver riverdriver.Driver[*sql.Tx]) *river.Client[*sql.Tx] {
	tb.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	migrator, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: logger})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := migrator.Migrate(context.Background(), rivermigrate.DirectionUp, nil); err != nil {
		tb.Fatal(err)
	}
	client, err := river.NewClient(driver, &river.Config{Logger: logger})
	if err != nil {
		tb.Fatal(err)
	}
	return client
}

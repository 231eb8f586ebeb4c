package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"

	"github.com/sfzoom/sfzoom/internal/backend"
	"github.com/sfzoom/sfzoom/internal/config"
)

// newFlagSet returns a flag set whose errors become usage errors (exit 2).
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {} // run prints the command's usage once
	return fs
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return &usageError{}
		}
		return &usageError{msg: err.Error()}
	}
	if fs.NArg() > 0 {
		return &usageError{msg: fmt.Sprintf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))}
	}
	return nil
}

// loadCommand starts a command that takes no arguments: it parses its
// flags, loads the configuration mode asks for and builds the logger that
// configuration names.
func loadCommand(name string, mode config.Mode, args []string, getenv func(string) string, stderr io.Writer) (*config.Config, *slog.Logger, error) {
	if err := parseFlags(newFlagSet(name, stderr), args); err != nil {
		return nil, nil, err
	}
	cfg, err := config.Load(getenv, mode)
	if err != nil {
		return nil, nil, err
	}
	return cfg, newLogger(stderr, cfg.LogFormat, cfg.LogLevel), nil
}

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, logger, err := loadCommand("serve", config.ModeServe, args, getenv, stderr)
	if err != nil {
		return err
	}
	a, err := newApp(ctx, cfg, logger, appDeps{})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		a.backend.Close()
		return fmt.Errorf("listen on SFZOOM_ADDR %s: %w", cfg.Addr, err)
	}
	return a.serve(ctx, ln)
}

func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, logger, err := loadCommand("migrate", config.ModeMigrate, args, getenv, stderr)
	if err != nil {
		return err
	}
	be, err := backend.Open(ctx, backend.Options{DatabaseURL: cfg.DatabaseURL, Logger: logger, SkipMigrations: true})
	if err != nil {
		return err
	}
	defer be.Close()
	if err := be.Migrate(ctx); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "migrations applied (%s)\n", be.Kind())
	return nil
}

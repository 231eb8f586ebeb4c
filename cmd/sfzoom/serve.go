package main

import (
	"context"
	"flag"
	"fmt"
	"io"
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

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if err := parseFlags(newFlagSet("serve", stderr), args); err != nil {
		return err
	}
	cfg, err := config.Load(getenv, config.ModeServe)
	if err != nil {
		return err
	}
	logger := newLogger(stderr, cfg.LogFormat, cfg.LogLevel)
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
	if err := parseFlags(newFlagSet("migrate", stderr), args); err != nil {
		return err
	}
	cfg, err := config.Load(getenv, config.ModeMigrate)
	if err != nil {
		return err
	}
	logger := newLogger(stderr, cfg.LogFormat, cfg.LogLevel)
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

package main

import (
	"context"
	"fmt"
	"io"

	"github.com/sfzoom/sfzoom/internal/backend"
	"github.com/sfzoom/sfzoom/internal/config"
	"github.com/sfzoom/sfzoom/internal/tokens"
)

// runRotateKeys re-encrypts every stored token under the first key of
// SFZOOM_ENCRYPTION_KEYS. Rotation: put a new key first, keep the old ones,
// run this, then remove the old keys once it reports nothing left.
func runRotateKeys(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, logger, err := loadCommand("rotate-keys", config.ModeKeys, args, getenv, stderr)
	if err != nil {
		return err
	}
	be, err := backend.Open(ctx, backend.Options{DatabaseURL: cfg.DatabaseURL, Logger: logger})
	if err != nil {
		return err
	}
	defer be.Close()
	vault, err := newVault(cfg, be, logger, nil)
	if err != nil {
		return err
	}
	n, err := vault.RotateKeys(tokens.WithActor(ctx, "cli", "sfzoom rotate-keys"))
	if err != nil {
		return fmt.Errorf("rotate-keys: %w (tokens already re-encrypted stay so; run it again)", err)
	}
	fmt.Fprintf(stdout, "re-encrypted %d token(s) under key %q; no token remains under an older key\n", n, vault.PrimaryKeyID())
	return nil
}

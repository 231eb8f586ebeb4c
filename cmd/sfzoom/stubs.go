package main

import (
	"context"
	"errors"
	"io"
)

func runRotateKeys(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return errors.New("rotate-keys: not wired yet")
}

package main

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSFDXConfig(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sfdx")
	if err := os.CopyFS(dir, os.DirFS("../../sfdx")); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	args := []string{"sfdx-config", "-dir", dir, "-public-url", "https://sfzoom.acme.example"}
	if err := run(context.Background(), args, envFrom(nil), &out, io.Discard); err != nil {
		t.Fatalf("sfdx-config: %v", err)
	}
	if !strings.Contains(out.String(), "updated ") {
		t.Fatalf("sfdx-config printed %q, want the files it changed", out.String())
	}
	found := false
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".xml") {
			b, _ := os.ReadFile(p)
			found = found || bytes.Contains(b, []byte("https://sfzoom.acme.example/canvas"))
		}
		return nil
	})
	if !found {
		t.Error("no metadata file carries the canvas URL https://sfzoom.acme.example/canvas")
	}
	out.Reset()
	if err := run(context.Background(), args, envFrom(nil), &out, io.Discard); err != nil || !strings.Contains(out.String(), "already up to date") {
		t.Errorf("second run: %v %q, want nothing to change", err, out.String())
	}
	var errOut bytes.Buffer
	err := run(context.Background(), []string{"sfdx-config", "-dir", dir, "-public-url", "http://sfzoom.acme.example"}, envFrom(nil), io.Discard, &errOut)
	if err == nil || !strings.Contains(err.Error(), "https") {
		t.Errorf("plain http URL: %v, want an error asking for https", err)
	}
	if code := exitCode(run(context.Background(), []string{"sfdx-config", "-dir", dir}, envFrom(nil), io.Discard, io.Discard), io.Discard); code != 2 {
		t.Errorf("sfdx-config without a URL exit = %d, want 2", code)
	}
}

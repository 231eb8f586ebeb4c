package sfdxmeta_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// sfdxDir returns the repository's sfdx/ directory, found relative to this file.
func sfdxDir(tb testing.TB) string {
	tb.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		tb.Fatal("runtime.Caller failed")
	}
	dir := filepath.Join(filepath.Dir(file), "..", "..", "sfdx")
	if _, err := os.Stat(filepath.Join(dir, "sfdx-project.json")); err != nil {
		tb.Fatalf("sfdx project not found: %v", err)
	}
	return dir
}

// MustCopySFDX copies the repository's sfdx/ project (without node_modules) into a new temporary
// directory and returns its path.
func MustCopySFDX(tb testing.TB) string {
	tb.Helper()
	src := sfdxDir(tb)
	dst := filepath.Join(tb.TempDir(), "sfdx")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			if d.Name() == "node_modules" || d.Name() == "coverage" {
				return filepath.SkipDir
			}
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		tb.Fatalf("copy sfdx: %v", err)
	}
	return dst
}

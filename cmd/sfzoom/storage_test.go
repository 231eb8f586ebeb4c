package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRun_ServeOnCorruptDatabaseExitsWithOneError: sfzoom serve on a file
// that is not an SQLite database exits non-zero with one line that names
// the file and the fix, and leaves the file as it was. (Every storage
// failure is covered in internal/backend's TestBadStorageAtStart.)
func TestRun_ServeOnCorruptDatabaseExitsWithOneError(t *testing.T) {
	env := serveEnv(t)
	path := filepath.Join(t.TempDir(), "sfzoom.db")
	garbage := bytes.Repeat([]byte("not a database "), 1000)
	if err := os.WriteFile(path, garbage, 0o600); err != nil {
		t.Fatal(err)
	}
	env["SFZOOM_DATABASE_URL"] = "sqlite:" + path
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"serve"}, envFrom(env), &stdout, &stderr)
	if code := exitCode(err, &stderr); code != 1 {
		t.Fatalf("exit = %d, want 1 (err %v)", code, err)
	}
	var lines []string
	for l := range strings.SplitSeq(strings.TrimSpace(stderr.String()), "\n") {
		if strings.HasPrefix(l, "sfzoom: ") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 1 || !strings.Contains(lines[0], path) || !strings.Contains(lines[0], "is not an SQLite database") ||
		!strings.Contains(lines[0], "Restore the file from a backup") {
		t.Fatalf("stderr = %q, want one sfzoom: line naming %s and the fix", stderr.String(), path)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, garbage) {
		t.Fatal("the database file changed after the failed start")
	}
}

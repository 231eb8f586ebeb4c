package backend_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sfzoom/sfzoom/internal/backend"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store/sqlite"
)

// realDB creates a migrated sfzoom database with a few rows at dir/sfzoom.db
// and closes it (SQLite checkpoints the WAL into the file on close).
func realDB(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "sfzoom.db")
	b, err := backend.Open(context.Background(), backend.Options{DatabaseURL: "sqlite:" + path})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		ev := &sfzoom.WebhookEvent{DedupeKey: fmt.Sprintf("k%d", i), EventType: "meeting.ended", Payload: bytes.Repeat([]byte("x"), 500)}
		if err := b.Store.CreateWebhookEvent(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// mustMount mounts a tmpfs at dir (sfzoom's tests run as root in CI; a
// read-only or full volume cannot be simulated with permissions as root).
func mustMount(t *testing.T, dir, opts string) {
	t.Helper()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", opts, "tmpfs", dir).CombinedOutput(); err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("cannot mount a tmpfs (needs root): %v %s", err, out)
		}
		t.Fatalf("mount tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
}

func remountReadOnly(t *testing.T, dir string) {
	t.Helper()
	if out, err := exec.Command("mount", "-o", "remount,ro", dir).CombinedOutput(); err != nil {
		t.Fatalf("remount read-only: %v %s", err, out)
	}
}

// fill writes a file into dir until the volume is full.
func fill(t *testing.T, dir string) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 4096)
	for {
		if _, err := f.Write(chunk); err != nil {
			break
		}
	}
	f.Sync()
}

// TestBadStorageAtStart: each storage problem gives one error naming the
// path and the fix, and leaves an existing database byte for byte as it
// was.
func TestBadStorageAtStart(t *testing.T) {
	tests := []struct {
		name string
		// setup returns the database path to open and the file that must
		// stay unchanged ("" for none).
		setup     func(t *testing.T) (dbPath, keep string)
		wantPath  func(dbPath string) string // the path the error must name
		wantWords []string
	}{
		{
			name: "FileWhereDirectoryExpected",
			setup: func(t *testing.T) (string, string) {
				file := filepath.Join(t.TempDir(), "data")
				if err := os.WriteFile(file, []byte("not a directory"), 0o600); err != nil {
					t.Fatal(err)
				}
				return filepath.Join(file, "sfzoom.db"), file
			},
			wantPath:  filepath.Dir,
			wantWords: []string{"is not a directory", "SFZOOM_DATABASE_URL"},
		},
		{
			name: "GarbageHeader",
			setup: func(t *testing.T) (string, string) {
				path := realDB(t, t.TempDir())
				corrupt(t, path, 0, []byte("this is not what SQLite wrote here"))
				return path, path
			},
			wantPath:  func(p string) string { return p },
			wantWords: []string{"is not an SQLite database", "untouched", "backup"},
		},
		{
			name: "GarbagePages",
			setup: func(t *testing.T) (string, string) {
				path := realDB(t, t.TempDir())
				st, _ := os.Stat(path)
				corrupt(t, path, st.Size()/2, bytes.Repeat([]byte{0xA5}, 16384))
				return path, path
			},
			wantPath:  func(p string) string { return p },
			wantWords: []string{"is corrupt", "untouched", "backup"},
		},
		{
			name: "ReadOnlyDirectory",
			setup: func(t *testing.T) (string, string) {
				dir := t.TempDir()
				mustMount(t, dir, "size=8m")
				path := realDB(t, dir)
				remountReadOnly(t, dir)
				return path, path
			},
			wantPath:  filepath.Dir,
			wantWords: []string{"is read-only", "writable"},
		},
		{
			name: "FullDisk",
			setup: func(t *testing.T) (string, string) {
				dir := t.TempDir()
				mustMount(t, dir, "size=8m")
				path := realDB(t, dir)
				fill(t, dir)
				return path, path
			},
			wantPath:  filepath.Dir,
			wantWords: []string{"full disk", "Free space"},
		},
		{
			name: "LockedByAnotherProcess",
			setup: func(t *testing.T) (string, string) {
				path := realDB(t, t.TempDir())
				startHelperUntil(t, "lock", "sqlite:"+path, "", "LOCKED")
				return path, path
			},
			wantPath:  func(p string) string { return p },
			wantWords: []string{"is locked by another process", "stop it"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dbPath, keep := tt.setup(t)
			var before []byte
			if keep != "" {
				before = mustRead(t, keep)
			}
			b, err := backend.Open(context.Background(), backend.Options{DatabaseURL: "sqlite:" + dbPath})
			if err == nil {
				b.Close()
				t.Fatal("Open succeeded, want an error")
			}
			var se *sqlite.StartupError
			if !errors.As(err, &se) {
				t.Fatalf("Open = %v (%T), want a *sqlite.StartupError", err, err)
			}
			msg := err.Error()
			if want := tt.wantPath(dbPath); se.Path != want || !strings.Contains(msg, want) {
				t.Errorf("error names %q, want %q: %s", se.Path, want, msg)
			}
			for _, w := range tt.wantWords {
				if !strings.Contains(msg, w) {
					t.Errorf("error lacks %q: %s", w, msg)
				}
			}
			if strings.Count(msg, "\n") != 0 {
				t.Errorf("error spans several lines: %q", msg)
			}
			if keep != "" && !bytes.Equal(mustRead(t, keep), before) {
				t.Errorf("%s changed after the failed start", keep)
			}
		})
	}
}

// corrupt overwrites the file at off with garbage.
func corrupt(t *testing.T, path string, off int64, garbage []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(garbage, off); err != nil {
		t.Fatal(err)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// lockHelper holds an exclusive transaction on the database (as another
// sfzoom migrating it, or a sqlite3 shell in a transaction would) until it
// is killed.
func lockHelper(dbURL string) {
	ctx := context.Background()
	db, err := sql.Open("sqlite", sqlite.DSN(strings.TrimPrefix(dbURL, "sqlite:")))
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(2)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(2)
	}
	if _, err := conn.ExecContext(ctx, `BEGIN EXCLUSIVE`); err != nil {
		fmt.Println("ERROR", err)
		os.Exit(2)
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE held (x)`); err != nil {
		fmt.Println("ERROR", err)
		os.Exit(2)
	}
	fmt.Println("LOCKED")
	select {}
}

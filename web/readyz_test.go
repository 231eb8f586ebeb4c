package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store/sqlite"
	"github.com/sfzoom/sfzoom/internal/store/sqlstore"
	"github.com/sfzoom/sfzoom/web"
)

// openSQLite opens (creating and migrating) the SQLite store at path.
func openSQLite(t *testing.T, path string) *sqlstore.Store {
	t.Helper()
	db, err := sqlite.OpenDB(path)
	if err != nil {
		t.Fatal(err)
	}
	s := sqlstore.New(db, sqlite.Dialect(), nil, nil)
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// readyz answers GET /readyz from a server over s and returns the status
// and which checks failed.
func readyz(t *testing.T, s web.Pinger) (int, map[string]bool) {
	t.Helper()
	srv, err := web.NewServer(web.Options{Store: s})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	var body struct {
		Checks []struct {
			Name string `json:"name"`
			OK   bool   `json:"ok"`
		} `json:"checks"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("/readyz body %q: %v", rec.Body, err)
	}
	failed := map[string]bool{}
	for _, c := range body.Checks {
		if !c.OK {
			failed[c.Name] = true
		}
	}
	return rec.Code, failed
}

// TestReadyz_StorageFaults makes real faults in a real SQLite database that
// still answers reads (Ping and the migrations check pass) while no
// delivery can be stored: /readyz must say 503, naming the storage check,
// so a load balancer stops routing webhooks here.
func TestReadyz_StorageFaults(t *testing.T) {
	ctx := context.Background()
	t.Run("Healthy", func(t *testing.T) {
		s := openSQLite(t, filepath.Join(t.TempDir(), "db.sqlite"))
		defer s.Close()
		if code, failed := readyz(t, s); code != http.StatusOK || len(failed) > 0 {
			t.Fatalf("/readyz = %d, failed %v; want 200", code, failed)
		}
	})

	t.Run("CorruptedPages", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "db.sqlite")
		s := openSQLite(t, path)
		payload := []byte(`{"event":"meeting.ended","payload":"` + strings.Repeat("x", 2000) + `"}`)
		for i := range 400 {
			if err := s.CreateWebhookEvent(ctx, &sfzoom.WebhookEvent{DedupeKey: fmt.Sprintf("d-%d", i), EventType: "meeting.ended", Payload: payload}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Close(); err != nil { // checkpoints the WAL into the file
			t.Fatal(err)
		}
		// Overwrite the second half of the file (the deliveries' pages)
		// with garbage; the schema and the migrations table stay readable.
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		fi, _ := f.Stat()
		if _, err := f.WriteAt([]byte(strings.Repeat("\xa5", int(fi.Size()/2))), fi.Size()/2); err != nil {
			t.Fatal(err)
		}
		f.Close()
		s = openSQLite(t, path)
		defer s.Close()
		code, failed := readyz(t, s)
		if code != http.StatusServiceUnavailable || !failed["storage"] || failed["database"] || failed["migrations"] {
			t.Fatalf("/readyz = %d, failed %v; want 503 from the storage check alone", code, failed)
		}
	})

	t.Run("DiskFull", func(t *testing.T) {
		if _, err := os.Stat("/dev/full"); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatal("CI runs on Linux, which has /dev/full")
			}
			t.Skip("no /dev/full on this system")
		}
		path := filepath.Join(t.TempDir(), "db.sqlite")
		s := openSQLite(t, path)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		// Every write to the write-ahead log fails with ENOSPC, as on a
		// full disk; reads of the database file still work.
		if err := os.Symlink("/dev/full", path+"-wal"); err != nil {
			t.Fatal(err)
		}
		db, err := sqlite.OpenDB(path)
		if err != nil {
			t.Fatal(err)
		}
		s = sqlstore.New(db, sqlite.Dialect(), nil, nil)
		defer s.Close()
		code, failed := readyz(t, s)
		if code != http.StatusServiceUnavailable || !failed["storage"] {
			t.Fatalf("/readyz = %d, failed %v; want 503 from the storage check", code, failed)
		}
	})
}

// TestCachedCheck: a cached readiness check runs once per window, shares
// its result (errors too) within it, and runs again once the window passes.
func TestCachedCheck(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	runs, fail := 0, true
	check := web.CachedCheck(func(context.Context) error {
		runs++
		if fail {
			return fmt.Errorf("run %d failed", runs)
		}
		return nil
	}, time.Minute, func() time.Time { return now })
	ctx := context.Background()
	if err := check(ctx); err == nil || err.Error() != "run 1 failed" {
		t.Fatalf("first call = %v, want run 1's error", err)
	}
	fail = false
	now = now.Add(59 * time.Second)
	if err := check(ctx); err == nil || runs != 1 {
		t.Fatalf("within the window: err %v after %d runs, want run 1's error and one run", err, runs)
	}
	now = now.Add(time.Second)
	if err := check(ctx); err != nil || runs != 2 {
		t.Fatalf("after the window: err %v after %d runs, want nil and a second run", err, runs)
	}
}

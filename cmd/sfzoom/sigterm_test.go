package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sfzoom/sfzoom/internal/backend"
	"github.com/sfzoom/sfzoom/internal/config"
	"github.com/sfzoom/sfzoom/internal/demo"
	"github.com/sfzoom/sfzoom/internal/helperproc"
	"github.com/sfzoom/sfzoom/internal/jobs"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store"
	"github.com/sfzoom/sfzoom/internal/zoom/zoomtest"
)

// envServeHelper makes this test binary, started again by helperproc, run
// `sfzoom serve` as main does (SIGTERM and interrupt cancel its context),
// logging to stdout, and exit with serve's exit code.
const envServeHelper = "SFZOOM_TEST_SERVE_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(envServeHelper) != "" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := run(ctx, []string{"serve"}, os.Getenv, os.Stdout, os.Stdout)
		stop()
		os.Exit(exitCode(err, os.Stdout))
	}
	os.Exit(m.Run())
}

// TestServe_SIGTERM runs `sfzoom serve` as a separate process against the
// demo's fake Salesforce and Zoom, with a meeting's log_meeting job in
// flight, and sends it SIGTERM. A job that can finish within
// SFZOOM_SHUTDOWN_TIMEOUT finishes (its Event is written before the process
// exits); one that cannot (Zoom answers too slowly) is handed back. Either
// way the process exits 0 within the timeout and leaves no job "running";
// started again, it logs the meeting, exactly once.
func TestServe_SIGTERM(t *testing.T) {
	const shutdownTimeout = 4 * time.Second
	tests := []struct {
		name        string
		zoomLatency time.Duration // per Zoom call
		wantLogged  bool          // the job finished before the process exited
	}{
		{"FinishesInFlightJob", 300 * time.Millisecond, true},
		{"HandsBackSlowJob", 5 * time.Second, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			d, err := demo.Start(ctx, demo.Options{DataDir: t.TempDir(), AppAddr: "127.0.0.1:0", SalesforceAddr: "127.0.0.1:0", ZoomAddr: "127.0.0.1:0"})
			if err != nil {
				t.Fatalf("demo.Start: %v", err)
			}
			t.Cleanup(d.Close)
			uuid := prepareServeDB(t, d)
			events := func() int { return len(d.Salesforce.Records("Event")) }
			before := events()
			env := []string{envServeHelper + "=1"}
			for k, v := range d.Env {
				env = append(env, k+"="+v)
			}
			env = append(env, "SFZOOM_ADDR=127.0.0.1:0", "SFZOOM_SHUTDOWN_TIMEOUT="+shutdownTimeout.String(),
				"SFZOOM_LOG_FORMAT=text", "SFZOOM_LOG_LEVEL=info")
			start := func() (*exec.Cmd, string) {
				cmd, line := helperproc.Start(t, env, func(line string) bool { return strings.Contains(line, "sfzoom listening") })
				_, addr, _ := strings.Cut(line, "addr=")
				addr, _, _ = strings.Cut(addr, " ")
				return cmd, "http://" + addr
			}

			d.Zoom.SetLatency(tt.zoomLatency)
			cmd, _ := start()
			waitFor(t, 20*time.Second, "the job's first Zoom call", func() bool { return d.Zoom.APICalls() > 0 })
			took, err := stop(cmd)
			if err != nil {
				t.Fatalf("serve after SIGTERM: %v, want exit status 0", err)
			}
			// Stop returns by the deadline; process teardown (on a loaded
			// machine) gets a second more.
			if took > shutdownTimeout+time.Second {
				t.Errorf("serve took %v to stop after SIGTERM, want within SFZOOM_SHUTDOWN_TIMEOUT (%v)", took, shutdownTimeout)
			}
			if depth := queueDepth(t, d, ""); depth["running"] != 0 {
				t.Fatalf("after a graceful stop %d jobs are still \"running\" (%v), want none: they were neither finished nor handed back", depth["running"], depth)
			}
			if logged := events() > before; logged != tt.wantLogged {
				t.Fatalf("meeting logged before the process exited: %v, want %v", logged, tt.wantLogged)
			}
			// Finished, or handed back: available at once, not a failed attempt waiting out a backoff.
			lm := jobs.LogMeetingArgs{}.Kind()
			if want, depth := map[bool]string{true: "completed", false: "available"}[tt.wantLogged], queueDepth(t, d, lm); depth[want] != 1 || len(depth) != 1 {
				t.Errorf("after the stop the log_meeting jobs are %v, want the one job %s", depth, want)
			}

			// The next start picks up whatever is left (a handed-back job runs
			// at once) and logs the meeting once.
			d.Zoom.SetLatency(0)
			cmd, url := start()
			if !tt.wantLogged {
				waitFor(t, 30*time.Second, "the handed-back job to complete", func() bool { return completedLogMeetingJobs(url) == 1 })
			}
			if _, err := stop(cmd); err != nil {
				t.Fatalf("serve after the second SIGTERM: %v", err)
			}
			if n := events() - before; n != 1 {
				t.Errorf("meeting %s logged as %d Events, want exactly 1", uuid, n)
			}
			if depth := queueDepth(t, d, ""); depth["running"] != 0 {
				t.Errorf("after the second stop the jobs are %v, want none running", depth)
			}
			if depth := queueDepth(t, d, lm); depth["completed"] != 1 || len(depth) != 1 {
				t.Errorf("after the second stop the log_meeting jobs are %v, want the one job completed", depth)
			}
			t.Logf("SIGTERM with a job in flight (Zoom latency %v): exited 0 after %v (SFZOOM_SHUTDOWN_TIMEOUT %v)", tt.zoomLatency, took, shutdownTimeout)
		})
	}
}

// prepareServeDB sets the demo org up in the demo's database (the
// Salesforce connection, user mappings) as `sfzoom demo` does, then adds a
// meeting that ended, with its log_meeting job queued, and closes the
// database for the serving process. It returns the meeting's UUID.
func prepareServeDB(t *testing.T, d *demo.Demo) string {
	t.Helper()
	ctx := context.Background()
	cfg, err := config.Load(func(k string) string { return d.Env[k] }, config.ModeDemo)
	if err != nil {
		t.Fatal(err)
	}
	a, err := newApp(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), demoDeps(d))
	if err != nil {
		t.Fatal(err)
	}
	defer a.backend.Close()
	d.AppListener.Close()
	if err := a.demoSetup(ctx, d); err != nil {
		t.Fatalf("demoSetup: %v", err)
	}
	host := d.Zoom.AddUser(zoomtest.User{Email: "sigterm.test@acme-demo.com", FirstName: "Sig", LastName: "Term", Type: 2})
	zm, err := d.Zoom.AddMeeting(zoomtest.Meeting{HostID: host.ID, Topic: "SIGTERM check", Duration: 30, StartTime: time.Now().Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.backend.Store.CreateMeeting(ctx, &sfzoom.Meeting{OrgID: d.Info.OrgID, ZoomMeetingID: zm.ID, HostSFUserID: d.Info.Users["rep"],
		HostZoomUserID: host.ID, RecordObject: sfzoom.ObjectOpportunity, RecordID: d.Info.SampleRecords["Opportunity"][0], Topic: zm.Topic,
		StartTime: zm.StartTime, Duration: 30, Status: sfzoom.MeetingScheduled}); err != nil {
		t.Fatal(err)
	}
	d.Zoom.SetWebhook("", nil) // the job is queued here, as the webhook handler would
	uuid, err := d.Zoom.EndMeeting(ctx, zm.ID)
	if err != nil {
		t.Fatal(err)
	}
	ev := &sfzoom.WebhookEvent{OrgID: d.Info.OrgID, DedupeKey: "sigterm-" + uuid, EventType: "meeting.ended", MeetingUUID: uuid,
		Payload: []byte(`{}`), ReceivedAt: time.Now()}
	job := store.Job{Args: jobs.LogMeetingArgs{OrgID: d.Info.OrgID, ZoomMeetingID: zm.ID, MeetingUUID: uuid, Trigger: "meeting.ended"}}
	if err := a.backend.Store.CreateWebhookEvent(ctx, ev, job); err != nil {
		t.Fatal(err)
	}
	d.Zoom.ResetRequests()
	return uuid
}

// stop sends SIGTERM and waits for the process; it returns how long that
// took and the exit error (nil for status 0).
func stop(cmd *exec.Cmd) (time.Duration, error) {
	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return 0, err
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return time.Since(start), ee
	}
	return time.Since(start), err
}

// queueDepth reads River's job states from the database the serving
// process left behind: of every job (kind "") or of one kind.
func queueDepth(t *testing.T, d *demo.Demo, kind string) map[string]int {
	t.Helper()
	be, err := backend.Open(context.Background(), backend.Options{DatabaseURL: d.Env["SFZOOM_DATABASE_URL"], SkipMigrations: true})
	if err != nil {
		t.Fatal(err)
	}
	defer be.Close()
	rows, err := be.DB().QueryContext(context.Background(),
		`SELECT state, COUNT(*) FROM river_job WHERE ? = '' OR kind = ? GROUP BY state`, kind, kind)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			t.Fatal(err)
		}
		out[state] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// completedLogMeetingJobs reads sfzoom_jobs_total{kind="log_meeting",
// outcome="completed"} from the process's /metrics; -1 if unreadable.
func completedLogMeetingJobs(url string) int {
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return -1
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, `sfzoom_jobs_total{kind="log_meeting",outcome="completed"} `); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				return -1
			}
			return n
		}
	}
	return 0
}

func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", limit, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

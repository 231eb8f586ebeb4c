package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sfzoom/sfzoom/internal/canvas"
	"github.com/sfzoom/sfzoom/internal/config"
)

func envFrom(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestRun_Usage(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"NoCommand", nil},
		{"UnknownCommand", []string{"frobnicate"}},
		{"UnknownFlag", []string{"serve", "-bogus"}},
		{"UnknownDemoFlag", []string{"demo", "-nope"}},
		{"ExtraArgument", []string{"migrate", "extra"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tt.args, envFrom(nil), &stdout, &stderr)
			if code := exitCode(err, &stderr); code != 2 {
				t.Fatalf("run(%q) exit = %d, want 2 (err %v)", tt.args, code, err)
			}
			if !strings.Contains(stderr.String(), "Usage: sfzoom <command>") {
				t.Errorf("stderr lacks usage:\n%s", stderr.String())
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout = %q, want nothing", stdout.String())
			}
		})
	}
}

func TestRun_ServeWithoutConfigListsEveryMissingVariable(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"serve"}, envFrom(nil), &stdout, &stderr)
	if code := exitCode(err, &stderr); code == 0 {
		t.Fatal("serve without configuration exited 0")
	}
	msg := stderr.String()
	if strings.Count(msg, "config: invalid environment") != 1 {
		t.Errorf("want one message, got:\n%s", msg)
	}
	for _, v := range config.Vars() {
		if v.Required && !strings.Contains(msg, v.Name+": missing") {
			t.Errorf("message does not list %s:\n%s", v.Name, msg)
		}
	}
}

func TestRun_KeygenOutputIsAcceptedByConfig(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"keygen"}, envFrom(nil), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, line := range strings.Split(out.String(), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(k, "#") {
			env[k] = v
		}
	}
	if env["SFZOOM_SESSION_KEYS"] == "" || env["SFZOOM_ENCRYPTION_KEYS"] == "" {
		t.Fatalf("keygen printed %q", out.String())
	}
	if _, err := config.Load(envFrom(env), config.ModeKeys); err != nil {
		t.Errorf("config rejects keygen's keys: %v", err)
	}
	var again bytes.Buffer
	_ = run(context.Background(), []string{"keygen"}, envFrom(nil), &again, io.Discard)
	if strings.Contains(again.String(), env["SFZOOM_SESSION_KEYS"]) {
		t.Error("keygen printed the same key twice")
	}
}

// TestRun_ServeStartsAndShutsDownGracefully runs the real command on a
// SQLite database, waits for /healthz and /readyz, then cancels the context
// (as SIGTERM does) and expects a clean exit.
func TestRun_ServeStartsAndShutsDownGracefully(t *testing.T) {
	addr, stop, logs := startServeLogs(t, serveEnv(t))
	// serveEnv's consumer secret is bare: serve warns that it verifies
	// every org.
	if !strings.Contains(logs, "bare secrets") {
		t.Errorf("serve with a bare consumer secret logged no warning:\n%s", logs)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d, want 200", path, resp.StatusCode)
		}
	}
	if err := stop(); err != nil {
		t.Errorf("run returned %v after shutdown, want nil", err)
	}
}

// startServe runs `sfzoom serve` with env and returns its address and a
// function that cancels it (as SIGTERM does) and returns run's result.
func startServe(t *testing.T, env map[string]string) (addr string, stop func() error) {
	t.Helper()
	addr, stop, _ = startServeLogs(t, env)
	return addr, stop
}

// startServeLogs is startServe that also returns the log lines written up to
// "sfzoom listening".
func startServeLogs(t *testing.T, env map[string]string) (addr string, stop func() error, logs string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, envFrom(env), io.Discard, pw)
		pw.Close()
	}()
	addrRE := regexp.MustCompile(`"addr":"([^"]+)"`)
	sc := bufio.NewScanner(pr)
	var lines strings.Builder
	for sc.Scan() {
		lines.WriteString(sc.Text() + "\n")
		if m := addrRE.FindStringSubmatch(sc.Text()); m != nil && strings.Contains(sc.Text(), "sfzoom listening") {
			addr = m[1]
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if addr == "" {
		cancel()
		t.Fatalf("server did not report its address; run returned %v", <-done)
	}
	stopped := false
	stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(15 * time.Second):
			t.Fatal("serve did not shut down within 15s")
			return nil
		}
	}
	t.Cleanup(func() { _ = stop() })
	return addr, stop, lines.String()
}

// TestRun_ServeRefusesLocalInstanceURL: `sfzoom serve` never trusts a local
// "Salesforce", whatever the environment says: a correctly signed request
// naming one is refused (403) and the host gets no request. Only the demo's
// wiring can add its fake org.
func TestRun_ServeRefusesLocalInstanceURL(t *testing.T) {
	var calls atomic.Int64
	yes := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		fmt.Fprint(w, `{"asserted_user":true,"user_id":"005xx000001SwiUAAS","organization_id":"00Dxx0000001gPFEAY"}`)
	}))
	t.Cleanup(yes.Close)
	env := serveEnv(t)
	env["SFZOOM_CANVAS_CONSUMER_SECRET"] = "00Dxx0000001gPFEAY:s"
	env["SFZOOM_FRAME_ANCESTORS"] = yes.URL // frame ancestors never widen who may vouch
	addr, _ := startServe(t, env)
	for _, instance := range []string{yes.URL, strings.Replace(yes.URL, "127.0.0.1", "localhost", 1)} {
		payload := fmt.Sprintf(`{"algorithm":"HMACSHA256","client":{"oauthToken":"00Dxx!t","instanceUrl":%q},
			"context":{"user":{"userId":"005xx000001SwiUAAS"},"organization":{"organizationId":"00Dxx0000001gPFEAY"}}}`, instance)
		resp, err := http.PostForm("http://"+addr+"/canvas", url.Values{"signed_request": {canvas.Sign([]byte(payload), []byte("s"))}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("POST /canvas naming %s = %d, want 403", instance, resp.StatusCode)
		}
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("the local host got %d requests, want 0", n)
	}
}

func serveEnv(t *testing.T) map[string]string {
	t.Helper()
	var keys bytes.Buffer
	_ = runKeygen(&keys)
	env := map[string]string{
		"SFZOOM_ADDR":                     "127.0.0.1:0",
		"SFZOOM_PUBLIC_URL":               "http://127.0.0.1:8080",
		"SFZOOM_DATABASE_URL":             "sqlite:" + t.TempDir() + "/sfzoom.db",
		"SFZOOM_CANVAS_CONSUMER_SECRET":   "s",
		"SFZOOM_ZOOM_WEBHOOK_SECRET":      "w",
		"SFZOOM_ZOOM_ACCOUNT_ID":          "a",
		"SFZOOM_ZOOM_CLIENT_ID":           "c",
		"SFZOOM_ZOOM_CLIENT_SECRET":       "cs",
		"SFZOOM_SALESFORCE_CLIENT_ID":     "sc",
		"SFZOOM_SALESFORCE_CLIENT_SECRET": "scs",
		"SFZOOM_SHUTDOWN_TIMEOUT":         "5s",
	}
	for _, line := range strings.Split(keys.String(), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(k, "#") {
			env[k] = v
		}
	}
	return env
}

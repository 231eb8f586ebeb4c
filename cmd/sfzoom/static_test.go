package main

import (
	"bufio"
	"context"
	"debug/elf"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// nobody is the uid/gid the static binary runs as here, like the image's
// non-root user (the Dockerfile's 65532; any non-root uid proves the point).
const nobody = 65534

// TestStaticBinary_NonRootEnvOnly builds sfzoom the way the Dockerfile does
// (CGO_ENABLED=0, version stamped with -ldflags -X), checks the binary is
// static (no ELF interpreter, no shared libraries), that `sfzoom version`
// prints the stamp, and runs `sfzoom serve` as uid/gid 65534 with nothing but
// SFZOOM_* variables and a data folder that user owns: it serves /healthz,
// `sfzoom healthcheck` (the image's HEALTHCHECK) passes against it and fails
// against a closed port, and SIGTERM stops it cleanly. There is no Docker
// engine on the CI machine (README, "Containers"), so this is what can be
// tested of the image.
//
// Every child runs under one context deadline and with a WaitDelay, so the
// test cannot hang: an earlier version waited without bound on `go build`
// (with -trimpath, a cold rebuild of the standard library and every
// dependency, minutes on a loaded machine) and on its children. -trimpath is
// left to the Dockerfile; it changes paths in the binary, not how it links.
func TestStaticBinary_NonRootEnvOnly(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	if d, ok := t.Deadline(); ok {
		ctx, cancel = context.WithDeadline(context.Background(), d.Add(-10*time.Second))
	}
	defer cancel()
	command := func(name string, args ...string) *exec.Cmd {
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.WaitDelay = 5 * time.Second // never wait on a pipe a stray child holds open
		return cmd
	}

	dir, err := os.MkdirTemp("", "sfzoom-static-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil { // the non-root user must reach the binary
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "sfzoom")
	const stamp = "v9.8.7-test"
	build := command("go", "build", "-ldflags", "-s -w -X main.buildVersion="+stamp, "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	start := time.Now()
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("CGO_ENABLED=0 go build: %v (ctx: %v)\n%s", err, ctx.Err(), out)
	}
	t.Logf("static build took %v", time.Since(start).Round(time.Millisecond))

	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("the binary has an ELF interpreter: it is dynamically linked")
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("the binary needs shared libraries %v", libs)
	}
	f.Close()

	root := os.Geteuid() == 0
	if !root && os.Getenv("CI") != "" {
		t.Fatal("CI runs as root so this test can drop to uid 65534; run it as root")
	}
	asUser := func(cmd *exec.Cmd) *exec.Cmd {
		if root {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
		}
		return cmd
	}
	ver := asUser(command(bin, "version"))
	ver.Env = []string{}
	out, err := ver.Output()
	if err != nil || !strings.HasPrefix(string(out), "sfzoom "+stamp) {
		t.Fatalf("sfzoom version = %q, %v; want it to start with %q", out, err, "sfzoom "+stamp)
	}

	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o700); err != nil {
		t.Fatal(err)
	}
	if root {
		if err := os.Chown(data, nobody, nobody); err != nil {
			t.Fatal(err)
		}
	}
	env := serveEnv(t)
	env["SFZOOM_DATABASE_URL"] = "sqlite:" + filepath.Join(data, "sfzoom.db")
	env["SFZOOM_LOG_FORMAT"] = "json"
	var environ []string // nothing but SFZOOM_* (no HOME, no PATH)
	for k, v := range env {
		environ = append(environ, k+"="+v)
	}
	serve := asUser(command(bin, "serve"))
	serve.Env = environ
	serve.Cancel = func() error { return serve.Process.Signal(syscall.SIGTERM) }
	stderr, err := serve.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	t.Cleanup(func() { _ = serve.Process.Kill() })
	addrRE := regexp.MustCompile(`"addr":"([^"]+)"`)
	addrc := make(chan string, 1)
	var logs strings.Builder
	go func() {
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			logs.WriteString(line + "\n")
			if m := addrRE.FindStringSubmatch(line); m != nil && !sent && strings.Contains(line, "sfzoom listening") {
				addrc <- m[1]
				sent = true
			}
		}
		exited <- serve.Wait() // after the last read, as os/exec requires
	}()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-exited:
		t.Fatalf("sfzoom serve exited before listening: %v\n%s", err, logs.String())
	case <-ctx.Done():
		t.Fatal("sfzoom serve did not listen before the test's deadline")
	}

	if root {
		status, err := os.ReadFile("/proc/" + strconv.Itoa(serve.Process.Pid) + "/status")
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`(?m)^Uid:\s+` + strconv.Itoa(nobody) + `\s`).Match(status) {
			t.Errorf("serve does not run as uid %d:\n%s", nobody, status)
		}
		if fi, err := os.Stat(filepath.Join(data, "sfzoom.db")); err != nil {
			t.Errorf("serve as uid %d created no database: %v", nobody, err)
		} else if st := fi.Sys().(*syscall.Stat_t); st.Uid != nobody {
			t.Errorf("the database is owned by uid %d, want %d", st.Uid, nobody)
		}
	}
	// The HEALTHCHECK form: no flags, the port from SFZOOM_ADDR.
	_, port, _ := strings.Cut(addr, "]:")
	if port == "" {
		_, port, _ = strings.Cut(addr, ":")
	}
	hc := asUser(command(bin, "healthcheck"))
	hc.Env = []string{"SFZOOM_ADDR=:" + port}
	if out, err := hc.CombinedOutput(); err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Fatalf("sfzoom healthcheck (SFZOOM_ADDR=:%s) = %q, %v", port, out, err)
	}
	// Against nothing, the healthcheck fails (exit 1) with the reason.
	bad := asUser(command(bin, "healthcheck", "-url", "http://127.0.0.1:1/healthz", "-timeout", "1s"))
	bad.Env = []string{}
	out, err = bad.CombinedOutput()
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != 1 || !strings.Contains(string(out), "healthcheck") {
		t.Errorf("healthcheck against a closed port = %q, %v; want exit 1 with the reason", out, err)
	}

	if err := serve.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("serve exited with %v after SIGTERM, want 0\n%s", err, logs.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop within 20s of SIGTERM")
	case <-ctx.Done():
		t.Fatal("serve did not stop before the test's deadline")
	}
}

// Package helperproc runs the test binary again as a helper process, for the
// tests that kill or stop a real process (docs/reliability.md). The helper's
// TestMain chooses its role from the environment the test passes.
package helperproc

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Start runs the current test binary again with no tests selected and env
// added, and returns once the helper prints a line for which match is true,
// with that line. The helper exiting first, a line starting with "ERROR"
// before the match, or 30 s without it fails the test; later "ERROR" lines
// go to stderr. The helper is killed when the test ends.
func Start(t testing.TB, env []string, match func(line string) bool) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.count=1")
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	timeout := time.NewTimer(30 * time.Second)
	defer timeout.Stop()
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatal("helper exited before it was ready")
			}
			if strings.HasPrefix(line, "ERROR") {
				t.Fatalf("helper: %s", line)
			}
			if match(line) {
				go func() {
					for line := range lines {
						if strings.HasPrefix(line, "ERROR") {
							fmt.Fprintln(os.Stderr, "helper:", line)
						}
					}
				}()
				return cmd, line
			}
		case <-timeout.C:
			t.Fatal("helper was not ready within 30 s")
		}
	}
}

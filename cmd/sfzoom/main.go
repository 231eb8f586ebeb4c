// Command sfzoom is the sfzoom service: a Salesforce Canvas app backend that
// brings Zoom into Salesforce. See `sfzoom help` and the README.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// usageError means the command line was wrong: usage goes to stderr, exit 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func exitCode(err error, stderr io.Writer) int {
	var ue *usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		if ue.msg != "" {
			fmt.Fprintf(stderr, "sfzoom: %s\n\n", ue.msg)
		}
		fmt.Fprint(stderr, usage)
		return 2
	default:
		fmt.Fprintf(stderr, "sfzoom: %v\n", err)
		return 1
	}
}

const usage = `Usage: sfzoom <command> [flags]

Commands:
  serve         run the service (configuration from SFZOOM_* variables; see the README)
  demo          run the whole product locally against fake Salesforce and Zoom
                flags: -data DIR (default data/demo), -reset, -addr, -salesforce-addr, -zoom-addr
  migrate       apply database migrations (app and job queue) and exit
  rotate-keys   re-encrypt every stored token under the first SFZOOM_ENCRYPTION_KEYS key
  sfdx-config   write deployment values (canvas and callback URLs) into sfdx/ metadata
                flags: -dir DIR (default sfdx), -public-url URL
  keygen        print fresh random values for every variable that needs a key
  healthcheck   exit 0 if the sfzoom on SFZOOM_ADDR answers /healthz (the container's HEALTHCHECK)
                flags: -url URL, -timeout 3s
  version       print the version
  help          print this help
`

// commands are the commands that take flags and the OS pieces, by name.
var commands = map[string]func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error{
	"serve":       runServe,
	"demo":        runDemo,
	"migrate":     runMigrate,
	"rotate-keys": runRotateKeys,
	"sfdx-config": runSFDXConfig,
	"healthcheck": runHealthcheck,
}

// run is the whole program; main only supplies the OS pieces.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return &usageError{msg: "missing command"}
	}
	cmd, rest := args[0], args[1:]
	if command, ok := commands[cmd]; ok {
		return command(ctx, rest, getenv, stdout, stderr)
	}
	switch cmd {
	case "keygen":
		if len(rest) > 0 {
			return &usageError{msg: "keygen takes no arguments"}
		}
		return runKeygen(stdout)
	case "version", "-version", "--version":
		fmt.Fprintln(stdout, "sfzoom", version())
		return nil
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		return &usageError{msg: fmt.Sprintf("unknown command %q", cmd)}
	}
}

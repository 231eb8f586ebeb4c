// Package browsertest starts headless Chromium for browser tests with chromedp.
// On a developer laptop without Chromium the tests skip; when the CI
// environment variable is set they fail instead, so CI never silently skips a
// browser test.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// ChromePath returns the path of a Chromium-compatible browser, or "".
func ChromePath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Options change how the browser starts.
type Options struct {
	// BlockCookies starts Chromium with cookies blocked, as a cross-site
	// iframe experiences it in Safari or with strict privacy settings.
	BlockCookies bool
}

// New starts a headless browser and returns a chromedp context for a new tab.
// It skips the test when no browser is installed, unless CI is set, in which
// case it fails. Everything is torn down with the test.
func New(tb testing.TB, opts Options) context.Context {
	tb.Helper()
	if testing.Short() && os.Getenv("CI") == "" {
		tb.Skip("browser test skipped in -short mode")
	}
	path := ChromePath()
	if path == "" {
		if os.Getenv("CI") != "" {
			tb.Fatal("CI is set but no Chromium was found: install Debian's chromium package (.ci/run does)")
		}
		tb.Skip("no Chromium found in PATH (apt-get install chromium); skipping browser test")
	}
	dataDir := tb.TempDir()
	flags := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(dataDir),
		chromedp.WindowSize(1280, 900),
	)
	if opts.BlockCookies {
		// Chromium still accepts Partitioned (CHIPS) cookies when third-party
		// cookies are blocked, so to reproduce a browser that gives the
		// iframe no cookie at all (Safari's default) the profile blocks every
		// cookie.
		prefs := filepath.Join(dataDir, "Default")
		if err := os.MkdirAll(prefs, 0o700); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(prefs, "Preferences"),
			[]byte(`{"profile":{"default_content_setting_values":{"cookies":2},"block_third_party_cookies":true}}`), 0o600); err != nil {
			tb.Fatal(err)
		}
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), flags...)
	ctx, cancel := chromedp.NewContext(actx)
	tb.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil {
		tb.Fatalf("start chromium: %v", err)
	}
	return ctx
}

package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sfzoom/sfzoom/internal/browsertest"
	"github.com/sfzoom/sfzoom/internal/demo"
)

// TestBrowser_RecordingPlaysAndSeeks opens the demo Opportunity in the
// Salesforce simulator, waits for the recordings section inside the app's
// cross-site iframe, starts the video (a real MP4 served by the fake Zoom
// through sfzoom's signed, permission-checked proxy) and seeks it by
// clicking a transcript line.
func TestBrowser_RecordingPlaysAndSeeks(t *testing.T) {
	info := startDemo(t, nil)
	_, frame, step := demoOpportunityFrame(t, info)
	pageText := func() string {
		s, _ := chromedp.Run(frame, chromedp.Evaluate[string](`document.body.innerText`))
		return s
	}

	if err := chromedp.Do(step, chromedp.WaitReady(chromedp.CSS(`[data-testid="media-player"]`))); err != nil {
		t.Fatalf("no player in the record page: %v\n%s", err, pageText())
	}
	src, err := chromedp.Run(step, chromedp.Evaluate[string](`document.querySelector('[data-testid="media-player"]').currentSrc`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(src, info.AppURL+"/media/") {
		t.Errorf("player src = %q, want a signed sfzoom /media/ URL", src)
	}
	html, _ := chromedp.Run(step, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
	if strings.Contains(html, info.ZoomURL) {
		t.Error("the page contains a Zoom URL")
	}

	started, err := chromedp.Run(step, chromedp.Evaluate[bool](`(async () => {
		const v = document.querySelector('[data-testid="media-player"]');
		v.muted = true;
		await v.play();
		return true;
	})()`, chromedp.EvalAwaitPromise))
	if err != nil || !started {
		t.Fatalf("video.play() failed: %v", err)
	}
	if _, err := chromedp.Run(step, chromedp.Poll[bool](`(() => { const v = document.querySelector('[data-testid="media-player"]');
		return !v.paused && v.currentTime > 0.3 && v.readyState >= 2; })()`, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		t.Fatalf("the video did not start playing: %v (%s)", err, videoState(frame))
	}

	// Click the third transcript line (00:00:03.500) to seek the player.
	if _, err := chromedp.Run(step, chromedp.Evaluate[bool](`(() => { document.querySelectorAll('[data-testid="transcript-line"] [data-seek]')[2].click(); return true; })()`)); err != nil {
		t.Fatalf("click a transcript line: %v", err)
	}
	if _, err := chromedp.Run(step, chromedp.Poll[bool](`(() => { const v = document.querySelector('[data-testid="media-player"]');
		return v.currentTime >= 3.4 && v.readyState >= 2; })()`, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		t.Fatalf("the video did not seek to the transcript line: %v (%s)", err, videoState(frame))
	}
}

// demoOpportunityFrame opens the first demo Opportunity in the simulator
// and returns the browser, the app's frame and a 30 s context on it.
func demoOpportunityFrame(t *testing.T, info demo.Info) (browser, frame, step context.Context) {
	t.Helper()
	browser = browsertest.New(t, browsertest.Options{})
	opp := info.SampleRecords["Opportunity"][0]
	if err := chromedp.Do(browser, chromedp.Navigate(info.SalesforceURL+"/lightning/r/Opportunity/"+opp+"/view")); err != nil {
		t.Fatalf("open the simulator record page: %v", err)
	}
	frame = frameTarget(t, browser, info.AppURL+"/app/records/Opportunity/")
	// The page's content can be there before its deferred scripts (the
	// Canvas SDK from Salesforce, htmx, app.js) have run; a click then gets
	// the browser's default (a record link's target="_top" fallback instead
	// of the Canvas event). Hand the frame over once they have. Attach first
	// with a context without a deadline: the first call's context owns the
	// attachment, and waitJS's per-call timeouts would detach the target.
	if _, err := chromedp.Run(frame, chromedp.Evaluate[bool]("true")); err != nil {
		t.Fatalf("attach to the iframe: %v", err)
	}
	waitJS(t, frame, `document.readyState === "complete" && !!window.htmx && !!(window.Sfdc && window.Sfdc.canvas && window.Sfdc.canvas.client)`,
		"the record page's scripts in the iframe")
	step, cancel := context.WithTimeout(frame, 30*time.Second)
	t.Cleanup(cancel)
	return browser, frame, step
}

func videoState(ctx context.Context) string {
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => { const v = document.querySelector('[data-testid="media-player"]');
		return v ? JSON.stringify({t: v.currentTime, paused: v.paused, rs: v.readyState, err: v.error && v.error.message}) : "no player"; })()`))
	return s
}

// frameTarget attaches to the cross-site iframe whose URL starts with
// prefix; Chromium runs it as its own target.
func frameTarget(t *testing.T, ctx context.Context, prefix string) context.Context {
	t.Helper()
	return findTarget(t, ctx, "iframe", prefix)
}

// findTarget returns a context for the first target of the type ("iframe",
// or "page" for a popup) whose URL starts with prefix, waiting up to 20 s.
func findTarget(t *testing.T, ctx context.Context, typ, prefix string) context.Context {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		infos, err := chromedp.Targets(ctx)
		if err != nil {
			t.Fatalf("list targets: %v", err)
		}
		for _, info := range infos {
			if info.Type == typ && strings.HasPrefix(info.URL, prefix) {
				fctx, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(info.TargetID))
				t.Cleanup(cancel)
				return fctx
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no %s target at %s", typ, prefix)
	return nil
}

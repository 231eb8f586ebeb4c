//go:build screenshots

package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sfzoom/sfzoom/internal/browsertest"
)

// TestScreenshots writes the README's screenshots (docs/screenshots/*.png)
// from the demo in headless Chromium. It is run by hand after a UI change,
// not in CI (the build tag keeps it out of `go test ./...`):
//
//	go test -tags screenshots -run TestScreenshots -count=1 ./cmd/sfzoom/
func TestScreenshots(t *testing.T) {
	d := startDemoApp(t)
	dir := filepath.Join("..", "..", "docs", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// settle waits until the app's frame has reported its height to the
	// simulator (the Canvas SDK's resize) and that height holds for a moment.
	settle := func(ctx context.Context) {
		t.Helper()
		last, same := "", 0
		for range 100 {
			h := evalJS[string](t, ctx, `(document.querySelector('[data-testid="canvas-frame"]') || {dataset: {}}).dataset.height || ""`)
			if h != "" && h == last {
				if same++; same >= 3 {
					return
				}
			} else {
				same = 0
			}
			last = h
			time.Sleep(200 * time.Millisecond)
		}
	}
	save := func(ctx, frame context.Context, name, sel string) {
		t.Helper()
		settle(ctx)
		// A viewport as tall as the page, so that Chromium paints all of the
		// app's frame (it paints a cross-origin frame only where it is in
		// view).
		h := evalJS[int](t, ctx, `document.documentElement.scrollHeight`)
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, int64(h))); err != nil {
			t.Fatal(err)
		}
		settle(ctx)
		// Two animation frames in the app's frame: it has painted since.
		if _, err := chromedp.Run(frame, chromedp.Evaluate[bool](`new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`, chromedp.EvalAwaitPromise)); err != nil {
			t.Fatal(err)
		}
		shot := chromedp.FullScreenshot(100) // quality 100: PNG
		if sel != "" {
			shot = chromedp.Screenshot(chromedp.CSS(sel))
		}
		buf, err := chromedp.Run(ctx, shot)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), buf, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d bytes)", filepath.Join(dir, name), len(buf))
	}
	const card, app = `[data-testid="canvas-card"]`, `[data-testid="canvas-frame"]`
	rep, admin := d.Info.Users["rep"], d.Info.Users["admin"]

	t.Run("RecordPage", func(t *testing.T) {
		ctx := browsertest.New(t, browsertest.Options{})
		frame, _ := repFrame(t, ctx, d, "Opportunity", 0, "100%")
		waitJS(t, frame, `!!document.querySelector('[data-testid="media-player"]')`, "the past meeting's recording")
		save(ctx, frame, "record-page.png", "")
		// The recording with its transcript open.
		evalJS[bool](t, frame, `(document.querySelector('[data-testid="transcript-toggle"]').click(), true)`)
		waitJS(t, frame, `!document.querySelector('[data-testid="transcript-body"]').hidden`, "the transcript")
		evalJS[bool](t, frame, `(document.querySelector('[data-testid="media-player"]').scrollIntoView(), true)`)
		save(ctx, frame, "player.png", card)
	})
	t.Run("Sidebar", func(t *testing.T) {
		ctx := browsertest.New(t, browsertest.Options{})
		frame, _ := repFrame(t, ctx, d, "Contact", 0, "300px")
		save(ctx, frame, "sidebar-300px.png", app)
		evalJS[bool](t, frame, `(document.getElementById("sfzoom-start").value = "2020-01-06T09:00", true)`)
		click(t, frame, `[data-testid="schedule-submit"]`)
		waitJS(t, frame, `!!document.querySelector('[data-testid="schedule-error"]')`, "the inline error")
		save(ctx, frame, "schedule-error-300px.png", app)
		evalJS[bool](t, frame, `(document.getElementById("sfzoom-start").value = "2031-06-02T11:00", true)`)
		click(t, frame, `[data-testid="schedule-submit"]`)
		waitJS(t, frame, `!!document.querySelector('[data-testid="schedule-result"]')`, "the result card")
		save(ctx, frame, "schedule-result-300px.png", app)
	})
	t.Run("CancelModal", func(t *testing.T) {
		ctx := browsertest.New(t, browsertest.Options{})
		frame, _ := repFrame(t, ctx, d, "Contact", 0, "100%")
		evalJS[bool](t, frame, `(document.getElementById("sfzoom-start").value = "2031-06-03T15:00", true)`)
		click(t, frame, `[data-testid="schedule-submit"]`)
		waitJS(t, frame, `!!document.querySelector('[data-testid="meetings-upcoming"] [data-testid="meeting-cancel"]')`, "an upcoming meeting")
		click(t, frame, `[data-testid="meetings-upcoming"] [data-testid="meeting-cancel"]`)
		waitJS(t, frame, `[...document.querySelectorAll('[data-testid="cancel-modal"]')].some(m => !m.hidden)`, "the modal")
		// The browser's viewport, scrolled to the modal (a frame taller
		// than the viewport is painted only where it is in view).
		top := evalJS[int](t, frame, `Math.round([...document.querySelectorAll('[data-testid="cancel-modal"]')].find(m => !m.hidden).querySelector('.slds-modal__container').getBoundingClientRect().top)`)
		evalJS[bool](t, ctx, `(window.scrollTo(0, document.querySelector('[data-testid="canvas-frame"]').getBoundingClientRect().top + window.scrollY + `+strconv.Itoa(top)+` - 200), true)`)
		buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "cancel-modal.png"), buf, 0o644); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("AdminUsers", func(t *testing.T) {
		ctx := browsertest.New(t, browsertest.Options{})
		aframe := frameFor(t, ctx, d, admin, "Opportunity", d.Info.SampleRecords["Opportunity"][0])
		evalJS[bool](t, aframe, `(window.location.href = [...document.querySelectorAll('[data-testid="nav-item"]')].find(a => a.textContent.trim() === "Settings").href, true)`)
		waitJS(t, aframe, `document.readyState === "complete" && !!document.querySelector('[data-testid="user-row"]')`, "the Users tab")
		save(ctx, aframe, "admin-users.png", card)
	})
	t.Run("SimulatorHome", func(t *testing.T) {
		ctx := browsertest.New(t, browsertest.Options{})
		if err := chromedp.Do(ctx, chromedp.Navigate(d.Info.SalesforceURL+"/")); err != nil {
			t.Fatal(err)
		}
		viewAs := `fetch("/_sim/view-as", {method: "POST", credentials: "same-origin", body: new URLSearchParams({user_id: ` + strconv.Quote(rep) + `})}).then(() => true)`
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](viewAs, chromedp.EvalAwaitPromise)); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.Navigate(d.Info.SalesforceURL+"/")); err != nil {
			t.Fatal(err)
		}
		save(ctx, ctx, "simulator-home.png", "")
	})
}

package main

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/sfzoom/sfzoom/internal/demo"
)

// recordingPlayer is issue 16's item 7 in a real browser, in the frame's
// width: a 1280x720 video fits the frame with no horizontal scrolling; the
// player has a captions track made from the transcript, served through the
// signed, access-checked media path as text/vtt and parsed into cues; the
// Transcript toggle is a button that opens and closes the transcript from
// the keyboard (Enter opens it, Enter again closes it) without its label breaking; a transcript
// line still seeks the player.
func recordingPlayer(t *testing.T, ctx context.Context, d *demo.Demo, width string) {
	frame, _ := repFrame(t, ctx, d, "Opportunity", 0, width)
	step, cancel := context.WithTimeout(frame, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(step, chromedp.WaitReady(chromedp.CSS(`[data-testid="media-player"]`))); err != nil {
		t.Fatalf("no player: %v\n%s", err, evalJS[string](t, frame, `document.body.innerText`))
	}
	// Every past meeting's media loads in its own request, in any order, and
	// replaces its placeholder; the checks below work on the first player and
	// the first transcript toggle, so wait until none is still loading (a
	// late swap would otherwise put another meeting's closed transcript
	// first, or replace the one that has the focus).
	if _, err := chromedp.Run(step, chromedp.Poll[bool](`document.querySelectorAll('[data-testid="media-placeholder"]').length === 0`, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		t.Fatalf("a past meeting's media never loaded: %v", err)
	}
	// A 720p recording: the element's intrinsic size as Zoom's MP4 has it.
	evalJS[bool](t, frame, `(() => { const v = document.querySelector('[data-testid="media-player"]');
		v.setAttribute("width", "1280"); v.setAttribute("height", "720"); return true; })()`)
	type box struct{ ScrollW, ClientW, PlayerW, PlayerH int }
	b := evalJS[box](t, frame, `(() => { const de = document.documentElement, r = document.querySelector('[data-testid="media-player"]').getBoundingClientRect();
		return {ScrollW: de.scrollWidth, ClientW: de.clientWidth, PlayerW: Math.round(r.width), PlayerH: Math.round(r.height)}; })()`)
	if b.ScrollW > b.ClientW {
		t.Errorf("horizontal overflow: scrollWidth %d > clientWidth %d", b.ScrollW, b.ClientW)
	}
	if b.PlayerW > b.ClientW || b.PlayerW < b.ClientW/2 || b.PlayerH*16 > b.PlayerW*9+16 {
		t.Errorf("player %dx%d in a %d px frame, want it to fill the width at 16:9", b.PlayerW, b.PlayerH, b.ClientW)
	}

	// The captions track: present, from the transcript, answered as WebVTT.
	type track struct {
		Kind, Lang, Label, Src, Type string
		Status                       int
	}
	tr, err := chromedp.Run(step, chromedp.Evaluate[track](`(async () => { const el = document.querySelector('video[data-testid="media-player"] track[data-testid="captions-track"]');
		if (!el) { return {}; }
		const r = await fetch(el.src);
		return {Kind: el.kind, Lang: el.srclang, Label: el.label, Src: el.src, Type: r.headers.get("Content-Type") || "", Status: r.status}; })()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if tr.Kind != "captions" || tr.Lang == "" || tr.Label == "" || tr.Status != 200 || tr.Type != "text/vtt; charset=utf-8" {
		t.Errorf("captions track = %+v, want kind captions with srclang and label, answering 200 text/vtt", tr)
	}
	if _, err := chromedp.Run(step, chromedp.Poll[bool](`(() => { const v = document.querySelector('[data-testid="media-player"]');
		const tt = v.textTracks[0]; if (!tt) { return false; } tt.mode = "showing";
		return !!tt.cues && tt.cues.length > 0; })()`, chromedp.WithPollingInterval(100*time.Millisecond))); err != nil {
		t.Errorf("the browser loaded no caption cues from the track: %v", err)
	}

	// The Transcript toggle, by keyboard.
	type toggle struct {
		Expanded  string
		Hidden    bool
		Lines     int
		LabelRows int
	}
	state := func() toggle {
		return evalJS[toggle](t, frame, `(() => { const b = document.querySelector('[data-testid="transcript-toggle"]');
			const body = document.querySelector('[data-testid="transcript-body"]');
			const r = document.createRange(); r.selectNodeContents(b);
			const rows = new Set([...r.getClientRects()].map(x => Math.round(x.top))).size;
			return {Expanded: b.getAttribute("aria-expanded"), Hidden: body.hidden, Lines: body.querySelectorAll('li').length, LabelRows: rows}; })()`)
	}
	if s := state(); s.Expanded != "false" || !s.Hidden || s.LabelRows != 1 {
		t.Errorf("transcript at first = %+v, want closed, its label on one line", s)
	}
	// A mark on the frame's window tells a failure below whether the page
	// was reloaded (a session repost) or only its fragment swapped again.
	evalJS[bool](t, frame, `(window.sfzoomTestMark = true, document.querySelector('[data-testid="transcript-toggle"]').focus(), true)`)
	// waitFor waits for the toggle's aria-expanded to become expanded: a
	// MutationObserver resolves on the change itself, no polling or sleeps.
	waitFor := func(expanded string) toggle {
		t.Helper()
		wctx, cancel := context.WithTimeout(frame, 20*time.Second)
		defer cancel()
		_, err := chromedp.Run(wctx, chromedp.Evaluate[bool](`new Promise(resolve => {
			const b = document.querySelector('[data-testid="transcript-toggle"]');
			const done = () => b.getAttribute("aria-expanded") === `+strconv.Quote(expanded)+`;
			if (done()) { resolve(true); return; }
			new MutationObserver((_, o) => { if (done()) { o.disconnect(); resolve(true); } }).observe(b, {attributes: true});
		})`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Errorf("waiting for aria-expanded=%s: %v (focus on %s; %s)", expanded, err,
				evalJS[string](t, frame, `document.activeElement.outerHTML.slice(0, 100)`),
				evalJS[string](t, frame, `(window.sfzoomTestMark ? "same page" : "the page was reloaded") + ", " +
					document.querySelectorAll('[data-testid="transcript-toggle"]').length + " transcript toggles, toggle connected: " +
					String(!!document.querySelector('[data-testid="transcript-toggle"]')?.isConnected)`))
		}
		return state()
	}
	// enter presses Enter on the focused element, which must be want.
	enter := func(want string) {
		t.Helper()
		if got := evalJS[string](t, frame, `document.activeElement.dataset.testid || document.activeElement.outerHTML.slice(0, 100)`); got != want {
			t.Fatalf("Enter would go to %s, want %s", got, want)
		}
		if err := chromedp.Do(frame, chromedp.KeyEvent(kb.Enter)); err != nil {
			t.Fatal(err)
		}
	}
	enter("transcript-toggle")
	if s := waitFor("true"); s.Expanded != "true" || s.Hidden || s.Lines == 0 {
		t.Errorf("after Enter = %+v, want the transcript open", s)
	}
	enter("transcript-toggle")
	if s := waitFor("false"); s.Expanded != "false" || !s.Hidden {
		t.Errorf("after a second Enter = %+v, want the transcript closed again", s)
	}
	if b := evalJS[box](t, frame, `({ScrollW: document.documentElement.scrollWidth, ClientW: document.documentElement.clientWidth})`); b.ScrollW > b.ClientW {
		t.Errorf("horizontal overflow after the toggle: %d > %d", b.ScrollW, b.ClientW)
	}

	// Keyboard seek: a transcript line's button, focused and pressed.
	enter("transcript-toggle")
	if s := waitFor("true"); s.Hidden {
		t.Fatalf("the transcript did not open again: %+v", s)
	}
	evalJS[bool](t, frame, `(() => { const v = document.querySelector('[data-testid="media-player"]'); v.muted = true;
		const b = document.querySelectorAll('[data-testid="transcript-line"] [data-seek]')[2]; b.dataset.testid = "seek-line-3"; b.focus(); return true; })()`)
	enter("seek-line-3")
	seek, cancel := context.WithTimeout(frame, 20*time.Second)
	defer cancel()
	if _, err := chromedp.Run(seek, chromedp.Poll[bool](`document.querySelector('[data-testid="media-player"]').currentTime >= 3.4`,
		chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		t.Errorf("Enter on a transcript line did not seek: %v", err)
	}
}

package main

import (
	"context"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/sfzoom/sfzoom/internal/demo"
)

// cancelWithModal is issue 16's item 10 modal in a real browser: Cancel
// opens an SLDS modal (role=dialog, aria-modal) next to the button with the
// focus inside; Tab and Shift+Tab keep the focus in it; Escape closes it,
// gives the focus back to the button and cancels nothing; confirming
// cancels the meeting in Zoom and Salesforce.
func cancelWithModal(t *testing.T, ctx context.Context, d *demo.Demo, width string) {
	frame, _ := repFrame(t, ctx, d, "Contact", 0, width)
	listed := evalJS[int](t, frame, upcomingJS)
	evalJS[bool](t, frame, `(document.getElementById("sfzoom-start").value = "2031-06-02T11:00", true)`)
	click(t, frame, `[data-testid="schedule-submit"]`)
	waitJS(t, frame, upcomingJS+` === `+strconv.Itoa(listed+1), "the new meeting listed")

	const cancelBtn = `document.querySelector('[data-testid="meetings-upcoming"] [data-testid="meeting-cancel"]')`
	const modal = `document.getElementById(` + cancelBtn + `.dataset.modalOpen)`
	key := func(k string, mods ...chromedp.KeyOption) {
		t.Helper()
		if err := chromedp.Do(frame, chromedp.KeyEvent(k, mods...)); err != nil {
			t.Fatal(err)
		}
	}
	evalJS[bool](t, frame, `(`+cancelBtn+`.focus(), true)`)
	key(kb.Enter)
	waitJS(t, frame, `!`+modal+`.hidden`, "the modal open")
	for what, expr := range map[string]string{
		"a modal dialog":           modal + `.querySelector('[role="dialog"][aria-modal="true"]') !== null`,
		"labelled by its title":    `document.getElementById(` + modal + `.querySelector('[role="dialog"]').getAttribute("aria-labelledby")).textContent.includes("Cancel this meeting?")`,
		"focus inside":             modal + `.contains(document.activeElement)`,
		"next to the button":       `(() => { const r = ` + modal + `.querySelector('.slds-modal__container').getBoundingClientRect(), b = ` + cancelBtn + `.getBoundingClientRect(); return Math.abs(r.top - b.top) < 400; })()`,
		"fits the frame":           `document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1`,
		"no browser confirm() box": `!` + cancelBtn + `.hasAttribute("hx-confirm")`,
	} {
		if !evalJS[bool](t, frame, `!!(`+expr+`)`) {
			t.Errorf("modal: %s: false", what)
		}
	}
	// The focus starts on the safe choice and Tab / Shift+Tab wrap inside
	// the dialog's two buttons (a focus trap), never reaching the page.
	focused := func() string {
		return evalJS[string](t, frame, `document.activeElement.dataset.testid || document.activeElement.outerHTML.slice(0, 100)`)
	}
	shift := chromedp.KeyModifiers(8) // Shift (CDP Input.dispatchKeyEvent modifiers bit 8)
	for i, step := range []struct {
		shift bool
		want  string
	}{
		{false, "cancel-confirm"}, {false, "cancel-keep"}, {true, "cancel-confirm"}, {true, "cancel-keep"}, {true, "cancel-confirm"},
	} {
		if i == 0 {
			if got := focused(); got != "cancel-keep" {
				t.Fatalf("the modal opened with the focus on %s, want cancel-keep", got)
			}
		}
		if step.shift {
			key(kb.Tab, shift)
		} else {
			key(kb.Tab)
		}
		if got := focused(); got != step.want {
			t.Fatalf("Tab %d (shift %v): focus on %s, want %s", i, step.shift, got, step.want)
		}
	}
	key(kb.Escape)
	waitJS(t, frame, modal+`.hidden`, "the modal closed by Escape")
	if !evalJS[bool](t, frame, `document.activeElement === `+cancelBtn) {
		t.Errorf("after Escape the focus is on %s, want the Cancel button", evalJS[string](t, frame, `document.activeElement.outerHTML.slice(0, 100)`))
	}
	if n := evalJS[int](t, frame, upcomingJS); n != listed+1 {
		t.Fatalf("Escape cancelled a meeting: %d upcoming, want %d", n, listed+1)
	}

	click(t, frame, `[data-testid="meetings-upcoming"] [data-testid="meeting-cancel"]`)
	waitJS(t, frame, `!`+modal+`.hidden`, "the modal open again")
	evalJS[bool](t, frame, `(`+modal+`.querySelector('[data-testid="cancel-confirm"]').click(), true)`)
	waitJS(t, frame, `document.body.innerText.includes("Meeting cancelled in Zoom and in Salesforce.")`, "the meeting cancelled")
}

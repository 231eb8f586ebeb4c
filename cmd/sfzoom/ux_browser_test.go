package main

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sfzoom/sfzoom/internal/browsertest"
	"github.com/sfzoom/sfzoom/internal/demo"
)

// frameWidths are the record-page placements the rep sees: a 300 px sidebar
// column and the full page width.
var frameWidths = []struct {
	name  string
	width string // the iframe's CSS width
}{
	{"Sidebar300px", "300px"},
	{"FullWidth", "100%"},
}

// setFrameWidth sizes the app's iframe in the simulator page. The
// simulator also applies the widths the Canvas SDK's resize messages ask
// for, so it sets the width until the frame reports it.
func setFrameWidth(t *testing.T, ctx, frame context.Context, width string) {
	t.Helper()
	want := `document.documentElement.clientWidth >= 600`
	if width == "300px" {
		want = `document.documentElement.clientWidth <= 300`
	}
	for range 50 {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(document.querySelector('iframe').style.width = `+strconv.Quote(width)+`, true)`)); err != nil {
			t.Fatal(err)
		}
		if evalJS[bool](t, frame, `!!(`+want+`)`) {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("the frame never became %s wide (page %s, frame width %d)", width,
		evalJS[string](t, ctx, `location.pathname + " iframes=" + document.querySelectorAll('iframe').length + " style=" + document.querySelector('iframe').style.width`),
		evalJS[int](t, frame, `document.documentElement.clientWidth`))
}

// repFrame opens the rep's record (the i-th sample of object) in the
// simulator and sizes the app's frame to width.
func repFrame(t *testing.T, ctx context.Context, d *demo.Demo, object string, i int, width string) (frame context.Context, id string) {
	t.Helper()
	id = d.Info.SampleRecords[object][i]
	frame = frameFor(t, ctx, d, d.Info.Users["rep"], object, id)
	setFrameWidth(t, ctx, frame, width)
	return frame, id
}

// TestBrowser_RepFlows runs issue 16's rep flows against one demo (starting
// it is most of a browser test's time), each in a 300 px sidebar and at
// full width. Counts are relative: the flows share the org.
func TestBrowser_RepFlows(t *testing.T) {
	d := startDemoApp(t)
	for _, w := range frameWidths {
		for _, flow := range []struct {
			name string
			run  func(*testing.T, context.Context, *demo.Demo, string)
		}{
			{"ScheduleErrorsAndResult", scheduleErrorsAndResult},
			{"InstantMeeting", instantMeeting},
			{"ScheduleFromLead", scheduleFromLead},
			{"RecordingPlayer", recordingPlayer},
			{"CancelWithModal", cancelWithModal},
		} {
			t.Run(flow.name+"/"+w.name, func(t *testing.T) {
				// A browser per flow: its frames' contexts end with it.
				flow.run(t, browsertest.New(t, browsertest.Options{}), d, w.width)
			})
		}
	}
}

// upcomingJS counts the meetings listed as upcoming.
const upcomingJS = `document.querySelectorAll('[data-testid="meetings-upcoming"] [data-testid="meeting"]').length`

func evalJS[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(sctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// scheduleErrorsAndResult is issue 16's items 1 and 2 in a
// real browser: a refused
// submission comes back as the form with the message under the field (SLDS
// error state, aria-invalid, aria-describedby, focus on the field) and next
// to the buttons, not in the messages area at the top; a success replaces
// the form with a result card, so a second click can't book a duplicate;
// "Schedule another" brings a fresh form whose submission is a new meeting.
func scheduleErrorsAndResult(t *testing.T, ctx context.Context, d *demo.Demo, width string) {
	frame, _ := repFrame(t, ctx, d, "Opportunity", 0, width)
	events := len(d.Salesforce.Records("Event"))
	listed := evalJS[int](t, frame, upcomingJS)
	firstKey := evalJS[string](t, frame, `document.getElementById("sfzoom-idempotency-key").value`)

	// A start in the past: the browser's own checks pass, the server refuses.
	evalJS[bool](t, frame, `(document.getElementById("sfzoom-start").value = "2020-01-06T09:00", true)`)
	click(t, frame, `[data-testid="schedule-submit"]`)
	waitJS(t, frame, `!!document.querySelector('[data-testid="schedule-error"]')`, "the form sent back with its error")
	const msg = "The start time is in the past. Pick a time from now on, or use Start instant meeting."
	checks := map[string]string{
		"message under the field":       `document.getElementById("sfzoom-start-error").textContent.trim() === ` + strconv.Quote(msg),
		"field marked invalid":          `document.getElementById("sfzoom-start").getAttribute("aria-invalid") === "true" && document.getElementById("sfzoom-start").getAttribute("aria-describedby") === "sfzoom-start-error"`,
		"SLDS error state":              `document.getElementById("sfzoom-start").closest(".slds-form-element").classList.contains("slds-has-error")`,
		"message next to the buttons":   `document.querySelector('[data-testid="schedule-error"]').textContent.includes(` + strconv.Quote(msg) + `)`,
		"buttons described by it":       `document.querySelector('[data-testid="schedule-submit"]').getAttribute("aria-describedby") === "sfzoom-schedule-error"`,
		"focus on the field":            `document.activeElement && document.activeElement.id === "sfzoom-start"`,
		"nothing in the top messages":   `document.getElementById("sfzoom-flash").children.length === 0`,
		"what was typed is kept":        `document.getElementById("sfzoom-start").value === "2020-01-06T09:00"`,
		"same submission key":           `document.getElementById("sfzoom-idempotency-key").value === ` + strconv.Quote(firstKey),
		"message close to the button":   `(() => { const e = document.querySelector('[data-testid="schedule-error"]').getBoundingClientRect(), b = document.querySelector('[data-testid="schedule-submit"]').getBoundingClientRect(); return b.top - e.bottom >= 0 && b.top - e.bottom < 40; })()`,
		"the error page fits the frame": fitsJS,
	}
	for what, expr := range checks {
		if !evalJS[bool](t, frame, `!!(`+expr+`)`) {
			body := evalJS[string](t, frame, `document.body.innerText`)
			t.Errorf("%s: false (%s)\npage: %s", what, expr, body)
		}
	}
	if n := len(d.Salesforce.Records("Event")); n != events {
		t.Fatalf("Events after a refused submission = %d, want %d", n, events)
	}

	// Fixed and sent again: the result card replaces the form.
	evalJS[bool](t, frame, `(document.getElementById("sfzoom-start").value = "2031-03-04T10:30", true)`)
	click(t, frame, `[data-testid="schedule-submit"]`)
	waitJS(t, frame, `!!document.querySelector('[data-testid="schedule-result"] [data-testid="join-url"]')`, "the result card")
	for what, expr := range map[string]string{
		"no form left to submit twice": `!document.querySelector('[data-testid="schedule-form"]')`,
		"no stale error":               `!document.querySelector('[data-testid="schedule-error"]') && !document.querySelector('[aria-invalid="true"]')`,
		"says it is scheduled":         `document.querySelector('[data-testid="schedule-result"]').textContent.includes("Zoom meeting scheduled")`,
		"the result has the focus":     `document.activeElement === document.getElementById("sfzoom-schedule-result")`,
		"the result fits the frame":    fitsJS,
	} {
		if !evalJS[bool](t, frame, `!!(`+expr+`)`) {
			t.Errorf("after success, %s: false\npage: %s", what, evalJS[string](t, frame, `document.body.innerText`))
		}
	}
	if n := len(d.Salesforce.Records("Event")); n != events+1 {
		t.Fatalf("Events = %d, want %d", n, events+1)
	}

	// Schedule another: a fresh form, a new key, a second meeting.
	click(t, frame, `[data-testid="schedule-another"]`)
	waitJS(t, frame, `!!document.querySelector('[data-testid="schedule-form"]') && !document.querySelector('[data-testid="schedule-result"]')`, "a fresh form")
	if key := evalJS[string](t, frame, `document.getElementById("sfzoom-idempotency-key").value`); key == firstKey || key == "" {
		t.Fatalf("Schedule another kept the key %q", key)
	}
	click(t, frame, `[data-testid="schedule-submit"]`)
	waitJS(t, frame, `!!document.querySelector('[data-testid="schedule-result"]')`, "the second result")
	waitJS(t, frame, upcomingJS+` === `+strconv.Itoa(listed+2), "two more meetings listed")
	if n := len(d.Salesforce.Records("Event")); n != events+2 {
		t.Fatalf("Events = %d, want %d", n, events+2)
	}
}

// instantMeeting is item 4: "Start instant meeting" ignores the
// form's leftovers, opens Zoom's start link for the host in a new window
// (opened during the click, so pop-up blockers and the Canvas iframe allow
// it), and the meeting is listed as waiting, without Reschedule/Cancel
// buttons once Zoom says it started.
func instantMeeting(t *testing.T, ctx context.Context, d *demo.Demo, width string) {
	frame, _ := repFrame(t, ctx, d, "Opportunity", 1, width)

	// Leftovers: an empty topic and a past start would each be refused.
	evalJS[bool](t, frame, `(document.getElementById("sfzoom-topic").value = "", document.getElementById("sfzoom-start").value = "2020-01-06T09:00", true)`)
	click(t, frame, `[data-testid="instant-submit"]`)
	waitJS(t, frame, `!!document.querySelector('[data-testid="schedule-result"] [data-testid="start-meeting"]')`, "the instant meeting's result")
	startURL := evalJS[string](t, frame, `document.querySelector('[data-testid="start-meeting"]').href`)
	if !strings.HasPrefix(startURL, d.Info.ZoomURL+"/s/") || !strings.Contains(startURL, "zak=") {
		t.Fatalf("start link = %q, want Zoom's start URL under %s/s/", startURL, d.Info.ZoomURL)
	}
	// The window opened on the click went to the start link.
	deadline := time.Now().Add(30 * time.Second)
	opened := false
	var pages []string
	for !opened && time.Now().Before(deadline) {
		infos, err := chromedp.Targets(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages = pages[:0]
		for _, info := range infos {
			opened = opened || (info.Type == "page" && info.URL == startURL)
			pages = append(pages, info.Type+" "+redactQuery(info.URL))
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !opened {
		t.Fatalf("no window opened at the start link %s; targets: %v", startURL, pages)
	}
	for what, expr := range map[string]string{
		"says it was created, not scheduled": `document.querySelector('[data-testid="schedule-result"]').textContent.includes("Instant meeting created")`,
		"the result fits the frame":          fitsJS,
	} {
		if !evalJS[bool](t, frame, `!!(`+expr+`)`) {
			t.Errorf("%s: false\npage: %s", what, evalJS[string](t, frame, `document.body.innerText`))
		}
	}
	// Listed with its own topic and length, waiting for the host.
	row := `document.querySelector('[data-testid="meetings-upcoming"] [data-testid="meeting"]')`
	waitJS(t, frame, row+` && `+row+`.textContent.includes("Instant meeting: ")`, "the instant meeting in the list")
	if txt := evalJS[string](t, frame, row+`.textContent`); strings.Contains(txt, "In progress") || !strings.Contains(txt, "60 min") {
		t.Errorf("instant meeting row = %q; want 60 min and not In progress before anyone joined", txt)
	}
	if evalJS[bool](t, frame, `!!`+row+`.querySelector('[data-testid="meeting-join"]')`) == false {
		t.Error("the instant meeting has no Join link")
	}
}

// scheduleFromLead is item 3: a Lead record page in the
// simulator shows the Lead and its Schedule Zoom form; the meeting is
// listed on the Lead and its Event is logged to the Lead (WhoId, no WhatId).
func scheduleFromLead(t *testing.T, ctx context.Context, d *demo.Demo, width string) {
	frame, lead := repFrame(t, ctx, d, "Lead", 0, width)
	events := len(d.Salesforce.Records("Event"))
	listed := evalJS[int](t, frame, upcomingJS)
	if got := evalJS[string](t, frame, `document.querySelector('[data-testid="record"]').dataset.object + "|" + document.querySelector('[data-testid="record-name"]').textContent.trim()`); got != "Lead|Dana Scully" {
		t.Fatalf("record page header = %q, want the Lead Dana Scully", got)
	}
	if !evalJS[bool](t, frame, fitsJS) {
		t.Errorf("the Lead's page does not fit the frame")
	}
	click(t, frame, `[data-testid="schedule-submit"]`)
	waitJS(t, frame, `!!document.querySelector('[data-testid="schedule-result"] [data-testid="join-url"]')`, "the result card")
	waitJS(t, frame, upcomingJS+` === `+strconv.Itoa(listed+1), "the meeting on the Lead")
	all := d.Salesforce.Records("Event")
	if len(all) != events+1 {
		t.Fatalf("Events = %d, want %d", len(all), events+1)
	}
	mid := evalJS[string](t, frame, `document.querySelector('[data-testid="schedule-result"]').dataset.meetingId`)
	var ev map[string]any
	for _, e := range all {
		if e["WhoId"] == lead {
			ev = e
		}
	}
	if ev == nil || (ev["WhatId"] != nil && ev["WhatId"] != "") || mid == "" {
		t.Errorf("Event on the Lead = %v (meeting %s); want WhoId %s and no WhatId", ev, mid, lead)
	}
	if !evalJS[bool](t, frame, fitsJS) {
		t.Errorf("the result does not fit the frame")
	}
}

// redactQuery drops the query (tokens) from a URL for a failure message.
func redactQuery(raw string) string {
	u, _, _ := strings.Cut(raw, "?")
	return u
}

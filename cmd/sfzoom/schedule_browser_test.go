package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sfzoom/sfzoom/internal/browsertest"
	"github.com/sfzoom/sfzoom/internal/config"
	"github.com/sfzoom/sfzoom/internal/demo"
	"github.com/sfzoom/sfzoom/internal/zoom"
)

// startDemoApp runs the demo in-process like `sfzoom demo`, keeping the fakes
// reachable so the test can look inside them.
func startDemoApp(t *testing.T) *demo.Demo {
	t.Helper()
	d, _ := startDemoWithApp(t)
	return d
}

// startDemoWithApp is startDemoApp that also returns the app.
func startDemoWithApp(t *testing.T) (*demo.Demo, *app) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	d, err := demo.Start(ctx, demo.Options{DataDir: t.TempDir(), AppAddr: "127.0.0.1:0", SalesforceAddr: "127.0.0.1:0", ZoomAddr: "127.0.0.1:0"})
	if err != nil {
		cancel()
		t.Fatalf("demo.Start: %v", err)
	}
	cfg, err := config.Load(func(k string) string { return d.Env[k] }, config.ModeDemo)
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := newApp(ctx, cfg, logger, demoDeps(d))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.demoSetup(ctx, d); err != nil {
		t.Fatalf("demoSetup: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- a.serve(ctx, d.AppListener) }()
	t.Cleanup(func() {
		cancel()
		<-done
		d.Close()
	})
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(d.Info.AppURL + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return d, a
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("app did not become healthy")
	return nil, nil
}

// frameFor opens the simulator's record page as user and returns the
// context of the app's iframe once its page has loaded.
func frameFor(t *testing.T, ctx context.Context, d *demo.Demo, userID, object, id string) context.Context {
	t.Helper()
	// "View as" the user (the simulator's cookie), then open the record.
	if err := chromedp.Do(ctx, chromedp.Navigate(d.Info.SalesforceURL+"/")); err != nil {
		t.Fatalf("open simulator: %v", err)
	}
	viewAs := `fetch("/_sim/view-as", {method: "POST", credentials: "same-origin", body: new URLSearchParams({user_id: ` + strconv.Quote(userID) + `, back: "/"})}).then(() => true)`
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](viewAs, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatalf("view as %s: %v", userID, err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(d.Info.SalesforceURL+"/lightning/r/"+object+"/"+id+"/view")); err != nil {
		t.Fatalf("open simulator record: %v", err)
	}
	prefix := d.Info.AppURL + "/app/records/" + object + "/" + id
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		infos, err := chromedp.Targets(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, info := range infos {
			if info.Type == "iframe" && strings.HasPrefix(info.URL, prefix) {
				fctx, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(info.TargetID))
				t.Cleanup(cancel)
				// Attach with a context without a deadline: cancelling the
				// first call's context would detach the target.
				if _, err := chromedp.Run(fctx, chromedp.Evaluate[bool]("true")); err != nil {
					t.Fatalf("attach to the iframe: %v", err)
				}
				waitJS(t, fctx, `document.readyState === "complete" && !!window.htmx && !!document.querySelector('[data-testid="schedule-form"]')`, "the record page in the iframe")
				return fctx
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no app iframe at %s", prefix)
	return nil
}

func waitJS(t *testing.T, ctx context.Context, expr, what string) {
	t.Helper()
	// Poll by hand: a navigation inside the frame replaces the JavaScript
	// context, which a single Poll call reports as an error.
	deadline := time.Now().Add(20 * time.Second)
	var lastErr error
	for time.Now().Before(deadline) {
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		ok, err := chromedp.Run(sctx, chromedp.Evaluate[bool](`!!(`+expr+`)`))
		cancel()
		if err == nil && ok {
			return
		}
		lastErr = err
		time.Sleep(100 * time.Millisecond)
	}
	bctx, cancel := context.WithTimeout(ctx, 5*time.Second) // a detached target never answers
	defer cancel()
	body, _ := chromedp.Run(bctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	t.Fatalf("waiting for %s: %v\npage: %s", what, lastErr, body)
}

func click(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		t.Fatalf("click %s: %v", sel, err)
	}
}

// TestBrowser_ScheduleFromOpportunity is the demo flow: a rep schedules from
// an Opportunity in the simulator; the Event lands in the fake org with the
// Zoom meeting id and join URL and the meeting is listed; an admin sets a
// Zoom email override and the rep's next meeting is hosted by that Zoom user.
func TestBrowser_ScheduleFromOpportunity(t *testing.T) {
	ctx := browsertest.New(t, browsertest.Options{})
	d := startDemoApp(t)
	rep, admin := d.Info.Users["rep"], d.Info.Users["admin"]
	opp := d.Info.SampleRecords["Opportunity"][0]

	frame := frameFor(t, ctx, d, rep, "Opportunity", opp)
	click(t, frame, `[data-testid="schedule-submit"]`)
	waitJS(t, frame, `!!document.querySelector('[data-testid="join-url"]')`, "the join link")
	joinURL, _ := chromedp.Run(frame, chromedp.Evaluate[string](`document.querySelector('[data-testid="join-url"]').textContent`))
	waitJS(t, frame, `document.querySelectorAll('[data-testid="meetings-upcoming"] [data-testid="meeting"]').length === 1`, "the meeting in the record's list")

	// The demo logged its recorded meeting at start: the new Event is the
	// one with this meeting's join link.
	var events []map[string]any
	for _, ev := range d.Salesforce.Records("Event") {
		if loc, _ := ev["Location"].(string); loc == joinURL {
			events = append(events, ev)
		}
	}
	if len(events) != 1 {
		t.Fatalf("Events with the join link in the fake org = %d, want 1", len(events))
	}
	ev := events[0]
	zoomID, _ := ev["Zoom_Meeting_ID__c"].(string)
	if zoomID == "" || ev["Location"] != joinURL || ev["WhatId"] != opp {
		t.Fatalf("Event = %v; want Zoom_Meeting_ID__c, Location %q, WhatId %s", ev, joinURL, opp)
	}

	// The admin sets Riley's Zoom email override to Sam's Zoom user.
	aframe := frameFor(t, ctx, d, admin, "Opportunity", opp)
	settingsURL, _ := chromedp.Run(aframe, chromedp.Evaluate[string](`[...document.querySelectorAll('[data-testid="nav-item"]')].find(a => a.textContent.trim() === "Settings").href`))
	if settingsURL == "" {
		t.Fatal("the admin has no Settings link")
	}
	if _, err := chromedp.Run(aframe, chromedp.Evaluate[bool](`(window.location.href = `+strconv.Quote(settingsURL)+`, true)`)); err != nil {
		t.Fatal(err)
	}
	row := fmt.Sprintf(`[data-testid="user-row"][data-user-id="%s"]`, rep)
	waitJS(t, aframe, `document.readyState === "complete" && !!window.htmx && !!document.querySelector('`+row+`')`, "the Users tab")
	if _, err := chromedp.Run(aframe, chromedp.Evaluate[bool](`(document.querySelector('`+row+` input[name="zoom_email"]').value = "sam@zoom.acme-demo.com", true)`)); err != nil {
		t.Fatal(err)
	}
	click(t, aframe, row+` [data-testid="override-save"]`)
	waitJS(t, aframe, `[...document.querySelectorAll('[data-testid="alert"]')].some(a => a.textContent.includes("matched to Zoom user sam@zoom.acme-demo.com"))`, "the override confirmation")

	// Riley's next meeting is created as Sam's Zoom user.
	frame = frameFor(t, ctx, d, rep, "Opportunity", opp)
	click(t, frame, `[data-testid="schedule-submit"]`)
	waitJS(t, frame, `!!document.querySelector('[data-testid="join-url"]')`, "the second join link")
	secondJoin, _ := chromedp.Run(frame, chromedp.Evaluate[string](`document.querySelector('[data-testid="join-url"]').textContent`))
	// The second meeting's Event, found by its own join link (the org also
	// holds the first one and the demo's recorded meeting).
	var second string
	for _, e := range d.Salesforce.Records("Event") {
		if loc, _ := e["Location"].(string); loc == secondJoin && secondJoin != joinURL {
			if second != "" {
				t.Fatalf("two Events with the second meeting's join link %s", secondJoin)
			}
			second, _ = e["Zoom_Meeting_ID__c"].(string)
		}
	}
	if second == "" || second == zoomID {
		t.Fatalf("no new Event for the second meeting (join link %q, first %q)", secondJoin, joinURL)
	}
	zc := zoom.NewClient(&http.Client{Transport: bearerRT(d.Zoom.IssueAccessToken(""))}, zoom.WithBaseURL(d.Zoom.APIURL()))
	sam, err := zc.User(context.Background(), "sam@zoom.acme-demo.com")
	if err != nil {
		t.Fatal(err)
	}
	// Zoom_Meeting_ID__c is the occurrence UUID; the meeting must be among
	// Sam's meetings at Zoom.
	hosted, err := zc.AllMeetings(context.Background(), sam.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, m := range hosted {
		found = found || m.UUID == second
	}
	if second == "" || !found {
		t.Fatalf("second meeting %q is not hosted by Sam's Zoom user %s (Sam hosts %d meetings)", second, sam.ID, len(hosted))
	}
}

type bearerRT string

func (b bearerRT) RoundTrip(r *http.Request) (*http.Response, error) {
	r2 := r.Clone(r.Context())
	r2.Header.Set("Authorization", "Bearer "+string(b))
	return http.DefaultTransport.RoundTrip(r2)
}

// fitsJS is true when the page in the frame needs no horizontal scrolling
// and every visible control lies inside the viewport.
const fitsJS = `(() => {
	const w = document.documentElement.clientWidth;
	if (document.documentElement.scrollWidth > w + 1) return false;
	return [...document.querySelectorAll('button, input, select, textarea, a.slds-button, a.slds-tabs_default__link')]
		.filter(el => el.offsetParent !== null)
		.every(el => { const r = el.getBoundingClientRect(); return r.left >= -1 && r.right <= w + 1; });
})()`

// TestBrowser_NarrowSidebar puts the app in a 300 px wide record-page
// sidebar: the schedule form and its result fit without horizontal
// scrolling, every form control has a label, and scheduling still works.
func TestBrowser_NarrowSidebar(t *testing.T) {
	ctx := browsertest.New(t, browsertest.Options{})
	d := startDemoApp(t)
	rep := d.Info.Users["rep"]
	opp := d.Info.SampleRecords["Opportunity"][0]

	frame := frameFor(t, ctx, d, rep, "Opportunity", opp)
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(document.querySelector('iframe').style.width = "300px", true)`)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, frame, `document.documentElement.clientWidth <= 300`, "the 300 px wide frame")
	waitJS(t, frame, fitsJS, "the record page to fit 300 px")
	unlabelled, err := chromedp.Run(frame, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-testid="schedule-form"] input:not([type=hidden]), [data-testid="schedule-form"] select, [data-testid="schedule-form"] textarea')]
		.filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
		.map(el => el.name || el.id)`))
	if err != nil {
		t.Fatal(err)
	}
	if len(unlabelled) > 0 {
		t.Errorf("form controls without a label: %v", unlabelled)
	}
	click(t, frame, `[data-testid="schedule-submit"]`)
	waitJS(t, frame, `!!document.querySelector('[data-testid="join-url"]')`, "the join link")
	waitJS(t, frame, fitsJS, "the scheduled result to fit 300 px")

	// The admin's Settings, every tab reachable, in the same sidebar.
	aframe := frameFor(t, ctx, d, d.Info.Users["admin"], "Opportunity", opp)
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(document.querySelector('iframe').style.width = "300px", true)`)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(aframe, chromedp.Evaluate[bool](`(window.location.href = [...document.querySelectorAll('[data-testid="nav-item"]')].find(a => a.textContent.trim() === "Settings").href, true)`)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, aframe, `document.readyState === "complete" && !!document.querySelector('[data-testid="tab-review"]')`, "the Settings page")
	waitJS(t, aframe, fitsJS, "Settings and all its tabs to fit 300 px")
	// The Users tab's search button keeps its label on one line.
	if rows := evalJS[int](t, aframe, `(() => { const r = document.createRange(); r.selectNodeContents(document.querySelector('[data-testid="users-search-submit"]'));
		return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; })()`); rows != 1 {
		t.Errorf("the Users search button's label takes %d lines at 300 px, want 1", rows)
	}
}

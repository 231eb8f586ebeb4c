package main

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowser_PastMeetingAttendees opens the demo Opportunity, whose past
// meeting the pipeline logged at demo start: it lists who attended, the
// Contact each person matched as a link into Salesforce, and the dial-in
// nobody matched as waiting in Review. Clicking the Contact asks Salesforce
// (Canvas s1.navigateToSObject) to open it in the Salesforce window: the
// simulator's top page becomes the Contact's record page.
func TestBrowser_PastMeetingAttendees(t *testing.T) {
	info := startDemo(t, nil)
	ctx, frame, step := demoOpportunityFrame(t, info)
	if err := chromedp.Do(step, chromedp.WaitReady(chromedp.CSS(`[data-testid="attendees"]`))); err != nil {
		s, _ := chromedp.Run(frame, chromedp.Evaluate[string](`document.body.innerText`))
		t.Fatalf("no attendees on the past meeting: %v\n%s", err, s)
	}
	type row struct{ Name, Kind, Match, Record string }
	rows, err := chromedp.Run(step, chromedp.Evaluate[[]row](`[...document.querySelectorAll('[data-testid="attendee"]')].map(li => ({
		Name: li.querySelector('[data-testid="attendee-name"]').textContent.trim(),
		Kind: li.dataset.kind,
		Match: li.querySelector('.sfzoom-attendee__match').textContent.trim().replace(/\s+/g, " "),
		Record: (li.querySelector('[data-testid="attendee-record"]') || {}).href || "",
	}))`))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]row{}
	for _, r := range rows {
		got[r.Kind] = r
	}
	if r := got["contact"]; !strings.HasPrefix(r.Name, "Hank Scorpio") || !strings.HasPrefix(r.Record, info.SalesforceURL+"/lightning/r/Contact/") {
		t.Errorf("Hank's row = %+v, want a link to his Contact in %s", r, info.SalesforceURL)
	}
	if r := got["unmatched"]; !strings.Contains(r.Name, "Dial-in") || r.Match != "Waiting in Review" || r.Record != "" {
		t.Errorf("dial-in row = %+v, want waiting in Review, no link", r)
	}
	if r := got["internal"]; !strings.HasPrefix(r.Name, "Riley Chen") || r.Record != "" {
		t.Errorf("host row = %+v, want the host as your team, no link", r)
	}

	contact := got["contact"].Record
	if err := chromedp.Do(step, chromedp.Click(chromedp.CSS(`[data-testid="attendee-record"]`))); err != nil {
		t.Fatal(err)
	}
	// The top page navigates: poll until the Contact's page answers
	// (evaluations fail while the old page goes away).
	deadline := time.Now().Add(20 * time.Second)
	var at string
	for time.Now().Before(deadline) {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`location.pathname.indexOf("/lightning/r/Contact/") === 0 && !!document.querySelector('[data-testid="record-title"]')`))
		if err == nil && ok {
			break
		}
		at, _ = chromedp.Run(ctx, chromedp.Evaluate[string](`location.href`))
		time.Sleep(100 * time.Millisecond)
	}
	// The Canvas event lands on /lightning/r/{id}/view, which redirects to
	// the typed record URL; following the link's href would not redirect.
	// The read is retried while it fails (under load the navigation entry
	// may not be readable yet); a failed read is reported, not taken as 0.
	var n int
	err = errors.New("not read")
	for time.Now().Before(deadline.Add(5*time.Second)) && err != nil {
		if n, err = chromedp.Run(ctx, chromedp.Evaluate[int](`performance.getEntriesByType("navigation")[0].redirectCount`)); err != nil {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if err != nil {
		t.Errorf("reading the Contact page's navigation entry: %v (last URL %s)", err, at)
	} else if n != 1 {
		t.Errorf("redirectCount = %d, want 1: the record was not opened through s1.navigateToSObject", n)
	}
	title, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="record-title"]').textContent`))
	if !strings.Contains(title, "Hank Scorpio") {
		t.Errorf("the Salesforce window shows %q at %s, want Hank's Contact (%s)", title, at, contact)
	}
}

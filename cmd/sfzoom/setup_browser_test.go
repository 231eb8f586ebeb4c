package main

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/sfzoom/sfzoom/internal/browsertest"
	"github.com/sfzoom/sfzoom/internal/setup"
)

// checkStatus is the JavaScript that reads one Setup check's status.
func checkStatus(id string) string {
	return `(document.querySelector('[data-testid="setup-check"][data-check=` + strconv.Quote(id) + `]') || {dataset: {}}).dataset.status`
}

// TestBrowser_SetupChecklistRedToGreen follows the Setup checklist as an
// admin would in the demo: the simulator's Setup link opens sfzoom's
// Settings on Setup (canvas parameter page=setup, like the sfzoom Admin tab)
// with every check green; the Salesforce integration user is disconnected
// (the cause, broken behind the page); "Check again" shows that check red
// with its fix and the checks that need Salesforce waiting; clicking the
// in-app fix, Connect Salesforce, runs the OAuth popup against the fake org;
// when it closes the checklist is green again.
func TestBrowser_SetupChecklistRedToGreen(t *testing.T) {
	ctx := browsertest.New(t, browsertest.Options{})
	d, a := startDemoWithApp(t)
	waitValidated(t, a) // the demo's Zoom validates the endpoint in the background
	admin := d.Info.Users["admin"]

	if err := chromedp.Do(ctx, chromedp.Navigate(d.Info.SalesforceURL+"/")); err != nil {
		t.Fatalf("open simulator: %v", err)
	}
	viewAs := `fetch("/_sim/view-as", {method: "POST", credentials: "same-origin", body: new URLSearchParams({user_id: ` + strconv.Quote(admin) + `, back: "/"})}).then(() => true)`
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](viewAs, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatalf("view as the admin: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(d.Info.SalesforceURL+"/lightning/setup/sfzoom/home")); err != nil {
		t.Fatalf("open the simulator's Setup: %v", err)
	}
	frame := frameTarget(t, ctx, d.Info.AppURL+"/app/settings")
	// Attach with a context without a deadline (as frameFor does): the first
	// call's context owns the attachment, and waitJS's calls time out.
	if _, err := chromedp.Run(frame, chromedp.Evaluate[bool]("true")); err != nil {
		t.Fatalf("attach to the iframe: %v", err)
	}
	waitJS(t, frame, `!!document.querySelector('[data-testid="setup-panel"]')`, "Settings opened on Setup")
	checks := []string{setup.CheckCanvas, setup.CheckSalesforce, setup.CheckSchema, setup.CheckPermissionSets, setup.CheckZoom, setup.CheckWebhook, setup.CheckUsers}
	allOK := make([]string, len(checks))
	for i, id := range checks {
		allOK[i] = checkStatus(id) + ` === "ok"`
	}
	waitJS(t, frame, strings.Join(allOK, " && "), "every Setup check green in the demo")

	// Break the cause: nobody is connected as the integration user.
	if err := a.integrations.DisconnectSalesforce(context.Background(), d.Info.OrgID); err != nil {
		t.Fatal(err)
	}
	click(t, frame, `[data-testid="setup-recheck"]`)
	sfCheck := `document.querySelector('[data-testid="setup-check"][data-check="` + setup.CheckSalesforce + `"]')`
	waitJS(t, frame, checkStatus(setup.CheckSalesforce)+` === "failing"`, "the Salesforce check red")
	for _, id := range []string{setup.CheckSchema, setup.CheckPermissionSets, setup.CheckUsers} {
		waitJS(t, frame, checkStatus(id)+` === "blocked"`, id+" waiting for Salesforce")
	}
	red := evalJS[string](t, frame, sfCheck+`.innerText`)
	for _, want := range []string{"Not connected", "To fix:", "Connect Salesforce"} {
		if !strings.Contains(red, want) {
			t.Errorf("the red Salesforce check does not say %q:\n%s", want, red)
		}
	}

	// The fix: Connect Salesforce, in a popup (OAuth cannot be framed).
	click(t, frame, `[data-testid="setup-check"][data-check="`+setup.CheckSalesforce+`"] [data-testid="setup-action"]`)
	popup := pageTarget(t, ctx, d.Info.SalesforceURL+"/services/oauth2/authorize")
	waitJS(t, popup, `!!document.querySelector('[data-testid="oauth-allow"]')`, "the fake Salesforce's Allow Access page")
	click(t, popup, `[data-testid="oauth-allow"]`)

	waitJS(t, frame, strings.Join(allOK, " && "), "every Setup check green again after Connect Salesforce")
	green := evalJS[string](t, frame, sfCheck+`.innerText`)
	if !strings.Contains(green, "Connected as") || strings.Contains(green, "To fix:") {
		t.Errorf("the green Salesforce check = %q, want who is connected and no fix", green)
	}
}

// pageTarget attaches to the top-level page (a popup) whose URL starts with
// prefix.
func pageTarget(t *testing.T, ctx context.Context, prefix string) context.Context {
	t.Helper()
	pctx := findTarget(t, ctx, "page", prefix)
	if _, err := chromedp.Run(pctx, chromedp.Evaluate[bool]("true")); err != nil {
		t.Fatalf("attach to the popup: %v", err)
	}
	return pctx
}

// Package setup is the admin's Setup checklist: live checks of everything a
// first real meeting needs (the Canvas app, the Salesforce integration user,
// the deployed fields and platform event, permission sets, the Zoom app's
// credentials and webhook, the user mapping). Each check says in plain words
// what it found and names the one action that fixes it. Every run asks the
// vendors again: nothing is cached, so a disconnect or a redeploy shows at
// once. The steps are described in docs/install.md.
package setup

import (
	"context"
	"fmt"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/sfzoom/sfzoom/internal/identity"
	"github.com/sfzoom/sfzoom/internal/salesforce"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/zoom"
)

// Status is the outcome of a check.
type Status string

// Check outcomes.
const (
	OK      Status = "ok"      // nothing to do
	Warning Status = "warning" // works, but something needs attention
	Failing Status = "failing" // blocks meetings from being scheduled or logged
	Blocked Status = "blocked" // cannot be checked until an earlier check passes
)

// Check IDs, in the order of the checklist.
const (
	CheckCanvas         = "canvas"
	CheckSalesforce     = "salesforce"
	CheckSchema         = "schema"
	CheckPermissionSets = "permission_sets"
	CheckZoom           = "zoom"
	CheckWebhook        = "webhook"
	CheckUsers          = "users"
)

// Actions the Setup page offers as the fix (a button or link); "" means the
// fix happens outside sfzoom (Fix and Command say what to do).
const (
	ActionConnectSalesforce = "connect_salesforce"
	ActionVerifyUsers       = "verify_users"
	ActionUsersTab          = "users_tab"
)

// Check is one line of the checklist.
type Check struct {
	ID     string
	Title  string
	Status Status
	// Detail says what the check found, in plain words.
	Detail string
	// Fix is the one action that makes the check pass ("" when OK).
	Fix string
	// Command is a command line for the fix, to copy ("" if none).
	Command string
	// Action is an in-app fix the page offers (Action* constants).
	Action string
}

// Report is the whole checklist.
type Report struct {
	Checks    []Check
	CheckedAt time.Time
}

// AllOK reports whether every check passed.
func (r Report) AllOK() bool {
	for _, c := range r.Checks {
		if c.Status != OK {
			return false
		}
	}
	return len(r.Checks) > 0
}

// Salesforce is what the checks read from the org, with the integration
// user's connection (*salesforce.Client implements it).
type Salesforce interface {
	Query(ctx context.Context, q salesforce.Query) ([]salesforce.Record, error)
	MissingFields(ctx context.Context, opts ...salesforce.MissingFieldsOption) ([]salesforce.FieldSpec, error)
	Budget() salesforce.Budget
}

// Connections finds the org's connections (the store implements it).
type Connections interface {
	FindConnection(ctx context.Context, orgID, provider, subject string) (*sfzoom.Connection, error)
	FindConnections(ctx context.Context, orgID string) ([]*sfzoom.Connection, error)
}

// Webhooks finds stored deliveries (the store implements it).
type Webhooks interface {
	LastOrgWebhookEvent(ctx context.Context, orgID, eventType string) (*sfzoom.WebhookEvent, error)
}

// ZoomRevalidation is how often Zoom revalidates an endpoint
// (https://developers.zoom.us/docs/api/webhooks/#validate-your-webhook-endpoint);
// a validation older than this plus a margin means Zoom stopped checking it.
const ZoomRevalidation = 72 * time.Hour

// CanvasStatus says whether the configured consumer secrets verify this
// org's signed requests, and how.
type CanvasStatus struct {
	// Bound is true when a secret is configured for this org (or the
	// deployment serves one org with one bare secret).
	Bound bool
	// Detail describes the configuration in plain words.
	Detail string
	// Fix is what to change when not Bound.
	Fix string
}

// Options are the checks' dependencies.
type Options struct {
	Connections Connections
	Webhooks    Webhooks
	// Salesforce returns orgID's integration client (EUNAUTHORIZED when not
	// connected).
	Salesforce func(ctx context.Context, orgID string) (Salesforce, error)
	// SalesforceToken returns the integration access token (its expiry and
	// "id" identity URL).
	SalesforceToken func(ctx context.Context, orgID string) (*oauth2.Token, error)
	// Canvas reports how the consumer secret covers orgID.
	Canvas func(ctx context.Context, orgID string) CanvasStatus
	// ZoomUserMode is true when each rep connects their own Zoom.
	ZoomUserMode bool
	// ProbeZoom fetches a fresh Zoom token (S2S) and returns its expiry.
	ProbeZoom func(ctx context.Context) (time.Time, error)
	// Users lists the org's active users with their Zoom mapping.
	Users func(ctx context.Context, orgID string) ([]identity.UserStatus, error)
	// PublicURL is sfzoom's public base URL (for the webhook URL to enter).
	PublicURL string
	// BackgroundBudget is the share of the daily API limit above which
	// background work pauses (SFZOOM_SALESFORCE_BACKGROUND_BUDGET).
	BackgroundBudget float64
	Now              func() time.Time
}

// Checker runs the checklist.
type Checker struct{ o Options }

// New returns a Checker.
func New(o Options) *Checker {
	o.Now = sfzoom.NowOrTimeNow(o.Now)
	return &Checker{o: o}
}

// Permission sets the checklist looks for (sfdx/force-app/main/default/permissionsets).
const (
	PermissionSetAdmin = salesforce.PermissionSetAdmin
	PermissionSetUser  = "sfzoom_User"
)

// DeployCommand deploys sfdx/ (run in the sfdx folder; docs/install.md step 4).
const DeployCommand = "sf project deploy start --source-dir force-app --target-org <your-org-alias>"

// Run runs every check for orgID, in order. loc formats times for the admin.
func (c *Checker) Run(ctx context.Context, orgID string, loc *time.Location) Report {
	if loc == nil {
		loc = time.UTC
	}
	r := Report{CheckedAt: c.o.Now()}
	r.Checks = append(r.Checks, c.canvas(ctx, orgID))
	sfCheck, sf := c.salesforce(ctx, orgID, loc)
	r.Checks = append(r.Checks, sfCheck)
	r.Checks = append(r.Checks, c.schema(ctx, sf), c.permissionSets(ctx, sf), c.zoom(ctx, orgID, loc), c.webhook(ctx, orgID, loc), c.users(ctx, orgID, sf))
	return r
}

func (c *Checker) canvas(ctx context.Context, orgID string) Check {
	ch := Check{ID: CheckCanvas, Title: "Salesforce opens sfzoom (Canvas consumer secret)"}
	st := c.o.Canvas(ctx, orgID)
	if st.Bound {
		ch.Status, ch.Detail = OK, st.Detail
		return ch
	}
	ch.Status, ch.Detail, ch.Fix = Failing, st.Detail, st.Fix
	return ch
}

const connectFix = "Click Connect Salesforce and sign in as the integration user (a Salesforce user who can read and write Events, Tasks and Opportunities)."

// salesforce checks the integration connection with a live call and returns
// the client for the checks that need it (nil when it does not work).
func (c *Checker) salesforce(ctx context.Context, orgID string, loc *time.Location) (Check, Salesforce) {
	ch := Check{ID: CheckSalesforce, Title: "Salesforce integration user connected", Action: ActionConnectSalesforce, Fix: connectFix}
	conn, err := c.o.Connections.FindConnection(ctx, orgID, sfzoom.ProviderSalesforce, "integration")
	switch {
	case sfzoom.ErrorCode(err) == sfzoom.ENOTFOUND:
		ch.Status, ch.Detail = Failing, "Not connected. Until an admin connects Salesforce, sfzoom logs no meetings, lists no users and cannot check record access."
		return ch, nil
	case err != nil:
		ch.Status, ch.Detail, ch.Action, ch.Fix = Warning, "The connection could not be read: "+sfzoom.ErrorMessage(err), "", "Reload this page; if it persists, check sfzoom's log."
		return ch, nil
	case conn.Status != sfzoom.ConnectionActive:
		ch.Status, ch.Detail = Failing, "Salesforce no longer accepts the stored sign-in"
		if conn.Detail != "" {
			ch.Detail += ": " + conn.Detail
		}
		ch.Detail = strings.TrimSuffix(ch.Detail, ".") + "."
		ch.Fix = "Click Connect Salesforce and sign in again as the integration user."
		return ch, nil
	}
	tok, err := c.o.SalesforceToken(ctx, orgID)
	if err != nil {
		return c.salesforceError(ch, err), nil
	}
	sf, err := c.o.Salesforce(ctx, orgID)
	if err != nil {
		return c.salesforceError(ch, err), nil
	}
	who := "the integration user"
	if userID := identityUser(tok); userID != "" {
		recs, err := sf.Query(ctx, salesforce.Select(salesforce.FieldName, salesforce.FieldUsername).
			From(salesforce.ObjectUser).Where(salesforce.Eq(salesforce.FieldID, userID)).Limit(1))
		if err != nil {
			return c.salesforceError(ch, err), nil
		}
		if len(recs) == 1 {
			who = recs[0].String(salesforce.FieldName) + " (" + recs[0].String(salesforce.FieldUsername) + ")"
		}
	} else if _, err := sf.Query(ctx, salesforce.Select(salesforce.FieldID).From(salesforce.ObjectUser).Limit(1)); err != nil {
		return c.salesforceError(ch, err), nil
	}
	ch.Status, ch.Action, ch.Fix = OK, "", ""
	ch.Detail = "Connected as " + who + "; Salesforce answered just now."
	if !tok.Expiry.IsZero() {
		ch.Detail += " The access token is valid until " + tok.Expiry.In(loc).Format("15:04 MST") + " and is renewed automatically."
	}
	if b := sf.Budget(); b.Max > 0 {
		ch.Detail += fmt.Sprintf(" API requests today: %d of %d.", b.Used, b.Max)
		if c.o.BackgroundBudget > 0 && b.Share() >= c.o.BackgroundBudget {
			ch.Status = Warning
			ch.Detail += fmt.Sprintf(" That is over the %.0f%% sfzoom may use for background work, so logging meetings is paused until the daily count resets.", c.o.BackgroundBudget*100)
			ch.Fix = "Wait for the daily count to reset, or raise SFZOOM_SALESFORCE_BACKGROUND_BUDGET (or the org's API limit)."
		}
	}
	return ch, sf
}

func (c *Checker) salesforceError(ch Check, err error) Check {
	if sfzoom.ErrorCode(err) == sfzoom.EUNAUTHORIZED {
		ch.Status = Failing
		ch.Detail = "Salesforce refused the stored sign-in: " + sfzoom.ErrorMessage(err)
		ch.Fix = "Click Connect Salesforce and sign in again as the integration user."
		return ch
	}
	ch.Status, ch.Action = Warning, ""
	ch.Detail = "Salesforce could not be reached just now: " + sfzoom.ErrorMessage(err)
	ch.Fix = "Reload this page in a minute. If it keeps failing, see the Health tab."
	return ch
}

// identityUser returns the user id of the token's identity URL
// (https://login.salesforce.com/id/{orgId}/{userId}).
func identityUser(t *oauth2.Token) string {
	id, _ := t.Extra("id").(string)
	if i := strings.LastIndex(id, "/"); i >= 0 && salesforce.ValidID(id[i+1:]) {
		return id[i+1:]
	}
	return ""
}

var blockedBySalesforce = "Can't be checked until the Salesforce check above passes."

func (c *Checker) schema(ctx context.Context, sf Salesforce) Check {
	ch := Check{ID: CheckSchema, Title: "sfzoom fields and platform event deployed"}
	if sf == nil {
		ch.Status, ch.Detail, ch.Fix = Blocked, blockedBySalesforce, "Fix the Salesforce connection first."
		return ch
	}
	// A fresh describe on every run: a redeploy (or a field deleted by
	// someone) shows at once.
	missing, err := sf.MissingFields(ctx, salesforce.WithPlatformEvent())
	if err != nil {
		ch.Status, ch.Detail, ch.Fix = Warning, "Salesforce could not describe the objects just now: "+sfzoom.ErrorMessage(err), "Reload this page in a minute."
		return ch
	}
	if len(missing) == 0 {
		ch.Status, ch.Detail = OK, "Every field sfzoom writes on Event, Task, Opportunity and User, and the Zoom_Meeting_Event__e platform event, are deployed with the right types."
		return ch
	}
	names := make([]string, 0, len(missing))
	for _, f := range missing {
		names = append(names, f.Object+"."+f.Field+" ("+f.Type+")")
	}
	ch.Status = Failing
	ch.Detail = fmt.Sprintf("%d missing or with the wrong type: %s.", len(missing), strings.Join(names, ", "))
	ch.Fix = "Deploy the sfdx project again from the sfdx folder, then reload this page."
	ch.Command = DeployCommand
	return ch
}

func (c *Checker) permissionSets(ctx context.Context, sf Salesforce) Check {
	ch := Check{ID: CheckPermissionSets, Title: "Permission sets assigned (an admin and a rep)"}
	if sf == nil {
		ch.Status, ch.Detail, ch.Fix = Blocked, blockedBySalesforce, "Fix the Salesforce connection first."
		return ch
	}
	count := func(name string) (int, error) {
		recs, err := sf.Query(ctx, salesforce.Select(salesforce.FieldAssigneeID).From(salesforce.ObjectPermissionSetAssignment).
			Where(salesforce.Eq(salesforce.FieldPermissionSetName, name)).Limit(2000))
		return len(recs), err
	}
	admins, err := count(PermissionSetAdmin)
	if err == nil {
		var reps int
		reps, err = count(PermissionSetUser)
		if err == nil {
			return permissionSetsResult(ch, admins, reps)
		}
	}
	ch.Status, ch.Detail, ch.Fix = Warning, "The assignments could not be read just now: "+sfzoom.ErrorMessage(err), "Reload this page in a minute."
	return ch
}

func permissionSetsResult(ch Check, admins, reps int) Check {
	ch.Detail = holders(admins) + " sfzoom Admin; " + strings.ToLower(holders(reps)[:1]) + holders(reps)[1:] + " sfzoom User."
	switch {
	case admins > 0 && reps > 0:
		ch.Status = OK
	case admins == 0:
		ch.Status = Failing
		ch.Detail += " Without sfzoom Admin, only the users listed in SFZOOM_ADMIN_USER_IDS can open Settings, and nobody can edit Zoom email overrides."
		ch.Fix = "Assign the sfzoom Admin permission set to yourself (Setup → Users → Permission Sets → sfzoom Admin → Manage Assignments)."
		ch.Command = "sf org assign permset --name " + PermissionSetAdmin + " --target-org <your-org-alias> --on-behalf-of <admin username>"
	default:
		ch.Status = Failing
		ch.Detail += " Reps need sfzoom User to open sfzoom on a record and to see the Zoom fields."
		ch.Fix = "Assign the sfzoom User permission set to every rep (Setup → Users → Permission Sets → sfzoom User → Manage Assignments)."
		ch.Command = "sf org assign permset --name " + PermissionSetUser + " --target-org <your-org-alias> --on-behalf-of <rep username>"
	}
	return ch
}

// holders says how many users hold a permission set ("No user has", "1 user
// has", "3 users have").
func holders(n int) string {
	switch n {
	case 0:
		return "No user has"
	case 1:
		return "1 user has"
	}
	return fmt.Sprintf("%d users have", n)
}

func (c *Checker) zoom(ctx context.Context, orgID string, loc *time.Location) Check {
	ch := Check{ID: CheckZoom, Title: "Zoom app credentials accepted"}
	if c.o.ZoomUserMode {
		return c.zoomUsers(ctx, orgID, ch)
	}
	exp, err := c.o.ProbeZoom(ctx)
	if err != nil {
		if sfzoom.ErrorCode(err) == sfzoom.EUNAUTHORIZED {
			ch.Status = Failing
			ch.Detail = sfzoom.ErrorMessage(err) + " sfzoom can neither schedule meetings nor read what happened in them."
			ch.Fix = "Copy the Account ID, Client ID and Client Secret from your Server-to-Server OAuth app in the Zoom App Marketplace (Manage → your app → App Credentials) into SFZOOM_ZOOM_ACCOUNT_ID, SFZOOM_ZOOM_CLIENT_ID and SFZOOM_ZOOM_CLIENT_SECRET, make sure the app is activated, and restart sfzoom."
			return ch
		}
		ch.Status, ch.Detail, ch.Fix = Warning, sfzoom.ErrorMessage(err), "Reload this page in a minute. If it keeps failing, check that sfzoom can reach zoom.us."
		return ch
	}
	ch.Status = OK
	ch.Detail = "Zoom issued a fresh token to the Server-to-Server app just now"
	if !exp.IsZero() {
		ch.Detail += " (valid until " + exp.In(loc).Format("15:04 MST") + ")"
	}
	ch.Detail += "."
	return ch
}

func (c *Checker) zoomUsers(ctx context.Context, orgID string, ch Check) Check {
	ch.Title = "Reps connected to Zoom"
	conns, err := c.o.Connections.FindConnections(ctx, orgID)
	if err != nil {
		ch.Status, ch.Detail, ch.Fix = Warning, "The connections could not be read: "+sfzoom.ErrorMessage(err), "Reload this page."
		return ch
	}
	active, reconnect := ZoomUserCounts(conns)
	ch.Detail = fmt.Sprintf("%d connected, %d must reconnect. Zoom checks the app's credentials when a rep connects.", active, reconnect)
	switch {
	case active == 0:
		ch.Status = Failing
		ch.Fix = "Connect your own Zoom account (Connections tab), then ask each rep to click Connect Zoom on the sfzoom home page."
	case reconnect > 0:
		ch.Status = Warning
		ch.Fix = "Ask the reps who must reconnect to click Connect Zoom on the sfzoom home page."
	default:
		ch.Status = OK
	}
	return ch
}

func (c *Checker) webhook(ctx context.Context, orgID string, loc *time.Location) Check {
	endpoint := strings.TrimSuffix(c.o.PublicURL, "/") + "/webhooks/zoom"
	ch := Check{ID: CheckWebhook, Title: "Zoom webhook endpoint validated"}
	v, err := c.o.Webhooks.LastOrgWebhookEvent(ctx, "", zoom.EventURLValidation)
	switch {
	case sfzoom.ErrorCode(err) == sfzoom.ENOTFOUND:
		ch.Status = Failing
		ch.Detail = "Zoom has never validated " + endpoint + ", so it sends no events: meetings that end are not logged."
		ch.Fix = "In your Zoom app: Features → Access → Event Subscriptions, set the event notification endpoint URL to " + endpoint + ", put the Secret Token in SFZOOM_ZOOM_WEBHOOK_SECRET, and click Validate."
		return ch
	case err != nil:
		ch.Status, ch.Detail, ch.Fix = Warning, "The deliveries could not be read: "+sfzoom.ErrorMessage(err), "Reload this page."
		return ch
	}
	now := c.o.Now()
	ch.Status = OK
	ch.Detail = "Zoom validated " + endpoint + " on " + v.ReceivedAt.In(loc).Format("2 Jan 15:04 MST") + "."
	if now.Sub(v.ReceivedAt) > ZoomRevalidation+6*time.Hour {
		ch.Status = Warning
		ch.Detail = "Zoom last validated " + endpoint + " on " + v.ReceivedAt.In(loc).Format("2 Jan 15:04 MST") + "; it revalidates every 72 hours, so it has stopped checking this address."
		ch.Fix = "In your Zoom app's Event Subscriptions, check the endpoint URL is " + endpoint + " and click Validate."
	}
	last, err := c.o.Webhooks.LastOrgWebhookEvent(ctx, orgID, "")
	switch {
	case err == nil:
		ch.Detail += " Last event for this org: " + last.EventType + " on " + last.ReceivedAt.In(loc).Format("2 Jan 15:04 MST") + "."
	case sfzoom.ErrorCode(err) == sfzoom.ENOTFOUND:
		ch.Detail += " No event for this org yet: Zoom sends one when a meeting of a mapped user ends."
	}
	return ch
}

func (c *Checker) users(ctx context.Context, orgID string, sf Salesforce) Check {
	ch := Check{ID: CheckUsers, Title: "Salesforce users matched to Zoom users", Action: ActionVerifyUsers}
	if sf == nil {
		ch.Status, ch.Detail, ch.Fix, ch.Action = Blocked, blockedBySalesforce, "Fix the Salesforce connection first.", ""
		return ch
	}
	users, err := c.o.Users(ctx, orgID)
	if err != nil {
		ch.Status, ch.Detail, ch.Fix, ch.Action = Warning, "The users could not be listed: "+sfzoom.ErrorMessage(err), "Reload this page in a minute.", ""
		return ch
	}
	matched, unmatched, unchecked := 0, 0, 0
	for _, u := range users {
		switch {
		case u.Mapping == nil:
			unchecked++
		case u.Mapping.Status == sfzoom.MappingMatched:
			matched++
		default:
			unmatched++
		}
	}
	ch.Detail = fmt.Sprintf("%d of %d active Salesforce users are matched to a Zoom user", matched, len(users))
	if unmatched > 0 {
		ch.Detail += fmt.Sprintf("; %d have no Zoom user", unmatched)
	}
	if unchecked > 0 {
		ch.Detail += fmt.Sprintf("; %d were never checked", unchecked)
	}
	ch.Detail += "."
	switch {
	case matched == 0:
		ch.Status = Failing
		ch.Detail += " Nobody can schedule a Zoom meeting from Salesforce yet."
		ch.Fix = "Click Verify all users. A rep whose Zoom email differs from their Salesforce email gets a Zoom email override on the Users tab."
	case unchecked > 0:
		ch.Status = Warning
		ch.Fix = "Click Verify all users to match the users who were never checked."
	default:
		ch.Status, ch.Action = OK, ""
		if unmatched > 0 {
			ch.Detail += " Users without Zoom (for example non-sales staff) need nothing; a rep among them needs a Zoom email override on the Users tab."
		}
	}
	return ch
}

// ZoomUserCounts counts the reps' own Zoom connections among conns: those
// that work and those that must be reconnected.
func ZoomUserCounts(conns []*sfzoom.Connection) (active, reconnect int) {
	for _, cn := range conns {
		if cn.Provider != sfzoom.ProviderZoomUser {
			continue
		}
		if cn.Status == sfzoom.ConnectionActive {
			active++
		} else {
			reconnect++
		}
	}
	return active, reconnect
}

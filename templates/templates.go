// Package templates holds sfzoom's HTML: the page layout, error pages, the
// SLDS building blocks the pages are made of, and the pages themselves, as templ
// components. Components take explicit parameters (sfzoom domain types or the
// small view structs declared here) and contain no business logic; the web
// package decides what to show and renders these.
//
// Regenerate after editing a .templ file:
//
//	go tool templ generate -path templates
//
// The generated *_templ.go files are committed.
//
// The pages run inside the Salesforce Canvas iframe under a strict
// Content-Security-Policy: no inline scripts or styles, no event-handler
// attributes. Behaviour lives in static/js/app.js and is wired through data
// attributes (data-copy, data-popup, data-canvas-repost, …).
package templates

import (
	"cmp"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/static"
)

// PageMeta is what the layout needs to render a full page. The web package
// fills it per request.
type PageMeta struct {
	// Title is the page title, shown as "Title · sfzoom".
	Title string
	// Nonce is the per-response CSP nonce put on every <script>.
	Nonce string
	// SessionToken is the app session token. The page keeps it in a <meta>
	// tag and app.js sends it as X-Sfzoom-Session on every htmx request, so
	// the app works without third-party cookies.
	SessionToken string
	// CSRFToken is sent as X-CSRF-Token by app.js (forms carry it as _csrf,
	// see HiddenAuth).
	CSRFToken string
	// CanvasSDKURL is the Canvas JavaScript SDK to load, e.g.
	// "https://acme.my.salesforce.com/canvas/sdk/js/62.0/canvas-all.js";
	// empty outside Salesforce. Its origin must be allowed by the CSP.
	CanvasSDKURL string
	// CanvasClientJSON is the Canvas client object handed to
	// Sfdc.canvas.client.autogrow/resize. Those need only instanceId and
	// targetOrigin, so pass just those two fields, never the oauthToken or
	// refreshToken. It is written with templ.JSONScript, never into a
	// JavaScript string; nil renders nothing.
	CanvasClientJSON any
	// User is the signed-in Salesforce user, or nil.
	User *sfzoom.User
	// Flash is a one-time message shown above the page content.
	Flash string
	// Nav is the navigation; items with AdminOnly are shown to admins only.
	Nav []NavItem
}

// NavItem is one link of the header navigation. Href is built by the caller
// (it may carry the _s session parameter).
type NavItem struct {
	Label     string
	Href      string
	Active    bool // the current page: rendered with aria-current="page"
	AdminOnly bool // shown only when PageMeta.User.IsAdmin
}

// Alert kinds for Alert and ErrorFragment.
const (
	AlertInfo    = "info"
	AlertSuccess = "success"
	AlertWarning = "warning"
	AlertError   = "error"
	AlertOffline = "offline"
)

// Button variants for Button (SLDS slds-button_<variant>).
const (
	ButtonNeutral      = "neutral"
	ButtonBrand        = "brand"
	ButtonOutlineBrand = "outline-brand"
	ButtonDestructive  = "destructive"
	ButtonSuccess      = "success"
)

// Badge kinds for Badge.
const (
	BadgeDefault  = ""
	BadgeInverse  = "inverse"
	BadgeLightest = "lightest"
	BadgeSuccess  = "success"
	BadgeWarning  = "warning"
	BadgeError    = "error"
)

// Form field names and header names shared with the web package and app.js.
const (
	// SessionField is the form field / query parameter that carries the app
	// session token in links and forms.
	SessionField = "_s"
	// CSRFField is the form field that carries the CSRF token.
	CSRFField = "_csrf"
	// CanvasClientID is the id of the JSON script holding the Canvas client.
	CanvasClientID = "sfzoom-canvas-client"
	// MessagesID is the id of the message region: it holds the flash message
	// and receives htmx error fragments (app.js puts them there; the error
	// handler may also name it in HX-Retarget).
	MessagesID = "sfzoom-flash"
)

// htmxConfig is the <meta name="htmx-config"> content. It keeps htmx inside
// the CSP: no inline indicator <style>, no eval (hx-on, js: values), no script
// tags from responses, and no localStorage history (denied in the
// third-party iframe anyway).
const htmxConfig = `{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false,"historyCacheSize":0,"selfRequestsOnly":true}`

const (
	sldsCSS    = "vendor/slds/styles/salesforce-lightning-design-system.min.css"
	iconSprite = "vendor/slds/icons/utility-sprite.svg"
)

func pageTitle(title string) string {
	if title == "" {
		return "sfzoom"
	}
	return title + " · sfzoom"
}

// htmlLang turns a Salesforce locale ("en_US", "de") into a BCP 47 tag.
func htmlLang(u *sfzoom.User) string {
	if u == nil || u.Locale == "" {
		return "en"
	}
	return strings.ReplaceAll(u.Locale, "_", "-")
}

func visibleNav(p PageMeta) []NavItem {
	admin := p.User != nil && p.User.IsAdmin
	var items []NavItem
	for _, it := range p.Nav {
		if it.AdminOnly && !admin {
			continue
		}
		items = append(items, it)
	}
	return items
}

func iconHref(name string) string {
	return static.Path(iconSprite) + "#" + name
}

func alertClass(kind string) string {
	switch kind {
	case AlertWarning:
		return "slds-notify slds-notify_alert slds-alert_warning"
	case AlertError:
		return "slds-notify slds-notify_alert slds-alert_error"
	case AlertOffline:
		return "slds-notify slds-notify_alert slds-alert_offline"
	case AlertSuccess:
		return "slds-notify slds-notify_alert slds-theme_success"
	default:
		return "slds-notify slds-notify_alert"
	}
}

// alertRole: errors and warnings interrupt screen readers; the rest is polite.
func alertRole(kind string) string {
	switch kind {
	case AlertWarning, AlertError, AlertOffline:
		return "alert"
	default:
		return "status"
	}
}

func alertIcon(kind string) string {
	switch kind {
	case AlertWarning:
		return "warning"
	case AlertError, AlertOffline:
		return "error"
	case AlertSuccess:
		return "success"
	default:
		return "info"
	}
}

func alertLabel(kind string) string {
	switch kind {
	case AlertWarning:
		return "Warning"
	case AlertError, AlertOffline:
		return "Error"
	case AlertSuccess:
		return "Success"
	default:
		return "Information"
	}
}

func badgeClass(kind string) string {
	switch kind {
	case BadgeInverse:
		return "slds-badge slds-badge_inverse"
	case BadgeLightest:
		return "slds-badge slds-badge_lightest"
	case BadgeSuccess:
		return "slds-badge slds-theme_success"
	case BadgeWarning:
		return "slds-badge slds-theme_warning"
	case BadgeError:
		return "slds-badge slds-theme_error"
	default:
		return "slds-badge"
	}
}

// buttonAttributes merges the caller's attributes with the button defaults:
// the SLDS classes (plus any "class" the caller gave), type="button" unless
// the caller set a type, and a data-testid unless the caller set one.
func buttonAttributes(variant string, attrs templ.Attributes) templ.Attributes {
	if variant == "" {
		variant = ButtonNeutral
	}
	out := templ.Attributes{
		"class":       "slds-button slds-button_" + variant,
		"type":        "button",
		"data-testid": "button",
	}
	for k, v := range attrs {
		if k == "class" {
			if s, ok := v.(string); ok && s != "" {
				out["class"] = out["class"].(string) + " " + s
			}
			continue
		}
		out[k] = v
	}
	return out
}

// inputAttributes merges the caller's attributes with the text input
// defaults and, when invalid, the ARIA attributes linking it to its error.
func inputAttributes(id, name, value string, invalid bool, attrs templ.Attributes) templ.Attributes {
	out := templ.Attributes{
		"class":       "slds-input",
		"type":        "text",
		"id":          id,
		"name":        name,
		"value":       value,
		"data-testid": "input",
	}
	for k, v := range attrs {
		out[k] = v
	}
	if invalid {
		out["aria-invalid"] = "true"
		out["aria-describedby"] = ErrorID(id)
	}
	return out
}

// ErrorID returns the id of the error text FormField renders for the input
// with the given id; TextInput points aria-describedby at it.
func ErrorID(id string) string { return id + "-error" }

func formElementClass(errorText string) string {
	if errorText != "" {
		return "slds-form-element slds-has-error"
	}
	return "slds-form-element"
}

// errorDefault is an error page's default title and "what to do next".
type errorDefault struct{ title, action string }

// errorDefaults are the default texts of an error page by status.
func errorDefaults(status int) errorDefault {
	switch {
	case status == 401:
		return errorDefault{"Your session has ended", "Reload the Salesforce page to sign in to sfzoom again."}
	case status == 403:
		return errorDefault{"You don't have access to this", "Ask your Salesforce admin for access if you think you should have it."}
	case status == 404:
		return errorDefault{"We couldn't find that", "Go back to the record and try again; the item may have been deleted."}
	case status == 429:
		return errorDefault{"Too many requests", "Wait a minute, then try again."}
	case status == 503:
		return errorDefault{"sfzoom is temporarily unavailable", "Wait a minute, then try again."}
	case status >= 500:
		return errorDefault{"Something went wrong", "Try again. If it keeps happening, tell your Salesforce admin."}
	default:
		return errorDefault{"We couldn't do that", "Check what you entered and try again."}
	}
}

// errorTitle is title, or the default title for a status.
func errorTitle(status int, title string) string { return cmp.Or(title, errorDefaults(status).title) }

// errorAction is action, or the default "what to do next" for a status.
func errorAction(status int, action string) string {
	return cmp.Or(action, errorDefaults(status).action)
}

func errorMeta(p PageMeta, status int, title string) PageMeta {
	if p.Title == "" {
		p.Title = errorTitle(status, title)
	}
	return p
}

func popupResult(ok bool) string {
	if ok {
		return "ok"
	}
	return "error"
}

func popupAlertKind(ok bool) string {
	if ok {
		return AlertSuccess
	}
	return AlertError
}

// Meeting display helpers.

func meetingTopic(m *sfzoom.Meeting) string {
	if m.Topic == "" {
		return "Zoom meeting"
	}
	return m.Topic
}

func meetingStart(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format("Mon 2 Jan 2006, 15:04 MST")
}

func meetingStatus(status sfzoom.MeetingStatus) (label, kind string) {
	switch status {
	case sfzoom.MeetingScheduled:
		return "Scheduled", BadgeDefault
	case sfzoom.MeetingStarted:
		return "In progress", BadgeSuccess
	case sfzoom.MeetingEnded:
		return "Ended", BadgeLightest
	case sfzoom.MeetingCancelled:
		return "Cancelled", BadgeError
	default:
		return string(status), BadgeDefault
	}
}

func meetingStatusLabel(status sfzoom.MeetingStatus) string { l, _ := meetingStatus(status); return l }
func meetingStatusKind(status sfzoom.MeetingStatus) string  { _, k := meetingStatus(status); return k }

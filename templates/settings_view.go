package templates

import (
	"strconv"
	"strings"
	"time"

	"github.com/sfzoom/sfzoom/internal/setup"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// UserRow is one Salesforce user on the admin Users page.
type UserRow struct {
	SFUserID  string
	Name      string
	Email     string
	Override  string // User.Zoom_Email__c
	Status    string // matched, override, unmatched, error, unchecked
	ZoomEmail string
	Detail    string
	Verified  time.Time
	// OverrideURL is where the override form posts.
	OverrideURL string
}

// The Users tab's filters.
const (
	UserFilterAll      = "all"
	UserFilterUnmapped = "unmapped" // never checked against Zoom
	UserFilterOverride = "override" // matched through the admin's Zoom email override
	UserFilterNoZoom   = "nozoom"   // checked: no Zoom user (or an error)
)

// UserPage is the Users tab's search, filter and page, done on the server.
type UserPage struct {
	Query  string
	Filter string
	// Counts are the search's matches per filter.
	Counts map[string]int
	// Total is every active user; Matching the search and filter's matches.
	Total, Matching int
	Page, Pages     int
	PageSize        int
	// URL links to another filter or page of the same search.
	URL func(filter string, page int) string
	// SearchURL is where the search form submits (GET).
	SearchURL string
}

func userFilterOptions() []struct{ ID, Label string } {
	return []struct{ ID, Label string }{
		{UserFilterAll, "All"}, {UserFilterUnmapped, "Not checked yet"}, {UserFilterOverride, "Override"}, {UserFilterNoZoom, "No Zoom match"},
	}
}

func (p UserPage) showing() string {
	if p.Matching == 0 {
		return "No users match."
	}
	from := (p.Page-1)*p.PageSize + 1
	to := min(p.Page*p.PageSize, p.Matching)
	return "Showing " + strconv.Itoa(from) + "–" + strconv.Itoa(to) + " of " + strconv.Itoa(p.Matching) + " users (" + strconv.Itoa(p.Total) + " active in Salesforce)."
}

func userStatusLabel(s string) string {
	switch s {
	case "matched":
		return "Matched"
	case "override":
		return "Override"
	case "unmatched":
		return "No Zoom match"
	case "error":
		return "Error"
	}
	return "Not checked yet"
}

// ConnectionRow is one connection on the Connections page.
type ConnectionRow struct {
	Label  string // "Salesforce integration", "Zoom (Server-to-Server)"
	Status string // active, reconnect_required, not_connected, …
	Detail string
	// ConnectURL opens the OAuth popup ("" when not applicable).
	ConnectURL string
	// DisconnectURL posts the disconnect ("" when not connected).
	DisconnectURL string
	TestID        string
}

// JobRow is a failed job on the Health page.
type JobRow = setup.FailedJob

// BlockedRow is a meeting waiting for a connection on the Health page.
type BlockedRow = setup.BlockedMeeting

// HealthConnection is one vendor connection of the org on the Health page.
type HealthConnection = setup.HealthConnection

// HealthView is the Health tab (gathered by setup.Health).
type HealthView = setup.HealthReport

// SetupRow is one check of the Setup checklist.
type SetupRow struct {
	ID      string
	Title   string
	Status  string // ok, warning, failing, blocked
	Detail  string
	Fix     string
	Command string
	// The in-app fix, if any: a popup link (Connect Salesforce), an htmx
	// POST (Verify all users) or a plain link (a tab).
	ActionLabel string
	ActionURL   string
	ActionKind  string // "popup", "post", "link"
}

// SettingsView is the admin settings page.
type SettingsView struct {
	Tab          string // setup, users, connections, org, health
	TabURL       func(tab string) string
	SessionToken string
	CSRFToken    string
	Message      string // a success message after an action
	Error        string // what could not be loaded
	Loc          *time.Location

	Setup     []SetupRow
	SetupDone int // checks that passed

	Users     []UserRow // one page of the search's matches
	UserPage  UserPage
	VerifyURL string

	Connections []ConnectionRow
	ZoomMode    string
	Routing     *RoutingView // nil: not offered

	Org    sfzoom.OrgSettings
	OrgURL string

	Health HealthView
}

func settingsTabs() []struct{ ID, Label string } {
	return []struct{ ID, Label string }{
		{"setup", "Setup"}, {"users", "Users"}, {"connections", "Connections"}, {"org", "Org settings"}, {"health", "Health"},
	}
}

// setupStatus is the badge of a Setup check.
func setupStatus(s string) (label, kind string) {
	switch s {
	case "ok":
		return "Done", BadgeSuccess
	case "warning":
		return "Needs attention", BadgeWarning
	case "failing":
		return "To do", BadgeError
	}
	return "Waiting", BadgeDefault
}

func setupLabel(s string) string { l, _ := setupStatus(s); return l }

func setupKind(s string) string { _, k := setupStatus(s); return k }

func userStatusKind(s string) string {
	switch s {
	case "matched", "override":
		return BadgeSuccess
	case "unmatched":
		return BadgeWarning
	case "error":
		return BadgeError
	default:
		return BadgeDefault
	}
}

func connStatusKind(s string) string {
	switch s {
	case sfzoom.ConnectionActive:
		return BadgeSuccess
	case "not_connected":
		return BadgeDefault
	default:
		return BadgeError
	}
}

// connStatusLabel is what an admin reads for a connection status.
func connStatusLabel(s string) string {
	switch s {
	case sfzoom.ConnectionActive:
		return "Connected"
	case "not_connected":
		return "Not connected"
	case sfzoom.ConnectionReconnect:
		return "Reconnect needed"
	case sfzoom.ConnectionRevoked:
		return "Revoked"
	}
	return s
}

// zoomModeLabel explains SFZOOM_ZOOM_AUTH_MODE to an admin.
func zoomModeLabel(mode string) string {
	switch mode {
	case "s2s":
		return "one Server-to-Server app for the whole Zoom account"
	case "user":
		return "each rep connects their own Zoom account"
	}
	return mode
}

// thousands formats n with thousands separators (5,000,000).
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func domainsText(ds []string) string { return strings.Join(ds, "\n") }

func formatWhen(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "never"
	}
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format("2 Jan 2006 15:04 MST")
}

// RoutingView is the Zoom account routing section of the Connections tab:
// the claim of a Zoom account for this org and the meetings waiting for a
// routing decision.
type RoutingView struct {
	ClaimURL  string
	AccountID string // offered in the claim form
	// Owner says who claimed AccountID: "this org", "another org" or "".
	Owner string
	// ReleaseURL gives up this org's claim; set only when Owner is "this org".
	ReleaseURL string
	Unrouted   []UnroutedRow
}

// UnroutedRow is a queued meeting, with the fix in words.
type UnroutedRow struct {
	ZoomMeetingID int64
	ZoomAccountID string
	Trigger       string
	ReceivedAt    time.Time
	Fix           string
	RouteURL      string
}

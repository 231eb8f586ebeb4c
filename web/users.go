package web

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/sfzoom/sfzoom/internal/identity"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/templates"
)

// UsersPageSize is how many users the admin Users tab shows per page.
const UsersPageSize = 50

// userFilters are the Users tab's filters: what each keeps.
var userFilters = map[string]func(status string) bool{
	templates.UserFilterAll:      func(string) bool { return true },
	templates.UserFilterUnmapped: func(s string) bool { return s == "unchecked" },
	templates.UserFilterOverride: func(s string) bool { return s == "override" },
	templates.UserFilterNoZoom:   func(s string) bool { return s == sfzoom.MappingUnmatched || s == sfzoom.MappingError },
}

// userStatus is a user's status on the Users tab: matched, override,
// unmatched, error, or unchecked (never verified).
func userStatus(u identity.UserStatus) string {
	m := u.Mapping
	switch {
	case m == nil:
		return "unchecked"
	case m.Status == sfzoom.MappingMatched && m.Source == sfzoom.MappingSourceOverride:
		return "override"
	}
	return m.Status
}

// usersPage searches, filters and pages the org's users on the server (the
// query parameters q, filter and page), counting each filter's matches for
// the search, and returns the rows of one page only, so an org of thousands
// of users renders one page of UsersPageSize rows.
func usersPage(c echo.Context, h *Helpers, users []identity.UserStatus) ([]templates.UserRow, templates.UserPage) {
	q := strings.TrimSpace(c.QueryParam("q"))
	filter := c.QueryParam("filter")
	if _, ok := userFilters[filter]; !ok {
		filter = templates.UserFilterAll
	}
	page, _ := strconv.Atoi(c.QueryParam("page"))
	needle := strings.ToLower(q)
	p := templates.UserPage{Query: q, Filter: filter, Counts: map[string]int{}, Total: len(users), PageSize: UsersPageSize}
	var kept []identity.UserStatus
	for _, u := range users {
		if !userMatches(u, needle) {
			continue
		}
		st := userStatus(u)
		for f, keep := range userFilters {
			if keep(st) {
				p.Counts[f]++
			}
		}
		if userFilters[filter](st) {
			kept = append(kept, u)
		}
	}
	p.Matching = len(kept)
	p.Pages = max(1, (len(kept)+UsersPageSize-1)/UsersPageSize)
	p.Page = min(max(page, 1), p.Pages)
	p.URL = usersPageURL(c, h, q)
	p.SearchURL = h.Link(c, "/app/settings")
	from := (p.Page - 1) * UsersPageSize
	var rows []templates.UserRow
	for _, u := range kept[from:min(from+UsersPageSize, len(kept))] {
		rows = append(rows, userRow(c, h, u))
	}
	return rows, p
}

// userMatches reports whether the search needle (lower case; empty matches
// everyone) is in the user's name, email, Zoom email override or matched
// Zoom email, ignoring case.
func userMatches(u identity.UserStatus, needle string) bool {
	in := func(s string) bool { return strings.Contains(strings.ToLower(s), needle) }
	return needle == "" || in(u.Name) || in(u.Email) || in(u.ZoomEmail) || (u.Mapping != nil && in(u.Mapping.ZoomEmail))
}

// usersPageURL links to a filter's page of the Users tab, keeping the
// search q; the first page and the All filter are left out of the URL.
func usersPageURL(c echo.Context, h *Helpers, q string) func(filter string, page int) string {
	return func(filter string, page int) string {
		v := url.Values{"tab": {"users"}}
		if q != "" {
			v.Set("q", q)
		}
		if filter != templates.UserFilterAll {
			v.Set("filter", filter)
		}
		if page > 1 {
			v.Set("page", strconv.Itoa(page))
		}
		return h.Link(c, "/app/settings?"+v.Encode())
	}
}

// userRow is a user's row on the Users tab, with its override form's URL.
func userRow(c echo.Context, h *Helpers, u identity.UserStatus) templates.UserRow {
	row := templates.UserRow{SFUserID: u.SFUserID, Name: u.Name, Email: u.Email, Override: u.ZoomEmail, Status: userStatus(u),
		OverrideURL: h.Link(c, "/app/settings/users/"+url.PathEscape(u.SFUserID)+"/override")}
	if m := u.Mapping; m != nil {
		row.ZoomEmail, row.Detail, row.Verified = m.ZoomEmail, m.Detail, m.VerifiedAt
	}
	return row
}

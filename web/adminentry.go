package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/sfzoom/sfzoom/templates"
)

// Canvas page parameters: the sfzoom Admin Lightning tab (sfdx/) and the
// simulator's Setup link open the app with {"page":"setup"}.
var canvasPages = map[string]string{
	"setup":    "/app/settings?tab=setup",
	"settings": "/app/settings",
}

// canvasTarget is where a signed request without a record opens: the
// settings page it asks for (admins only; anyone else gets Home, where
// the app explains what they can do), else Home.
func canvasTarget(page string, admin bool) string {
	if t, ok := canvasPages[page]; ok && admin {
		return t
	}
	return "/app/home"
}

// AdminPath is the documented address of the admin entry outside
// Salesforce (sfdx/README.md). sfzoom runs inside Salesforce, so the page
// says where the settings open.
const AdminPath = "/admin"

// handleAdminEntry serves GET /admin: how to open sfzoom's settings. It
// names no org (anyone can reach it).
func handleAdminEntry(h *Helpers) echo.HandlerFunc {
	return func(c echo.Context) error {
		return h.Render(c, http.StatusOK, templates.AdminEntryPage(h.Meta(c, "sfzoom settings")))
	}
}

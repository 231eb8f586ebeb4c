package web

import (
	"bytes"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// render writes a templ component with the given status. It renders into a
// buffer first so a template error becomes a clean 500, not half a page.
func render(c echo.Context, status int, t templ.Component) error {
	var buf bytes.Buffer
	if err := t.Render(c.Request().Context(), &buf); err != nil {
		return sfzoom.WrapError(sfzoom.EINTERNAL, err, "The page could not be rendered. Please try again.")
	}
	return c.HTMLBlob(status, buf.Bytes())
}

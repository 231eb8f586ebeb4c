package web_test

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/templates"
	"github.com/sfzoom/sfzoom/web"
)

// shellPages are the smallest app pages that exercise the shell: a home page,
// a record page with a state-changing form, and the form's action.
type shellPages struct{}

func (shellPages) Register(g *echo.Group, h *web.Helpers) {
	g.GET("/home", func(c echo.Context) error {
		return h.Render(c, http.StatusOK, templates.Home(h.Meta(c, "Home"), nil, h.Location(c), nil))
	})
	g.GET("/records/:object/:id", func(c echo.Context) error {
		sess := h.Session(c)
		object, id := c.Param("object"), c.Param("id")
		if object != sess.RecordObject || id != sess.RecordID {
			return sfzoom.Errorf(sfzoom.EFORBIDDEN, "This session was opened for another record. Open the record in Salesforce.")
		}
		meta := h.Meta(c, object)
		body := templates.Card(object+" "+id, templates.EchoForm(meta.SessionToken, meta.CSRFToken, h.Link(c, "/app/echo")))
		return h.Render(c, http.StatusOK, templates.Page(meta, body))
	})
	g.POST("/echo", func(c echo.Context) error {
		msg := c.FormValue("message")
		if msg == "" {
			return sfzoom.Errorf(sfzoom.EINVALID, "Type a message first.")
		}
		return h.Render(c, http.StatusOK, templates.Alert(templates.AlertSuccess, "Saved: "+msg))
	})
}

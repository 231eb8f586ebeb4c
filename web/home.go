package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/sfzoom/sfzoom/templates"
)

// handleHome lists the rep's own upcoming meetings (the page without a record).
func (p *SchedulingPages) handleHome(h *Helpers) echo.HandlerFunc {
	return func(c echo.Context) error {
		u := h.Session(c).User()
		ms, err := p.Scheduler.Upcoming(c.Request().Context(), u)
		if err != nil {
			return err
		}
		meta := h.Meta(c, "Home")
		if p.Zoom != nil {
			z, err := p.Zoom.view(c, h)
			if err != nil {
				return err
			}
			return h.Render(c, http.StatusOK, templates.HomePage(meta, ms, h.Location(c), z))
		}
		return h.Render(c, http.StatusOK, templates.Home(meta, ms, h.Location(c)))
	}
}

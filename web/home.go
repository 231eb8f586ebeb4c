package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/sfzoom/sfzoom/internal/canvas"
	"github.com/sfzoom/sfzoom/internal/scheduling"
	"github.com/sfzoom/sfzoom/internal/sfzoom"

	"github.com/sfzoom/sfzoom/templates"
)

// MeetingRecordNamer names the records meetings belong to, as the viewer
// may see them (*scheduling.Service implements it).
type MeetingRecordNamer interface {
	MeetingRecords(ctx context.Context, u *sfzoom.User, ms []*sfzoom.Meeting) (map[int64]scheduling.RecordRef, error)
}

// meetingRecords says which record each meeting belongs to, linked into
// Salesforce; none when the names cannot be read (the list still helps).
func (p *SchedulingPages) meetingRecords(c echo.Context, h *Helpers, ms []*sfzoom.Meeting) map[int64]templates.RecordLink {
	if p.Records == nil || len(ms) == 0 {
		return nil
	}
	u := h.Session(c).User()
	refs, err := p.Records.MeetingRecords(c.Request().Context(), u, ms)
	if err != nil {
		h.Logger().WarnContext(c.Request().Context(), "meeting records", "err", err.Error())
		return nil
	}
	out := make(map[int64]templates.RecordLink, len(refs))
	for id, r := range refs {
		out[id] = templates.RecordLink{Object: r.Object, ID: r.ID, Name: r.Name, URL: salesforceRecordURL(u.InstanceURL, r.ID)}
	}
	return out
}

// handleHome lists the rep's own upcoming meetings (the page without a record).
func (p *SchedulingPages) handleHome(h *Helpers) echo.HandlerFunc {
	return func(c echo.Context) error {
		u := h.Session(c).User()
		ms, err := p.Scheduler.Upcoming(c.Request().Context(), u)
		if err != nil {
			return err
		}
		meta := h.Meta(c, "Home")
		records := p.meetingRecords(c, h, ms)
		if p.Zoom != nil {
			z, err := p.Zoom.view(c, h)
			if err != nil {
				return err
			}
			return h.Render(c, http.StatusOK, templates.HomePage(meta, ms, h.Location(c), records, z))
		}
		return h.Render(c, http.StatusOK, templates.Home(meta, ms, h.Location(c), records))
	}
}

// salesforceRecordURL is the record's Lightning page on the org's verified
// instance URL ("" when either is unknown).
func salesforceRecordURL(instanceURL, id string) string {
	object := canvas.ObjectForID(id)
	if object == "" || instanceURL == "" {
		return ""
	}
	return strings.TrimRight(instanceURL, "/") + "/lightning/r/" + url.PathEscape(object) + "/" + url.PathEscape(id) + "/view"
}

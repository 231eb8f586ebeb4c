package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/sfzoom/sfzoom/internal/activity"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/templates"
)

// Reviewer is the admin review queue (*activity.Review implements it).
type Reviewer interface {
	Queue(ctx context.Context, orgID string) ([]*sfzoom.Attendee, error)
	// Search and Link act for userID, the admin: they see and link only
	// records Salesforce lets that admin read.
	Search(ctx context.Context, orgID, userID, q string) ([]activity.Candidate, error)
	Link(ctx context.Context, orgID, userID string, participantID int64, recordID string) (*sfzoom.Attendee, *activity.Candidate, error)
}

// ReviewPages serves the review queue of unmatched meeting participants
// under /app/review (admins only): a search for Contacts and Leads, and a
// one-click link (or a pasted record id).
type ReviewPages struct {
	Review Reviewer
}

// participantID parses the :id path parameter.
func participantID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, sfzoom.Errorf(sfzoom.ENOTFOUND, "That participant is not in the review queue. Reload the page.")
	}
	return id, nil
}

func (p *ReviewPages) view(c echo.Context, h *Helpers) (templates.ReviewView, error) {
	meta := h.Meta(c, "")
	v := templates.ReviewView{
		SessionToken: meta.SessionToken, CSRFToken: meta.CSRFToken, Loc: h.Location(c),
		TabURL: func(t string) string { return h.Link(c, "/app/settings?tab="+url.QueryEscape(t)) },
	}
	rows, err := p.Review.Queue(c.Request().Context(), h.Session(c).OrgID)
	if err != nil {
		return v, err
	}
	for _, a := range rows {
		id := strconv.FormatInt(a.ID, 10)
		q := a.Email
		if q == "" {
			q = a.Name
		}
		v.Rows = append(v.Rows, templates.ReviewRow{ID: a.ID, Name: a.Name, Email: a.Email, Topic: a.Topic, Joined: a.JoinTime,
			Duration: a.Duration, Query: q,
			SearchURL: h.Link(c, "/app/review/"+id+"/candidates"), LinkURL: h.Link(c, "/app/review/"+id+"/link")})
	}
	return v, nil
}

func (p *ReviewPages) handleQueue(h *Helpers) echo.HandlerFunc {
	return func(c echo.Context) error {
		v, err := p.view(c, h)
		if err != nil {
			return err
		}
		return h.Render(c, http.StatusOK, templates.ReviewPage(h.Meta(c, "Review participants"), v))
	}
}

func (p *ReviewPages) handleCandidates(h *Helpers) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := participantID(c)
		if err != nil {
			return err
		}
		q := strings.TrimSpace(c.QueryParam("q"))
		found, err := p.Review.Search(c.Request().Context(), h.Session(c).OrgID, h.Session(c).UserID, q)
		if err != nil {
			return err
		}
		meta := h.Meta(c, "")
		v := templates.ReviewCandidatesView{Query: q, SessionToken: meta.SessionToken, CSRFToken: meta.CSRFToken,
			LinkURL: h.Link(c, "/app/review/"+strconv.FormatInt(id, 10)+"/link")}
		for _, f := range found {
			v.Candidates = append(v.Candidates, templates.CandidateRow{ID: f.ID, Kind: f.Kind, Name: f.Name, Email: f.Email, Company: f.Company})
		}
		return h.Render(c, http.StatusOK, templates.ReviewCandidates(v))
	}
}

func (p *ReviewPages) handleLink(h *Helpers) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := participantID(c)
		if err != nil {
			return err
		}
		recordID := strings.TrimSpace(c.FormValue("record_id"))
		if recordID == "" {
			return sfzoom.Errorf(sfzoom.EINVALID, "Choose a Contact or Lead from the search, or paste its record id (003… or 00Q…).")
		}
		a, cand, err := p.Review.Link(c.Request().Context(), h.Session(c).OrgID, h.Session(c).UserID, id, recordID)
		if err != nil {
			return err
		}
		v, err := p.view(c, h)
		if err != nil {
			return err
		}
		who := a.Name
		if who == "" {
			who = a.Email
		}
		name := cand.Name
		if name == "" {
			name = cand.ID
		}
		v.Message = "Linked " + who + " to " + kindName(cand.Kind) + " " + name + ". The meeting's Salesforce Event will show it shortly."
		return h.Render(c, http.StatusOK, templates.ReviewPanel(v))
	}
}

func kindName(kind string) string {
	if kind == sfzoom.MatchLead {
		return "Lead"
	}
	return "Contact"
}

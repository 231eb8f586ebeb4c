package templates

import (
	"net/url"
	"strconv"
	"time"
)

// ReviewRow is one unmatched participant in the admin review queue.
type ReviewRow struct {
	ID       int64
	Name     string
	Email    string // "" for dial-ins and guests
	Topic    string // the meeting's topic, when known
	Joined   time.Time
	Duration int // seconds
	// Query is the search the row offers first (the email, else the name).
	Query string
	// SearchURL answers the candidate search (GET, q=…); LinkURL takes the
	// link (POST, record_id=…).
	SearchURL string
	LinkURL   string
}

// ReviewView is the admin review queue page.
type ReviewView struct {
	TabURL       func(tab string) string // links to the Settings tabs
	SessionToken string
	CSRFToken    string
	Message      string // a success message after a link
	Loc          *time.Location
	Rows         []ReviewRow
}

// CandidateRow is a Contact or Lead found by the review queue's search.
type CandidateRow struct {
	ID      string
	Kind    string // contact or lead
	Name    string
	Email   string
	Company string
}

// ReviewCandidatesView is the answer to a review queue search.
type ReviewCandidatesView struct {
	Query        string
	LinkURL      string
	SessionToken string
	CSRFToken    string
	Candidates   []CandidateRow
}

// ReviewLink turns a Settings tab URL (which carries the session token)
// into the review queue's URL, keeping the token.
func ReviewLink(tabURL func(tab string) string) string {
	if tabURL == nil {
		return "/app/review"
	}
	u, err := url.Parse(tabURL("users"))
	if err != nil {
		return "/app/review"
	}
	q := u.Query()
	q.Del("tab")
	u.Path, u.RawQuery = "/app/review", q.Encode()
	return u.String()
}

func candidatesID(id int64) string { return "sfzoom-candidates-" + strconv.FormatInt(id, 10) }

func reviewInputID(kind string, id int64) string {
	return "sfzoom-review-" + kind + "-" + strconv.FormatInt(id, 10)
}

func minutesText(seconds int) string { return strconv.Itoa((seconds+59)/60) + " min" }

func kindLabel(kind string) string {
	if kind == "lead" {
		return "Lead"
	}
	return "Contact"
}

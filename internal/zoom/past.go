package zoom

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Participant is one join session of a past meeting. A person who rejoins
// appears once per session with a new UserID; sum Duration per person.
type Participant struct {
	ID           string     `json:"id"` // Zoom user id, "" for guests
	Name         string     `json:"name"`
	UserID       FlexString `json:"user_id"` // per-join participant number
	RegistrantID string     `json:"registrant_id"`
	UserEmail    string     `json:"user_email"` // often "" for outside users
	JoinTime     Time       `json:"join_time"`
	LeaveTime    Time       `json:"leave_time"`
	Duration     int        `json:"duration"` // seconds
	Failover     bool       `json:"failover"`
	Status       string     `json:"status"` // in_meeting, in_waiting_room
	InternalUser bool       `json:"internal_user"`
}

type participantPage struct {
	NextPageToken string         `json:"next_page_token"`
	TotalRecords  int            `json:"total_records"`
	Participants  []*Participant `json:"participants"`
}

// PastMeetingParticipants returns every participant session of a past
// meeting, following next_page_token across pages (300 per page). idOrUUID
// is a numeric id (the latest instance) or an instance UUID; UUIDs that
// start with '/' or contain "//" are double-encoded. Zoom returns nothing
// when only one person attended.
//
// Zoom docs: https://developers.zoom.us/docs/api/meetings/#tag/meetings/GET/past_meetings/{meetingId}/participants
//
// Errors: ENOTFOUND (404/3001), EINVALID (400/12702, older than a year),
// EUNAUTHORIZED, ERATELIMIT, EUNAVAILABLE.
func (c *Client) PastMeetingParticipants(ctx context.Context, idOrUUID string) ([]*Participant, error) {
	if strings.TrimSpace(idOrUUID) == "" {
		return nil, fmt.Errorf("zoom: past meeting participants: %w", &notFoundError{what: "meeting"})
	}
	var out []*Participant
	token := ""
	for {
		cl, _ := newCall(http.MethodGet, "past_meetings/"+escapeID(idOrUUID)+"/participants", APIPastMeetings, CategoryMedium, nil)
		cl.query = url.Values{"page_size": {"300"}}
		if token != "" {
			cl.query.Set("next_page_token", token)
		}
		var p participantPage
		if err := c.do(ctx, cl, &p); err != nil {
			return nil, fmt.Errorf("zoom: past meeting participants: %w", err)
		}
		out = append(out, p.Participants...)
		if p.NextPageToken == "" || p.NextPageToken == token {
			return out, nil
		}
		token = p.NextPageToken
	}
}

// PastInstance is one ended instance of a meeting. Each instance has its own
// UUID; the UUID in a meeting listing is not necessarily the one of an
// instance that ran.
type PastInstance struct {
	UUID      string `json:"uuid"`
	StartTime Time   `json:"start_time"`
}

type pastInstancesPage struct {
	Meetings []*PastInstance `json:"meetings"`
}

// PastMeetingInstances lists the ended instances of a meeting (Zoom sends
// them in one page, without next_page_token). meetingID is the numeric
// meeting id; an id that looks like a UUID is escaped as the other
// past_meetings calls do.
//
// Zoom docs: https://developers.zoom.us/docs/api/meetings/#tag/meetings/GET/past_meetings/{meetingId}/instances
//
// Errors: ENOTFOUND (404/3001), EUNAUTHORIZED, ERATELIMIT, EUNAVAILABLE.
func (c *Client) PastMeetingInstances(ctx context.Context, meetingID string) ([]*PastInstance, error) {
	if strings.TrimSpace(meetingID) == "" {
		return nil, fmt.Errorf("zoom: past meeting instances: %w", &notFoundError{what: "meeting"})
	}
	cl, _ := newCall(http.MethodGet, "past_meetings/"+escapeID(meetingID)+"/instances", APIPastMeetings, CategoryMedium, nil)
	var p pastInstancesPage
	if err := c.do(ctx, cl, &p); err != nil {
		return nil, fmt.Errorf("zoom: past meeting instances: %w", err)
	}
	return p.Meetings, nil
}

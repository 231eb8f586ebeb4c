package zoom

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// Meeting types.
const (
	MeetingInstant            = 1
	MeetingScheduled          = 2
	MeetingRecurringNoFixed   = 3
	MeetingPMI                = 4
	MeetingRecurringFixedTime = 8
)

// MeetingSettings are a meeting's settings. Pointer fields are omitted from
// requests when nil, so an update only sends what changes.
type MeetingSettings struct {
	HostVideo               *bool     `json:"host_video,omitempty"`
	ParticipantVideo        *bool     `json:"participant_video,omitempty"`
	JoinBeforeHost          *bool     `json:"join_before_host,omitempty"`
	MuteUponEntry           *bool     `json:"mute_upon_entry,omitempty"`
	WaitingRoom             *bool     `json:"waiting_room,omitempty"`
	AutoRecording           string    `json:"auto_recording,omitempty"` // local, cloud, none
	ApprovalType            *int      `json:"approval_type,omitempty"`
	Audio                   string    `json:"audio,omitempty"`
	AlternativeHosts        string    `json:"alternative_hosts,omitempty"`
	MeetingInvitees         []Invitee `json:"meeting_invitees,omitempty"`
	AutoStartMeetingSummary *bool     `json:"auto_start_meeting_summary,omitempty"`
}

// Invitee is an entry of settings.meeting_invitees.
type Invitee struct {
	Email string `json:"email"`
}

// TrackingField is a meeting tracking field.
type TrackingField struct {
	Field   string `json:"field"`
	Value   string `json:"value"`
	Visible *bool  `json:"visible,omitempty"`
}

// Occurrence is one occurrence of a recurring meeting.
type Occurrence struct {
	OccurrenceID string `json:"occurrence_id"`
	StartTime    Time   `json:"start_time"`
	Duration     int    `json:"duration"`
	Status       string `json:"status"`
}

// Meeting is a Zoom meeting as returned by create, get and list.
type Meeting struct {
	ID              FlexInt64        `json:"id"`
	UUID            string           `json:"uuid"`
	HostID          string           `json:"host_id"`
	HostEmail       string           `json:"host_email"`
	AssistantID     string           `json:"assistant_id"`
	Topic           string           `json:"topic"`
	Type            FlexInt64        `json:"type"`
	Status          string           `json:"status"` // waiting, started
	StartTime       Time             `json:"start_time"`
	Duration        int              `json:"duration"` // scheduled minutes
	Timezone        string           `json:"timezone"`
	Agenda          string           `json:"agenda"`
	CreatedAt       Time             `json:"created_at"`
	StartURL        string           `json:"start_url"` // grants host rights; never store or log it
	JoinURL         string           `json:"join_url"`
	RegistrationURL string           `json:"registration_url"`
	Password        string           `json:"password"`
	PMI             FlexInt64        `json:"pmi"`
	PreSchedule     bool             `json:"pre_schedule"`
	Settings        *MeetingSettings `json:"settings"`
	Occurrences     []Occurrence     `json:"occurrences"`
	TrackingFields  []TrackingField  `json:"tracking_fields"`
}

// MeetingRequest is the body of create (POST) and update (PATCH). Empty
// fields are omitted.
type MeetingRequest struct {
	Topic          string           `json:"topic,omitempty"`
	Type           int              `json:"type,omitempty"`
	StartTime      *Time            `json:"start_time,omitempty"`
	Duration       int              `json:"duration,omitempty"`
	Timezone       string           `json:"timezone,omitempty"`
	Agenda         string           `json:"agenda,omitempty"`
	Password       string           `json:"password,omitempty"`
	ScheduleFor    string           `json:"schedule_for,omitempty"`
	Settings       *MeetingSettings `json:"settings,omitempty"`
	TrackingFields []TrackingField  `json:"tracking_fields,omitempty"`
}

// CreateMeeting schedules a meeting for a user (id, email, or "me"). It
// counts against the per-user limit of 100 create/update requests per UTC
// day; past it the client refuses locally with *RateLimitError.
//
// Zoom docs: https://developers.zoom.us/docs/api/meetings/#tag/meetings/POST/users/{userId}/meetings
//
// Errors: EINVALID (400, e.g. 3161 hosting not allowed), ENOTFOUND (user
// 404/1001), EUNAUTHORIZED, ERATELIMIT, EUNAVAILABLE. A POST is not retried
// on 5xx, since Zoom may have created the meeting.
func (c *Client) CreateMeeting(ctx context.Context, userID string, req *MeetingRequest) (*Meeting, error) {
	if userID == "" || req == nil {
		return nil, sfzoom.Errorf(sfzoom.EINVALID, "A Zoom user and meeting details are required.")
	}
	cl, err := newCall(http.MethodPost, "users/"+escapeID(userID)+"/meetings", APIMeetings, CategoryMedium, req)
	if err != nil {
		return nil, err
	}
	cl.userKey = userID
	var m Meeting
	if err := c.do(ctx, cl, &m); err != nil {
		return nil, fmt.Errorf("zoom: create meeting: %w", err)
	}
	c.rememberHost(int64(m.ID), userID)
	return &m, nil
}

// Meeting fetches a meeting by its numeric id (not a UUID).
//
// Zoom docs: https://developers.zoom.us/docs/api/meetings/#tag/meetings/GET/meetings/{meetingId}
//
// Errors: ENOTFOUND (404/3001), EUNAUTHORIZED, ERATELIMIT, EUNAVAILABLE.
func (c *Client) Meeting(ctx context.Context, meetingID int64) (*Meeting, error) {
	cl, _ := newCall(http.MethodGet, "meetings/"+strconv.FormatInt(meetingID, 10), APIMeetings, CategoryLight, nil)
	var m Meeting
	if err := c.do(ctx, cl, &m); err != nil {
		return nil, fmt.Errorf("zoom: meeting: %w", err)
	}
	c.rememberHost(int64(m.ID), m.HostID)
	return &m, nil
}

// UpdateMeeting changes a meeting (PATCH, 204). It counts against the host's
// daily create/update limit when the host is known from an earlier create
// or get.
//
// Zoom docs: https://developers.zoom.us/docs/api/meetings/#tag/meetings/PATCH/meetings/{meetingId}
//
// Errors: EINVALID, ENOTFOUND (404/3001), EUNAUTHORIZED, ERATELIMIT,
// EUNAVAILABLE.
func (c *Client) UpdateMeeting(ctx context.Context, meetingID int64, req *MeetingRequest) error {
	if req == nil {
		return sfzoom.Errorf(sfzoom.EINVALID, "Meeting changes are required.")
	}
	cl, err := newCall(http.MethodPatch, "meetings/"+strconv.FormatInt(meetingID, 10), APIMeetings, CategoryLight, req)
	if err != nil {
		return err
	}
	cl.userKey = c.hostFor(meetingID)
	if err := c.do(ctx, cl, nil); err != nil {
		return fmt.Errorf("zoom: update meeting: %w", err)
	}
	return nil
}

// DeleteMeeting deletes a meeting (204).
//
// Zoom docs: https://developers.zoom.us/docs/api/meetings/#tag/meetings/DELETE/meetings/{meetingId}
//
// Errors: ENOTFOUND (404/3001), EUNAUTHORIZED, ERATELIMIT, EUNAVAILABLE.
func (c *Client) DeleteMeeting(ctx context.Context, meetingID int64) error {
	cl, _ := newCall(http.MethodDelete, "meetings/"+strconv.FormatInt(meetingID, 10), APIMeetings, CategoryLight, nil)
	if err := c.do(ctx, cl, nil); err != nil {
		return fmt.Errorf("zoom: delete meeting: %w", err)
	}
	return nil
}

// ListMeetingsOptions filter ListMeetings.
type ListMeetingsOptions struct {
	Type     string // scheduled (default), live, upcoming, upcoming_meetings, previous_meetings
	PageSize int    // default 30, max 300
	From, To string // yyyy-mm-dd
}

// MeetingPage is one page of GET /users/{userId}/meetings.
type MeetingPage struct {
	NextPageToken string     `json:"next_page_token"` // "" on the last page
	PageSize      int        `json:"page_size"`
	TotalRecords  int        `json:"total_records"`
	Meetings      []*Meeting `json:"meetings"`
}

// ListMeetingsPage fetches one page; pass the previous page's NextPageToken
// ("" for the first). Tokens expire after 15 minutes.
//
// Zoom docs: https://developers.zoom.us/docs/api/meetings/#tag/meetings/GET/users/{userId}/meetings
// and https://developers.zoom.us/docs/api/pagination/
//
// Errors: ENOTFOUND (user 404/1001), EUNAUTHORIZED, ERATELIMIT, EUNAVAILABLE.
func (c *Client) ListMeetingsPage(ctx context.Context, userID string, opts *ListMeetingsOptions, pageToken string) (*MeetingPage, error) {
	if opts == nil {
		opts = &ListMeetingsOptions{}
	}
	cl, _ := newCall(http.MethodGet, "users/"+escapeID(userID)+"/meetings", APIMeetings, CategoryMedium, nil)
	q := url.Values{}
	if opts.Type != "" {
		q.Set("type", opts.Type)
	}
	if opts.PageSize > 0 {
		q.Set("page_size", strconv.Itoa(min(opts.PageSize, 300)))
	}
	if opts.From != "" {
		q.Set("from", opts.From)
	}
	if opts.To != "" {
		q.Set("to", opts.To)
	}
	if pageToken != "" {
		q.Set("next_page_token", pageToken)
	}
	cl.query = q
	var p MeetingPage
	if err := c.do(ctx, cl, &p); err != nil {
		return nil, fmt.Errorf("zoom: list meetings: %w", err)
	}
	return &p, nil
}

// ListMeetings iterates over every meeting of a user across pages, repeating
// the same query with next_page_token until it comes back "". Iteration
// stops at the first error, which is yielded with a nil meeting.
//
// Zoom docs: https://developers.zoom.us/docs/api/meetings/#tag/meetings/GET/users/{userId}/meetings
func (c *Client) ListMeetings(ctx context.Context, userID string, opts *ListMeetingsOptions) iter.Seq2[*Meeting, error] {
	return func(yield func(*Meeting, error) bool) {
		token := ""
		for {
			p, err := c.ListMeetingsPage(ctx, userID, opts, token)
			if err != nil {
				yield(nil, err)
				return
			}
			for _, m := range p.Meetings {
				if !yield(m, nil) {
					return
				}
			}
			if p.NextPageToken == "" || p.NextPageToken == token {
				return
			}
			token = p.NextPageToken
		}
	}
}

// AllMeetings collects ListMeetings into a slice.
//
// Zoom docs: https://developers.zoom.us/docs/api/meetings/#tag/meetings/GET/users/{userId}/meetings
func (c *Client) AllMeetings(ctx context.Context, userID string, opts *ListMeetingsOptions) ([]*Meeting, error) {
	var out []*Meeting
	for m, err := range c.ListMeetings(ctx, userID, opts) {
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

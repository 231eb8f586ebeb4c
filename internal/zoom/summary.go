package zoom

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// SummaryDetail is one labelled section of an AI summary.
type SummaryDetail struct {
	Label   string `json:"label"`
	Summary string `json:"summary"`
}

// EditedSummary is the host-edited summary, when there is one.
type EditedSummary struct {
	SummaryDetails string   `json:"summary_details"`
	NextSteps      []string `json:"next_steps"`
}

// MeetingSummary is an AI Companion meeting summary, from
// GET /meetings/{uuid}/meeting_summary or the meeting.summary_completed
// webhook. Every content field is optional: older summaries carry
// summary_overview/summary_details/next_steps, newer ones summary_content
// (Markdown, since 2025-04-24) and summary_doc_url (since 2025-08-18).
type MeetingSummary struct {
	MeetingHostID           string          `json:"meeting_host_id"`
	MeetingHostEmail        string          `json:"meeting_host_email"`
	MeetingUUID             string          `json:"meeting_uuid"`
	MeetingID               FlexInt64       `json:"meeting_id"`
	MeetingTopic            string          `json:"meeting_topic"`
	MeetingStartTime        Time            `json:"meeting_start_time"`
	MeetingEndTime          Time            `json:"meeting_end_time"`
	SummaryStartTime        Time            `json:"summary_start_time"`
	SummaryEndTime          Time            `json:"summary_end_time"`
	SummaryCreatedTime      Time            `json:"summary_created_time"`
	SummaryLastModifiedTime Time            `json:"summary_last_modified_time"`
	SummaryTitle            string          `json:"summary_title"`
	SummaryOverview         string          `json:"summary_overview"`
	SummaryDetails          []SummaryDetail `json:"summary_details"`
	NextSteps               []string        `json:"next_steps"`
	EditedSummary           *EditedSummary  `json:"edited_summary"`
	SummaryContent          string          `json:"summary_content"`
	SummaryDocURL           string          `json:"summary_doc_url"`
}

// Text returns the summary as Markdown-ish text following docs/zoom-api.md §3.7:
// summary_content when present, else the edited summary, else the overview,
// details and next steps.
func (s *MeetingSummary) Text() string {
	if strings.TrimSpace(s.SummaryContent) != "" {
		return s.SummaryContent
	}
	var b strings.Builder
	if e := s.EditedSummary; e != nil && (e.SummaryDetails != "" || len(e.NextSteps) > 0) {
		b.WriteString(e.SummaryDetails)
		writeSteps(&b, e.NextSteps)
		return strings.TrimSpace(b.String())
	}
	if s.SummaryOverview != "" {
		b.WriteString(s.SummaryOverview + "\n")
	}
	for _, d := range s.SummaryDetails {
		fmt.Fprintf(&b, "\n## %s\n%s\n", d.Label, d.Summary)
	}
	writeSteps(&b, s.NextSteps)
	return strings.TrimSpace(b.String())
}

func writeSteps(b *strings.Builder, steps []string) {
	if len(steps) == 0 {
		return
	}
	b.WriteString("\n\n## Next steps\n")
	for _, st := range steps {
		b.WriteString("- " + st + "\n")
	}
}

// MeetingSummary fetches the AI summary of a meeting instance by UUID
// (double-encoded when needed); a numeric id resolves to the latest ended
// instance.
//
// Zoom docs: https://developers.zoom.us/docs/api/meetings/#tag/meeting-summaries/GET/meetings/{meetingId}/meeting_summary
//
// Errors: ENOTFOUND (404), EFORBIDDEN, EUNAUTHORIZED, ERATELIMIT, EUNAVAILABLE.
func (c *Client) MeetingSummary(ctx context.Context, uuid string) (*MeetingSummary, error) {
	if uuid == "" {
		return nil, fmt.Errorf("zoom: meeting summary: %w", &notFoundError{what: "meeting"})
	}
	cl, _ := newCall(http.MethodGet, "meetings/"+escapeID(uuid)+"/meeting_summary", APISummaries, CategoryLight, nil)
	var s MeetingSummary
	if err := c.do(ctx, cl, &s); err != nil {
		return nil, fmt.Errorf("zoom: meeting summary: %w", err)
	}
	return &s, nil
}

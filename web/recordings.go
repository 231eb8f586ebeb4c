package web

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/sfzoom/sfzoom/internal/recordings"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/templates"
)

// meetingMedia is what the recordings pages need (*recordings.Proxy).
type meetingMedia interface {
	Media(ctx context.Context, userID string, m *sfzoom.Meeting) (*recordings.Media, error)
	CreateTasks(ctx context.Context, userID string, m *sfzoom.Meeting, write recordings.TaskFunc) (created, total int, err error)
}

// meetingFinder finds an org's meeting (ENOTFOUND for another org's).
type meetingFinder interface {
	FindMeetingByID(ctx context.Context, orgID string, id int64) (*sfzoom.Meeting, error)
}

// RecordingsPages serves each meeting's recordings, transcript and AI
// summary (GET /app/meetings/:id/media, an htmx fragment or a full page) and
// the "Create tasks from action items" action (POST
// /app/meetings/:id/tasks). As a RecordSection it adds a "Recordings and
// summaries" card to the record page that loads the fragments.
type RecordingsPages struct {
	Media    meetingMedia
	Meetings meetingFinder
	Tasks    recordings.TaskFunc // nil hides nothing but answers "not available"
	// MaxMeetings is how many past meetings the record section lists (default 5).
	MaxMeetings int
}

// MediaPath is the fragment URL of a meeting's recordings section.
func MediaPath(meetingID int64) string {
	return "/app/meetings/" + strconv.FormatInt(meetingID, 10) + "/media"
}

// RecordSection lists the record's past meetings, each loading its
// recordings fragment with htmx. It implements RecordSection.
func (p *RecordingsPages) RecordSection(c echo.Context, h *Helpers, object, id string, meetings []*sfzoom.Meeting) (templ.Component, error) {
	now := h.Now()
	var past []*sfzoom.Meeting
	for _, m := range meetings {
		if m.Status == sfzoom.MeetingCancelled {
			continue
		}
		// Ended (meeting.ended marks it), or past its scheduled end: a
		// meeting still running has no recording yet.
		if m.Status == sfzoom.MeetingEnded || m.EndTime().Before(now) {
			past = append(past, m)
		}
	}
	sort.SliceStable(past, func(i, j int) bool { return past[i].StartTime.After(past[j].StartTime) })
	limit := p.MaxMeetings
	if limit <= 0 {
		limit = 5
	}
	v := templates.MediaSectionView{}
	loc := h.Location(c)
	for _, m := range past[:min(len(past), limit)] {
		v.Meetings = append(v.Meetings, templates.MediaSectionItem{MeetingID: m.ID, Topic: topicOf(m),
			Start: m.StartTime.In(loc).Format("Mon 2 Jan 2006, 15:04 MST"), URL: h.Link(c, MediaPath(m.ID))})
	}
	return templates.MediaSection(v), nil
}

func topicOf(m *sfzoom.Meeting) string {
	if strings.TrimSpace(m.Topic) == "" {
		return "Zoom meeting"
	}
	return m.Topic
}

// meeting loads the :id meeting of the session's org.
func (p *RecordingsPages) meeting(c echo.Context, h *Helpers) (*sfzoom.User, *sfzoom.Meeting, error) {
	u := h.Session(c).User()
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, nil, sfzoom.Errorf(sfzoom.EINVALID, "The meeting id %q is not valid. Go back to the record and try again.", c.Param("id"))
	}
	m, err := p.Meetings.FindMeetingByID(c.Request().Context(), u.OrgID, id)
	if err != nil {
		return nil, nil, err
	}
	return u, m, nil
}

func (p *RecordingsPages) handleMeetingMedia(h *Helpers) echo.HandlerFunc {
	return func(c echo.Context) error {
		u, m, err := p.meeting(c, h)
		if err != nil {
			return err
		}
		media, err := p.Media.Media(c.Request().Context(), u.UserID, m)
		if err != nil {
			return err
		}
		v := mediaView(c, h, media)
		frag := templates.MediaFragment(v)
		if c.Request().Header.Get("HX-Request") == "true" {
			return h.Render(c, http.StatusOK, frag)
		}
		return h.Render(c, http.StatusOK, templates.Page(h.Meta(c, topicOf(m)), frag))
	}
}

func mediaView(c echo.Context, h *Helpers, media *recordings.Media) templates.MediaView {
	m := media.Meeting
	meta := h.Meta(c, "")
	v := templates.MediaView{
		MeetingID: m.ID, Topic: topicOf(m), Start: m.StartTime.In(h.Location(c)).Format("Mon 2 Jan 2006, 15:04 MST"),
		NoRecording: media.NoRecording, Notes: media.Notes,
		TasksAction:  h.Link(c, "/app/meetings/"+strconv.FormatInt(m.ID, 10)+"/tasks"),
		SessionToken: meta.SessionToken, CSRFToken: meta.CSRFToken,
	}
	for _, f := range media.Files {
		if f.Path == "" {
			continue
		}
		mf := mediaFile(f)
		v.Files = append(v.Files, mf)
		if media.Player != nil && media.Player.ID == f.ID {
			v.Player = &mf
		}
	}
	if f, ok := captionsFile(media.Files); ok {
		cf := mediaFile(f)
		v.Captions, v.CaptionsLang = &cf, "en"
	}
	for _, cue := range media.Transcript {
		v.Transcript = append(v.Transcript, templates.TranscriptLine{Seconds: cue.Start.Seconds(),
			Stamp: templates.FormatStamp(cue.Start), Speaker: cue.Speaker, Text: cue.Text})
	}
	if s := media.Summary; s != nil {
		v.HasSummary = strings.TrimSpace(media.SummaryHTML) != ""
		v.SummaryHTML = media.SummaryHTML
		v.ActionItems = s.ActionItems
	}
	if strings.HasPrefix(media.SummaryURL, "https://") {
		v.SummaryURL = media.SummaryURL
	}
	return v
}

func mediaFile(f recordings.File) templates.MediaFile {
	return templates.MediaFile{Label: f.Label(), Kind: mediaKind(f), Type: recordings.ContentType(f.Extension),
		Size: templates.FormatSize(f.Size), URL: f.Path}
}

// captionsFile picks the player's captions track among the files sfzoom can
// serve: the audio transcript, which names the speakers, else Zoom's closed
// captions; both are WebVTT
// (https://developers.zoom.us/docs/api/cloud-recording/#tag/cloud-recording/get/meetings/{meetingId}/recordings).
func captionsFile(files []recordings.File) (recordings.File, bool) {
	var cc *recordings.File
	for i, f := range files {
		if f.Path == "" || f.Extension != "VTT" {
			continue
		}
		switch f.FileType {
		case "TRANSCRIPT":
			return f, true
		case "CC":
			if cc == nil {
				cc = &files[i]
			}
		}
	}
	if cc == nil {
		return recordings.File{}, false
	}
	return *cc, true
}

func mediaKind(f recordings.File) string {
	switch {
	case f.Extension == "MP4" && f.RecordingType != "audio_only":
		return "video"
	case f.Extension == "M4A" || f.Extension == "MP4":
		return "audio"
	case f.Extension == "VTT" || f.Extension == "TXT":
		return "text"
	}
	return "other"
}

func (p *RecordingsPages) handleMeetingTasks(h *Helpers) echo.HandlerFunc {
	return func(c echo.Context) error {
		u, m, err := p.meeting(c, h)
		if err != nil {
			return err
		}
		created, total, err := p.Media.CreateTasks(c.Request().Context(), u.UserID, m, p.Tasks)
		if err != nil {
			return err
		}
		msg := fmt.Sprintf("Created %d tasks from the action items.", created)
		switch {
		case created == 0:
			msg = fmt.Sprintf("The %d tasks from the action items already exist in Salesforce; nothing was duplicated.", total)
		case created < total:
			msg = fmt.Sprintf("Created %d tasks; the other %d already existed.", created, total-created)
		}
		return h.Render(c, http.StatusOK, templates.Alert(templates.AlertSuccess, msg))
	}
}

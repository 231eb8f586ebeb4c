package recordings

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/zoom"
)

// File is a recording file as the record page shows it: metadata and a
// signed sfzoom media URL path, never a Zoom URL.
type File struct {
	ID            string
	FileType      string // MP4, M4A, TRANSCRIPT, CHAT, …
	Extension     string
	RecordingType string
	Size          int64
	Start, End    time.Time
	Path          string // signed media path (/media/…); "" for files sfzoom cannot serve
}

// Label names the file for people.
func (f File) Label() string {
	switch f.FileType {
	case "MP4":
		switch f.RecordingType {
		case "audio_only":
			return "Audio"
		case "shared_screen", "shared_screen_with_speaker_view", "shared_screen_with_gallery_view", "shared_screen_with_speaker_view(CC)":
			return "Video (shared screen)"
		case "gallery_view":
			return "Video (gallery view)"
		}
		return "Video"
	case "M4A":
		return "Audio only"
	case "TRANSCRIPT":
		return "Transcript"
	case "CHAT":
		return "Chat"
	case "CC":
		return "Closed captions"
	}
	return strings.ToLower(f.FileType)
}

// Media is everything the record page shows for one meeting.
type Media struct {
	Meeting     *sfzoom.Meeting
	Files       []File
	Player      *File // the file the embedded player plays (video, else audio)
	Transcript  []Cue
	Summary     *sfzoom.Summary
	SummaryHTML string // summary_content (or the assembled text) rendered safely
	SummaryURL  string // Zoom's summary doc, when Zoom gave one
	NoRecording bool   // Zoom has no cloud recording for the meeting
	Notes       []string
}

// Media builds the per-meeting view for userID after checking access
// (Authorize). Missing recordings, transcripts or summaries are not errors:
// they leave parts of the view empty with a note.
//
// What the post-meeting pipeline stored is used first (Options.Stored): the
// recording files' metadata and the AI summary cost no Zoom call. Zoom is
// asked only for what is not stored yet, and not at all once the pipeline
// has logged the occurrence (what it did not store does not exist yet). The
// transcript's text is not stored: the first view downloads it from Zoom
// (the recording list and the file), later views reuse it from memory.
//
// Errors: EFORBIDDEN (Authorize), the access check's errors, the store's,
// and Zoom's EUNAUTHORIZED/ERATELIMIT/EUNAVAILABLE for the recording list.
func (p *Proxy) Media(ctx context.Context, userID string, m *sfzoom.Meeting) (*Media, error) {
	if err := p.Authorize(ctx, m.OrgID, userID, m); err != nil {
		return nil, err
	}
	st, err := p.storedData(ctx, m)
	if err != nil {
		return nil, err
	}
	v := &Media{Meeting: m}
	switch {
	case len(st.files) > 0:
		if err := p.addStoredFiles(ctx, v, userID, st.files); err != nil {
			return nil, err
		}
	case st.logged:
		v.NoRecording = true
	default:
		rec, err := p.Recording(ctx, m)
		switch {
		case sfzoom.ErrorCode(err) == sfzoom.ENOTFOUND:
			v.NoRecording = true
		case err != nil:
			return nil, err
		default:
			if err := p.addFiles(ctx, v, userID, rec); err != nil {
				return nil, err
			}
		}
	}
	switch {
	case st.summary != nil:
		v.Summary = storedSummary(st.summary)
		v.SummaryHTML = RenderMarkdown(v.Summary.Markdown)
	case st.logged:
	default:
		s, err := p.Summary(ctx, m)
		switch {
		case err == nil:
			v.Summary = DomainSummary(m, s)
			v.SummaryHTML = RenderMarkdown(s.Text())
			v.SummaryURL = s.SummaryDocURL
		case sfzoom.ErrorCode(err) == sfzoom.ENOTFOUND:
		default:
			p.log.WarnContext(ctx, "meeting summary unavailable", "org_id", m.OrgID, "meeting_id", m.ID, "err", err.Error())
			v.Notes = append(v.Notes, "The AI summary could not be loaded from Zoom right now: "+sfzoom.ErrorMessage(err))
		}
	}
	return v, nil
}

func (p *Proxy) addFiles(ctx context.Context, v *Media, userID string, rec *zoom.Recording) error {
	for _, zf := range append(append([]zoom.RecordingFile(nil), rec.RecordingFiles...), rec.ParticipantAudioFiles...) {
		if !listed(zf.FileType, zf.ID, zf.Status) {
			continue
		}
		f := File{ID: zf.ID, FileType: strings.ToUpper(zf.FileType), Extension: strings.ToUpper(zf.FileExtension),
			RecordingType: zf.RecordingType, Size: int64(zf.FileSize), Start: zf.RecordingStart.Time, End: zf.RecordingEnd.Time}
		if err := p.addFile(v, userID, f, zf.DownloadURL != ""); err != nil {
			return err
		}
	}
	p.finishFiles(ctx, v)
	return nil
}

// addFile lists f in v, with a signed media path for userID when it can be
// fetched.
func (p *Proxy) addFile(v *Media, userID string, f File, fetchable bool) error {
	if fetchable {
		path, err := p.opts.Signer.Path(Claims{OrgID: v.Meeting.OrgID, UserID: userID, MeetingID: v.Meeting.ID, FileID: f.ID})
		if err != nil {
			return err
		}
		f.Path = path
	}
	v.Files = append(v.Files, f)
	return nil
}

// listed reports whether a recording file is shown on the record page: a
// completed file with an id, other than the TIMELINE (speaker timestamps
// for machines) and CC (captions) entries, which Zoom sends with an id but
// without a play_url; older Zoom docs say they have no id at all. Files
// still processing cannot be served yet.
func listed(fileType, id, status string) bool {
	switch strings.ToUpper(fileType) {
	case "TIMELINE", "CC":
		return false
	}
	return id != "" && (status == "" || status == "completed")
}

// finishFiles picks the player's file (video, else audio) and loads the
// transcript.
func (p *Proxy) finishFiles(ctx context.Context, v *Media) {
	var transcript *File
	for i := range v.Files {
		f := &v.Files[i]
		switch {
		case f.Path == "":
		case f.Extension == "MP4" && (v.Player == nil || v.Player.Extension != "MP4"):
			v.Player = f
		case f.Extension == "M4A" && v.Player == nil:
			v.Player = f
		case f.FileType == "TRANSCRIPT" && transcript == nil:
			transcript = f
		}
	}
	if transcript != nil {
		var err error
		v.Transcript, err = p.transcript(ctx, v.Meeting, transcript.ID)
		if err != nil {
			p.log.WarnContext(ctx, "transcript unavailable", "org_id", v.Meeting.OrgID, "meeting_id", v.Meeting.ID, "err", err.Error())
			v.Notes = append(v.Notes, "The transcript could not be loaded: "+sfzoom.ErrorMessage(err))
		}
	}
}

// DomainSummary maps Zoom's summary to the domain type: the overview,
// details, next steps and the action items (ActionItems).
func DomainSummary(m *sfzoom.Meeting, s *zoom.MeetingSummary) *sfzoom.Summary {
	out := &sfzoom.Summary{OrgID: m.OrgID, MeetingID: m.ID, Overview: s.SummaryOverview, NextSteps: s.NextSteps,
		ActionItems: ActionItems(s), Markdown: s.Text(), UpdatedAt: s.SummaryLastModifiedTime.Time}
	for _, d := range s.SummaryDetails {
		out.Details = append(out.Details, sfzoom.SummaryDetail{Label: d.Label, Summary: d.Summary})
	}
	return out
}

var actionHeading = regexp.MustCompile(`(?i)^#{1,6}\s*.*(action items?|next steps?)`)

// ActionItems are the summary's follow-ups: the host-edited next steps when
// present, else next_steps, else the bullets under a "Next steps" or
// "Action items" heading of summary_content. The same order gives the same
// Task keys (<uuid>#task-<n>) as the post-meeting pipeline.
func ActionItems(s *zoom.MeetingSummary) []string {
	if s.EditedSummary != nil && len(s.EditedSummary.NextSteps) > 0 {
		return s.EditedSummary.NextSteps
	}
	if len(s.NextSteps) > 0 {
		return s.NextSteps
	}
	return markdownActionItems(s.SummaryContent)
}

// markdownActionItems are the bullets under a "Next steps" or "Action
// items" heading of a summary's Markdown.
func markdownActionItems(content string) []string {
	var items []string
	in := false
	for _, line := range strings.Split(content, "\n") {
		t := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(t, "#"):
			in = actionHeading.MatchString(t)
		case in && mdBullet.MatchString(t):
			items = append(items, strings.TrimSpace(stripEmphasis(mdBullet.FindStringSubmatch(t)[1])))
		case in && mdOrdered.MatchString(t):
			items = append(items, strings.TrimSpace(stripEmphasis(mdOrdered.FindStringSubmatch(t)[1])))
		}
	}
	return items
}

func stripEmphasis(s string) string {
	return strings.NewReplacer("**", "", "__", "", "`", "").Replace(s)
}

// TaskFunc writes one Salesforce Task per action item of meeting m, owned by
// ownerID, upserted by Zoom_Meeting_ID__c = "<uuid>#task-<n>" (n from 1), so
// running it again changes nothing. It returns how many Tasks were created
// (not updated).
type TaskFunc func(ctx context.Context, m *sfzoom.Meeting, ownerID string, items []string) (created int, err error)

// CreateTasks turns the meeting's AI action items into Salesforce Tasks for
// userID after checking access. It is idempotent.
//
// Errors: EFORBIDDEN, ENOTFOUND (no summary or no action items),
// ENOTIMPLEMENTED (no task writer configured), and the writer's errors.
func (p *Proxy) CreateTasks(ctx context.Context, userID string, m *sfzoom.Meeting, write TaskFunc) (created, total int, err error) {
	if write == nil {
		return 0, 0, sfzoom.Errorf(sfzoom.ENOTIMPLEMENTED, "Creating tasks is not available in this installation.")
	}
	if err := p.Authorize(ctx, m.OrgID, userID, m); err != nil {
		return 0, 0, err
	}
	items, err := p.actionItems(ctx, m)
	if err != nil {
		return 0, 0, err
	}
	if len(items) == 0 {
		return 0, 0, sfzoom.Errorf(sfzoom.ENOTFOUND, "The AI summary of this meeting lists no action items.")
	}
	created, err = write(ctx, m, userID, items)
	if err != nil {
		return 0, 0, fmt.Errorf("recordings: create tasks: %w", err)
	}
	return created, len(items), nil
}

// actionItems are the meeting's AI action items: from the stored summary
// when the pipeline kept one (the same list it made Tasks from), else from
// Zoom.
func (p *Proxy) actionItems(ctx context.Context, m *sfzoom.Meeting) ([]string, error) {
	noSummary := sfzoom.Errorf(sfzoom.ENOTFOUND, "This meeting has no AI summary, so there are no action items to turn into tasks.")
	st, err := p.storedData(ctx, m)
	if err != nil {
		return nil, err
	}
	switch {
	case st.summary != nil:
		return storedSummary(st.summary).ActionItems, nil
	case st.logged:
		return nil, noSummary
	}
	s, err := p.Summary(ctx, m)
	if sfzoom.ErrorCode(err) == sfzoom.ENOTFOUND {
		return nil, noSummary
	} else if err != nil {
		return nil, err
	}
	return ActionItems(s), nil
}

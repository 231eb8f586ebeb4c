package templates

import (
	"fmt"
	"strconv"
	"time"
)

// MediaView is one meeting's recordings, transcript and AI summary on the
// record page. Every URL is an sfzoom URL (signed media paths carry their
// own credential); no Zoom URL ever appears here.
type MediaView struct {
	MeetingID   int64
	Topic       string
	Start       string // formatted in the user's time zone
	NoRecording bool
	Player      *MediaFile
	// Captions is the WebVTT transcript, offered to the video player as its
	// captions track (same signed, access-checked media path).
	Captions *MediaFile
	// CaptionsLang is the captions' BCP 47 language ("en" unless known).
	CaptionsLang string
	Files        []MediaFile
	Transcript   []TranscriptLine
	HasSummary   bool
	// SummaryHTML is the summary rendered by recordings.RenderMarkdown, which
	// escapes all input and emits only a fixed set of tags.
	SummaryHTML string
	SummaryURL  string // must be an https URL
	ActionItems []string
	Notes       []string
	// TasksAction is the URL the "Create tasks from action items" button posts to.
	TasksAction  string
	SessionToken string
	CSRFToken    string
}

// MediaFile is a downloadable or playable recording file.
type MediaFile struct {
	Label string
	Kind  string // video, audio, text, other
	Type  string // content type for <source>
	Size  string
	URL   string // signed sfzoom media URL
}

// TranscriptLine is one cue of the transcript.
type TranscriptLine struct {
	Seconds float64
	Stamp   string // m:ss or h:mm:ss
	Speaker string
	Text    string
}

// MediaSectionView is the record page's recordings section: one lazily
// loaded (htmx) fragment per past meeting.
type MediaSectionView struct {
	Meetings []MediaSectionItem
}

// MediaSectionItem is a placeholder that loads a meeting's MediaView.
type MediaSectionItem struct {
	MeetingID int64
	Topic     string
	Start     string
	URL       string // GET /app/meetings/{id}/media with the session token
}

// FormatStamp formats a cue start for the transcript.
func FormatStamp(d time.Duration) string {
	s := int(d.Seconds())
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// FormatSize formats a byte count for people.
func FormatSize(n int64) string {
	switch {
	case n <= 0:
		return ""
	case n < 1<<10:
		return strconv.FormatInt(n, 10) + " B"
	case n < 1<<20:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	case n < 1<<30:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
}

func mediaID(prefix string, id int64) string { return prefix + "-" + strconv.FormatInt(id, 10) }

func seekValue(s float64) string { return strconv.FormatFloat(s, 'f', 3, 64) }

package sfzoom

import "time"

// Participant match kinds.
const (
	MatchContact   = "contact"
	MatchLead      = "lead"
	MatchAccount   = "account"
	MatchInternal  = "internal"
	MatchUnmatched = "unmatched"
)

// Participant is one attendee of a meeting occurrence, after rejoins are merged.
type Participant struct {
	ID         int64
	OrgID      string
	MeetingID  int64
	Name       string
	Email      string
	JoinTime   time.Time
	LeaveTime  time.Time
	Duration   int // seconds, summed over rejoins
	Match      string
	SFRecordID string
}

// RecordingFile is one file of a cloud recording. sfzoom keeps ids, never the
// Zoom download URL.
type RecordingFile struct {
	ID             int64
	OrgID          string
	MeetingID      int64
	ZoomFileID     string // empty for TIMELINE and CC entries
	FileType       string // MP4, M4A, TRANSCRIPT, CHAT, CC, TIMELINE, …
	FileExtension  string
	RecordingType  string
	FileSize       int64
	Status         string
	RecordingStart time.Time
	RecordingEnd   time.Time
}

// Summary is a Zoom AI Companion meeting summary.
type Summary struct {
	OrgID       string
	MeetingID   int64
	Overview    string
	Details     []SummaryDetail
	NextSteps   []string
	ActionItems []string
	Markdown    string // summary_content as received; rendered safely
	UpdatedAt   time.Time
}

// SummaryDetail is one labelled section of a summary.
type SummaryDetail struct {
	Label   string `json:"label"`
	Summary string `json:"summary"`
}

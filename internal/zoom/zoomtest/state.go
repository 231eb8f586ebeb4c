package zoomtest

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// User seeds a Zoom user. Empty fields get defaults; ID is generated when
// empty.
type User struct {
	ID        string
	Email     string
	FirstName string
	LastName  string
	Type      int    // 1 Basic (default), 2 Licensed
	Status    string // active (default), pending, inactive
	Timezone  string
}

// Meeting seeds a meeting. ID and UUID are generated when zero.
type Meeting struct {
	ID        int64
	UUID      string // the current (next) instance's UUID
	HostID    string // a user id or email known to the server
	Topic     string
	Agenda    string
	Type      int // 2 (scheduled) by default
	StartTime time.Time
	Duration  int // minutes
	Timezone  string
	Password  string
}

// Participant seeds one join session of a meeting instance.
type Participant struct {
	ID        string // Zoom user id, "" for guests
	UserID    string // per-join number; generated when empty
	Name      string
	Email     string
	JoinTime  time.Time
	LeaveTime time.Time
	Internal  bool
}

// RecordingFile seeds one recording file. Media bytes are generated on the
// fly, so Size may be hundreds of MB without using memory.
type RecordingFile struct {
	ID            string // generated when empty
	FileType      string // MP4, M4A, TRANSCRIPT, CHAT, CC, TIMELINE, …
	FileExtension string // derived from FileType when empty
	RecordingType string // derived from FileType when empty
	Size          int64
	// Content, when set, is served as the file's exact bytes (Size becomes
	// its length): a real playable video or a real transcript for the demo
	// and browser tests. Otherwise bytes are generated.
	Content []byte
}

// SummaryDetail is one labelled section of a summary.
type SummaryDetail struct{ Label, Summary string }

// Summary seeds an AI Companion summary. Leave Content empty to reproduce
// the older shape without summary_content.
type Summary struct {
	Title     string
	Overview  string
	Details   []SummaryDetail
	NextSteps []string
	Content   string // summary_content (Markdown)
	DocURL    string
}

type user struct {
	User
	pmi       int64
	createdAt time.Time
}

type meeting struct {
	Meeting
	status         string // waiting, started
	createdAt      time.Time
	settings       obj
	trackingFields []any
	pmi            string
	deleted        bool
	instances      []string // ended instance UUIDs, oldest first
}

type instance struct {
	uuid         string
	meetingID    int64
	start, end   time.Time
	ended        bool
	participants []Participant
	files        []*recFile
	summary      *Summary
	summaryAt    time.Time
}

type recFile struct {
	RecordingFile
	key      string // storage key used in download URLs
	uuid     string
	playable bool // has a play_url (all but TIMELINE and CC)
	contents byte
}

// ErrUnknown is returned by seed and action methods for unknown users,
// meetings or instances.
var ErrUnknown = errors.New("zoomtest: unknown")

// AddUser seeds a user and returns it with defaults filled in.
func (s *Server) AddUser(u User) User {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u.ID == "" {
		u.ID = s.newUserID()
	}
	if u.Email == "" {
		u.Email = strings.ToLower(u.ID) + "@example.com"
	}
	if u.Type == 0 {
		u.Type = 1
	}
	if u.Status == "" {
		u.Status = "active"
	}
	if u.Timezone == "" {
		u.Timezone = "UTC"
	}
	s.users = append(s.users, &user{User: u, pmi: 3000000000 + s.rng.Int64N(999999999), createdAt: s.now()})
	return u
}

// findUser resolves an id or email (case-insensitive); callers hold s.mu.
func (s *Server) findUser(idOrEmail string) *user {
	for _, u := range s.users {
		if u.ID == idOrEmail || strings.EqualFold(u.Email, idOrEmail) {
			return u
		}
	}
	return nil
}

// AddMeeting seeds a meeting for an existing host and returns it with ids.
func (s *Server) AddMeeting(m Meeting) (Meeting, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	host := s.findUser(m.HostID)
	if host == nil {
		return Meeting{}, fmt.Errorf("zoomtest: add meeting: host %q: %w", m.HostID, ErrUnknown)
	}
	m.HostID = host.ID
	return s.addMeetingLocked(m, nil, nil).Meeting, nil
}

func (s *Server) addMeetingLocked(m Meeting, settings obj, tracking []any) *meeting {
	if m.ID == 0 {
		m.ID = s.newMeetingID()
	}
	if m.UUID == "" {
		m.UUID = s.newUUID()
	}
	if m.Type == 0 {
		m.Type = 2
	}
	if m.Timezone == "" {
		m.Timezone = "UTC"
	}
	if m.Password == "" {
		m.Password = fmt.Sprintf("%06d", s.rng.IntN(1000000))
	}
	base := fixture("meeting_settings.json")
	for k, v := range settings {
		base[k] = v
	}
	mt := &meeting{
		Meeting: m, status: "waiting", createdAt: s.now(), settings: base, trackingFields: tracking,
		pmi: fmt.Sprint(s.findUser(m.HostID).pmi),
	}
	s.meetings[m.ID] = mt
	s.instances[m.UUID] = &instance{uuid: m.UUID, meetingID: m.ID}
	return mt
}

// instanceLocked finds an instance by UUID; callers hold s.mu.
func (s *Server) instanceLocked(uuid string) (*instance, error) {
	in := s.instances[uuid]
	if in == nil {
		return nil, fmt.Errorf("zoomtest: instance %q: %w", uuid, ErrUnknown)
	}
	return in, nil
}

// AddParticipant seeds a participant session of the instance with that UUID.
func (s *Server) AddParticipant(uuid string, p Participant) error {
	return s.seedInstance(uuid, func(in *instance) {
		if p.UserID == "" {
			p.UserID = fmt.Sprint(16778240 + s.rng.IntN(1000000))
		}
		in.participants = append(in.participants, p)
	})
}

// seedInstance runs seed on the instance with that UUID, holding s.mu.
func (s *Server) seedInstance(uuid string, seed func(in *instance)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, err := s.instanceLocked(uuid)
	if err != nil {
		return err
	}
	seed(in)
	return nil
}

// AddRecording seeds a recording file of the instance with that UUID and
// returns it with defaults filled in.
func (s *Server) AddRecording(uuid string, f RecordingFile) (RecordingFile, error) {
	var added RecordingFile
	err := s.seedInstance(uuid, func(in *instance) { added = s.addRecordingLocked(in, f) })
	return added, err
}

// addRecordingLocked adds a recording file to the instance; callers hold s.mu.
func (s *Server) addRecordingLocked(in *instance, f RecordingFile) RecordingFile {
	f.FileType = strings.ToUpper(f.FileType)
	ext, rtype := defaultsFor(f.FileType)
	if f.FileExtension == "" {
		f.FileExtension = ext
	}
	if f.RecordingType == "" {
		f.RecordingType = rtype
	}
	if f.ID == "" {
		h := s.randHex(16)
		f.ID = h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
	}
	playable := f.FileType != "TIMELINE" && f.FileType != "CC"
	if f.Content != nil {
		f.Size = int64(len(f.Content))
	}
	if f.Size <= 0 {
		f.Size = 4096
	}
	rf := &recFile{RecordingFile: f, key: s.randHex(12), uuid: in.uuid, playable: playable, contents: byte(s.rng.IntN(256))}
	in.files = append(in.files, rf)
	s.files[rf.key] = rf
	return f
}

// AddSummary seeds the AI summary of the instance with that UUID.
func (s *Server) AddSummary(uuid string, sum Summary) error {
	return s.seedInstance(uuid, func(in *instance) { s.setSummaryLocked(in, sum) })
}

// setSummaryLocked sets the instance's summary; callers hold s.mu.
func (s *Server) setSummaryLocked(in *instance, sum Summary) {
	if sum.Title == "" {
		sum.Title = "Meeting summary for " + s.meetings[in.meetingID].Topic
	}
	in.summary = &sum
	in.summaryAt = s.now()
}

// CurrentUUID returns the UUID the meeting's next (or running) instance will
// have.
func (s *Server) CurrentUUID(meetingID int64) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.meetings[meetingID]
	if m == nil {
		return "", fmt.Errorf("zoomtest: meeting %d: %w", meetingID, ErrUnknown)
	}
	return m.UUID, nil
}

// PastUUIDs returns the UUIDs of the meeting's ended instances, oldest first.
func (s *Server) PastUUIDs(meetingID int64) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.meetings[meetingID]; m != nil {
		return append([]string(nil), m.instances...)
	}
	return nil
}

func defaultsFor(fileType string) (ext, recordingType string) {
	switch fileType {
	case "MP4":
		return "MP4", "shared_screen_with_speaker_view"
	case "M4A":
		return "M4A", "audio_only"
	case "TRANSCRIPT":
		return "VTT", "audio_transcript"
	case "CC":
		return "VTT", "closed_caption"
	case "CHAT":
		return "TXT", "chat_file"
	case "TIMELINE":
		return "JSON", "timeline"
	case "CSV":
		return "CSV", "poll"
	case "SUMMARY":
		return "JSON", "summary"
	}
	return "MP4", "shared_screen_with_speaker_view"
}

func contentTypeFor(f *recFile) string {
	switch f.FileExtension {
	case "MP4":
		return "video/mp4"
	case "M4A":
		return "audio/mp4"
	case "VTT":
		return "text/vtt"
	case "TXT":
		return "text/plain"
	case "JSON":
		return "application/json"
	case "CSV":
		return "text/csv"
	}
	return "application/octet-stream"
}

package recordings

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// Stored is what the post-meeting pipeline kept about a meeting occurrence
// (the store has it). The record page reads it before asking Zoom.
type Stored interface {
	FindRecordingFiles(ctx context.Context, f sfzoom.RecordingFileFilter) ([]*sfzoom.RecordingFile, error)
	FindSummary(ctx context.Context, orgID, meetingUUID string) (*sfzoom.Summary, error)
	FindActivityLog(ctx context.Context, orgID, meetingUUID string) (*sfzoom.ActivityLog, error)
}

// stored is one occurrence's pipeline data.
type stored struct {
	files   []*sfzoom.RecordingFile // only when at least one is completed
	summary *sfzoom.Summary
	// logged: the pipeline has written the occurrence to Salesforce, so
	// what it did not store does not exist yet (a later recording or
	// summary webhook runs the pipeline again and stores it).
	logged bool
}

// storedData reads the pipeline's data for m. Without a Stored, or for a
// meeting without an occurrence UUID, it returns nothing and the caller
// asks Zoom.
func (p *Proxy) storedData(ctx context.Context, m *sfzoom.Meeting) (stored, error) {
	var s stored
	if p.opts.Stored == nil || m.ZoomUUID == "" {
		return s, nil
	}
	uuid := m.ZoomUUID
	files, err := p.opts.Stored.FindRecordingFiles(ctx, sfzoom.RecordingFileFilter{OrgID: m.OrgID, MeetingUUID: &uuid})
	if err != nil {
		return s, fmt.Errorf("recordings: stored files: %w", err)
	}
	for _, f := range files {
		if f.ZoomFileID != "" && (f.Status == "" || f.Status == "completed") {
			s.files = files
			break
		}
	}
	s.summary, err = p.opts.Stored.FindSummary(ctx, m.OrgID, uuid)
	switch {
	case sfzoom.ErrorCode(err) == sfzoom.ENOTFOUND:
		s.summary = nil
	case err != nil:
		return s, fmt.Errorf("recordings: stored summary: %w", err)
	}
	_, err = p.opts.Stored.FindActivityLog(ctx, m.OrgID, uuid)
	switch {
	case err == nil:
		s.logged = true
	case sfzoom.ErrorCode(err) != sfzoom.ENOTFOUND:
		return s, fmt.Errorf("recordings: activity log: %w", err)
	}
	return s, nil
}

// addStoredFiles fills v from stored file metadata; no Zoom call. The
// signed paths name the Zoom file id; the proxy fetches a fresh download
// URL from Zoom when the file is played.
func (p *Proxy) addStoredFiles(ctx context.Context, v *Media, userID string, files []*sfzoom.RecordingFile) error {
	for _, sf := range files {
		if !listed(sf.FileType, sf.ZoomFileID, sf.Status) {
			continue
		}
		f := File{ID: sf.ZoomFileID, FileType: strings.ToUpper(sf.FileType), Extension: strings.ToUpper(sf.FileExtension),
			RecordingType: sf.RecordingType, Size: sf.FileSize, Start: sf.RecordingStart, End: sf.RecordingEnd}
		if err := p.addFile(v, userID, f, true); err != nil {
			return err
		}
	}
	p.finishFiles(ctx, v)
	return nil
}

// storedSummary completes a stored summary for display: its action items
// are the pipeline's (the next steps), else the bullets under an "Action
// items" or "Next steps" heading of the Markdown.
func storedSummary(s *sfzoom.Summary) *sfzoom.Summary {
	out := *s
	if len(out.ActionItems) == 0 {
		out.ActionItems = markdownActionItems(out.Markdown)
	}
	return &out
}

// transcriptTTL is how long a parsed transcript is reused in memory. A
// completed transcript never changes; the bound only limits memory.
const (
	transcriptTTL        = 30 * time.Minute
	maxTranscriptEntries = 256
)

// transcript returns the parsed transcript file of m: from memory when a
// recent view read it, else downloaded from Zoom (the recording list and
// the file: two calls). Callers have checked access.
func (p *Proxy) transcript(ctx context.Context, m *sfzoom.Meeting, fileID string) ([]Cue, error) {
	return p.transcripts.Load(ctx, m.OrgID+"/"+fileID, func(ctx context.Context) ([]Cue, error) {
		b, err := p.ReadText(ctx, m, fileID)
		if err != nil {
			return nil, err
		}
		return ParseVTT(b)
	})
}

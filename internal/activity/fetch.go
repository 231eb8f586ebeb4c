package activity

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/zoom"
)

// fetched is what one run knows of an occurrence: what Zoom told it
// (participants, the recording's and the summary's metadata) and what the
// store holds (the recording files and the summary, this run's included).
type fetched struct {
	Participants []*zoom.Participant  // fetched in this run (nil when not)
	Recording    *zoom.Recording      // this run's recording (fetched, or from its delivery)
	Summary      *zoom.MeetingSummary // fetched in this run
	fetchedParts bool                 // Participants came from Zoom in this run

	files   []*sfzoom.RecordingFile // every file stored for the occurrence
	summary *sfzoom.Summary         // the stored summary
	zone    string                  // the zone of the Event's last write ("" for none)
}

// fetch makes the Zoom calls n asks for, one each (participants follow
// every page). A missing recording or summary (not recorded, no AI
// Companion, not ready yet) is not an error: a later webhook brings it and
// the same Event is updated.
func (p *Pipeline) fetch(ctx context.Context, zc ZoomAPI, uuid string, n needs, d *fetched) error {
	var err error
	if n.participants {
		if d.Participants, err = zc.PastMeetingParticipants(ctx, uuid); err != nil && !errors.Is(err, zoom.ErrNotFound) {
			return fmt.Errorf("activity: participants: %w", err)
		}
		d.fetchedParts = true
	}
	if n.recording {
		if d.Recording, err = zc.Recordings(ctx, uuid, nil); err != nil {
			if !errors.Is(err, zoom.ErrNotFound) {
				return fmt.Errorf("activity: recordings: %w", err)
			}
			d.Recording = nil
		}
	}
	if n.summary {
		if d.Summary, err = zc.MeetingSummary(ctx, uuid); err != nil {
			code := sfzoom.ErrorCode(err)
			if !errors.Is(err, zoom.ErrNotFound) && code != sfzoom.EFORBIDDEN && code != sfzoom.EINVALID {
				return fmt.Errorf("activity: summary: %w", err)
			}
			d.Summary = nil
		}
	}
	return nil
}

// saveZoomData keeps this run's recording file ids and summary (never URLs
// or tokens), then completes d with everything stored of the occurrence.
func (p *Pipeline) saveZoomData(ctx context.Context, r *run, d *fetched, st *stored) error {
	d.files, d.summary = st.files, st.summary
	if st.prev != nil {
		d.zone = st.prev.Timezone
	}
	if d.Recording != nil {
		var files []*sfzoom.RecordingFile
		for _, f := range append(append([]zoom.RecordingFile(nil), d.Recording.RecordingFiles...), d.Recording.ParticipantAudioFiles...) {
			files = append(files, &sfzoom.RecordingFile{ZoomFileID: f.ID, FileType: f.FileType, FileExtension: f.FileExtension,
				RecordingType: f.RecordingType, FileSize: int64(f.FileSize), Status: f.Status,
				RecordingStart: f.RecordingStart.Time.UTC(), RecordingEnd: f.RecordingEnd.Time.UTC()})
		}
		if err := p.opts.Store.SaveRecordingFiles(ctx, r.orgID, r.uuid, r.meetingID(), files); err != nil {
			return err
		}
		all, err := p.opts.Store.FindRecordingFiles(ctx, sfzoom.RecordingFileFilter{OrgID: r.orgID, MeetingUUID: &r.uuid})
		if err != nil {
			return fmt.Errorf("activity: find recording files: %w", err)
		}
		d.files = all
	}
	if s := d.Summary; s != nil {
		sum := &sfzoom.Summary{OrgID: r.orgID, MeetingID: r.meetingID(), Overview: s.SummaryOverview, NextSteps: s.NextSteps,
			ActionItems: actionItems(s), Markdown: s.Text()}
		for _, dt := range s.SummaryDetails {
			sum.Details = append(sum.Details, sfzoom.SummaryDetail{Label: dt.Label, Summary: dt.Summary})
		}
		if err := p.opts.Store.SaveSummary(ctx, r.uuid, sum); err != nil {
			return err
		}
		d.summary = sum
	}
	return nil
}

// participants are the occurrence's attendees: this run's fetch merged by
// person (matched later), else the stored attendance with its matches.
func (d *fetched) participants(st *stored, settings sfzoom.OrgSettings) []*sfzoom.Participant {
	if d.fetchedParts {
		return mergeParticipants(d.Participants, settings)
	}
	parts := make([]*sfzoom.Participant, 0, len(st.attendance))
	for _, a := range st.attendance {
		pt := a.Participant
		parts = append(parts, &pt)
	}
	return parts
}

// actionItems are the summary's next steps (the host-edited ones when present).
func actionItems(s *zoom.MeetingSummary) []string {
	if s.EditedSummary != nil && len(s.EditedSummary.NextSteps) > 0 {
		return s.EditedSummary.NextSteps
	}
	return s.NextSteps
}

// fingerprint identifies what is written and where it goes, so a run with
// nothing new (a duplicate delivery, a recording already written) writes
// nothing. Download URLs and tokens change on every fetch and are left out.
func fingerprint(parts []*sfzoom.Participant, d *fetched, mode string, m *sfzoom.Meeting) string {
	type file struct{ ID, Type, Status string }
	type part struct {
		Email, Name string
		Duration    int
	}
	v := struct {
		Mode, Object, Record string
		Parts                []part
		Files                []file
		Summary              string
	}{Mode: mode}
	if m != nil {
		v.Object, v.Record = m.RecordObject, m.RecordID
	}
	for _, pt := range parts {
		v.Parts = append(v.Parts, part{pt.Email, pt.Name, pt.Duration})
	}
	for _, f := range d.files {
		v.Files = append(v.Files, file{f.ZoomFileID, f.FileType, f.Status})
	}
	if s := d.summary; s != nil {
		v.Summary = s.Overview + "\x00" + s.Markdown + "\x00" + strings.Join(s.ActionItems, "\x00")
	}
	b, _ := json.Marshal(v)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

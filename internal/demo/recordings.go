package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/sfzoom/sfzoom/internal/zoom/zoomtest"
)

// RecordedMeeting is the demo's past meeting with a playable recording.
type RecordedMeeting struct {
	ZoomMeetingID int64
	UUID          string
	Topic         string
	Start         time.Time
	Duration      int // minutes
	HostEmail     string
}

// recordedSummary is the AI summary of the recorded meeting.
const recordedSummary = `## Quick recap
Riley and Hank reviewed the **Globex platform renewal**. Hank needs the platform tier with *single sign-on*.

## Next steps
- Riley to send a proposal with SSO pricing by Friday
- Hank to loop in Mindy for the security review`

// SeedRecordedMeeting adds to the fake Zoom an ended meeting hosted by the
// demo rep, with a real playable MP4, a transcript and an AI summary. It is
// ended with the webhook switched off so the demo starts quiet; the caller
// links it to a record in the store.
func (d *Demo) SeedRecordedMeeting(ctx context.Context) (RecordedMeeting, error) {
	rm := RecordedMeeting{Topic: "Globex renewal review", Start: time.Now().UTC().Add(-26 * time.Hour).Truncate(time.Minute),
		Duration: 30, HostEmail: "riley.chen@acme-demo.com"}
	zm, err := d.Zoom.AddMeeting(zoomtest.Meeting{HostID: rm.HostEmail, Topic: rm.Topic, StartTime: rm.Start, Duration: rm.Duration})
	if err != nil {
		return rm, fmt.Errorf("demo: recorded meeting: %w", err)
	}
	rm.ZoomMeetingID, rm.UUID = zm.ID, zm.UUID
	for _, f := range []zoomtest.RecordingFile{
		{FileType: "MP4", Content: zoomtest.DemoVideo()},
		{FileType: "TRANSCRIPT", Content: zoomtest.DemoTranscript()},
	} {
		if _, err := d.Zoom.AddRecording(zm.UUID, f); err != nil {
			return rm, fmt.Errorf("demo: recorded meeting: %w", err)
		}
	}
	// The people of the transcript, so the fake does not invent others.
	for _, p := range []zoomtest.Participant{
		{ID: zm.HostID, Name: "Riley Chen", Email: rm.HostEmail, Internal: true},
		{Name: "Hank Scorpio", Email: "hank@globex.example"},
		// Nobody can tell who dialled in: the admins' Review tab asks.
		{Name: "Dial-in +1 555 0142"},
	} {
		if err := d.Zoom.AddParticipant(zm.UUID, p); err != nil {
			return rm, fmt.Errorf("demo: recorded meeting: %w", err)
		}
	}
	if err := d.Zoom.AddSummary(zm.UUID, zoomtest.Summary{Overview: "Renewal review with Globex.", Content: recordedSummary,
		NextSteps: []string{"Riley to send a proposal with SSO pricing by Friday", "Hank to loop in Mindy for the security review"}}); err != nil {
		return rm, fmt.Errorf("demo: recorded meeting: %w", err)
	}
	d.Zoom.SetWebhook("", nil)
	_, err = d.Zoom.EndMeeting(ctx, zm.ID)
	d.Zoom.SetWebhook(d.Info.AppURL+"/webhooks/zoom", []byte(d.Info.ZoomWebhookSecret))
	if err != nil {
		return rm, fmt.Errorf("demo: recorded meeting: %w", err)
	}
	return rm, nil
}

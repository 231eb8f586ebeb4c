package activity

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/sfzoom/sfzoom/internal/jobs"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store"
	"github.com/sfzoom/sfzoom/internal/zoom"
)

// WebhookPolicy is what sfzoom does with a verified Zoom delivery: which
// events (re)log a meeting occurrence, when that job runs, and what of the
// delivery is kept. web.ZoomWebhook applies it after its own checks (body
// limits, signature, URL validation) and stores the delivery with the jobs
// Plan returns in one transaction.
type WebhookPolicy struct {
	// SettleDelay postpones the meeting.ended job, which writes the Event:
	// a recording or summary delivered within it (Zoom's retries after an
	// outage, a short meeting) is stored by its own job first and written
	// in the same call (see plan).
	SettleDelay time.Duration
	// FollowUpDelay postpones recording and summary jobs (none by default:
	// they only store what they bring until the Event exists).
	FollowUpDelay time.Duration
}

// WebhookPlan is what to store with one delivery.
type WebhookPlan struct {
	// Jobs are inserted in the delivery's transaction.
	Jobs []store.Job
	// Unrouted, when not nil, queues the occurrence for an admin in the same
	// transaction: the delivery maps to no single org.
	Unrouted *sfzoom.UnroutedMeeting
}

// logEvents are the events that (re)log a meeting occurrence.
var logEvents = map[string]bool{
	zoom.EventMeetingEnded:        true,
	zoom.EventRecordingCompleted:  true,
	zoom.EventSummaryCompleted:    true,
	zoom.EventTranscriptCompleted: true,
}

// Plan returns the jobs of a verified delivery received at received. orgID
// is the org it maps to ("" when none or several do; candidates then names
// the several), and the occurrence is queued for an admin instead of being
// guessed: its job routes it if a mapping appears before it runs.
func (w WebhookPolicy) Plan(ev *zoom.WebhookEvent, orgID string, candidates []string, received time.Time) WebhookPlan {
	var plan WebhookPlan
	if logEvents[ev.Event] && ev.MeetingUUID != "" {
		delay := w.FollowUpDelay
		if ev.Event == zoom.EventMeetingEnded {
			delay = w.SettleDelay
		}
		opts := &river.InsertOpts{}
		if delay > 0 {
			opts.ScheduledAt = received.Add(delay)
		}
		args := jobs.LogMeetingArgs{OrgID: orgID, ZoomMeetingID: ev.MeetingID, MeetingUUID: ev.MeetingUUID, Trigger: ev.Event,
			DeliveryKey: ev.DedupeKey}
		if ev.Event == zoom.EventMeetingEnded && ev.Meeting != nil {
			args.StartedAt, args.EndedAt = ev.Meeting.StartTime.Time.UTC(), ev.Meeting.EndTime.Time.UTC()
		}
		if orgID == "" {
			args.HostZoomUserID, args.ZoomAccountID = ev.HostID, ev.AccountID
			plan.Unrouted = &sfzoom.UnroutedMeeting{MeetingUUID: ev.MeetingUUID, ZoomMeetingID: ev.MeetingID, HostZoomUserID: ev.HostID,
				ZoomAccountID: ev.AccountID, Candidates: candidates, Trigger: ev.Event, StartedAt: args.StartedAt, EndedAt: args.EndedAt,
				ReceivedAt: received}
		}
		plan.Jobs = append(plan.Jobs, store.Job{Args: args, InsertOpts: opts})
	}
	if ev.Event == zoom.EventMeetingStarted && orgID != "" && ev.MeetingID != 0 {
		plan.Jobs = append(plan.Jobs, store.Job{Args: jobs.MeetingStartedArgs{OrgID: orgID, ZoomMeetingID: ev.MeetingID}})
	}
	return plan
}

// RedactWebhookPayload returns the body with every secret and Zoom URL
// removed, at any depth: download_token, download_access_token and any key
// containing "token", every key ending in "url" (download_url, play_url,
// share_url, join_url, …) and passwords/passcodes. Numbers are kept exactly.
// What is left (ids, file types and sizes, times) is what the pipeline reads
// back from a stored delivery.
func RedactWebhookPayload(body []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("activity: redact webhook: %w", err)
	}
	if dec.More() {
		return nil, errors.New("activity: redact webhook: trailing data")
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(redact(v)); err != nil {
		return nil, fmt.Errorf("activity: redact webhook: %w", err)
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

func sensitiveKey(k string) bool {
	k = strings.ToLower(k)
	return strings.Contains(k, "token") || strings.HasSuffix(k, "url") || strings.Contains(k, "password") ||
		strings.Contains(k, "passcode") || strings.Contains(k, "secret")
}

func redact(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if sensitiveKey(k) {
				delete(t, k)
				continue
			}
			t[k] = redact(x)
		}
	case []any:
		for i, x := range t {
			t[i] = redact(x)
		}
	}
	return v
}

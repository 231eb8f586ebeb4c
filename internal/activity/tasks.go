package activity

import (
	"context"
	"fmt"
	"time"

	"github.com/sfzoom/sfzoom/internal/salesforce"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// TaskOrg is what writing follow-up Tasks needs from the org's Salesforce
// client (*salesforce.Client has it).
type TaskOrg interface {
	QueryIn(ctx context.Context, q salesforce.Query, f salesforce.Field, values []string) ([]salesforce.Record, error)
	UpsertRecords(ctx context.Context, object salesforce.Object, extIDField salesforce.Field, allOrNone bool, records []salesforce.Fields) ([]salesforce.SaveResult, error)
}

// NewTaskWriter returns the writer behind "Create tasks from action items"
// (a recordings.TaskFunc). Task n (from 1) of a meeting is keyed
// Zoom_Meeting_ID__c = TaskExternalID(uuid, n) and built by followUpTask,
// exactly as the post-meeting pipeline writes it, so the button and the
// pipeline never duplicate each other.
//
// Tasks that already exist (made by the pipeline or an earlier click) are
// left exactly as they are: the rep may have edited, reassigned or closed
// them. Only the missing ones are written, by upsert, so two clicks racing
// each other still make one Task per item. Two calls: one query, one upsert
// (none when everything exists).
func NewTaskWriter(org func(ctx context.Context, orgID string) (TaskOrg, error)) func(ctx context.Context, m *sfzoom.Meeting, ownerID string, items []string) (int, error) {
	return func(ctx context.Context, m *sfzoom.Meeting, ownerID string, items []string) (int, error) {
		if m.ZoomUUID == "" {
			return 0, sfzoom.Errorf(sfzoom.EINVALID, "This meeting has not ended yet, so it has no action items. Try again after the meeting.")
		}
		sf, err := org(ctx, m.OrgID)
		if err != nil {
			return 0, err
		}
		items = items[:min(len(items), maxTasks)]
		keys := make([]string, len(items))
		for i := range items {
			keys[i] = TaskExternalID(m.ZoomUUID, i+1)
		}
		existing, err := sf.QueryIn(ctx, salesforce.Select(salesforce.FieldID, salesforce.FieldZoomMeetingID).From(salesforce.ObjectTask),
			salesforce.FieldZoomMeetingID, keys)
		if err != nil {
			return 0, fmt.Errorf("activity: find tasks: %w", err)
		}
		have := map[string]bool{}
		for _, r := range existing {
			have[r.String(salesforce.FieldZoomMeetingID)] = true
		}
		var recs []salesforce.Fields
		for i, item := range items {
			if have[keys[i]] {
				continue
			}
			var who, what string
			switch m.RecordObject {
			case sfzoom.ObjectContact, sfzoom.ObjectLead:
				who = m.RecordID
			case sfzoom.ObjectOpportunity, sfzoom.ObjectAccount:
				what = m.RecordID
			}
			t := followUpTask(m.Topic, m.StartTime, m.EndTime(), item, ownerID, who, what)
			t[salesforce.FieldZoomMeetingID] = keys[i]
			recs = append(recs, t)
		}
		if len(recs) == 0 {
			return 0, nil
		}
		res, err := sf.UpsertRecords(ctx, salesforce.ObjectTask, salesforce.FieldZoomMeetingID, true, recs)
		if err != nil {
			return 0, fmt.Errorf("activity: write tasks: %w", err)
		}
		created := 0
		for _, r := range res {
			if r.Created {
				created++
			}
		}
		return created, nil
	}
}

// followUpTask is the Task for one AI action item of a meeting that ran
// from start to end, due a week after it, owned by the rep; who and what
// relate it ("" leaves them out).
func followUpTask(topic string, start, end time.Time, item, ownerID, who, what string) salesforce.Fields {
	t := salesforce.Fields{
		salesforce.FieldSubject: truncate(item, 255),
		salesforce.FieldDescription: truncate(fmt.Sprintf("Follow-up from the Zoom meeting \"%s\" (%s UTC), from the AI Companion summary.",
			topic, start.UTC().Format("2006-01-02 15:04")), 32000),
		salesforce.FieldActivityDate: salesforce.DateOf(end.AddDate(0, 0, 7)),
	}
	if ownerID != "" {
		t[salesforce.FieldOwnerID] = ownerID
	}
	if who != "" {
		t[salesforce.FieldWhoID] = who
	}
	if what != "" {
		t[salesforce.FieldWhatID] = what
	}
	return t
}

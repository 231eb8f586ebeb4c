package recordings

import (
	"context"
	"fmt"

	"github.com/sfzoom/sfzoom/internal/salesforce"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// TaskOrg is what writing follow-up Tasks needs from the org's Salesforce
// client (*salesforce.Client has it).
type TaskOrg interface {
	QueryIn(ctx context.Context, q salesforce.Query, f salesforce.Field, values []string) ([]salesforce.Record, error)
	UpsertRecords(ctx context.Context, object salesforce.Object, extIDField salesforce.Field, allOrNone bool, records []salesforce.Fields) ([]salesforce.SaveResult, error)
}

// MaxTasks bounds the Tasks one meeting's action items create (the
// post-meeting pipeline uses the same bound).
const MaxTasks = 20

// NewTaskWriter returns the TaskFunc behind "Create tasks from action
// items". Task n (from 1) of a meeting is keyed Zoom_Meeting_ID__c =
// key(uuid, n): pass activity.TaskExternalID, the post-meeting pipeline's
// key, so the button and the pipeline never duplicate each other.
//
// Tasks that already exist (made by the pipeline or an earlier click) are
// left exactly as they are: the rep may have edited, reassigned or closed
// them. Only the missing ones are written, by upsert, so two clicks racing
// each other still make one Task per item. Two calls: one query, one upsert
// (none when everything exists).
func NewTaskWriter(org func(ctx context.Context, orgID string) (TaskOrg, error), key func(meetingUUID string, n int) string) TaskFunc {
	return func(ctx context.Context, m *sfzoom.Meeting, ownerID string, items []string) (int, error) {
		if m.ZoomUUID == "" {
			return 0, sfzoom.Errorf(sfzoom.EINVALID, "This meeting has not ended yet, so it has no action items. Try again after the meeting.")
		}
		sf, err := org(ctx, m.OrgID)
		if err != nil {
			return 0, err
		}
		items = items[:min(len(items), MaxTasks)]
		keys := make([]string, len(items))
		for i := range items {
			keys[i] = key(m.ZoomUUID, i+1)
		}
		existing, err := sf.QueryIn(ctx, salesforce.Select(salesforce.FieldID, salesforce.FieldZoomMeetingID).From(salesforce.ObjectTask),
			salesforce.FieldZoomMeetingID, keys)
		if err != nil {
			return 0, fmt.Errorf("recordings: find tasks: %w", err)
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
			t := salesforce.Fields{
				salesforce.FieldZoomMeetingID: keys[i],
				salesforce.FieldSubject:       clip(item, 255),
				salesforce.FieldDescription: clip(fmt.Sprintf("Follow-up from the Zoom meeting \"%s\" (%s UTC), from the AI Companion summary.",
					m.Topic, m.StartTime.UTC().Format("2006-01-02 15:04")), 32000),
				salesforce.FieldActivityDate: salesforce.DateOf(m.EndTime().AddDate(0, 0, 7)),
				salesforce.FieldOwnerID:      ownerID,
			}
			switch m.RecordObject {
			case sfzoom.ObjectContact, sfzoom.ObjectLead:
				t[salesforce.FieldWhoID] = m.RecordID
			case sfzoom.ObjectOpportunity, sfzoom.ObjectAccount:
				t[salesforce.FieldWhatID] = m.RecordID
			}
			recs = append(recs, t)
		}
		if len(recs) == 0 {
			return 0, nil
		}
		res, err := sf.UpsertRecords(ctx, salesforce.ObjectTask, salesforce.FieldZoomMeetingID, true, recs)
		if err != nil {
			return 0, fmt.Errorf("recordings: write tasks: %w", err)
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

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

package jobs

import (
	"github.com/riverqueue/river"
)

// UpsertEventArgs asks for the Salesforce Event of a scheduled meeting to be
// written (upserted by Zoom_Meeting_ID__c, so a re-run never duplicates it).
// The scheduler enqueues it in the same transaction as the meeting row, a
// little in the future, so an Event write that failed (or a crash between
// the Zoom call and the Event write) is repaired without a person.
type UpsertEventArgs struct {
	OrgID string `json:"org_id"`
	// MeetingID is sfzoom's meeting id; 0 means "find it by ZoomMeetingID"
	// (the safety-net job is inserted with the row, before the id is known).
	MeetingID     int64 `json:"meeting_id,omitempty"`
	ZoomMeetingID int64 `json:"zoom_meeting_id"`
	// WhoID and WhatID link the Event (empty keeps what the Event has).
	WhoID  string `json:"who_id,omitempty"`
	WhatID string `json:"what_id,omitempty"`
	// OnlyIfMissing skips the write when the meeting already has its Event
	// (the safety-net job enqueued at scheduling time).
	OnlyIfMissing bool `json:"only_if_missing,omitempty"`
}

// Kind implements river.JobArgs.
func (UpsertEventArgs) Kind() string { return "upsert_event" }

// InsertOpts retries for about a day. NewWorker runs the jobs with the
// scheduler's WriteEvent.
func (UpsertEventArgs) InsertOpts() river.InsertOpts { return retryForADay }

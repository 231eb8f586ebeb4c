package main

import (
	"context"
	"testing"
	"time"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/zoom/zoomtest"
)

// TestDemo_MeetingStatusFollowsZoom: in the running demo, starting a
// meeting in the fake Zoom (signed meeting.started to the real webhook, a
// River job) shows it in progress, and ending it marks it ended with the
// times it ran.
func TestDemo_MeetingStatusFollowsZoom(t *testing.T) {
	d, a := startDemoWithApp(t)
	ctx := context.Background()
	host := d.Zoom.AddUser(zoomtest.User{Email: "status.test@acme-demo.com", FirstName: "Status", LastName: "Test", Type: 2})
	zm, err := d.Zoom.AddMeeting(zoomtest.Meeting{HostID: host.ID, Topic: "Status check", Duration: 30, StartTime: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	m := &sfzoom.Meeting{OrgID: d.Info.OrgID, ZoomMeetingID: zm.ID, HostSFUserID: d.Info.Users["rep"], HostZoomUserID: host.ID,
		RecordObject: sfzoom.ObjectOpportunity, RecordID: d.Info.SampleRecords["Opportunity"][0], Topic: zm.Topic,
		StartTime: zm.StartTime, Duration: 30, Status: sfzoom.MeetingScheduled}
	if err := a.backend.Store.CreateMeeting(ctx, m); err != nil {
		t.Fatal(err)
	}
	waitStatus := func(want sfzoom.MeetingStatus) *sfzoom.Meeting {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			got, err := a.backend.Store.FindMeetingByID(ctx, m.OrgID, m.ID)
			if err == nil && got.Status == want {
				return got
			}
			if time.Now().After(deadline) {
				t.Fatalf("meeting status = %v (%v), want %q", got, err, want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	if err := d.Zoom.StartMeeting(ctx, zm.ID); err != nil {
		t.Fatal(err)
	}
	waitStatus(sfzoom.MeetingStarted)
	if _, err := d.Zoom.EndMeeting(ctx, zm.ID); err != nil {
		t.Fatal(err)
	}
	ended := waitStatus(sfzoom.MeetingEnded)
	if !ended.StartTime.Before(time.Now()) {
		t.Errorf("ended meeting start = %v, want when it really started (before now), not the scheduled time", ended.StartTime)
	}
}

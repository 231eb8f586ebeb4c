package scheduling_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/zoom"
)

// TestScheduleInstant is the "Start instant meeting" button: a Zoom meeting
// of type 1 starting now with its own topic and length (not the form's
// leftovers), hosted by the rep's own Zoom user, waiting for its host until
// Zoom says it started, with the host's start URL handed back once; one
// Event, and the same form pressed again (or concurrently) makes nothing new.
func TestScheduleInstant(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	in := e.input("instant-key-0001")
	in.Instant, in.Start = true, time.Time{} // the form sends no start for an instant meeting
	in.Topic, in.Duration, in.Agenda = "Leftover topic", 15, "Leftover agenda"
	before := time.Now()

	var wg sync.WaitGroup
	ids := make([]int64, 3)
	errs := make([]error, 3)
	startURLs := make([]string, 3)
	e.zm.SetLatency(100 * time.Millisecond)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := e.svc.Schedule(ctx, e.rep, in)
			errs[i] = err
			if err == nil {
				ids[i], startURLs[i] = res.Meeting.ID, res.StartURL
			}
		}()
	}
	wg.Wait()
	e.zm.SetLatency(0)
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Schedule #%d: %v", i, err)
		}
		if ids[i] != ids[0] {
			t.Fatalf("Schedule #%d meeting = %d, want %d", i, ids[i], ids[0])
		}
	}
	m, err := e.be.Store.FindMeetingByID(ctx, e.rep.OrgID, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	// Nobody has joined yet: it is started when Zoom sends meeting.started.
	if m.Status != sfzoom.MeetingScheduled || m.StartTime.Before(before.Add(-time.Second)) || m.StartTime.After(time.Now()) {
		t.Errorf("stored meeting status %q start %s; want scheduled (waiting for the host), starting now (%s)", m.Status, m.StartTime, before)
	}
	if want := "Instant meeting: Globex - Platform Renewal"; m.Topic != want || m.Duration != 60 || m.Agenda != "" {
		t.Errorf("stored topic %q, %d min, agenda %q; want %q, 60 min, no agenda (not the form's leftovers)", m.Topic, m.Duration, m.Agenda, want)
	}
	if n := e.zoomCreates(); n != 1 {
		t.Errorf("Zoom create meeting calls = %d, want 1", n)
	}

	// At Zoom: type 1, hosted by Riley's Zoom user (matched by email).
	zc := zoom.NewClient(&http.Client{Transport: bearer{e.zm.IssueAccessToken("")}}, zoom.WithBaseURL(e.zm.APIURL()))
	zm, err := zc.Meeting(ctx, m.ZoomMeetingID)
	if err != nil {
		t.Fatalf("zoom meeting: %v", err)
	}
	riley, err := zc.User(ctx, "riley.chen@acme-demo.com")
	if err != nil {
		t.Fatal(err)
	}
	if zm.Type != zoom.MeetingInstant || zm.HostID != riley.ID || m.HostZoomUserID != riley.ID {
		t.Errorf("zoom meeting type %d host %q (stored %q); want type %d host %q", zm.Type, zm.HostID, m.HostZoomUserID, zoom.MeetingInstant, riley.ID)
	}
	// The submission that created it gets the host's start URL (the others
	// waited for it and get the meeting only).
	var got []string
	for _, u := range startURLs {
		if u != "" {
			got = append(got, u)
		}
	}
	// (The fake, like Zoom, mints a new zak token on every read.)
	prefix, _, _ := strings.Cut(zm.StartURL, "?")
	if len(got) != 1 || !strings.HasPrefix(got[0], prefix+"?zak=") {
		t.Errorf("start URLs handed back = %q, want Zoom's start URL (%s?zak=…) exactly once", got, prefix)
	}

	// One Event, keyed by the occurrence, with the join URL.
	events := e.sf.Records("Event")
	if len(events) != 1 {
		t.Fatalf("Events = %d, want 1", len(events))
	}
	ev := events[0]
	if ev["Zoom_Meeting_ID__c"] != m.ZoomUUID || ev["Location"] != m.JoinURL || ev["WhatId"] != e.seed.OpportunityIDs[0] {
		t.Errorf("Event = %v", ev)
	}
	if st, ok := ev["StartDateTime"].(time.Time); !ok || st.Sub(before).Abs() > time.Minute {
		t.Errorf("Event StartDateTime = %v, want about now (%s)", ev["StartDateTime"], before)
	}

	// A resubmission later returns the same meeting.
	res, err := e.svc.Schedule(ctx, e.rep, in)
	if err != nil || res.Meeting.ID != ids[0] || !res.Duplicate {
		t.Fatalf("resubmit = %+v, %v; want a duplicate of %d", res, err, ids[0])
	}
	if n, ev := e.zoomCreates(), len(e.sf.Records("Event")); n != 1 || ev != 1 {
		t.Errorf("after resubmission: Zoom creates %d, Events %d; want 1 and 1", n, ev)
	}
}

package activity

import (
	"strings"
	"testing"
	"time"

	"github.com/sfzoom/sfzoom/internal/salesforce"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// TestOccurrenceInTheMeetingsZone: a meeting at 22:55 Pacific on 4 Dec is
// 06:55 UTC on 5 Dec; the Event description says the host's time with its
// zone, and the occurrence's day in its zone (what writeDirect writes to the
// Opportunity's Last_Meeting_Date__c, a date field with no zone) is 4 Dec.
func TestOccurrenceInTheMeetingsZone(t *testing.T) {
	start := time.Date(2026, 12, 5, 6, 55, 0, 0, time.UTC)
	m := &sfzoom.Meeting{Topic: "Renewal", Timezone: "America/Los_Angeles", StartTime: start, Duration: 30,
		Agenda: "Pricing and the renewal date"}
	var p Pipeline
	o := p.occurrence("00D000000000001AAA", "u==", 81234567890, m, &fetched{}, nil, &lookup{})
	if got := salesforce.DateOf(o.start.In(o.loc)).String(); got != "2026-12-04" {
		t.Errorf("Last_Meeting_Date__c = %v, want 2026-12-04 (the host's day)", got)
	}
	desc := o.description()
	for _, want := range []string{"Fri 4 Dec 2026, 22:55 PST", "Pricing and the renewal date"} {
		if !strings.Contains(desc, want) {
			t.Errorf("description lacks %q:\n%s", want, desc)
		}
	}
	// With no zone known the time is UTC, and says so.
	o = p.occurrence("00D000000000001AAA", "u==", 81234567890, &sfzoom.Meeting{Topic: "x", StartTime: start, Duration: 30}, &fetched{}, nil, &lookup{})
	if desc := o.description(); !strings.Contains(desc, "Sat 5 Dec 2026, 06:55 UTC") {
		t.Errorf("description without a zone:\n%s", desc)
	}
}

// TestOccurrenceInTheOrgsZone: a meeting with no time zone of its own (not
// scheduled through sfzoom, no recording) is written in the org's default
// time zone, Organization.TimeZoneSidKey, read in the lookup call; the
// Opportunity's Last_Meeting_Date__c is that zone's day.
func TestOccurrenceInTheOrgsZone(t *testing.T) {
	start := time.Date(2026, 12, 5, 6, 55, 0, 0, time.UTC)
	var p Pipeline
	o := p.occurrence("00D000000000001AAA", "u==", 81234567890, &sfzoom.Meeting{Topic: "x", StartTime: start, Duration: 30},
		&fetched{}, nil, &lookup{orgZone: "America/New_York"})
	if desc := o.description(); !strings.Contains(desc, "Sat 5 Dec 2026, 01:55 EST") {
		t.Errorf("description in the org's zone:\n%s", desc)
	}
	if got := salesforce.DateOf(o.start.In(o.loc)).String(); got != "2026-12-05" {
		t.Errorf("Last_Meeting_Date__c = %v, want 2026-12-05", got)
	}
	// The meeting's own zone wins over the org's.
	o = p.occurrence("00D000000000001AAA", "u==", 81234567890, &sfzoom.Meeting{Topic: "x", StartTime: start, Duration: 30, Timezone: "America/Los_Angeles"},
		&fetched{}, nil, &lookup{orgZone: "America/New_York"})
	if desc := o.description(); !strings.Contains(desc, "Fri 4 Dec 2026, 22:55 PST") {
		t.Errorf("description in the meeting's zone:\n%s", desc)
	}
}

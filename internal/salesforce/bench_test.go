package salesforce_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/sfzoom/sfzoom/internal/salesforce"
)

// BenchmarkParticipantLookup matches 200 participant e-mails against
// Contacts then Leads, batched; it reports API calls per op.
func BenchmarkParticipantLookup(b *testing.B) {
	e := MustSetup(b)
	emails := make([]string, 200)
	for i := range emails {
		emails[i] = fmt.Sprintf("participant.%03d@customer-domain.example", i)
	}
	emails[0], emails[1] = "hank@globex.example", "fox@truth.example"
	ctx := context.Background()
	e.srv.ResetRequests()
	b.ResetTimer()
	for b.Loop() {
		if _, err := e.client.FindContactsByEmail(ctx, emails); err != nil {
			b.Fatal(err)
		}
		if _, err := e.client.FindLeadsByEmail(ctx, emails); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(e.srv.APICalls())/float64(b.N), "calls/op")
}

// BenchmarkMeetingWrite writes one meeting's records in one Composite call:
// Event upsert + Opportunity update + 3 Tasks.
func BenchmarkMeetingWrite(b *testing.B) {
	e := MustSetup(b)
	ctx := context.Background()
	e.srv.ResetRequests()
	i := 0
	b.ResetTimer()
	for b.Loop() {
		i++
		if _, err := e.client.Composite(ctx, true, meetingSteps(fmt.Sprintf("bench-%d", i%50), e.demo.OpportunityIDs[0], e.demo.ContactIDs[0])); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(e.srv.APICalls())/float64(b.N), "calls/op")
}

var _ = salesforce.DefaultAPIVersion

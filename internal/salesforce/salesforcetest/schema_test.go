package salesforcetest

import (
	"net/http"
	"strings"
	"testing"

	"github.com/sfzoom/sfzoom/internal/sfdxmeta"
)

// TestSchemaComesFromSFDX proves the fake org's custom fields are the ones
// sfdx/ deploys: with Opportunity.Meeting_Count__c removed from the metadata,
// a write to it is refused with INVALID_FIELD, as a real org without the
// field would refuse it.
func TestSchemaComesFromSFDX(t *testing.T) {
	meta, err := sfdxmeta.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	full := withSFDX(DefaultSchema(), meta)
	if !hasField(full, "Opportunity", "Meeting_Count__c") || !hasField(full, "Event", "Zoom_Meeting_ID__c") || !hasField(full, "Task", "Zoom_Meeting_ID__c") {
		t.Fatal("the sfdx custom fields are missing from the fake's schema")
	}
	delete(meta.Objects["Opportunity"].Fields, "Meeting_Count__c")
	reduced := withSFDX(DefaultSchema(), meta)
	if hasField(reduced, "Opportunity", "Meeting_Count__c") {
		t.Fatal("a field removed from sfdx/ is still in the fake's schema")
	}

	for _, tc := range []struct {
		name   string
		schema Schema
		want   int
	}{{"Deployed", full, http.StatusCreated}, {"NotDeployed", reduced, http.StatusBadRequest}} {
		t.Run(tc.name, func(t *testing.T) {
			srv := NewServer(WithSchema(tc.schema))
			defer srv.Close()
			admin := srv.AddUser(User{FirstName: "Alex", LastName: "Admin", Email: "alex@example.com", SystemAdmin: true})
			tok := srv.IssueToken(admin)
			req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/services/data/v62.0/sobjects/Opportunity",
				strings.NewReader(`{"Name":"Renewal","StageName":"Prospecting","CloseDate":"2026-12-31","Meeting_Count__c":1}`))
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("POST Opportunity.Meeting_Count__c = %d, want %d", resp.StatusCode, tc.want)
			}
		})
	}
}

func hasField(s Schema, object, field string) bool {
	for _, o := range s.Objects {
		if o.Name != object {
			continue
		}
		for _, f := range o.Fields {
			if f.Name == field {
				return true
			}
		}
	}
	return false
}

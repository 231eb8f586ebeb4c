package sfdxmeta_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sfzoom/sfzoom/internal/salesforce"
	"github.com/sfzoom/sfzoom/internal/sfdxmeta"
)

func mustParseDir(tb testing.TB, dir string) *sfdxmeta.Schema {
	tb.Helper()
	s, err := sfdxmeta.Parse(os.DirFS(dir))
	if err != nil {
		tb.Fatalf("Parse(%s): %v", dir, err)
	}
	return s
}

// TestCustomFieldsInSFDX checks that every field the service uses is deployed by sfdx/ with a compatible type.
func TestCustomFieldsInSFDX(t *testing.T) {
	want := salesforce.CustomFields()
	if len(want) == 0 {
		t.Fatal("salesforce.CustomFields() is empty")
	}
	s := mustParseDir(t, sfdxDir(t))
	if err := sfdxmeta.Check(s, want); err != nil {
		t.Errorf("Check(sfdx/, salesforce.CustomFields()) = %v, want nil", err)
	}
}

// TestCheckFailsWhenFieldRemoved proves the check above can fail: it deletes one field file from a copy of
// sfdx/ and expects an error naming that field.
func TestCheckFailsWhenFieldRemoved(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		wantErr string
	}{
		{"ActivityField", "force-app/main/default/objects/Activity/fields/Zoom_Meeting_ID__c.field-meta.xml", "Activity.Zoom_Meeting_ID__c"},
		{"UserField", "force-app/main/default/objects/User/fields/Zoom_Email__c.field-meta.xml", "User.Zoom_Email__c"},
		{"PlatformEventField", "force-app/main/default/objects/Zoom_Meeting_Event__e/fields/Who_ID__c.field-meta.xml", "Zoom_Meeting_Event__e.Who_ID__c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := MustCopySFDX(t)
			if err := os.Remove(filepath.Join(dir, filepath.FromSlash(tt.file))); err != nil {
				t.Fatal(err)
			}
			err := sfdxmeta.Check(mustParseDir(t, dir), salesforce.CustomFields())
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Check() after removing %s = %v, want an error naming %s", tt.file, err, tt.wantErr)
			}
			if strings.Count(err.Error(), "\n") != 0 {
				t.Errorf("Check() = %v, want exactly one error", err)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	s := &sfdxmeta.Schema{Objects: map[string]*sfdxmeta.Object{
		"Activity": {Name: "Activity", Fields: map[string]sfdxmeta.Field{
			"Zoom_Meeting_ID__c": {Object: "Activity", Name: "Zoom_Meeting_ID__c", Type: "Text", Length: 255, ExternalID: true, Unique: true},
			"Plain__c":           {Object: "Activity", Name: "Plain__c", Type: "Text", Length: 64},
		}},
		"Opportunity": {Name: "Opportunity", Fields: map[string]sfdxmeta.Field{
			"Meeting_Count__c": {Object: "Opportunity", Name: "Meeting_Count__c", Type: "Number", Precision: 18},
		}},
		"X__e": {Name: "X__e", PlatformEvent: true, Fields: map[string]sfdxmeta.Field{
			"Url__c": {Object: "X__e", Name: "Url__c", Type: "Text", Length: 255},
		}},
	}}
	tests := []struct {
		name    string
		want    salesforce.FieldSpec
		wantErr string // "" for no error
	}{
		{"OK", salesforce.FieldSpec{Object: "Activity", Field: "Zoom_Meeting_ID__c", Type: "Text", Length: 255, ExternalID: true, Unique: true}, ""},
		{"DescribeTypeName", salesforce.FieldSpec{Object: "Activity", Field: "Zoom_Meeting_ID__c", Type: "string"}, ""},
		{"NumberPrecision", salesforce.FieldSpec{Object: "Opportunity", Field: "Meeting_Count__c", Type: "Number", Length: 18}, ""},
		{"PlatformEventURLAsText", salesforce.FieldSpec{Object: "X__e", Field: "Url__c", Type: "Url"}, ""},
		{"ShorterWantIsFine", salesforce.FieldSpec{Object: "Activity", Field: "Plain__c", Type: "Text", Length: 18}, ""},
		{"ErrMissingObject", salesforce.FieldSpec{Object: "Lead", Field: "Zoom__c", Type: "Text"}, "Lead.Zoom__c is missing"},
		{"ErrMissingField", salesforce.FieldSpec{Object: "Activity", Field: "Nope__c", Type: "Text"}, "Activity.Nope__c is missing"},
		{"ErrType", salesforce.FieldSpec{Object: "Activity", Field: "Plain__c", Type: "Url"}, "Activity.Plain__c () has type Text, want Url"},
		{"ErrURLAsTextOutsidePlatformEvent", salesforce.FieldSpec{Object: "Activity", Field: "Plain__c", Type: "Email"}, "want Email"},
		{"ErrTooShort", salesforce.FieldSpec{Object: "Activity", Field: "Plain__c", Type: "Text", Length: 255}, "length 64, want at least 255"},
		{"ErrNotExternalID", salesforce.FieldSpec{Object: "Activity", Field: "Plain__c", Type: "Text", ExternalID: true}, "not an external id"},
		{"ErrNotUnique", salesforce.FieldSpec{Object: "Activity", Field: "Plain__c", Type: "Text", Unique: true}, "not unique"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := sfdxmeta.Check(s, []salesforce.FieldSpec{tt.want})
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Check(%+v) = %v, want nil", tt.want, err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("Check(%+v) = %v, want an error containing %q", tt.want, err, tt.wantErr)
			}
		})
	}
}

package sfdxmeta_test

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/sfzoom/sfzoom/internal/sfdxmeta"
)

var update = flag.Bool("update", false, "rewrite schema.json from sfdx/")

func TestParse(t *testing.T) {
	s := mustParseDir(t, sfdxDir(t))
	tests := []struct {
		object, field string
		want          sfdxmeta.Field
	}{
		{"Activity", "Zoom_Meeting_ID__c", sfdxmeta.Field{Object: "Activity", Name: "Zoom_Meeting_ID__c", Type: "Text", Label: "Zoom Occurrence Key",
			Length: 255, ExternalID: true, Unique: true, CaseSensitive: true,
			Path: "force-app/main/default/objects/Activity/fields/Zoom_Meeting_ID__c.field-meta.xml"}},
		{"Opportunity", "Meeting_Count__c", sfdxmeta.Field{Object: "Opportunity", Name: "Meeting_Count__c", Type: "Number", Label: "Meeting Count",
			Precision: 18, Path: "force-app/main/default/objects/Opportunity/fields/Meeting_Count__c.field-meta.xml"}},
		{"Zoom_Meeting_Event__e", "Meeting_ID__c", sfdxmeta.Field{Object: "Zoom_Meeting_Event__e", Name: "Meeting_ID__c", Type: "Text", Label: "Meeting ID",
			Length: 255, Required: true, Path: "force-app/main/default/objects/Zoom_Meeting_Event__e/fields/Meeting_ID__c.field-meta.xml"}},
	}
	for _, tt := range tests {
		got, ok := s.Field(tt.object, tt.field)
		if !ok {
			t.Errorf("Field(%s, %s) not found", tt.object, tt.field)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Field(%s, %s) mismatch (-want +got):\n%s", tt.object, tt.field, diff)
		}
	}
	pe := s.Objects["Zoom_Meeting_Event__e"]
	if pe == nil || !pe.PlatformEvent || pe.EventType != "HighVolume" || pe.PublishBehavior != "PublishAfterCommit" {
		t.Errorf("Objects[Zoom_Meeting_Event__e] = %+v, want a HighVolume PublishAfterCommit platform event", pe)
	}
	// Task and Event fields live under Activity; a Task or Event folder is rejected by the org.
	for _, bad := range []string{"Task", "Event"} {
		if _, ok := s.Objects[bad]; ok {
			t.Errorf("sfdx/ declares fields under objects/%s; they belong under objects/Activity", bad)
		}
	}
	// Platform events accept only these field types (Salesforce Help, "Platform Event Fields").
	allowed := map[string]bool{"Checkbox": true, "Date": true, "DateTime": true, "Number": true, "Text": true, "LongTextArea": true}
	for _, f := range s.Fields() {
		if strings.HasSuffix(f.Object, "__e") && !allowed[f.Type] {
			t.Errorf("%s.%s has type %s, not allowed on a platform event", f.Object, f.Name, f.Type)
		}
	}
}

func TestParseErrors(t *testing.T) {
	const ns = `xmlns="http://soap.sforce.com/2006/04/metadata"`
	const path = "force-app/main/default/objects/User/fields/Zoom_Email__c.field-meta.xml"
	tests := []struct {
		name    string
		content string
		wantErr string
	}{
		{"ErrMalformed", `<CustomField ` + ns + `><type>Email</typo></CustomField>`, "malformed XML"},
		{"ErrRoot", `<CustomObject ` + ns + `><type>Email</type></CustomObject>`, "root element"},
		{"ErrNamespace", `<CustomField><type>Email</type></CustomField>`, "root element"},
		{"ErrFullName", `<CustomField ` + ns + `><fullName>Other__c</fullName><type>Email</type></CustomField>`, "does not match the file name"},
		{"ErrNoType", `<CustomField ` + ns + `><label>x</label></CustomField>`, "missing <type>"},
		{"ErrBoolean", `<CustomField ` + ns + `><type>Email</type><unique>yes</unique></CustomField>`, "<unique>yes</unique> is not a boolean"},
		{"ErrNumber", `<CustomField ` + ns + `><type>Text</type><length>long</length></CustomField>`, "is not a number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{path: {Data: []byte(tt.content)}}
			_, err := sfdxmeta.Parse(fsys)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), path) {
				t.Errorf("Parse() = %v, want an error containing %q and the file path", err, tt.wantErr)
			}
		})
	}
}

// TestEmbeddedSchema checks that schema.json matches sfdx/; `go test -run TestEmbeddedSchema -update`
// (or `go generate ./internal/sfdxmeta`) rewrites it.
func TestEmbeddedSchema(t *testing.T) {
	s := mustParseDir(t, sfdxDir(t))
	want, err := s.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("schema.json", want, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Log("schema.json updated; rebuild to embed it")
		return
	}
	onDisk, err := os.ReadFile("schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(onDisk, want) {
		t.Fatalf("schema.json is out of date with sfdx/; run: go generate ./internal/sfdxmeta\n%s", cmp.Diff(string(onDisk), string(want)))
	}
	got, err := sfdxmeta.Embedded()
	if err != nil {
		t.Fatalf("Embedded() error = %v", err)
	}
	if diff := cmp.Diff(s, got); diff != "" {
		t.Errorf("Embedded() differs from Parse(sfdx/) (-parsed +embedded); rebuild after -update:\n%s", diff)
	}
}

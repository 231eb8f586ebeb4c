package salesforcetest

import (
	"embed"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/sfzoom/sfzoom/internal/sfdxmeta"
)

//go:embed fixtures/*.json
var fixtures embed.FS

// Schema is the set of objects and fields the fake org knows. Writes and
// queries are validated against it, and describe is generated from it.
type Schema struct {
	Objects []ObjectSchema `json:"objects"`
}

// ObjectSchema describes one sObject.
type ObjectSchema struct {
	Name          string        `json:"name"`
	KeyPrefix     string        `json:"keyPrefix"`
	Label         string        `json:"label"`
	Custom        bool          `json:"custom"`
	ReadOnly      bool          `json:"readonly"`
	PlatformEvent bool          `json:"platformEvent"`
	Fields        []FieldSchema `json:"fields"`
}

// FieldSchema describes one field with its describe type ("string", "url",
// "email", "date", "datetime", "double", "textarea", "boolean",
// "reference", "id", "picklist", …).
type FieldSchema struct {
	Name             string   `json:"name"`
	Type             string   `json:"type"`
	Length           int      `json:"length"`
	Precision        int      `json:"precision"`
	Custom           bool     `json:"custom"`
	ExternalID       bool     `json:"externalId"`
	Unique           bool     `json:"unique"`
	ReadOnly         bool     `json:"readonly"`
	ReferenceTo      []string `json:"referenceTo"`
	RelationshipName string   `json:"relationshipName"`
}

// DefaultSchema returns the fake org's schema: the standard objects and
// fields sfzoom uses (fixtures/schema.json) plus the custom fields and
// platform event that sfdx/ deploys, loaded from the sfdx metadata (through
// sfdxmeta's embedded copy, which a test keeps in sync with sfdx/). A field
// the Go code writes but sfdx/ does not deploy is therefore unknown to the
// fake, and writes to it fail with INVALID_FIELD, as in a real org.
func DefaultSchema() Schema {
	b, err := fixtures.ReadFile("fixtures/schema.json")
	if err != nil {
		panic(fmt.Sprintf("salesforcetest: embedded schema missing: %v", err))
	}
	var s Schema
	if err := json.Unmarshal(b, &s); err != nil {
		panic(fmt.Sprintf("salesforcetest: embedded schema invalid: %v", err))
	}
	meta, err := sfdxmeta.Embedded()
	if err != nil {
		panic(fmt.Sprintf("salesforcetest: sfdx schema: %v", err))
	}
	return withSFDX(s, meta)
}

// withSFDX replaces every custom field and custom object of base by what the
// sfdx metadata declares. Activity fields apply to Event and Task.
func withSFDX(base Schema, meta *sfdxmeta.Schema) Schema {
	var out Schema
	prefixes := map[string]string{}
	for _, o := range base.Objects {
		if o.Custom || strings.HasSuffix(o.Name, "__e") || strings.HasSuffix(o.Name, "__c") {
			prefixes[o.Name] = o.KeyPrefix
			continue
		}
		std := o
		std.Fields = nil
		for _, f := range o.Fields {
			if !f.Custom {
				std.Fields = append(std.Fields, f)
			}
		}
		out.Objects = append(out.Objects, std)
	}
	find := func(name string) *ObjectSchema {
		for i := range out.Objects {
			if out.Objects[i].Name == name {
				return &out.Objects[i]
			}
		}
		return nil
	}
	for _, f := range meta.Fields() {
		targets := []string{f.Object}
		if f.Object == "Activity" {
			targets = []string{"Event", "Task"}
		}
		for _, name := range targets {
			o := find(name)
			if o == nil {
				mo := meta.Objects[f.Object]
				prefix := prefixes[name]
				if prefix == "" {
					prefix = "a0" + string(rune('A'+len(out.Objects)%26))
				}
				out.Objects = append(out.Objects, ObjectSchema{Name: name, KeyPrefix: prefix, Label: name,
					Custom: true, PlatformEvent: mo != nil && mo.PlatformEvent})
				o = &out.Objects[len(out.Objects)-1]
			}
			o.Fields = append(o.Fields, FieldSchema{
				Name: f.Name, Type: describeType(f.Type), Length: f.Length, Precision: f.Precision,
				Custom: true, ExternalID: f.ExternalID, Unique: f.Unique,
			})
		}
	}
	return out
}

// describeType maps a metadata field type to the describe type the REST API reports.
func describeType(metadataType string) string {
	switch metadataType {
	case "Text", "":
		return "string"
	case "Url":
		return "url"
	case "Email":
		return "email"
	case "Date":
		return "date"
	case "DateTime":
		return "datetime"
	case "Number", "Currency", "Percent":
		return "double"
	case "LongTextArea", "TextArea", "Html":
		return "textarea"
	case "Checkbox":
		return "boolean"
	case "Picklist":
		return "picklist"
	case "Lookup", "MasterDetail":
		return "reference"
	case "Phone":
		return "phone"
	}
	return strings.ToLower(metadataType)
}

func (s Schema) object(name string) (*ObjectSchema, bool) {
	for i := range s.Objects {
		if strings.EqualFold(s.Objects[i].Name, name) {
			return &s.Objects[i], true
		}
	}
	return nil, false
}

func (o *ObjectSchema) field(name string) (*FieldSchema, bool) {
	for i := range o.Fields {
		if strings.EqualFold(o.Fields[i].Name, name) {
			return &o.Fields[i], true
		}
	}
	return nil, false
}

func (o *ObjectSchema) relationship(name string) (*FieldSchema, bool) {
	for i := range o.Fields {
		if o.Fields[i].RelationshipName != "" && strings.EqualFold(o.Fields[i].RelationshipName, name) {
			return &o.Fields[i], true
		}
	}
	return nil, false
}

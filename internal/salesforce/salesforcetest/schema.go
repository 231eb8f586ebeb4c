package salesforcetest

import (
	"embed"
	"encoding/json"
	"fmt"
	"strings"
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

// DefaultSchema returns the embedded schema: the standard fields sfzoom
// uses plus its custom fields. It is the one place to swap in a schema
// loaded from sfdx/ metadata.
func DefaultSchema() Schema {
	b, err := fixtures.ReadFile("fixtures/schema.json")
	if err != nil {
		panic(fmt.Sprintf("salesforcetest: embedded schema missing: %v", err))
	}
	var s Schema
	if err := json.Unmarshal(b, &s); err != nil {
		panic(fmt.Sprintf("salesforcetest: embedded schema invalid: %v", err))
	}
	return s
}

func (s Schema) object(name string) (*ObjectSchema, bool) {
	for i := range s.Objects {
		if strings.EqualFold(s.Objects[i].Name, name) {
			return &s.Objects[i], true
		}
	}
	return nil, false
}

func (s Schema) objectByPrefix(prefix string) (*ObjectSchema, bool) {
	for i := range s.Objects {
		if s.Objects[i].KeyPrefix != "" && s.Objects[i].KeyPrefix == prefix {
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

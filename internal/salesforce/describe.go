package salesforce

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// Describe is the part of an sObject describe result sfzoom reads.
type Describe struct {
	Name   string          `json:"name"`
	Label  string          `json:"label"`
	Custom bool            `json:"custom"`
	Fields []DescribeField `json:"fields"`
}

// DescribeField is one field of a describe result.
type DescribeField struct {
	Name             string   `json:"name"`
	Label            string   `json:"label"`
	Type             string   `json:"type"` // "string", "url", "email", "date", "datetime", "double", "textarea", …
	Length           int      `json:"length"`
	Precision        int      `json:"precision"`
	Scale            int      `json:"scale"`
	Custom           bool     `json:"custom"`
	ExternalID       bool     `json:"externalId"`
	Unique           bool     `json:"unique"`
	Nillable         bool     `json:"nillable"`
	Createable       bool     `json:"createable"`
	Updateable       bool     `json:"updateable"`
	ReferenceTo      []string `json:"referenceTo"`
	RelationshipName string   `json:"relationshipName"`
}

// Field returns the named field, case-insensitively.
func (d *Describe) Field(name string) (DescribeField, bool) {
	for _, f := range d.Fields {
		if strings.EqualFold(f.Name, name) {
			return f, true
		}
	}
	return DescribeField{}, false
}

// Describe returns the describe result of object.
//
// Salesforce docs: https://developer.salesforce.com/docs/platform/api-rest/guide/resources_sobject_describe.htm
//
// Errors: ENOTFOUND (unknown object), EUNAUTHORIZED, ERATELIMIT,
// EUNAVAILABLE.
func (c *Client) Describe(ctx context.Context, object Object) (*Describe, error) {
	if err := checkObject(object); err != nil {
		return nil, fmt.Errorf("salesforce: describe: %w", err)
	}
	var d Describe
	if _, err := c.call(ctx, http.MethodGet, "sobjects/"+string(object)+"/describe", nil, &d); err != nil {
		return nil, fmt.Errorf("salesforce: describe %s: %w", object, toDomain(err))
	}
	return &d, nil
}

// describeType maps a metadata field type to the describe "type".
var describeType = map[string]string{
	TypeText:         "string",
	TypeURL:          "url",
	TypeEmail:        "email",
	TypeDate:         "date",
	TypeDateTime:     "datetime",
	TypeNumber:       "double",
	TypeLongTextArea: "textarea",
	TypeCheckbox:     "boolean",
}

// MissingFields describes Event, Task, Opportunity and User and returns the
// custom fields from CustomFields that are absent or have the wrong type (an
// Activity field is checked on both Event and Task and reported with the
// concrete object). An empty result means the org is ready. With
// WithPlatformEvent it also describes the Zoom_Meeting_Event__e platform
// event; an org without it reports every one of its fields.
//
// Errors: as Describe.
func (c *Client) MissingFields(ctx context.Context, opts ...MissingFieldsOption) ([]FieldSpec, error) {
	var o missingFieldsOptions
	for _, opt := range opts {
		opt(&o)
	}
	objects := []Object{ObjectEvent, ObjectTask, ObjectOpportunity, ObjectUser}
	described := make(map[Object]*Describe, len(objects)+1)
	for _, o := range objects {
		d, err := c.Describe(ctx, o)
		if err != nil {
			return nil, fmt.Errorf("salesforce: missing fields: %w", err)
		}
		described[o] = d
	}
	if o.platformEvent {
		d, err := c.Describe(ctx, ObjectZoomMeetingEvent)
		switch {
		case sfzoom.ErrorCode(err) == sfzoom.ENOTFOUND:
			d = &Describe{Name: string(ObjectZoomMeetingEvent)} // not deployed: every field is missing
		case err != nil:
			return nil, fmt.Errorf("salesforce: missing fields: %w", err)
		}
		described[ObjectZoomMeetingEvent] = d
	}
	var missing []FieldSpec
	for _, spec := range CustomFields() {
		targets := []Object{Object(spec.Object)}
		if spec.Object == string(ObjectActivity) {
			targets = []Object{ObjectEvent, ObjectTask}
		}
		for _, o := range targets {
			d, ok := described[o]
			if !ok {
				continue // the platform event, unless WithPlatformEvent
			}
			f, ok := d.Field(spec.Field)
			if !ok || f.Type != describeType[spec.Type] {
				s := spec
				s.Object = string(o)
				missing = append(missing, s)
			}
		}
	}
	return missing, nil
}

// MissingFieldsOption changes what MissingFields checks.
type MissingFieldsOption func(*missingFieldsOptions)

type missingFieldsOptions struct{ platformEvent bool }

// WithPlatformEvent makes MissingFields check the Zoom_Meeting_Event__e
// platform event's fields too (one more describe call).
func WithPlatformEvent() MissingFieldsOption {
	return func(o *missingFieldsOptions) { o.platformEvent = true }
}

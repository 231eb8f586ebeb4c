package salesforce

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// Record is one sObject as returned by a query or a GET: its attributes and
// its fields kept raw, so callers read exactly the fields they selected.
// Relationship fields ("Account.Website") are read through the nested
// object Salesforce returns.
type Record struct {
	Type   string
	URL    string
	fields map[string]json.RawMessage
}

// UnmarshalJSON decodes a record with its "attributes".
func (r *Record) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	if a, ok := m["attributes"]; ok {
		var attrs struct {
			Type string `json:"type"`
			URL  string `json:"url"`
		}
		if err := json.Unmarshal(a, &attrs); err != nil {
			return err
		}
		r.Type, r.URL = attrs.Type, attrs.URL
		delete(m, "attributes")
	}
	r.fields = m
	return nil
}

// Raw returns the field's raw JSON, or nil when absent or null. Field
// names match case-insensitively, as in Salesforce.
func (r Record) Raw(f Field) json.RawMessage {
	head, rest, nested := strings.Cut(string(f), ".")
	raw := r.lookup(head)
	if raw == nil {
		return nil
	}
	if !nested {
		return raw
	}
	var sub Record
	if json.Unmarshal(raw, &sub) != nil {
		return nil
	}
	return sub.Raw(Field(rest))
}

func (r Record) lookup(name string) json.RawMessage {
	raw, ok := r.fields[name]
	if !ok {
		for k, v := range r.fields {
			if strings.EqualFold(k, name) {
				raw, ok = v, true
				break
			}
		}
	}
	if !ok || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil
	}
	return raw
}

// Has reports whether the field is present with a non-null value.
func (r Record) Has(f Field) bool { return r.Raw(f) != nil }

// ID returns the record's Id (18 characters when Salesforce sent 18).
func (r Record) ID() string { return r.String(FieldID) }

// String returns a text field, "" when null or absent. Numbers and booleans
// are formatted.
func (r Record) String(f Field) string {
	raw := r.Raw(f)
	if raw == nil {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// Bool returns a checkbox field (false when null).
func (r Record) Bool(f Field) bool {
	var b bool
	_ = json.Unmarshal(r.Raw(f), &b)
	return b
}

// Float returns a number field; ok is false when null or absent.
func (r Record) Float(f Field) (v float64, ok bool) {
	raw := r.Raw(f)
	if raw == nil {
		return 0, false
	}
	if json.Unmarshal(raw, &v) == nil {
		return v, true
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		v, err := strconv.ParseFloat(s, 64)
		return v, err == nil
	}
	return 0, false
}

// Time returns a datetime or date field; ok is false when null or
// unparseable. Salesforce sends "2013-05-20T20:49:32.000+0000", which
// time.RFC3339 cannot parse.
func (r Record) Time(f Field) (time.Time, bool) {
	t, err := ParseTime(r.String(f))
	return t, err == nil
}

// Fields returns the names of the fields present, attributes excluded.
func (r Record) Fields() []string {
	out := make([]string, 0, len(r.fields))
	for k := range r.fields {
		out = append(out, k)
	}
	return out
}

var timeLayouts = []string{
	"2006-01-02T15:04:05.000-0700",
	"2006-01-02T15:04:05-0700",
	time.RFC3339Nano,
	"2006-01-02",
}

// ParseTime parses the datetime and date forms Salesforce emits.
func ParseTime(s string) (time.Time, error) {
	var err error
	for _, l := range timeLayouts {
		var t time.Time
		if t, err = time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, err
}

// FormatDateTime formats t for a request body: UTC with milliseconds and Z
// (docs/salesforce-api.md §11).
func FormatDateTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// Fields is a record's field values for a write. Values are encoded as JSON
// except time.Time, which becomes a Salesforce datetime; use Date for date
// fields and nil to clear a field.
type Fields map[Field]any

// MarshalJSON encodes the fields after validating their names.
func (fs Fields) MarshalJSON() ([]byte, error) {
	m, err := fs.wire()
	if err != nil {
		return nil, err
	}
	return json.Marshal(m)
}

func (fs Fields) wire() (map[string]any, error) {
	m := make(map[string]any, len(fs))
	for f, v := range fs {
		if !ValidName(string(f)) || strings.Contains(string(f), ".") {
			return nil, &invalidNameError{name: string(f)}
		}
		if t, ok := v.(time.Time); ok {
			v = FormatDateTime(t)
		}
		if t, ok := v.(*time.Time); ok && t != nil {
			v = FormatDateTime(*t)
		}
		m[string(f)] = v
	}
	return m, nil
}

type invalidNameError struct{ name string }

func (e *invalidNameError) Error() string {
	return "salesforce: invalid field name " + strconv.Quote(e.name)
}

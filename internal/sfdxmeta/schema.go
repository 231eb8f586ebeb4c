// Package sfdxmeta reads the Salesforce DX project in sfdx/: it parses the custom fields that the metadata
// deploys into a Schema (embedded in the binary for the fake org), checks a list of required fields
// against it, and rewrites the deployment-specific values (canvas URL, OAuth callback URLs, contact
// email) in place for the `sfzoom sfdx-config` command.
package sfdxmeta

import (
	_ "embed"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Field is one custom field as declared by a objects/<Object>/fields/<Field>.field-meta.xml file. Length
// is the text length (Text, LongTextArea); Precision and Scale are set for Number fields.
type Field struct {
	Object        string `json:"object"`
	Name          string `json:"name"`
	Type          string `json:"type"`
	Label         string `json:"label,omitempty"`
	Length        int    `json:"length,omitempty"`
	Precision     int    `json:"precision,omitempty"`
	Scale         int    `json:"scale,omitempty"`
	ExternalID    bool   `json:"externalId,omitempty"`
	Unique        bool   `json:"unique,omitempty"`
	CaseSensitive bool   `json:"caseSensitive,omitempty"`
	Required      bool   `json:"required,omitempty"`
	// Path is the file the field was read from, relative to the project root, with forward slashes.
	Path string `json:"path"`
}

// Object is a Salesforce object that the project adds fields to or defines. Activity stands for both
// Task and Event: their custom fields are declared once, under objects/Activity.
type Object struct {
	Name string `json:"name"`
	// PlatformEvent is true for a platform event (an __e object).
	PlatformEvent bool `json:"platformEvent,omitempty"`
	// EventType and PublishBehavior come from a platform event's object-meta.xml.
	EventType       string           `json:"eventType,omitempty"`
	PublishBehavior string           `json:"publishBehavior,omitempty"`
	Fields          map[string]Field `json:"fields"`
}

// Schema is every object and custom field declared by the project, keyed by API name.
type Schema struct {
	Objects map[string]*Object `json:"objects"`
}

// Field returns the field object.name, and whether it exists.
func (s *Schema) Field(object, name string) (Field, bool) {
	o, ok := s.Objects[object]
	if !ok {
		return Field{}, false
	}
	f, ok := o.Fields[name]
	return f, ok
}

// Fields returns every field, sorted by object then name.
func (s *Schema) Fields() []Field {
	var out []Field
	for _, o := range s.Objects {
		for _, f := range o.Fields {
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Object != out[j].Object {
			return out[i].Object < out[j].Object
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// sourceRoot is the package directory Parse reads; legacy-connected-app holds no fields.
const sourceRoot = "force-app"

// customFieldXML is the part of a CustomField file sfzoom cares about. Booleans and numbers are read as
// strings so that a malformed value is reported with its file instead of a bare strconv error.
type customFieldXML struct {
	XMLName       xml.Name
	FullName      string `xml:"fullName"`
	Label         string `xml:"label"`
	Type          string `xml:"type"`
	Length        string `xml:"length"`
	Precision     string `xml:"precision"`
	Scale         string `xml:"scale"`
	ExternalID    string `xml:"externalId"`
	Unique        string `xml:"unique"`
	CaseSensitive string `xml:"caseSensitive"`
	Required      string `xml:"required"`
}

type customObjectXML struct {
	XMLName         xml.Name
	EventType       string `xml:"eventType"`
	PublishBehavior string `xml:"publishBehavior"`
}

// metadataNS is the namespace of every Metadata API source file.
const metadataNS = "http://soap.sforce.com/2006/04/metadata"

// Parse reads force-app/**/objects/<Object>/fields/<Field>.field-meta.xml (and each object's
// <Object>.object-meta.xml) from fsys, which is rooted at the SFDX project (the directory holding
// sfdx-project.json). Every malformed file is reported, each error naming its path.
func Parse(fsys fs.FS) (*Schema, error) {
	s := &Schema{Objects: map[string]*Object{}}
	var errs []error
	err := fs.WalkDir(fsys, sourceRoot, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "node_modules" || d.Name() == "__tests__" {
				return fs.SkipDir
			}
			return nil
		}
		if err := s.addFile(fsys, p); err != nil {
			errs = append(errs, err)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sfdxmeta: walk %s: %w", sourceRoot, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return s, nil
}

// addFile adds what file p declares to s: a field (objects/<Object>/fields/
// <Field>.field-meta.xml, declared once) or an object's own settings
// (objects/<Object>/<Object>.object-meta.xml). Other files are ignored.
func (s *Schema) addFile(fsys fs.FS, p string) error {
	dir, file := path.Split(p)
	parts := strings.Split(strings.TrimSuffix(dir, "/"), "/")
	n := len(parts)
	switch {
	case strings.HasSuffix(file, ".field-meta.xml") && n >= 3 && parts[n-1] == "fields" && parts[n-3] == "objects":
		f, err := parseField(fsys, p, parts[n-2], strings.TrimSuffix(file, ".field-meta.xml"))
		if err != nil {
			return err
		}
		o := s.object(f.Object)
		if prev, dup := o.Fields[f.Name]; dup {
			return fmt.Errorf("sfdxmeta: %s: field %s.%s is also declared in %s", p, f.Object, f.Name, prev.Path)
		}
		o.Fields[f.Name] = f
	case strings.HasSuffix(file, ".object-meta.xml") && n >= 2 && parts[n-2] == "objects":
		name := strings.TrimSuffix(file, ".object-meta.xml")
		if name != parts[n-1] {
			return fmt.Errorf("sfdxmeta: %s: object file name %s does not match its folder %s", p, name, parts[n-1])
		}
		var x customObjectXML
		if err := decode(fsys, p, &x, "CustomObject"); err != nil {
			return err
		}
		o := s.object(name)
		o.EventType, o.PublishBehavior = x.EventType, x.PublishBehavior
	}
	return nil
}

// object returns the object called name, adding it (a platform event when
// the name ends in __e) on first use.
func (s *Schema) object(name string) *Object {
	o, ok := s.Objects[name]
	if !ok {
		o = &Object{Name: name, PlatformEvent: strings.HasSuffix(name, "__e"), Fields: map[string]Field{}}
		s.Objects[name] = o
	}
	return o
}

func parseField(fsys fs.FS, p, object, name string) (Field, error) {
	var x customFieldXML
	if err := decode(fsys, p, &x, "CustomField"); err != nil {
		return Field{}, err
	}
	if x.FullName != "" && x.FullName != name {
		return Field{}, fmt.Errorf("sfdxmeta: %s: fullName %s does not match the file name %s", p, x.FullName, name)
	}
	if x.Type == "" {
		return Field{}, fmt.Errorf("sfdxmeta: %s: missing <type>", p)
	}
	f := Field{Object: object, Name: name, Type: x.Type, Label: x.Label, Path: p}
	var errs []error
	num := func(elem, v string) int {
		if v == "" {
			return 0
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			errs = append(errs, fmt.Errorf("sfdxmeta: %s: <%s>%s</%s> is not a number: %w", p, elem, v, elem, err))
		}
		return n
	}
	flag := func(elem, v string) bool {
		switch strings.TrimSpace(v) {
		case "", "false":
			return false
		case "true":
			return true
		}
		errs = append(errs, fmt.Errorf("sfdxmeta: %s: <%s>%s</%s> is not a boolean", p, elem, v, elem))
		return false
	}
	f.Length = num("length", x.Length)
	f.Precision = num("precision", x.Precision)
	f.Scale = num("scale", x.Scale)
	f.ExternalID = flag("externalId", x.ExternalID)
	f.Unique = flag("unique", x.Unique)
	f.CaseSensitive = flag("caseSensitive", x.CaseSensitive)
	f.Required = flag("required", x.Required)
	return f, errors.Join(errs...)
}

// decode unmarshals one metadata file and checks its root element and namespace.
func decode(fsys fs.FS, p string, v any, root string) error {
	b, err := fs.ReadFile(fsys, p)
	if err != nil {
		return fmt.Errorf("sfdxmeta: read %s: %w", p, err)
	}
	if err := xml.Unmarshal(b, v); err != nil {
		return fmt.Errorf("sfdxmeta: %s: malformed XML: %w", p, err)
	}
	var name xml.Name
	switch x := v.(type) {
	case *customFieldXML:
		name = x.XMLName
	case *customObjectXML:
		name = x.XMLName
	}
	if name.Local != root || name.Space != metadataNS {
		return fmt.Errorf("sfdxmeta: %s: root element is {%s}%s, want {%s}%s", p, name.Space, name.Local, metadataNS, root)
	}
	return nil
}

//go:generate go test -run TestEmbeddedSchema -update .

//go:embed schema.json
var embeddedSchema []byte

// Embedded returns the schema of the repository's sfdx/ project as captured in schema.json when the binary
// was built (regenerate with `go generate ./internal/sfdxmeta`). The fake Salesforce org uses it.
func Embedded() (*Schema, error) {
	var s Schema
	if err := json.Unmarshal(embeddedSchema, &s); err != nil {
		return nil, fmt.Errorf("sfdxmeta: decode embedded schema: %w", err)
	}
	if len(s.Objects) == 0 {
		return nil, errors.New("sfdxmeta: embedded schema is empty")
	}
	return &s, nil
}

// encode is the schema.json format: indented and stable (encoding/json sorts map keys).
func (s *Schema) encode() ([]byte, error) {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("sfdxmeta: encode schema: %w", err)
	}
	return append(b, '\n'), nil
}

// JSON returns the schema in the format of the embedded schema.json.
func (s *Schema) JSON() ([]byte, error) { return s.encode() }

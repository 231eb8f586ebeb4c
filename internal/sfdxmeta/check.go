package sfdxmeta

import (
	"errors"
	"fmt"
	"strings"

	"github.com/sfzoom/sfzoom/internal/salesforce"
)

// Check reports every wanted field (salesforce.CustomFields) that the schema lacks or declares with an
// incompatible type, length, external-id or unique flag. A wanted Length of 0 means any. The returned error
// joins one error per field, each naming Object.Field.
func Check(s *Schema, want []salesforce.FieldSpec) error {
	var errs []error
	for _, w := range want {
		if err := checkField(s, w); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func checkField(s *Schema, w salesforce.FieldSpec) error {
	name := w.Object + "." + w.Field
	f, ok := s.Field(w.Object, w.Field)
	if !ok {
		return fmt.Errorf("sfdxmeta: field %s is missing from sfdx/ (want objects/%s/fields/%s.field-meta.xml)", name, w.Object, w.Field)
	}
	if !compatibleType(w, f) {
		return fmt.Errorf("sfdxmeta: field %s (%s) has type %s, want %s", name, f.Path, f.Type, w.Type)
	}
	if w.Length > 0 {
		got := f.Length
		if kind(f.Type) == "number" {
			got = f.Precision
		}
		// A longer field accepts everything the service writes; a shorter one truncates or rejects it.
		if got != 0 && got < w.Length {
			return fmt.Errorf("sfdxmeta: field %s (%s) has length %d, want at least %d", name, f.Path, got, w.Length)
		}
	}
	if w.ExternalID && !f.ExternalID {
		return fmt.Errorf("sfdxmeta: field %s (%s) is not an external id", name, f.Path)
	}
	if w.Unique && !f.Unique {
		return fmt.Errorf("sfdxmeta: field %s (%s) is not unique", name, f.Path)
	}
	return nil
}

// compatibleType compares a wanted type with a declared one. Both Metadata API names (Text, Url) and
// describe names (string, url) are accepted. A platform event cannot have Url or Email fields, so there a
// Text field satisfies them.
func compatibleType(w salesforce.FieldSpec, f Field) bool {
	want, got := kind(w.Type), kind(f.Type)
	if want == got {
		return true
	}
	return strings.HasSuffix(w.Object, "__e") && got == "text" && (want == "url" || want == "email")
}

// kind normalises Metadata API and describe type names.
func kind(t string) string {
	switch strings.ToLower(t) {
	case "text", "string":
		return "text"
	case "longtextarea", "textarea":
		return "longtextarea"
	case "number", "double", "int", "integer":
		return "number"
	case "checkbox", "boolean":
		return "checkbox"
	default: // url, email, date, datetime, phone, …
		return strings.ToLower(t)
	}
}

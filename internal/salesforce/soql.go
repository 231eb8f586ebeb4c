package salesforce

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// nameRE is the shape of an API name or relationship path. Anything else is
// refused before it reaches SOQL, so names can never carry quotes, spaces or
// operators.
var nameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*(__[cr])?(\.[A-Za-z0-9_]+(__[cr])?)*$`)

// idRE matches a 15- or 18-character Salesforce record id.
var idRE = regexp.MustCompile(`^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$`)

// ValidName reports whether s is a well-formed object or field API name (a
// relationship path such as "Account.Website" included).
func ValidName(s string) bool {
	return len(s) <= 255 && nameRE.MatchString(s) && !strings.Contains(s, "___")
}

// ValidID reports whether s looks like a 15- or 18-character record id.
func ValidID(s string) bool { return idRE.MatchString(s) }

// Date is a Salesforce date (no time, no zone). It renders as an unquoted
// YYYY-MM-DD literal in SOQL and as "YYYY-MM-DD" in JSON bodies.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the calendar date of t in t's location.
func DateOf(t time.Time) Date { return Date{Year: t.Year(), Month: t.Month(), Day: t.Day()} }

// String formats d as YYYY-MM-DD.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// MarshalJSON encodes d as a JSON string "YYYY-MM-DD".
func (d Date) MarshalJSON() ([]byte, error) { return []byte(`"` + d.String() + `"`), nil }

// Condition is one node of a WHERE clause. Build it with Eq, Ne, In, Like,
// Contains, And and Or; it cannot be built from raw text.
type Condition interface {
	render(b *strings.Builder) error
}

type cmpCond struct {
	op    string // "=", "!=", "<", "<=", ">", ">="
	field Field
	value any
}

type inCond struct {
	field  Field
	values []any
}

type likeCond struct {
	field Field
	// parts alternate between literal text and wildcards.
	parts []likePart
}

type likePart struct {
	text     string
	wildcard bool
}

type boolCond struct {
	op    string // "AND" or "OR"
	conds []Condition
}

// Eq is "field = value". Values may be string, bool, integers, floats,
// time.Time (a datetime literal), Date, or nil (null).
func Eq(f Field, v any) Condition { return cmpCond{op: "=", field: f, value: v} }

// Ne is "field != value".
func Ne(f Field, v any) Condition { return cmpCond{op: "!=", field: f, value: v} }

// In is "field IN (values…)". An empty list matches nothing.
func In[T any](f Field, values ...T) Condition {
	vs := make([]any, len(values))
	for i, v := range values {
		vs[i] = v
	}
	return inCond{field: f, values: vs}
}

// Like is "field LIKE pattern" where '%' and '_' in pattern are wildcards
// and every other character, backslash and quotes included, is literal.
func Like(f Field, pattern string) Condition {
	var parts []likePart
	var cur strings.Builder
	for _, r := range pattern {
		if r == '%' || r == '_' {
			if cur.Len() > 0 {
				parts = append(parts, likePart{text: cur.String()})
				cur.Reset()
			}
			parts = append(parts, likePart{text: string(r), wildcard: true})
			continue
		}
		cur.WriteRune(r)
	}
	if cur.Len() > 0 {
		parts = append(parts, likePart{text: cur.String()})
	}
	return likeCond{field: f, parts: parts}
}

// Contains is "field LIKE '%s%'" with s taken literally ('%' and '_' in s
// are escaped).
func Contains(f Field, s string) Condition {
	return likeCond{field: f, parts: []likePart{{text: "%", wildcard: true}, {text: s}, {text: "%", wildcard: true}}}
}

// StartsWith is "field LIKE 's%'" with s taken literally.
func StartsWith(f Field, s string) Condition {
	return likeCond{field: f, parts: []likePart{{text: s}, {text: "%", wildcard: true}}}
}

// And joins conditions with AND; nil conditions are skipped.
func And(conds ...Condition) Condition { return boolCond{op: "AND", conds: conds} }

// Or joins conditions with OR; nil conditions are skipped.
func Or(conds ...Condition) Condition { return boolCond{op: "OR", conds: conds} }

func writeName(b *strings.Builder, f Field) error {
	if !ValidName(string(f)) {
		return fmt.Errorf("salesforce: invalid field name %q", string(f))
	}
	b.WriteString(string(f))
	return nil
}

func (c cmpCond) render(b *strings.Builder) error {
	if err := writeName(b, c.field); err != nil {
		return err
	}
	b.WriteString(" " + c.op + " ")
	return writeValue(b, c.value)
}

func (c inCond) render(b *strings.Builder) error {
	if len(c.values) == 0 {
		// SOQL has no empty IN list; an Id that cannot exist keeps the
		// query valid and matches nothing.
		c.values = []any{""}
	}
	if err := writeName(b, c.field); err != nil {
		return err
	}
	b.WriteString(" IN (")
	for i, v := range c.values {
		if i > 0 {
			b.WriteString(", ")
		}
		if err := writeValue(b, v); err != nil {
			return err
		}
	}
	b.WriteString(")")
	return nil
}

func (c likeCond) render(b *strings.Builder) error {
	if err := writeName(b, c.field); err != nil {
		return err
	}
	b.WriteString(" LIKE '")
	for _, p := range c.parts {
		if p.wildcard {
			b.WriteString(p.text)
			continue
		}
		s, err := escapeString(p.text)
		if err != nil {
			return err
		}
		s = strings.NewReplacer("%", `\%`, "_", `\_`).Replace(s)
		b.WriteString(s)
	}
	b.WriteString("'")
	return nil
}

func (c boolCond) render(b *strings.Builder) error {
	var kept []Condition
	for _, sub := range c.conds {
		if sub != nil {
			kept = append(kept, sub)
		}
	}
	if len(kept) == 0 {
		return errors.New("salesforce: empty " + c.op)
	}
	if len(kept) == 1 {
		return kept[0].render(b)
	}
	for i, sub := range kept {
		if i > 0 {
			b.WriteString(" " + c.op + " ")
		}
		_, nested := sub.(boolCond)
		if nested {
			b.WriteString("(")
		}
		if err := sub.render(b); err != nil {
			return err
		}
		if nested {
			b.WriteString(")")
		}
	}
	return nil
}

// EscapeString escapes s for use inside a single-quoted SOQL string literal
// (docs/salesforce-api.md §4.1): backslash first, then quotes and the control
// characters SOQL has escapes for. Other control characters are refused.
func EscapeString(s string) (string, error) { return escapeString(s) }

func escapeString(s string) (string, error) {
	var b strings.Builder
	b.Grow(len(s) + 8)
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '\'':
			b.WriteString(`\'`)
		case '"':
			b.WriteString(`\"`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if r < 0x20 || r == 0x7f {
				return "", sfzoom.WrapError(sfzoom.EINVALID, fmt.Errorf("salesforce: control character %U in SOQL value", r),
					"The text contains a control character Salesforce can't search for. Remove special characters and try again.")
			}
			b.WriteRune(r)
		}
	}
	return b.String(), nil
}

func writeValue(b *strings.Builder, v any) error {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case string:
		s, err := escapeString(x)
		if err != nil {
			return err
		}
		b.WriteString("'" + s + "'")
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case int:
		b.WriteString(strconv.Itoa(x))
	case int32:
		b.WriteString(strconv.FormatInt(int64(x), 10))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return errors.New("salesforce: non-finite number in SOQL")
		}
		b.WriteString(strconv.FormatFloat(x, 'f', -1, 64))
	case time.Time:
		b.WriteString(x.UTC().Format("2006-01-02T15:04:05Z"))
	case Date:
		b.WriteString(x.String())
	default:
		return fmt.Errorf("salesforce: unsupported SOQL value type %T", v)
	}
	return nil
}

// Order is a sort direction for OrderBy.
type Order int

// Sort directions.
const (
	Asc Order = iota
	Desc
)

type orderTerm struct {
	field Field
	order Order
}

// Query is an immutable SOQL SELECT under construction. Every method returns
// a new Query, so a base query can be shared and refined.
type Query struct {
	object Object
	fields []Field
	where  Condition
	order  []orderTerm
	limit  int
}

// Select starts a query for the given fields.
func Select(fields ...Field) Query { return Query{fields: append([]Field(nil), fields...)} }

// From sets the object to query.
func (q Query) From(o Object) Query { q.object = o; return q }

// Where sets the WHERE condition, replacing any earlier one.
func (q Query) Where(c Condition) Query { q.where = c; return q }

// OrderBy appends a sort term.
func (q Query) OrderBy(f Field, o Order) Query {
	q.order = append(append([]orderTerm(nil), q.order...), orderTerm{f, o})
	return q
}

// Limit sets LIMIT n (0 means no limit).
func (q Query) Limit(n int) Query { q.limit = n; return q }

// Object returns the queried object.
func (q Query) Object() Object { return q.object }

// SOQL renders the query. It fails if a name is malformed or a value cannot
// be expressed safely.
func (q Query) SOQL() (string, error) {
	if len(q.fields) == 0 {
		return "", errors.New("salesforce: query selects no fields")
	}
	if !ValidName(string(q.object)) || strings.Contains(string(q.object), ".") {
		return "", fmt.Errorf("salesforce: invalid object name %q", string(q.object))
	}
	var b strings.Builder
	b.WriteString("SELECT ")
	for i, f := range q.fields {
		if i > 0 {
			b.WriteString(", ")
		}
		if err := writeName(&b, f); err != nil {
			return "", err
		}
	}
	b.WriteString(" FROM " + string(q.object))
	if q.where != nil {
		b.WriteString(" WHERE ")
		if err := q.where.render(&b); err != nil {
			return "", err
		}
	}
	for i, o := range q.order {
		if i == 0 {
			b.WriteString(" ORDER BY ")
		} else {
			b.WriteString(", ")
		}
		if err := writeName(&b, o.field); err != nil {
			return "", err
		}
		if o.order == Desc {
			b.WriteString(" DESC")
		} else {
			b.WriteString(" ASC")
		}
	}
	if q.limit > 0 {
		b.WriteString(" LIMIT " + strconv.Itoa(q.limit))
	}
	return b.String(), nil
}

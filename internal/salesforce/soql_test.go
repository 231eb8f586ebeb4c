package salesforce_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sfzoom/sfzoom/internal/salesforce"
	"github.com/sfzoom/sfzoom/internal/salesforce/salesforcetest"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

func TestEscapeString(t *testing.T) {
	// Examples from "Quoted String Escape Sequences" (docs/salesforce-api.md §4.1).
	tests := []struct{ in, want string }{
		{"Bob's BBQ", `Bob\'s BBQ`},
		{`back\slash`, `back\\slash`},
		{"a\nb\tc\"d", `a\nb\tc\"d`},
		{"o'brien_x%@example.com", `o\'brien_x%@example.com`},
	}
	for _, tt := range tests {
		got, err := salesforce.EscapeString(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("EscapeString(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := salesforce.EscapeString("a\x00b"); err == nil {
		t.Error("EscapeString(NUL) error = nil, want refusal")
	}
}

func TestQueryBuilder(t *testing.T) {
	tests := []struct {
		name string
		q    salesforce.Query
		want string
	}{
		{"Eq", salesforce.Select(salesforce.FieldID).From(salesforce.ObjectAccount).Where(salesforce.Eq(salesforce.FieldName, "Bob's BBQ")),
			`SELECT Id FROM Account WHERE Name = 'Bob\'s BBQ'`},
		{"Nested", salesforce.Select(salesforce.FieldID, salesforce.FieldAccountWebsite).From(salesforce.ObjectContact).
			Where(salesforce.And(salesforce.In(salesforce.FieldEmail, "a@x.com", "b@y.com"), salesforce.Or(salesforce.Eq(salesforce.FieldOwnerID, nil), salesforce.Like(salesforce.FieldName, "Ter%")))).
			OrderBy(salesforce.FieldName, salesforce.Desc).Limit(10),
			`SELECT Id, Account.Website FROM Contact WHERE Email IN ('a@x.com', 'b@y.com') AND (OwnerId = null OR Name LIKE 'Ter%') ORDER BY Name DESC LIMIT 10`},
		{"LiteralPercent", salesforce.Select(salesforce.FieldID).From(salesforce.ObjectLead).Where(salesforce.StartsWith(salesforce.FieldCompany, "100%_")),
			`SELECT Id FROM Lead WHERE Company LIKE '100\%\_%'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.q.SOQL()
			if err != nil || got != tt.want {
				t.Errorf("SOQL() = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// FuzzQueryBuilder checks that no value can change a query's structure:
// the fake's parser must read back exactly the tree that was built, with
// each value intact, whatever the values contain.
func FuzzQueryBuilder(f *testing.F) {
	f.Add("x' OR Name != '", "a\\", "%_\\%", "'; DELETE")
	f.Add(`\' OR Id != null) OR (Name = '`, "\n\r\t\b\f\"", "é \u2028", ")")
	f.Add("", "''", `\\\`, "%")
	f.Fuzz(func(t *testing.T, a, b, c, d string) {
		for _, s := range []string{a, b, c, d} {
			if !utf8.ValidString(s) {
				return
			}
		}
		q := salesforce.Select(salesforce.FieldID).From(salesforce.ObjectContact).Where(
			salesforce.And(
				salesforce.Eq(salesforce.FieldEmail, a),
				salesforce.Or(salesforce.In(salesforce.FieldID, b, c), salesforce.Contains(salesforce.FieldName, d)),
			))
		soql, err := q.SOQL()
		if err != nil {
			// Only control characters SOQL cannot express are refused.
			if !hasControl(a + b + c + d) {
				t.Fatalf("SOQL() error %v for printable input", err)
			}
			// A user typed it: a 400 that says what to do, not a 500.
			if sfzoom.ErrorCode(err) != sfzoom.EINVALID {
				t.Fatalf("SOQL() error code = %q for a control character, want EINVALID", sfzoom.ErrorCode(err))
			}
			return
		}
		parsed, err := salesforcetest.ParseSOQL(soql)
		if err != nil {
			t.Fatalf("ParseSOQL(%q) = %v", soql, err)
		}
		w := parsed.Where
		if w == nil || w.Op != "AND" || len(w.Children) != 2 {
			t.Fatalf("WHERE = %s, want AND of two", w)
		}
		eq, or := w.Children[0], w.Children[1]
		if eq.Op != "=" || eq.Field != "Email" || len(eq.Values) != 1 || eq.Values[0].Kind != salesforcetest.KindString || eq.Values[0].Str != a {
			t.Fatalf("first = %s, want =(Email; %q)", eq, a)
		}
		if or.Op != "OR" || len(or.Children) != 2 {
			t.Fatalf("second = %s, want OR of two", or)
		}
		in, like := or.Children[0], or.Children[1]
		if in.Op != "IN" || in.Field != "Id" || len(in.Values) != 2 || in.Values[0].Str != b || in.Values[1].Str != c {
			t.Fatalf("IN = %s, want IN(Id; %q, %q)", in, b, c)
		}
		if like.Op != "LIKE" || like.Field != "Name" || len(like.Values) != 1 {
			t.Fatalf("LIKE = %s", like)
		}
		parts := like.Values[0].Like
		var literal strings.Builder
		for i, p := range parts {
			edge := i == 0 || i == len(parts)-1
			if p.Wildcard != edge || (p.Wildcard && p.Text != "%") {
				t.Fatalf("LIKE parts = %s, want %%literal%%", like)
			}
			if !p.Wildcard {
				literal.WriteString(p.Text)
			}
		}
		if literal.String() != d {
			t.Fatalf("LIKE literal = %q, want %q", literal.String(), d)
		}
		if len(parsed.Fields) != 1 || parsed.Object != "Contact" || parsed.Limit != 0 || len(parsed.OrderBy) != 0 {
			t.Fatalf("query shape changed: %+v", parsed)
		}
	})
}

func hasControl(s string) bool {
	for _, r := range s {
		if (r < 0x20 && r != '\n' && r != '\r' && r != '\t' && r != '\b' && r != '\f') || r == 0x7f {
			return true
		}
	}
	return false
}

func TestValidName(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"Account.Website", true}, {"Zoom_Meeting_ID__c", true}, {"Custom__r.Name__c", true},
		{"Id FROM User", false}, {"Name'", false}, {"", false}, {"a..b", false}, {".a", false}, {"1abc", false},
	}
	for _, tt := range tests {
		if got := salesforce.ValidName(tt.in); got != tt.want {
			t.Errorf("ValidName(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

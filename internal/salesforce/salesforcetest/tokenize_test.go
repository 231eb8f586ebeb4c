package salesforcetest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestTokenize pins the SOQL lexer's scanners: strings keep their escapes
// for decodeEscapes, <> reads as !=, date literals are told from numbers, and
// identifiers keep their dotted paths
// (https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_quotedstringescapes.htm).
func TestTokenize(t *testing.T) {
	type tok struct {
		Kind tokKind
		Text string
		Pos  int
	}
	tests := []struct {
		q       string
		want    []tok
		wantErr string
	}{
		{q: `Name = 'O\'Brien'`, want: []tok{{tIdent, "Name", 0}, {tOp, "=", 5}, {tString, `O\'Brien`, 7}, {tEOF, "", 17}}},
		{q: `a<>1`, want: []tok{{tIdent, "a", 0}, {tOp, "!=", 1}, {tNumber, "1", 3}, {tEOF, "", 4}}},
		{q: `x>=-2.5`, want: []tok{{tIdent, "x", 0}, {tOp, ">=", 1}, {tNumber, "-2.5", 3}, {tEOF, "", 7}}},
		{q: `d < 2026-03-01T10:00:00Z`, want: []tok{{tIdent, "d", 0}, {tOp, "<", 2}, {tDateLit, "2026-03-01T10:00:00Z", 4}, {tEOF, "", 24}}},
		{q: `(Account.Name,Id)`, want: []tok{{tLParen, "(", 0}, {tIdent, "Account.Name", 1}, {tComma, ",", 13}, {tIdent, "Id", 14}, {tRParen, ")", 16}, {tEOF, "", 17}}},
		{q: `'open`, wantErr: "unterminated string literal"},
		{q: `'ends in \`, wantErr: "unterminated string literal"},
		{q: `a ! b`, wantErr: "unexpected token: '!'"},
		{q: `a ; b`, wantErr: "unexpected token: ';'"},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			toks, err := tokenize(tt.q)
			if tt.wantErr != "" {
				qe, ok := err.(*QueryError)
				if !ok || qe.Msg != tt.wantErr {
					t.Fatalf("tokenize(%q) error = %v, want %q", tt.q, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("tokenize(%q): %v", tt.q, err)
			}
			var got []tok
			for _, k := range toks {
				got = append(got, tok{k.kind, k.text, k.pos})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("tokenize(%q) (-want +got):\n%s", tt.q, diff)
			}
		})
	}
}

// TestDecodeEscapes pins SOQL's string escapes: the documented escapes
// (either case), \uXXXX, wildcards and their escapes only inside LIKE, and
// errors for anything else
// (https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_quotedstringescapes.htm).
func TestDecodeEscapes(t *testing.T) {
	tests := []struct {
		raw     string
		like    bool
		want    []LikePart
		wantErr string
	}{
		{raw: ``, want: []LikePart{{}}},
		{raw: `a\nb\T\'\"\\`, want: []LikePart{{Text: "a\nb\t'\"\\"}}},
		{raw: `caf\u00e9!`, want: []LikePart{{Text: "café!"}}},
		{raw: `50\%`, like: true, want: []LikePart{{Text: "50%"}}},
		{raw: `a%b_`, like: true, want: []LikePart{{Text: "a"}, {Text: "%", Wildcard: true}, {Text: "b"}, {Text: "_", Wildcard: true}}},
		{raw: `50\%`, wantErr: `invalid escape sequence \% outside LIKE`},
		{raw: `\u00e`, wantErr: `invalid \u escape`},
		{raw: `\uzzzz`, wantErr: `invalid \u escape`},
		{raw: `\q`, wantErr: `invalid escape sequence \q`},
		{raw: `end\`, wantErr: "invalid escape sequence at end of string"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			got, err := decodeEscapes(tt.raw, tt.like)
			if tt.wantErr != "" {
				qe, ok := err.(*QueryError)
				if !ok || qe.Msg != tt.wantErr {
					t.Fatalf("decodeEscapes(%q) error = %v, want %q", tt.raw, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("decodeEscapes(%q): %v", tt.raw, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("decodeEscapes(%q, like=%v) (-want +got):\n%s", tt.raw, tt.like, diff)
			}
		})
	}
}

// TestMatches pins the fake's WHERE comparisons, nulls included: != matches
// a null field, = and < do not, NOT IN matches what IN does not
// (https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_comparisonoperators.htm).
func TestMatches(t *testing.T) {
	str := func(s string) Value { return Value{Kind: KindString, Str: s} }
	num := func(n float64) Value { return Value{Kind: KindNumber, Num: n} }
	tests := []struct {
		name string
		v    any
		e    Expr
		want bool
	}{
		{"= equal", "a", Expr{Op: "=", Values: []Value{str("a")}}, true},
		{"= null field", nil, Expr{Op: "=", Values: []Value{str("a")}}, false},
		{"= null literal on null", nil, Expr{Op: "=", Values: []Value{{Kind: KindNull}}}, true},
		{"!= null field", nil, Expr{Op: "!=", Values: []Value{str("a")}}, true},
		{"!= equal", "a", Expr{Op: "!=", Values: []Value{str("a")}}, false},
		{"< smaller", 1.0, Expr{Op: "<", Values: []Value{num(2)}}, true},
		{"< null field", nil, Expr{Op: "<", Values: []Value{num(2)}}, false},
		{">= equal", 2.0, Expr{Op: ">=", Values: []Value{num(2)}}, true},
		{"> equal", 2.0, Expr{Op: ">", Values: []Value{num(2)}}, false},
		{"IN listed", "b", Expr{Op: "IN", Values: []Value{str("a"), str("b")}}, true},
		{"NOT IN listed", "b", Expr{Op: "NOT IN", Values: []Value{str("a"), str("b")}}, false},
		{"NOT IN unlisted", "c", Expr{Op: "NOT IN", Values: []Value{str("a"), str("b")}}, true},
		{"LIKE", "Acme Corp", Expr{Op: "LIKE", Values: []Value{{Kind: KindLike, Like: []LikePart{{Text: "Acme"}, {Text: "%", Wildcard: true}}}}}, true},
		{"LIKE null field", nil, Expr{Op: "LIKE", Values: []Value{{Kind: KindLike, Like: []LikePart{{Text: "%", Wildcard: true}}}}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := matches(tt.v, &tt.e); got != tt.want {
				t.Errorf("matches(%v, %s %v) = %v, want %v", tt.v, tt.e.Op, tt.e.Values, got, tt.want)
			}
		})
	}
}

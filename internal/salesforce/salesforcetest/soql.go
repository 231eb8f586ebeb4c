package salesforcetest

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// SOQL is a parsed query in the subset the fake understands: SELECT fields
// FROM object [WHERE …] [ORDER BY …] [LIMIT n] [OFFSET n].
type SOQL struct {
	Fields  []string
	Object  string
	Where   *Expr // nil without WHERE
	OrderBy []OrderTerm
	Limit   int // 0 when absent
	Offset  int
}

// OrderTerm is one ORDER BY term.
type OrderTerm struct {
	Field      string
	Desc       bool
	NullsFirst bool
}

// Expr is a WHERE tree node. Op is "AND", "OR" or "NOT" (with Children), or
// a comparison "=", "!=", "<", "<=", ">", ">=", "IN", "NOT IN", "LIKE" (with
// Field and Values).
type Expr struct {
	Op       string
	Children []*Expr
	Field    string
	Values   []Value
}

// Value kinds.
const (
	KindString   = "string"
	KindNumber   = "number"
	KindBool     = "bool"
	KindNull     = "null"
	KindDate     = "date"
	KindDateTime = "datetime"
	KindLike     = "like"
)

// Value is a literal in a WHERE clause. Str holds the unescaped text of a
// string, the YYYY-MM-DD of a date; Like the parts of a LIKE pattern.
type Value struct {
	Kind string
	Str  string
	Num  float64
	Bool bool
	Time time.Time
	Like []LikePart
}

// LikePart is a run of literal text or a single wildcard ("%" or "_").
type LikePart struct {
	Text     string
	Wildcard bool
}

// String renders the tree in a canonical, unambiguous form for tests.
func (e *Expr) String() string {
	if e == nil {
		return "<nil>"
	}
	switch e.Op {
	case "AND", "OR", "NOT":
		parts := make([]string, len(e.Children))
		for i, c := range e.Children {
			parts[i] = c.String()
		}
		return e.Op + "(" + strings.Join(parts, ", ") + ")"
	}
	vals := make([]string, len(e.Values))
	for i, v := range e.Values {
		vals[i] = v.String()
	}
	return e.Op + "(" + e.Field + "; " + strings.Join(vals, ", ") + ")"
}

// String renders the value with its kind.
func (v Value) String() string {
	switch v.Kind {
	case KindString, KindDate:
		return v.Kind + ":" + strconv.Quote(v.Str)
	case KindNumber:
		return "number:" + strconv.FormatFloat(v.Num, 'g', -1, 64)
	case KindBool:
		return "bool:" + strconv.FormatBool(v.Bool)
	case KindDateTime:
		return "datetime:" + v.Time.UTC().Format(time.RFC3339)
	case KindLike:
		var b strings.Builder
		for _, p := range v.Like {
			if p.Wildcard {
				b.WriteString("*" + p.Text)
			} else {
				b.WriteString(strconv.Quote(p.Text))
			}
		}
		return "like:" + b.String()
	}
	return "null"
}

// QueryError is a MALFORMED_QUERY: Msg is Salesforce's detail line (for
// example "unexpected token: 'FROM'") and Pos the byte offset in the query
// of the offending token, which the server reports as a row and column.
type QueryError struct {
	Msg string
	Pos int
}

func (e *QueryError) Error() string { return e.Msg }

type tokKind int

const (
	tIdent tokKind = iota
	tString
	tNumber
	tDateLit
	tOp
	tLParen
	tRParen
	tComma
	tEOF
)

type token struct {
	kind tokKind
	text string // identifier text, raw string body (escapes intact), operator, number
	pos  int
}

func tokenize(q string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(q) {
		c := q[i]
		var (
			t   token
			err error
		)
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
			continue
		case c == '(':
			t, i = token{tLParen, "(", i}, i+1
		case c == ')':
			t, i = token{tRParen, ")", i}, i+1
		case c == ',':
			t, i = token{tComma, ",", i}, i+1
		case c == '=':
			t, i = token{tOp, "=", i}, i+1
		case c == '\'':
			t, i, err = scanString(q, i)
		case c == '!' || c == '<' || c == '>':
			t, i, err = scanOperator(q, i)
		case c >= '0' && c <= '9' || c == '-' || c == '+':
			t, i = scanNumber(q, i)
		case c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z':
			t, i = scanIdent(q, i)
		default:
			r, _ := utf8.DecodeRuneInString(q[i:])
			err = &QueryError{Msg: "unexpected token: '" + string(r) + "'", Pos: i}
		}
		if err != nil {
			return nil, err
		}
		toks = append(toks, t)
	}
	return append(toks, token{tEOF, "", len(q)}), nil
}

// scanString reads the string literal starting at q[start] (a quote) and
// returns it with its escapes intact (decodeEscapes resolves them) and the
// index after its closing quote.
func scanString(q string, start int) (token, int, error) {
	i := start + 1
	var b strings.Builder
	for i < len(q) {
		if q[i] == '\\' {
			if i+1 >= len(q) {
				break
			}
			b.WriteString(q[i : i+2])
			i += 2
			continue
		}
		if q[i] == '\'' {
			return token{tString, b.String(), start}, i + 1, nil
		}
		b.WriteByte(q[i])
		i++
	}
	return token{}, i, &QueryError{Msg: "unterminated string literal", Pos: start}
}

// scanOperator reads a comparison operator starting with '!', '<' or '>':
// !=, <, <=, >, >= or <> (returned as !=). A lone '!' is an error.
func scanOperator(q string, start int) (token, int, error) {
	c, i := q[start], start
	op := string(c)
	if i+1 < len(q) && (q[i+1] == '=' || (c == '<' && q[i+1] == '>')) {
		op += string(q[i+1])
		i++
	}
	i++
	switch op {
	case "!":
		return token{}, i, &QueryError{Msg: "unexpected token: '!'", Pos: start}
	case "<>":
		op = "!="
	}
	return token{tOp, op, start}, i, nil
}

// scanNumber reads a number or a date/datetime literal (YYYY-MM-DD...),
// told apart by its dashes.
func scanNumber(q string, start int) (token, int) {
	i := start + 1
	for i < len(q) && strings.IndexByte("0123456789.-:+TZ", q[i]) >= 0 {
		i++
	}
	text := q[start:i]
	kind := tNumber
	if len(text) >= 10 && text[4] == '-' && text[7] == '-' {
		kind = tDateLit
	}
	return token{kind, text, start}, i
}

// scanIdent reads an identifier, dotted paths (Account.Name) included.
func scanIdent(q string, start int) (token, int) {
	i := start
	for i < len(q) && (q[i] == '_' || q[i] == '.' || q[i] >= 'A' && q[i] <= 'Z' || q[i] >= 'a' && q[i] <= 'z' || q[i] >= '0' && q[i] <= '9') {
		i++
	}
	return token{tIdent, q[start:i], start}, i
}

type parser struct {
	toks []token
	i    int
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token { t := p.toks[p.i]; p.i++; return t }

func (p *parser) keyword(kw string) bool {
	t := p.peek()
	if t.kind == tIdent && strings.EqualFold(t.text, kw) {
		p.i++
		return true
	}
	return false
}

func (p *parser) expectKeyword(kw string) error {
	if !p.keyword(kw) {
		return p.unexpected()
	}
	return nil
}

// unexpected reports the next token as unexpected, in Salesforce's words:
// "unexpected token: 'FROM'", or "unexpected token: <EOF>" at the end.
func (p *parser) unexpected() error {
	t := p.peek()
	if t.kind == tEOF {
		return &QueryError{Msg: "unexpected token: <EOF>", Pos: t.pos}
	}
	return &QueryError{Msg: "unexpected token: '" + t.text + "'", Pos: t.pos}
}

var reserved = map[string]bool{"SELECT": true, "FROM": true, "WHERE": true, "AND": true, "OR": true, "NOT": true, "IN": true,
	"LIKE": true, "ORDER": true, "BY": true, "LIMIT": true, "OFFSET": true, "ASC": true, "DESC": true, "NULLS": true,
	"NULL": true, "TRUE": true, "FALSE": true, "GROUP": true, "HAVING": true}

func (p *parser) ident() (string, error) {
	t := p.peek()
	if t.kind != tIdent || reserved[strings.ToUpper(t.text)] || strings.HasPrefix(t.text, ".") ||
		strings.HasSuffix(t.text, ".") || strings.Contains(t.text, "..") {
		return "", p.unexpected()
	}
	p.i++
	return t.text, nil
}

// ParseSOQL parses q. Anything outside the supported subset is a
// *QueryError, reported by the server as 400 MALFORMED_QUERY.
func ParseSOQL(q string) (*SOQL, error) {
	toks, err := tokenize(q)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	out := &SOQL{}
	if err := p.expectKeyword("SELECT"); err != nil {
		return nil, err
	}
	if out.Fields, err = list(p, p.ident); err != nil {
		return nil, err
	}
	if err := p.expectKeyword("FROM"); err != nil {
		return nil, err
	}
	if out.Object, err = p.ident(); err != nil {
		return nil, err
	}
	if strings.Contains(out.Object, ".") {
		return nil, &QueryError{Msg: "invalid object name " + out.Object, Pos: p.toks[p.i-1].pos}
	}
	if p.keyword("WHERE") {
		if out.Where, err = p.orExpr(); err != nil {
			return nil, err
		}
	}
	if p.keyword("ORDER") {
		if err := p.expectKeyword("BY"); err != nil {
			return nil, err
		}
		if out.OrderBy, err = list(p, p.orderTerm); err != nil {
			return nil, err
		}
	}
	if out.Limit, err = p.optionalInteger("LIMIT"); err != nil {
		return nil, err
	}
	if out.Offset, err = p.optionalInteger("OFFSET"); err != nil {
		return nil, err
	}
	if p.peek().kind != tEOF {
		return nil, p.unexpected()
	}
	return out, nil
}

// list parses one or more items with item, separated by commas.
func list[T any](p *parser, item func() (T, error)) ([]T, error) {
	var out []T
	for {
		v, err := item()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		if p.peek().kind != tComma {
			return out, nil
		}
		p.next()
	}
}

// orderTerm parses one ORDER BY term: a field, ASC or DESC, and NULLS FIRST
// or NULLS LAST (by default nulls come first ascending, last descending).
func (p *parser) orderTerm() (OrderTerm, error) {
	f, err := p.ident()
	if err != nil {
		return OrderTerm{}, err
	}
	term := OrderTerm{Field: f}
	if p.keyword("DESC") {
		term.Desc = true
	} else {
		p.keyword("ASC")
	}
	if !p.keyword("NULLS") {
		term.NullsFirst = !term.Desc
		return term, nil
	}
	if p.keyword("FIRST") {
		term.NullsFirst = true
	} else if !p.keyword("LAST") {
		return OrderTerm{}, p.unexpected()
	}
	return term, nil
}

// optionalInteger parses "kw n" when the next token is the keyword kw, and
// returns 0 when it is not.
func (p *parser) optionalInteger(kw string) (int, error) {
	if !p.keyword(kw) {
		return 0, nil
	}
	return p.integer()
}

func (p *parser) integer() (int, error) {
	t := p.peek()
	if t.kind != tNumber {
		return 0, p.unexpected()
	}
	n, err := strconv.Atoi(t.text)
	if err != nil || n < 0 {
		return 0, p.unexpected()
	}
	p.i++
	return n, nil
}

func (p *parser) orExpr() (*Expr, error) { return p.chain("OR", p.andExpr) }

func (p *parser) andExpr() (*Expr, error) { return p.chain("AND", p.unary) }

// chain parses operands joined by the keyword op: one operand alone, or
// an op node over all of them.
func (p *parser) chain(op string, operand func() (*Expr, error)) (*Expr, error) {
	first, err := operand()
	if err != nil {
		return nil, err
	}
	e := &Expr{Op: op, Children: []*Expr{first}}
	for p.keyword(op) {
		c, err := operand()
		if err != nil {
			return nil, err
		}
		e.Children = append(e.Children, c)
	}
	if len(e.Children) == 1 {
		return first, nil
	}
	return e, nil
}

func (p *parser) unary() (*Expr, error) {
	if p.keyword("NOT") {
		c, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &Expr{Op: "NOT", Children: []*Expr{c}}, nil
	}
	if p.peek().kind == tLParen {
		p.next()
		e, err := p.orExpr()
		if err != nil {
			return nil, err
		}
		if p.peek().kind != tRParen {
			return nil, p.unexpected()
		}
		p.next()
		return e, nil
	}
	return p.comparison()
}

func (p *parser) comparison() (*Expr, error) {
	f, err := p.ident()
	if err != nil {
		return nil, err
	}
	e := &Expr{Field: f}
	switch {
	case p.peek().kind == tOp:
		e.Op = p.next().text
		v, err := p.value(false)
		if err != nil {
			return nil, err
		}
		e.Values = []Value{v}
	case p.keyword("LIKE"):
		e.Op = "LIKE"
		v, err := p.value(true)
		if err != nil {
			return nil, err
		}
		e.Values = []Value{v}
	case p.keyword("NOT"):
		if err := p.expectKeyword("IN"); err != nil {
			return nil, err
		}
		e.Op = "NOT IN"
		if e.Values, err = p.list(); err != nil {
			return nil, err
		}
	case p.keyword("IN"):
		e.Op = "IN"
		if e.Values, err = p.list(); err != nil {
			return nil, err
		}
	default:
		return nil, p.unexpected()
	}
	return e, nil
}

func (p *parser) list() ([]Value, error) {
	if p.peek().kind != tLParen {
		return nil, p.unexpected()
	}
	p.next()
	var vs []Value
	for {
		v, err := p.value(false)
		if err != nil {
			return nil, err
		}
		vs = append(vs, v)
		if p.peek().kind == tComma {
			p.next()
			continue
		}
		if p.peek().kind != tRParen {
			return nil, p.unexpected()
		}
		p.next()
		return vs, nil
	}
}

func (p *parser) value(like bool) (Value, error) {
	t := p.peek()
	if t.kind == tString {
		p.i++
		return stringValue(t, like)
	}
	if like {
		// A LIKE pattern is a string literal.
		return Value{}, p.unexpected()
	}
	switch t.kind {
	case tNumber:
		n, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return Value{}, p.unexpected()
		}
		p.i++
		return Value{Kind: KindNumber, Num: n}, nil
	case tDateLit:
		p.i++
		return dateValue(t)
	case tIdent:
		switch strings.ToUpper(t.text) {
		case "NULL":
			p.i++
			return Value{Kind: KindNull}, nil
		case "TRUE", "FALSE":
			p.i++
			return Value{Kind: KindBool, Bool: strings.EqualFold(t.text, "TRUE")}, nil
		}
	}
	return Value{}, p.unexpected()
}

// stringValue decodes a string literal: a LIKE pattern (text and wildcards)
// when like, a plain string otherwise. Errors point at the literal.
func stringValue(t token, like bool) (Value, error) {
	if like {
		parts, err := unescapeLike(t.text)
		if err != nil {
			return Value{}, at(err, t.pos)
		}
		return Value{Kind: KindLike, Like: parts}, nil
	}
	s, err := unescape(t.text)
	if err != nil {
		return Value{}, at(err, t.pos)
	}
	return Value{Kind: KindString, Str: s}, nil
}

// dateValue reads a date literal (YYYY-MM-DD) or a datetime literal (with
// a zone, optionally with milliseconds).
func dateValue(t token) (Value, error) {
	if len(t.text) == 10 {
		if _, err := time.Parse("2006-01-02", t.text); err != nil {
			return Value{}, &QueryError{Msg: "invalid date: " + t.text, Pos: t.pos}
		}
		return Value{Kind: KindDate, Str: t.text}, nil
	}
	for _, l := range []string{"2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05.000Z07:00"} {
		if tm, err := time.Parse(l, t.text); err == nil {
			return Value{Kind: KindDateTime, Time: tm}, nil
		}
	}
	return Value{}, &QueryError{Msg: "invalid datetime: " + t.text, Pos: t.pos}
}

// at places a string literal's error at the literal.
func at(err error, pos int) error {
	if qe, ok := err.(*QueryError); ok {
		qe.Pos = pos
	}
	return err
}

// unescape decodes a string literal body (docs/salesforce-api.md §4.1). A
// backslash before anything but the documented escapes is an error, as is
// \% or \_ outside LIKE.
func unescape(raw string) (string, error) {
	parts, err := decodeEscapes(raw, false)
	if err != nil {
		return "", err
	}
	return parts[0].Text, nil
}

func unescapeLike(raw string) ([]LikePart, error) { return decodeEscapes(raw, true) }

func decodeEscapes(raw string, like bool) ([]LikePart, error) {
	var parts []LikePart
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			parts = append(parts, LikePart{Text: cur.String()})
			cur.Reset()
		}
	}
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if like && (c == '%' || c == '_') {
			flush()
			parts = append(parts, LikePart{Text: string(c), Wildcard: true})
			continue
		}
		if c != '\\' {
			cur.WriteByte(c)
			continue
		}
		r, n, err := decodeEscape(raw[i+1:], like)
		if err != nil {
			return nil, err
		}
		cur.WriteRune(r)
		i += n
	}
	flush()
	if !like && len(parts) == 0 {
		parts = []LikePart{{}}
	}
	return parts, nil
}

// decodeEscape decodes the escape sequence at the start of rest (what
// follows a backslash) and returns the character and how many bytes of rest
// it used. \% and \_ are escapes only inside LIKE.
func decodeEscape(rest string, like bool) (rune, int, error) {
	if rest == "" {
		return 0, 0, &QueryError{Msg: "invalid escape sequence at end of string"}
	}
	switch c := rest[0]; c {
	case 'n', 'N':
		return '\n', 1, nil
	case 'r', 'R':
		return '\r', 1, nil
	case 't', 'T':
		return '\t', 1, nil
	case 'b', 'B':
		return '\b', 1, nil
	case 'f', 'F':
		return '\f', 1, nil
	case '"', '\'', '\\':
		return rune(c), 1, nil
	case '%', '_':
		if !like {
			return 0, 0, &QueryError{Msg: `invalid escape sequence \` + string(c) + ` outside LIKE`}
		}
		return rune(c), 1, nil
	case 'u':
		if len(rest) < 5 {
			return 0, 0, &QueryError{Msg: `invalid \u escape`}
		}
		n, err := strconv.ParseUint(rest[1:5], 16, 32)
		if err != nil {
			return 0, 0, &QueryError{Msg: `invalid \u escape`}
		}
		return rune(n), 5, nil
	default:
		return 0, 0, &QueryError{Msg: `invalid escape sequence \` + string(c)}
	}
}

package salesforcetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// soqlError formats the message of a query error as Salesforce does: the
// query line holding the offending token, a caret under it, its 1-based
// row and column, then the detail; for example
// "\nSELECT ,    FROM X\n          ^\nERROR at Row:1:Column:11\nunexpected token: 'FROM'"
// (the REST API's 400 MALFORMED_QUERY and INVALID_FIELD bodies,
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm).
// Salesforce shortens very long lines around the token; the fake shows the
// whole line.
func soqlError(q string, pos int, detail string) string {
	pos = max(0, min(pos, len(q)))
	start := strings.LastIndexByte(q[:pos], '\n') + 1
	end := len(q)
	if i := strings.IndexByte(q[pos:], '\n'); i >= 0 {
		end = pos + i
	}
	row := strings.Count(q[:pos], "\n") + 1
	col := utf8.RuneCountInString(q[start:pos]) + 1
	return fmt.Sprintf("\n%s\n%s^\nERROR at Row:%d:Column:%d\n%s",
		strings.TrimSuffix(q[start:end], "\r"), strings.Repeat(" ", col-1), row, col, detail)
}

// identPos is the offset of the first identifier token of q equal to name
// (a field path), or 0.
func identPos(q, name string) int {
	toks, _ := tokenize(q)
	for _, t := range toks {
		if t.kind == tIdent && strings.EqualFold(t.text, name) {
			return t.pos
		}
	}
	return 0
}

// objectPos is the offset of the object name after FROM, or 0.
func objectPos(q string) int {
	toks, _ := tokenize(q)
	for i, t := range toks {
		if t.kind == tIdent && strings.EqualFold(t.text, "FROM") && i+1 < len(toks) {
			return toks[i+1].pos
		}
	}
	return 0
}

// query runs GET /query?q=.
func (s *Server) query(sess *session, ver, q string) apiResp {
	if strings.TrimSpace(q) == "" {
		return errResp(http.StatusBadRequest, "MALFORMED_QUERY", "A query string has to be specified")
	}
	parsed, err := ParseSOQL(q)
	if err != nil {
		pos := 0
		var qe *QueryError
		if errors.As(err, &qe) {
			pos = qe.Pos
		}
		return errResp(http.StatusBadRequest, "MALFORMED_QUERY", soqlError(q, pos, err.Error()))
	}
	obj, ok := s.schema.object(parsed.Object)
	if !ok || obj.PlatformEvent {
		return errResp(http.StatusBadRequest, "INVALID_TYPE", soqlError(q, objectPos(q), fmt.Sprintf("sObject type '%s' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.", parsed.Object)))
	}
	if oe := s.checkQuery(obj, parsed, q); oe != nil {
		return oe.resp()
	}
	candidates, oe := s.candidates(sess, obj, parsed)
	if oe != nil {
		return oe.resp()
	}
	rows := s.selectRows(candidates, parsed)
	paths := make([][]string, len(parsed.Fields))
	for i, f := range parsed.Fields {
		paths[i] = strings.Split(f, ".")
	}
	rendered := make([]json.RawMessage, len(rows))
	for i, r := range rows {
		rendered[i] = mustJSON(s.renderSelected(r, paths, ver))
	}
	return s.page(ver, &cursor{rows: rendered, total: len(rendered)}, "", 0)
}

// checkQuery checks that every selected field, ORDER BY field and WHERE
// field of the parsed query q exists on obj (relationships included).
func (s *Server) checkQuery(obj *ObjectSchema, parsed *SOQL, q string) *opErr {
	for _, f := range parsed.Fields {
		if oe := s.checkPath(obj, f, q); oe != nil {
			return oe
		}
	}
	for _, t := range parsed.OrderBy {
		if oe := s.checkPath(obj, t.Field, q); oe != nil {
			return oe
		}
	}
	return s.checkExpr(obj, parsed.Where, q)
}

// candidates are the records a query of obj may return before its WHERE:
// the session org's records of obj in id order, or synthesised
// UserRecordAccess rows.
func (s *Server) candidates(sess *session, obj *ObjectSchema, parsed *SOQL) ([]*record, *opErr) {
	if obj.Name == "UserRecordAccess" {
		return s.userRecordAccessRows(sess, obj, parsed)
	}
	var candidates []*record
	for _, r := range s.sortedRecords() {
		if r.obj == obj && r.org == sess.org {
			candidates = append(candidates, r)
		}
	}
	return candidates, nil
}

// selectRows applies the query's WHERE, ORDER BY (stable), OFFSET and LIMIT
// to candidates.
func (s *Server) selectRows(candidates []*record, parsed *SOQL) []*record {
	var rows []*record
	for _, r := range candidates {
		if parsed.Where == nil || s.eval(parsed.Where, r) {
			rows = append(rows, r)
		}
	}
	if len(parsed.OrderBy) > 0 {
		sort.SliceStable(rows, func(i, j int) bool { return s.less(rows[i], rows[j], parsed.OrderBy) })
	}
	if parsed.Offset > 0 {
		rows = rows[min(parsed.Offset, len(rows)):]
	}
	if parsed.Limit > 0 && len(rows) > parsed.Limit {
		rows = rows[:parsed.Limit]
	}
	return rows
}

// page renders one batch; remaining rows are kept under a locator.
func (s *Server) page(ver string, c *cursor, locator string, offset int) apiResp {
	end := min(offset+s.batchSize, len(c.rows))
	body := ordered{{"totalSize", c.total}, {"done", end >= len(c.rows)}}
	if end < len(c.rows) {
		if locator == "" {
			locator = newID("01g", s.nextSeq())
			s.cursors[locator] = c
		}
		body = append(body, kv{"nextRecordsUrl", fmt.Sprintf("/services/data/v%s/query/%s-%d", ver, locator, end)})
	} else if locator != "" {
		delete(s.cursors, locator)
	}
	body = append(body, kv{"records", c.rows[offset:end]})
	return apiResp{status: http.StatusOK, body: mustJSON(body)}
}

func (s *Server) queryMore(loc string) apiResp {
	locator, off, ok := strings.Cut(loc, "-")
	c, found := s.cursors[locator]
	var offset int
	if _, err := fmt.Sscanf(off, "%d", &offset); err != nil || !ok || !found || offset < 0 || offset > len(c.rows) {
		return errResp(http.StatusBadRequest, "INVALID_QUERY_LOCATOR", "invalid query locator")
	}
	return s.page(DefaultAPIVersion, c, locator, offset)
}

// checkPath validates a field or relationship path on obj.
func (s *Server) checkPath(obj *ObjectSchema, path, q string) *opErr {
	segs := strings.Split(path, ".")
	cur := []*ObjectSchema{obj}
	for i, seg := range segs {
		last := i == len(segs)-1
		var next []*ObjectSchema
		for _, o := range cur {
			if last {
				if _, ok := o.field(seg); !ok {
					return &opErr{status: http.StatusBadRequest, code: "INVALID_FIELD", message: soqlError(q, identPos(q, path), fmt.Sprintf("No such column '%s' on entity '%s'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.", seg, o.Name))}
				}
				continue
			}
			rel, ok := o.relationship(seg)
			if !ok {
				return &opErr{status: http.StatusBadRequest, code: "INVALID_FIELD", message: soqlError(q, identPos(q, path), fmt.Sprintf("Didn't understand relationship '%s' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.", seg))}
			}
			for _, t := range rel.ReferenceTo {
				if to, ok := s.schema.object(t); ok {
					next = append(next, to)
				}
			}
		}
		cur = next
	}
	return nil
}

// fieldOf returns the schema of the last segment of path (first target
// object for polymorphic relationships).
func (s *Server) fieldOf(obj *ObjectSchema, path string) *FieldSchema {
	segs := strings.Split(path, ".")
	o := obj
	for _, seg := range segs[:len(segs)-1] {
		rel, _ := o.relationship(seg)
		o, _ = s.schema.object(rel.ReferenceTo[0])
	}
	f, _ := o.field(segs[len(segs)-1])
	return f
}

func (s *Server) checkExpr(obj *ObjectSchema, e *Expr, q string) *opErr {
	if e == nil {
		return nil
	}
	for _, c := range e.Children {
		if oe := s.checkExpr(obj, c, q); oe != nil {
			return oe
		}
	}
	if e.Field == "" {
		return nil
	}
	if oe := s.checkPath(obj, e.Field, q); oe != nil {
		return oe
	}
	f := s.fieldOf(obj, e.Field)
	for _, v := range e.Values {
		if !kindFits(f.Type, v.Kind, e.Op) {
			return &opErr{status: http.StatusBadRequest, code: "INVALID_QUERY_FILTER_OPERATOR", message: soqlError(q, identPos(q, e.Field), fmt.Sprintf("value of filter criterion for field '%s' must be of type %s and should not be enclosed in quotes", f.Name, f.Type))}
		}
	}
	return nil
}

func kindFits(fieldType, kind, op string) bool {
	if kind == KindNull {
		return op == "=" || op == "!=" || op == "IN" || op == "NOT IN"
	}
	switch fieldType {
	case "boolean":
		return kind == KindBool && (op == "=" || op == "!=")
	case "double", "currency", "percent", "int":
		return kind == KindNumber
	case "date":
		return kind == KindDate
	case "datetime":
		return kind == KindDateTime
	}
	return kind == KindString || kind == KindLike
}

// resolve follows a field path from rec; a null lookup yields nil.
func (s *Server) resolve(rec *record, path string) any {
	segs := strings.Split(path, ".")
	cur := rec
	for _, seg := range segs[:len(segs)-1] {
		rel, ok := cur.obj.relationship(seg)
		if !ok {
			return nil
		}
		id, _ := cur.fields[rel.Name].(string)
		next, ok := s.records[id]
		if !ok {
			return nil
		}
		cur = next
	}
	f, ok := cur.obj.field(segs[len(segs)-1])
	if !ok {
		return nil
	}
	return cur.fields[f.Name]
}

func (s *Server) eval(e *Expr, rec *record) bool {
	switch e.Op {
	case "AND":
		for _, c := range e.Children {
			if !s.eval(c, rec) {
				return false
			}
		}
		return true
	case "OR":
		for _, c := range e.Children {
			if s.eval(c, rec) {
				return true
			}
		}
		return false
	case "NOT":
		return !s.eval(e.Children[0], rec)
	}
	return matches(s.resolve(rec, e.Field), e)
}

// matches applies a comparison (IN, NOT IN, LIKE, =, !=, <, <=, >, >=) to
// the record's value v of e's field.
func matches(v any, e *Expr) bool {
	switch e.Op {
	case "IN", "NOT IN":
		found := slices.ContainsFunc(e.Values, func(lit Value) bool {
			c, ok := compare(v, lit)
			return ok && c == 0
		})
		return found == (e.Op == "IN")
	case "LIKE":
		str, ok := v.(string)
		return ok && likeRegexp(e.Values[0].Like).MatchString(str)
	}
	c, ok := compare(v, e.Values[0])
	if e.Op == "!=" {
		// SOQL's != includes nulls.
		return !ok || c != 0
	}
	return ok && holds(e.Op, c)
}

// holds reports whether comparison operator op holds for c, the result of
// compare (negative, zero or positive).
func holds(op string, c int) bool {
	switch op {
	case "=":
		return c == 0
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	}
	return false
}

// compare orders a stored value against a literal; ok is false when they
// cannot be compared (null on one side only).
func compare(v any, lit Value) (int, bool) {
	if lit.Kind == KindNull || v == nil {
		if lit.Kind == KindNull && v == nil {
			return 0, true
		}
		return 0, false
	}
	switch x := v.(type) {
	case string:
		a, b := strings.ToLower(x), strings.ToLower(lit.Str)
		// 15- and 18-character ids compare equal.
		if validID(x) && validID(lit.Str) && len(x) != len(lit.Str) {
			a, b = strings.ToLower(to18(x)), strings.ToLower(to18(lit.Str))
		}
		return strings.Compare(a, b), true
	case float64:
		switch {
		case x < lit.Num:
			return -1, true
		case x > lit.Num:
			return 1, true
		}
		return 0, true
	case bool:
		if x == lit.Bool {
			return 0, true
		}
		return 1, true
	case time.Time:
		return x.Compare(lit.Time), true
	}
	return 0, false
}

func likeRegexp(parts []LikePart) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`(?is)^`)
	for _, p := range parts {
		switch {
		case p.Wildcard && p.Text == "%":
			b.WriteString(".*")
		case p.Wildcard:
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(p.Text))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

func (s *Server) less(a, b *record, terms []OrderTerm) bool {
	for _, t := range terms {
		va, vb := s.resolve(a, t.Field), s.resolve(b, t.Field)
		if va == nil || vb == nil {
			if va == nil && vb == nil {
				continue
			}
			return (va == nil) == t.NullsFirst
		}
		c := cmpAny(va, vb)
		if c == 0 {
			continue
		}
		return (c < 0) != t.Desc
	}
	return false
}

func cmpAny(a, b any) int {
	switch x := a.(type) {
	case string:
		return strings.Compare(strings.ToLower(x), strings.ToLower(fmt.Sprint(b)))
	case float64:
		y, _ := b.(float64)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
	case time.Time:
		y, _ := b.(time.Time)
		return x.Compare(y)
	case bool:
		y, _ := b.(bool)
		if x == y {
			return 0
		}
		if !x {
			return -1
		}
		return 1
	}
	return 0
}

// renderSelected renders the selected paths of rec, nesting relationship
// fields under their relationship name as Salesforce does.
func (s *Server) renderSelected(rec *record, paths [][]string, ver string) ordered {
	o := ordered{{"attributes", ordered{{"type", rec.obj.Name}, {"url", attrURL(ver, rec.obj.Name, rec.id)}}}}
	if rec.obj.Name == "UserRecordAccess" {
		o[0] = kv{"attributes", ordered{{"type", "UserRecordAccess"}, {"url", attrURL(ver, "UserRecordAccess", rec.id)}}}
	}
	done := map[string]bool{}
	for _, p := range paths {
		if len(p) == 1 {
			f, _ := rec.obj.field(p[0])
			if !done[strings.ToLower(f.Name)] {
				done[strings.ToLower(f.Name)] = true
				o = append(o, kv{f.Name, renderValue(rec.fields[f.Name])})
			}
			continue
		}
		rel, _ := rec.obj.relationship(p[0])
		key := strings.ToLower(rel.RelationshipName)
		if done[key] {
			continue
		}
		done[key] = true
		var tails [][]string
		for _, q := range paths {
			if len(q) > 1 && strings.EqualFold(q[0], p[0]) {
				tails = append(tails, q[1:])
			}
		}
		id, _ := rec.fields[rel.Name].(string)
		target, ok := s.records[id]
		if !ok {
			o = append(o, kv{rel.RelationshipName, nil})
			continue
		}
		o = append(o, kv{rel.RelationshipName, s.renderSelected(target, tails, ver)})
	}
	return o
}

// userRecordAccessRows synthesises UserRecordAccess rows for the UserId and
// RecordId values in the top-level AND, as Salesforce requires both
// filters. Records the running user cannot read are left out.
func (s *Server) userRecordAccessRows(sess *session, obj *ObjectSchema, q *SOQL) ([]*record, *opErr) {
	userID, recordIDs, oe := userRecordAccessFilter(q)
	if oe != nil {
		return nil, oe
	}
	userID = to18(userID)
	var rows []*record
	for _, rid := range recordIDs {
		target, ok := s.records[to18(rid)]
		if !validID(rid) || !ok || target.org != sess.org || !s.canRead(sess.user, target) {
			continue
		}
		read := s.canRead(userID, target)
		level := "None"
		if read {
			level = "Read"
			if s.isOwnerOrAdmin(userID, target) {
				level = "All"
			}
		}
		rows = append(rows, &record{obj: obj, org: sess.org, id: target.id, fields: map[string]any{
			"RecordId": target.id, "UserId": userID, "HasReadAccess": read, "HasEditAccess": level == "All",
			"HasDeleteAccess": level == "All", "HasTransferAccess": level == "All", "HasAllAccess": level == "All", "MaxAccessLevel": level,
		}})
	}
	return rows, nil
}

// topLevelConds lists the conditions of a WHERE's top-level AND, or the
// WHERE itself when it is not an AND.
func topLevelConds(where *Expr) []*Expr {
	switch {
	case where == nil:
		return nil
	case where.Op == "AND":
		return where.Children
	}
	return []*Expr{where}
}

// userRecordAccessFilter reads the UserId (=) and RecordId (= or IN) values
// from the query's top-level AND and checks what Salesforce requires of a
// UserRecordAccess query: both filters, at most 200 record ids, and neither
// Id nor UserId selected.
func userRecordAccessFilter(q *SOQL) (userID string, recordIDs []string, _ *opErr) {
	for _, c := range topLevelConds(q.Where) {
		switch {
		case strings.EqualFold(c.Field, "UserId") && c.Op == "=":
			userID = c.Values[0].Str
		case strings.EqualFold(c.Field, "RecordId") && (c.Op == "=" || c.Op == "IN"):
			for _, v := range c.Values {
				recordIDs = append(recordIDs, v.Str)
			}
		}
	}
	for _, f := range q.Fields {
		if strings.EqualFold(f, "Id") || strings.EqualFold(f, "UserId") {
			return "", nil, &opErr{status: http.StatusBadRequest, code: "MALFORMED_QUERY", message: "When filtering by UserId and RecordId only, you must use SELECT RecordId and optionally one or more of the access level fields"}
		}
	}
	if userID == "" || len(recordIDs) == 0 {
		return "", nil, &opErr{status: http.StatusBadRequest, code: "MALFORMED_QUERY", message: "UserRecordAccess queries must filter on UserId and RecordId"}
	}
	if len(recordIDs) > 200 {
		return "", nil, &opErr{status: http.StatusBadRequest, code: "MALFORMED_QUERY", message: "Up to 200 record IDs can be queried"}
	}
	return userID, recordIDs, nil
}

func (s *Server) isOwnerOrAdmin(userID string, rec *record) bool {
	if u, ok := s.users[userID]; ok && u.isAdmin {
		return true
	}
	owner, _ := rec.fields["OwnerId"].(string)
	return owner == userID || rec.id == userID
}

// canRead is the fake's sharing model: explicit SetRecordAccess overrides,
// then owners and admins.
func (s *Server) canRead(userID string, rec *record) bool {
	if v, ok := s.access[accessKey{userID, rec.id}]; ok {
		return v
	}
	return s.isOwnerOrAdmin(userID, rec)
}

package salesforcetest

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// apiResp is the result of one data API operation, used both for HTTP
// replies and for Composite subresponses.
type apiResp struct {
	status  int
	body    []byte // nil for 204
	headers map[string]string
}

func errResp(status int, code, msg string, fields ...string) apiResp {
	return apiResp{status: status, body: restError(code, msg, fields...)}
}

// opErr is a failed record operation; Collections render it with statusCode,
// the REST endpoints as an errorCode array.
type opErr struct {
	status  int
	code    string
	message string
	fields  []string
}

func (e *opErr) resp() apiResp { return errResp(e.status, e.code, e.message, e.fields...) }

func (e *opErr) item() ordered {
	f := e.fields
	if f == nil {
		f = []string{}
	}
	return ordered{{"statusCode", e.code}, {"message", e.message}, {"fields", f}}
}

func (s *Server) handleData(w http.ResponseWriter, r *http.Request) {
	body := readBody(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.admit(w, r, true, func(w http.ResponseWriter) {
		writeJSON(w, http.StatusServiceUnavailable, restError("SERVER_UNAVAILABLE", "Server temporarily unavailable"))
	}) {
		return
	}
	rest := strings.TrimPrefix(r.URL.EscapedPath(), "/services/data/")
	if rest == "" {
		// The Versions URI: no auth, no Sforce-Limit-Info.
		writeJSON(w, http.StatusOK, mustJSON([]ordered{{{"label", "Summer '24"}, {"url", "/services/data/v" + DefaultAPIVersion}, {"version", DefaultAPIVersion}}}))
		return
	}
	sess := s.authenticate(r)
	if sess == nil {
		s.limitHeader(w)
		writeJSON(w, http.StatusUnauthorized, restError("INVALID_SESSION_ID", "Session expired or invalid"))
		return
	}
	if !hasScope(sess.scopes, "api") {
		// A token without the api scope (for example one granted only id
		// or web) cannot call the REST API.
		writeJSON(w, http.StatusUnauthorized, restError("INVALID_SESSION_ID", "This session is not valid for use with the REST API"))
		return
	}
	if s.apiUsed >= s.apiMax {
		s.limitHeader(w)
		writeJSON(w, http.StatusForbidden, restError("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."))
		return
	}
	s.apiUsed++
	s.limitHeader(w)
	if len(s.failNext) > 0 {
		f := s.failNext[0]
		s.failNext = s.failNext[1:]
		writeJSON(w, f.status, restError(f.code, f.message))
		return
	}
	res := s.dispatch(sess, r.Method, "/services/data/"+rest, r.URL.Query(), body)
	for k, v := range res.headers {
		w.Header().Set(k, v)
	}
	if res.body == nil {
		w.WriteHeader(res.status)
		return
	}
	writeJSON(w, res.status, res.body)
}

// authenticate accepts "Bearer <token>" and the Canvas SDK's "OAuth <token>".
func (s *Server) authenticate(r *http.Request) *session {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || (!strings.EqualFold(scheme, "Bearer") && !strings.EqualFold(scheme, "OAuth")) {
		return nil
	}
	se, ok := s.sessions[strings.TrimSpace(tok)]
	if !ok || se.expired {
		return nil
	}
	return se
}

var versionRE = regexp.MustCompile(`^v(\d+\.\d)$`)

// dispatch routes a data API call. path is escaped and starts with
// /services/data/. Callers hold mu.
func (s *Server) dispatch(sess *session, method, path string, query url.Values, body []byte) apiResp {
	ver, segs, ok := dataPath(path)
	if !ok {
		return errResp(http.StatusNotFound, "NOT_FOUND", "The requested resource does not exist")
	}
	if len(segs) == 0 || segs[0] == "" {
		return apiResp{status: http.StatusOK, body: mustJSON(ordered{{"sobjects", "/services/data/v" + ver + "/sobjects"}, {"query", "/services/data/v" + ver + "/query"}, {"composite", "/services/data/v" + ver + "/composite"}})}
	}
	switch segs[0] {
	case "query":
		return s.queryRoute(sess, ver, method, segs[1:], query)
	case "composite":
		return s.compositeRoute(sess, ver, method, segs[1:], body)
	case "sobjects":
		if len(segs) >= 2 {
			return s.sobjects(sess, ver, method, segs[1:], query, body)
		}
	}
	return errResp(http.StatusNotFound, "NOT_FOUND", "The requested resource does not exist")
}

// dataPath splits an escaped /services/data/vXX.X/... path into its API
// version and its unescaped segments after the version; ok is false when
// the version is missing.
func dataPath(path string) (ver string, segs []string, ok bool) {
	segs = strings.Split(strings.Trim(strings.TrimPrefix(path, "/services/data/"), "/"), "/")
	m := versionRE.FindStringSubmatch(segs[0])
	if m == nil {
		return "", nil, false
	}
	for i := range segs {
		if u, err := url.PathUnescape(segs[i]); err == nil {
			segs[i] = u
		}
	}
	return m[1], segs[1:], true
}

// queryRoute serves GET /query?q= and GET /query/{locator} (the next batch).
func (s *Server) queryRoute(sess *session, ver, method string, segs []string, query url.Values) apiResp {
	switch {
	case method != http.MethodGet:
	case len(segs) == 0:
		return s.query(sess, ver, query.Get("q"))
	case len(segs) == 1:
		return s.queryMore(segs[0])
	}
	return errResp(http.StatusNotFound, "NOT_FOUND", "The requested resource does not exist")
}

// compositeRoute serves POST /composite and the sObject Collections under
// /composite/sobjects.
func (s *Server) compositeRoute(sess *session, ver, method string, segs []string, body []byte) apiResp {
	switch {
	case len(segs) == 0 && method == http.MethodPost:
		return s.composite(sess, ver, body)
	case len(segs) >= 1 && segs[0] == "sobjects":
		return s.collections(sess, ver, method, segs[1:], body)
	}
	return errResp(http.StatusNotFound, "NOT_FOUND", "The requested resource does not exist")
}

func attrURL(ver, obj, id string) string {
	return "/services/data/v" + ver + "/sobjects/" + obj + "/" + id
}

func (s *Server) sobjects(sess *session, ver, method string, segs []string, query url.Values, body []byte) apiResp {
	obj, ok := s.schema.object(segs[0])
	if !ok {
		return errResp(http.StatusNotFound, "NOT_FOUND", "The requested resource does not exist")
	}
	switch {
	case len(segs) == 1 && method == http.MethodPost:
		return s.createRecord(sess, ver, obj, body)
	case len(segs) == 2 && segs[1] == "describe" && method == http.MethodGet:
		return apiResp{status: http.StatusOK, body: describe(obj, ver)}
	case len(segs) == 2:
		if resp, ok := s.recordByID(sess, ver, method, obj, segs[1], query, body); ok {
			return resp
		}
	case len(segs) == 3 && method == http.MethodPatch:
		return s.upsertByExternalID(sess, ver, obj, segs[1], segs[2], body)
	}
	return errResp(http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "HTTP Method '"+method+"' not allowed. Allowed are GET,PATCH,DELETE")
}

// createRecord serves POST /sobjects/{object}: it creates a record, or
// publishes a platform event.
func (s *Server) createRecord(sess *session, ver string, obj *ObjectSchema, body []byte) apiResp {
	fields, err := decodeFields(body)
	if err != nil {
		return err.resp()
	}
	if obj.PlatformEvent {
		return s.publish(obj, fields)
	}
	id, oe := s.create(sess, obj, fields)
	if oe != nil {
		return oe.resp()
	}
	return apiResp{status: http.StatusCreated, headers: map[string]string{"Location": attrURL(ver, obj.Name, id)},
		body: mustJSON(ordered{{"id", id}, {"success", true}, {"errors", []any{}}})}
}

// recordByID serves GET (optionally ?fields=), PATCH and DELETE on
// /sobjects/{object}/{id}; ok is false for any other method.
func (s *Server) recordByID(sess *session, ver, method string, obj *ObjectSchema, id string, query url.Values, body []byte) (_ apiResp, ok bool) {
	rec, oe := s.find(sess, obj, id)
	if oe != nil {
		return oe.resp(), true
	}
	switch method {
	case http.MethodGet:
		var fields []string
		if f := query.Get("fields"); f != "" {
			fields = strings.Split(f, ",")
			for _, name := range fields {
				if _, ok := obj.field(strings.TrimSpace(name)); !ok {
					return errResp(http.StatusBadRequest, "INVALID_FIELD", fmt.Sprintf("No such column '%s' on sobject of type %s", name, obj.Name)), true
				}
			}
		}
		return apiResp{status: http.StatusOK, body: mustJSON(s.renderRecord(rec, ver, fields))}, true
	case http.MethodPatch:
		fields, err := decodeFields(body)
		if err != nil {
			return err.resp(), true
		}
		if oe := s.update(rec, fields); oe != nil {
			return oe.resp(), true
		}
		return apiResp{status: http.StatusNoContent}, true
	case http.MethodDelete:
		delete(s.records, rec.id)
		return apiResp{status: http.StatusNoContent}, true
	}
	return apiResp{}, false
}

// upsertByExternalID serves PATCH /sobjects/{object}/{field}/{value}: 201
// created, 200 updated, or 300 with the matching records' URLs.
func (s *Server) upsertByExternalID(sess *session, ver string, obj *ObjectSchema, field, value string, body []byte) apiResp {
	fields, err := decodeFields(body)
	if err != nil {
		return err.resp()
	}
	id, created, status, oe := s.upsert(sess, obj, field, value, fields, ver)
	if oe != nil {
		return oe.resp()
	}
	if status == http.StatusMultipleChoices {
		return apiResp{status: status, body: mustJSON(id)}
	}
	return apiResp{status: status, headers: map[string]string{"Location": attrURL(ver, obj.Name, id.(string))},
		body: mustJSON(ordered{{"id", id}, {"success", true}, {"errors", []any{}}, {"created", created}})}
}

func decodeFields(body []byte) (map[string]any, *opErr) {
	var m map[string]any
	dec := json.NewDecoder(strings.NewReader(string(body)))
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, &opErr{status: http.StatusBadRequest, code: "JSON_PARSER_ERROR", message: "Unexpected character in request body"}
	}
	delete(m, "attributes")
	return m, nil
}

// find returns a record of obj by id, in the session's org. A segment that
// is not a record id is read by Salesforce as an external id field name,
// hence its message; a well-formed id with no record (deleted, another
// object's, another org's) is 404
// [{"errorCode":"NOT_FOUND","message":"The requested resource does not exist"}]
// like any missing REST resource
// (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm:
// "404 The requested resource couldn't be found").
func (s *Server) find(sess *session, obj *ObjectSchema, id string) (*record, *opErr) {
	if !validID(id) {
		return nil, &opErr{status: http.StatusNotFound, code: "NOT_FOUND", message: "Provided external ID field does not exist or is not accessible: " + id}
	}
	rec, ok := s.records[to18(id)]
	if !ok || rec.obj != obj || (sess != nil && rec.org != sess.org) {
		return nil, &opErr{status: http.StatusNotFound, code: "NOT_FOUND", message: "The requested resource does not exist"}
	}
	return rec, nil
}

// coerce validates one incoming value against its field and converts it to
// the stored form.
func (s *Server) coerce(org string, f *FieldSchema, v any) (any, *opErr) {
	if v == nil {
		return nil, nil
	}
	var (
		out any
		ok  bool
	)
	switch f.Type {
	case "boolean":
		out, ok = v.(bool)
	case "double", "currency", "percent", "int":
		out, ok = coerceNumber(f, v)
	case "date":
		out, ok = coerceDate(v)
	case "datetime":
		str, isStr := v.(string)
		if t, err := parseDateTime(str); isStr && err == nil {
			out, ok = t, true
		}
	case "reference":
		str, isStr := v.(string)
		if !isStr {
			break
		}
		return s.coerceReference(org, f, str)
	default:
		return coerceText(f, v)
	}
	if !ok {
		return nil, badValue(f, v)
	}
	return out, nil
}

// badValue is the error for a value of the wrong JSON kind or form for f.
func badValue(f *FieldSchema, v any) *opErr {
	return &opErr{status: http.StatusBadRequest, code: "JSON_PARSER_ERROR",
		message: fmt.Sprintf("Cannot deserialize instance of %s from %v value for field %s", f.Type, jsonKind(v), f.Name), fields: []string{f.Name}}
}

// coerceNumber reads a number, or a string holding one; an int field takes
// whole numbers only.
func coerceNumber(f *FieldSchema, v any) (float64, bool) {
	n, ok := v.(float64)
	if str, isStr := v.(string); isStr {
		var err error
		n, err = strconv.ParseFloat(str, 64)
		ok = err == nil
	}
	if !ok || (f.Type == "int" && n != math.Trunc(n)) {
		return 0, false
	}
	return n, true
}

// coerceDate reads a YYYY-MM-DD string.
func coerceDate(v any) (string, bool) {
	str, ok := v.(string)
	if !ok {
		return "", false
	}
	_, err := time.Parse("2006-01-02", str)
	return str, err == nil
}

// coerceReference reads a reference: empty clears it; otherwise it must be
// the id of a record of the same org whose object the field refers to
// (INVALID_CROSS_REFERENCE_KEY), stored in its 18-character form.
func (s *Server) coerceReference(org string, f *FieldSchema, str string) (any, *opErr) {
	if str == "" {
		return nil, nil
	}
	target, exists := s.records[to18(str)]
	if !validID(str) || !exists || target.org != org || !refersTo(f, target.obj.Name) {
		return nil, &opErr{status: http.StatusBadRequest, code: "INVALID_CROSS_REFERENCE_KEY",
			message: fmt.Sprintf("%s: id value of incorrect type: %s", f.Name, str), fields: []string{f.Name}}
	}
	return to18(str), nil
}

// coerceText reads a text value: a string, or a number or boolean in its
// text form, within the field's length (STRING_TOO_LONG).
func coerceText(f *FieldSchema, v any) (any, *opErr) {
	var str string
	switch x := v.(type) {
	case string:
		str = x
	case float64:
		str = strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		str = strconv.FormatBool(x)
	default:
		return nil, badValue(f, v)
	}
	if f.Length > 0 && len([]rune(str)) > f.Length {
		return nil, &opErr{status: http.StatusBadRequest, code: "STRING_TOO_LONG",
			message: fmt.Sprintf("%s: data value too large: %.20s... (max length=%d)", f.Name, str, f.Length), fields: []string{f.Name}}
	}
	return str, nil
}

func refersTo(f *FieldSchema, obj string) bool {
	for _, t := range f.ReferenceTo {
		if strings.EqualFold(t, obj) {
			return true
		}
	}
	return false
}

func jsonKind(v any) string {
	switch v.(type) {
	case string:
		return "VALUE_STRING"
	case float64:
		return "VALUE_NUMBER"
	case bool:
		return "VALUE_BOOLEAN"
	case map[string]any:
		return "START_OBJECT"
	case []any:
		return "START_ARRAY"
	}
	return "VALUE"
}

// parseDateTime accepts the request-body forms in docs/salesforce-api.md §11.
func parseDateTime(s string) (time.Time, error) {
	var err error
	for _, l := range []string{"2006-01-02T15:04:05.000Z07:00", "2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05.000-0700", "2006-01-02T15:04:05-0700", time.RFC3339Nano} {
		var t time.Time
		if t, err = time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, err
}

// applyFields validates and sets fields on rec (which may be new).
func (s *Server) applyFields(rec *record, fields map[string]any, creating bool) *opErr {
	for name, v := range fields {
		f, ok := rec.obj.field(name)
		if !ok {
			return &opErr{status: http.StatusBadRequest, code: "INVALID_FIELD",
				message: fmt.Sprintf("No such column '%s' on sobject of type %s", name, rec.obj.Name), fields: []string{name}}
		}
		if strings.EqualFold(f.Name, "Id") {
			if creating {
				return &opErr{status: http.StatusBadRequest, code: "INVALID_FIELD", message: "The Id field should not be specified in the sobject data."}
			}
			continue
		}
		if f.ReadOnly {
			return &opErr{status: http.StatusBadRequest, code: "INVALID_FIELD_FOR_INSERT_UPDATE",
				message: fmt.Sprintf("Unable to create/update fields: %s. Please check the security settings of this field and verify that it is read/write for your profile or permission set.", f.Name), fields: []string{f.Name}}
		}
		val, oe := s.coerce(rec.org, f, v)
		if oe != nil {
			return oe
		}
		rec.fields[f.Name] = val
	}
	for _, f := range rec.obj.Fields {
		if !f.Unique || rec.fields[f.Name] == nil {
			continue
		}
		for _, other := range s.records {
			if other.obj == rec.obj && other.id != rec.id && other.org == rec.org && strings.EqualFold(fmt.Sprint(other.fields[f.Name]), fmt.Sprint(rec.fields[f.Name])) {
				return &opErr{status: http.StatusBadRequest, code: "DUPLICATE_VALUE",
					message: fmt.Sprintf("duplicate value found: %s duplicates value on record with id: %s", f.Name, other.id), fields: []string{f.Name}}
			}
		}
	}
	s.derive(rec)
	return nil
}

// derive fills computed fields (Name, EndDateTime, timestamps).
func (s *Server) derive(rec *record) {
	if _, ok := rec.obj.field("Name"); ok {
		if f, okF := rec.obj.field("FirstName"); okF && f != nil {
			first, _ := rec.fields["FirstName"].(string)
			last, _ := rec.fields["LastName"].(string)
			rec.fields["Name"] = strings.TrimSpace(first + " " + last)
		}
	}
	if rec.obj.Name == "Event" {
		start, _ := rec.fields["StartDateTime"].(time.Time)
		if d, ok := rec.fields["DurationInMinutes"].(float64); ok && !start.IsZero() {
			rec.fields["EndDateTime"] = start.Add(time.Duration(d) * time.Minute)
		}
		if !start.IsZero() {
			rec.fields["ActivityDateTime"] = start
			rec.fields["ActivityDate"] = start.Format("2006-01-02")
		}
	}
	if _, ok := rec.obj.field("LastModifiedDate"); ok {
		rec.fields["LastModifiedDate"] = s.now().UTC().Truncate(time.Millisecond)
	}
}

func (s *Server) newRecord(org string, obj *ObjectSchema) *record {
	rec := &record{obj: obj, org: org, id: newID(obj.KeyPrefix, s.nextSeq()), fields: map[string]any{}}
	for _, f := range obj.Fields {
		rec.fields[f.Name] = nil
	}
	for _, f := range obj.Fields {
		if f.Type == "boolean" {
			rec.fields[f.Name] = false
		}
	}
	rec.fields["Id"] = rec.id
	if _, ok := obj.field("CreatedDate"); ok {
		rec.fields["CreatedDate"] = s.now().UTC().Truncate(time.Millisecond)
	}
	return rec
}

func (s *Server) create(sess *session, obj *ObjectSchema, fields map[string]any) (string, *opErr) {
	if obj.ReadOnly || obj.KeyPrefix == "" {
		return "", &opErr{status: http.StatusBadRequest, code: "INVALID_TYPE_FOR_OPERATION", message: "entity type " + obj.Name + " does not support insert"}
	}
	rec := s.newRecord(sess.org, obj)
	if _, ok := obj.field("OwnerId"); ok {
		if _, given := fields["OwnerId"]; !given {
			rec.fields["OwnerId"] = sess.user
		}
	}
	if oe := s.applyFields(rec, fields, true); oe != nil {
		return "", oe
	}
	s.records[rec.id] = rec
	return rec.id, nil
}

func (s *Server) update(rec *record, fields map[string]any) *opErr {
	next := rec.clone()
	if oe := s.applyFields(next, fields, false); oe != nil {
		return oe
	}
	s.records[rec.id] = next
	return nil
}

// upsert implements PATCH /sobjects/{obj}/{extField}/{value}. For 300 the
// returned id is a JSON-able list of matching record URLs.
func (s *Server) upsert(sess *session, obj *ObjectSchema, extField, value string, fields map[string]any, ver string) (id any, created bool, status int, oe *opErr) {
	f, ok := obj.field(extField)
	if !ok || !(f.ExternalID || strings.EqualFold(f.Name, "Id")) {
		return "", false, 0, &opErr{status: http.StatusNotFound, code: "NOT_FOUND", message: "Provided external ID field does not exist or is not accessible: " + extField}
	}
	for name := range fields {
		if strings.EqualFold(name, f.Name) {
			return "", false, 0, &opErr{status: http.StatusBadRequest, code: "INVALID_FIELD",
				message: fmt.Sprintf("The external ID field %s should not be specified in the sobject data.", f.Name), fields: []string{f.Name}}
		}
	}
	matches := s.byExternalID(sess, obj, f, value)
	switch len(matches) {
	case 0:
		withKey := maps.Clone(fields)
		if withKey == nil {
			withKey = map[string]any{}
		}
		withKey[f.Name] = value
		createdID, oe := s.create(sess, obj, withKey)
		if oe != nil {
			return "", false, 0, oe
		}
		return createdID, true, http.StatusCreated, nil
	case 1:
		if oe := s.update(matches[0], fields); oe != nil {
			return "", false, 0, oe
		}
		return matches[0].id, false, http.StatusOK, nil
	}
	urls := make([]string, len(matches))
	for i, m := range matches {
		urls[i] = attrURL(ver, obj.Name, m.id)
	}
	return urls, false, http.StatusMultipleChoices, nil
}

// byExternalID lists the session org's records of obj whose field f holds
// value (compared without case), in id order.
func (s *Server) byExternalID(sess *session, obj *ObjectSchema, f *FieldSchema, value string) []*record {
	var matches []*record
	for _, r := range s.sortedRecords() {
		if r.obj == obj && r.org == sess.org && strings.EqualFold(fmt.Sprint(r.fields[f.Name]), value) && r.fields[f.Name] != nil {
			matches = append(matches, r)
		}
	}
	return matches
}

func (s *Server) publish(obj *ObjectSchema, fields map[string]any) apiResp {
	rec := &record{obj: obj, fields: map[string]any{}}
	if oe := s.applyFields(rec, fields, true); oe != nil {
		return oe.resp()
	}
	n := s.nextSeq()
	uuid := fmt.Sprintf("e981b488-81f3-4fcc-bd6f-%012x", n)
	stored := make(map[string]any, len(rec.fields))
	for k, v := range rec.fields {
		stored[k] = v
	}
	s.events = append(s.events, PublishedEvent{Object: obj.Name, UUID: uuid, Fields: stored, At: s.now()})
	// Current docs: success:true plus an OPERATION_ENQUEUED entry whose
	// message is the EventUuid (docs/salesforce-api.md §10).
	return apiResp{status: http.StatusCreated, body: mustJSON(ordered{
		{"id", "e01xx0000000001AAA"}, {"success", true},
		{"errors", []ordered{{{"statusCode", "OPERATION_ENQUEUED"}, {"message", uuid}, {"fields", []string{}}}}},
	})}
}

func (s *Server) sortedRecords() []*record {
	out := make([]*record, 0, len(s.records))
	for _, r := range s.records {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return seqOf(out[i].id) < seqOf(out[j].id) })
	return out
}

// seqOf recovers the creation counter from an id made by newID.
func seqOf(id string) int64 {
	var n int64
	for _, c := range id[5:15] {
		n = n*62 + int64(strings.IndexRune(base62, c))
	}
	return n
}

// renderValue converts a stored value to its JSON form.
func renderValue(v any) any {
	if t, ok := v.(time.Time); ok {
		return formatDateTime(t)
	}
	return v
}

// renderRecord renders every field (nulls included) or the chosen ones.
func (s *Server) renderRecord(rec *record, ver string, only []string) ordered {
	o := ordered{{"attributes", ordered{{"type", rec.obj.Name}, {"url", attrURL(ver, rec.obj.Name, rec.id)}}}}
	if len(only) > 0 {
		for _, name := range only {
			f, _ := rec.obj.field(strings.TrimSpace(name))
			o = append(o, kv{f.Name, renderValue(rec.fields[f.Name])})
		}
		return o
	}
	for _, f := range rec.obj.Fields {
		o = append(o, kv{f.Name, renderValue(rec.fields[f.Name])})
	}
	return o
}

func describe(obj *ObjectSchema, ver string) []byte {
	fields := make([]ordered, 0, len(obj.Fields))
	for _, f := range obj.Fields {
		ref := f.ReferenceTo
		if ref == nil {
			ref = []string{}
		}
		var rel any
		if f.RelationshipName != "" {
			rel = f.RelationshipName
		}
		fields = append(fields, ordered{
			{"name", f.Name}, {"label", labelOf(f.Name)}, {"type", f.Type}, {"length", f.Length},
			{"precision", f.Precision}, {"scale", 0}, {"custom", f.Custom}, {"externalId", f.ExternalID},
			{"unique", f.Unique}, {"nillable", f.Type != "boolean" && f.Name != "Id"},
			{"createable", !f.ReadOnly && f.Name != "Id"}, {"updateable", !f.ReadOnly && f.Name != "Id"},
			{"referenceTo", ref}, {"relationshipName", rel},
		})
	}
	return mustJSON(ordered{
		{"name", obj.Name}, {"label", obj.Label}, {"custom", obj.Custom}, {"keyPrefix", obj.KeyPrefix},
		{"queryable", !obj.PlatformEvent}, {"createable", !obj.ReadOnly},
		{"fields", fields},
		{"urls", ordered{{"sobject", "/services/data/v" + ver + "/sobjects/" + obj.Name}, {"describe", "/services/data/v" + ver + "/sobjects/" + obj.Name + "/describe"}}},
	})
}

func labelOf(name string) string {
	name = strings.TrimSuffix(strings.TrimSuffix(name, "__c"), "Id")
	return strings.ReplaceAll(name, "_", " ")
}

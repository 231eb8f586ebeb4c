package salesforcetest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// snapshot is the state an all-or-none operation restores on failure.
type snapshot struct {
	records map[string]*record
	events  int
}

func (s *Server) snapshot() snapshot {
	m := make(map[string]*record, len(s.records))
	for k, v := range s.records {
		m[k] = v.clone()
	}
	return snapshot{records: m, events: len(s.events)}
}

func (s *Server) restore(sn snapshot) {
	s.records = sn.records
	s.events = s.events[:sn.events]
}

const haltedMsg = "The transaction was rolled back since another operation in the same transaction failed."

var refRE = regexp.MustCompile(`@\{([A-Za-z0-9_]+)\.([^}]+)\}`)

// composite runs POST /composite (docs/salesforce-api.md §6.1): up to 25
// subrequests, references between them, 200 overall with a status per
// subrequest, PROCESSING_HALTED after a failure under allOrNone.
func (s *Server) composite(sess *session, ver string, body []byte) apiResp {
	var req struct {
		AllOrNone bool            `json:"allOrNone"`
		Steps     []compositeStep `json:"compositeRequest"`
	}
	if err := json.Unmarshal(body, &req); err != nil || len(req.Steps) == 0 {
		return errResp(http.StatusBadRequest, "JSON_PARSER_ERROR", "Unexpected character in request body")
	}
	if refused, ok := checkComposite(req.Steps); !ok {
		return refused
	}
	sn := s.snapshot()
	results := map[string]any{}
	out := make([]ordered, len(req.Steps))
	failed := -1
	for i, st := range req.Steps {
		if failed >= 0 && req.AllOrNone {
			out[i] = subResp(st.ReferenceID, http.StatusBadRequest, restError("PROCESSING_HALTED", haltedMsg), nil)
			continue
		}
		var ok bool
		if out[i], ok = s.compositeStep(sess, st, results); !ok && failed < 0 {
			failed = i
		}
	}
	if failed >= 0 && req.AllOrNone {
		s.restore(sn)
		for i := range out {
			if i != failed {
				out[i] = subResp(req.Steps[i].ReferenceID, http.StatusBadRequest, restError("PROCESSING_HALTED", haltedMsg), nil)
			}
		}
	}
	return apiResp{status: http.StatusOK, body: mustJSON(ordered{{"compositeResponse", out}})}
}

// compositeStep is one subrequest of a composite request.
type compositeStep struct {
	Method      string            `json:"method"`
	URL         string            `json:"url"`
	ReferenceID string            `json:"referenceId"`
	Body        json.RawMessage   `json:"body"`
	Headers     map[string]string `json:"httpHeaders"`
}

// checkComposite applies the limits on a whole composite request: at most 25
// subrequests, at most maxCompositeQueries of them queries or collections,
// and none setting the Authorization, Content-Type or Accept header. ok is
// false with the refusal to answer.
func checkComposite(steps []compositeStep) (refused apiResp, ok bool) {
	if len(steps) > 25 {
		return errResp(http.StatusBadRequest, "LIMIT_EXCEEDED", "Maximum of 25 subrequests allowed per composite request"), false
	}
	queries := 0
	for _, st := range steps {
		if queryLike(st.URL) {
			queries++
		}
	}
	if queries > maxCompositeQueries {
		// The limit is documented; the wording of the answer is ours.
		return errResp(http.StatusBadRequest, "LIMIT_EXCEEDED", fmt.Sprintf("Maximum of %d query and sObject Collections subrequests allowed per composite request", maxCompositeQueries)), false
	}
	for _, st := range steps {
		for h := range st.Headers {
			if strings.EqualFold(h, "Authorization") || strings.EqualFold(h, "Content-Type") || strings.EqualFold(h, "Accept") {
				return errResp(http.StatusBadRequest, "INVALID_INPUT", "Subrequests may not set the "+h+" header"), false
			}
		}
	}
	return apiResp{}, true
}

// compositeStep runs one subrequest: it fills in references to earlier
// results, dispatches it like a request of its own and, when it succeeds,
// keeps its parsed body in results under its reference id. ok is false when
// the subrequest failed.
func (s *Server) compositeStep(sess *session, st compositeStep, results map[string]any) (out ordered, ok bool) {
	u, err1 := substitute(st.URL, results, false)
	b, err2 := substitute(string(st.Body), results, true)
	if err := firstErr(err1, err2); err != nil {
		return subResp(st.ReferenceID, http.StatusBadRequest, restError("PROCESSING_HALTED", err.Error()), nil), false
	}
	pu, err := url.Parse(u)
	if err != nil {
		return subResp(st.ReferenceID, http.StatusBadRequest, restError("INVALID_URL", "invalid url"), nil), false
	}
	res := s.dispatch(sess, strings.ToUpper(st.Method), pu.EscapedPath(), pu.Query(), []byte(b))
	out = subResp(st.ReferenceID, res.status, res.body, res.headers)
	if res.status >= 300 {
		return out, false
	}
	var parsed any
	if len(res.body) > 0 {
		_ = json.Unmarshal(res.body, &parsed)
	}
	results[st.ReferenceID] = parsed
	return out, true
}

// maxCompositeQueries is how many of a composite request's subrequests may
// be queries (query, queryAll) or sObject Collections
// (https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-composite-post.html).
const maxCompositeQueries = 5

// queryLike reports whether a subrequest URL is a query or an sObject
// Collections request.
func queryLike(u string) bool {
	path, _, _ := strings.Cut(u, "?")
	segs := strings.Split(strings.Trim(strings.TrimPrefix(path, "/services/data/"), "/"), "/")
	if len(segs) > 0 && versionRE.MatchString(segs[0]) {
		segs = segs[1:]
	}
	if len(segs) == 0 {
		return false
	}
	return segs[0] == "query" || segs[0] == "queryAll" || (segs[0] == "composite" && len(segs) > 1 && segs[1] == "sobjects")
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func subResp(ref string, status int, body []byte, headers map[string]string) ordered {
	if headers == nil {
		headers = map[string]string{}
	}
	var b any
	if len(body) > 0 {
		b = json.RawMessage(body)
	}
	return ordered{{"body", b}, {"httpHeaders", headers}, {"httpStatusCode", status}, {"referenceId", ref}}
}

// substitute replaces @{ref.path} with values from earlier results; inJSON
// escapes the value for a JSON string.
func substitute(text string, results map[string]any, inJSON bool) (string, error) {
	var failure error
	out := refRE.ReplaceAllStringFunc(text, func(m string) string {
		sm := refRE.FindStringSubmatch(m)
		v, ok := walk(results[sm[1]], sm[2])
		if _, known := results[sm[1]]; !known || !ok {
			failure = vendorMessage(fmt.Sprintf("Invalid reference specified. No value for %s.%s found in %s. Provided referenceId ('%s') must start with a letter or a number, and it can contain only letters, numbers and underscores ('_').", sm[1], sm[2], sm[1], sm[1]))
			return m
		}
		str := fmt.Sprint(v)
		if inJSON {
			q, _ := json.Marshal(str)
			str = string(q[1 : len(q)-1])
		}
		return str
	})
	return out, failure
}

func walk(v any, path string) (any, bool) {
	for _, seg := range strings.Split(path, ".") {
		name, idx, hasIdx := strings.Cut(seg, "[")
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[name]; !ok {
			return nil, false
		}
		if hasIdx {
			n, err := strconv.Atoi(strings.TrimSuffix(idx, "]"))
			arr, isArr := v.([]any)
			if err != nil || !isArr || n < 0 || n >= len(arr) {
				return nil, false
			}
			v = arr[n]
		}
	}
	return v, v != nil
}

// collections runs the sObject Collections endpoints (§6.2, §6.3). Item
// errors use statusCode; allOrNone rolls back and marks valid items
// ALL_OR_NONE_OPERATION_ROLLED_BACK.
func (s *Server) collections(sess *session, ver, method string, segs []string, body []byte) apiResp {
	var req struct {
		AllOrNone bool             `json:"allOrNone"`
		Records   []map[string]any `json:"records"`
	}
	if err := json.Unmarshal(body, &req); err != nil || len(req.Records) == 0 {
		return errResp(http.StatusBadRequest, "JSON_PARSER_ERROR", "Unexpected character in request body")
	}
	if len(req.Records) > 200 {
		return errResp(http.StatusBadRequest, "EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 200 records into this call")
	}
	op := collectionOp{method: method}
	switch {
	case len(segs) == 0 && (method == http.MethodPost || method == http.MethodPatch):
	case len(segs) == 2 && method == http.MethodPatch:
		var ok bool
		if op.upsertObj, ok = s.schema.object(segs[0]); !ok {
			return errResp(http.StatusNotFound, "NOT_FOUND", "The requested resource does not exist")
		}
		op.extField = segs[1]
	default:
		return errResp(http.StatusNotFound, "NOT_FOUND", "The requested resource does not exist")
	}
	sn := s.snapshot()
	results := make([]collectionResult, len(req.Records))
	anyFailed := false
	for i, rec := range req.Records {
		results[i] = s.collectionItem(sess, ver, op, rec)
		if results[i].err != nil {
			anyFailed = true
		}
	}
	rolledBack := anyFailed && req.AllOrNone
	if rolledBack {
		s.restore(sn)
	}
	out := make([]ordered, len(results))
	for i, r := range results {
		out[i] = op.item(r, rolledBack)
	}
	return apiResp{status: http.StatusOK, body: mustJSON(out)}
}

// collectionOp is what a collections request does to each record: create
// (POST), update by id (PATCH) or upsert by extField of upsertObj (PATCH
// /composite/sobjects/{object}/{field}).
type collectionOp struct {
	method    string
	upsertObj *ObjectSchema
	extField  string
}

// updates reports whether the operation updates records by id, whose
// answers carry the id even when they fail.
func (op collectionOp) updates() bool { return op.method == http.MethodPatch && op.upsertObj == nil }

// collectionResult is one record's outcome.
type collectionResult struct {
	id      string
	created *bool
	err     *opErr
}

// collectionItem applies op to one record: its attributes.type must name an
// object (the upsert's object, for an upsert), and its fields other than
// attributes (and an update's id) are written.
func (s *Server) collectionItem(sess *session, ver string, op collectionOp, rec map[string]any) collectionResult {
	attrs, _ := rec["attributes"].(map[string]any)
	typ, _ := attrs["type"].(string)
	obj, ok := s.schema.object(typ)
	if !ok || (op.upsertObj != nil && obj != op.upsertObj) {
		return collectionResult{err: &opErr{code: "INVALID_TYPE", message: "Must send a concrete entity type."}}
	}
	fields := make(map[string]any, len(rec))
	for k, v := range rec {
		if k != "attributes" && !(op.updates() && strings.EqualFold(k, "id")) {
			fields[k] = v
		}
	}
	switch {
	case op.upsertObj != nil:
		return s.collectionUpsert(sess, ver, obj, op.extField, fields)
	case op.method == http.MethodPost:
		if _, has := rec["id"]; has {
			return collectionResult{err: &opErr{code: "INVALID_FIELD", message: "Record ID: id value of incorrect type", fields: []string{"Id"}}}
		}
		var r collectionResult
		r.id, r.err = s.create(sess, obj, fields)
		return r
	}
	id, _ := rec["id"].(string)
	target, oe := s.find(sess, obj, id)
	if oe != nil {
		return collectionResult{err: &opErr{code: "MALFORMED_ID", message: "Record ID: id value of incorrect type: " + id, fields: []string{"Id"}}}
	}
	return collectionResult{id: id, err: s.update(target, fields)}
}

// collectionUpsert upserts one record by its extField value (taken out of
// fields, whatever its case); several records with that value are
// DUPLICATE_EXTERNAL_ID.
func (s *Server) collectionUpsert(sess *session, ver string, obj *ObjectSchema, extField string, fields map[string]any) collectionResult {
	val, _ := fields[extField].(string)
	delete(fields, extField)
	for k := range fields {
		if strings.EqualFold(k, extField) {
			delete(fields, k)
		}
	}
	id, created, status, oe := s.upsert(sess, obj, extField, val, fields, ver)
	switch {
	case oe != nil:
		return collectionResult{err: oe}
	case status == http.StatusMultipleChoices:
		return collectionResult{err: &opErr{code: "DUPLICATE_EXTERNAL_ID", message: "Duplicate external id specified: " + val, fields: []string{extField}}}
	}
	return collectionResult{id: id.(string), created: &created}
}

// item is one record's answer: its errors, ALL_OR_NONE_OPERATION_ROLLED_BACK
// for a valid record of a rolled-back request, or its id (and whether an
// upsert created it).
func (op collectionOp) item(r collectionResult, rolledBack bool) ordered {
	switch {
	case r.err != nil:
		o := ordered{{"success", false}, {"errors", []ordered{r.err.item()}}}
		if op.updates() && r.id != "" {
			o = append(ordered{{"id", r.id}}, o...)
		}
		return o
	case rolledBack:
		rolled := &opErr{code: "ALL_OR_NONE_OPERATION_ROLLED_BACK", message: "Record rolled back because not all records were valid and the request was using AllOrNone header"}
		o := ordered{{"success", false}, {"errors", []ordered{rolled.item()}}}
		// A rolled-back update keeps its id; a rolled-back create has none.
		if op.updates() {
			o = append(ordered{{"id", r.id}}, o...)
		}
		return o
	}
	o := ordered{{"id", r.id}, {"success", true}, {"errors", []any{}}}
	if r.created != nil {
		o = append(o, kv{"created", *r.created})
	}
	return o
}

// vendorMessage is an error whose text is a message Salesforce returns
// verbatim (capitalised, ending in a full stop), kept exactly as the vendor
// writes it rather than in Go's error-string style.
type vendorMessage string

func (m vendorMessage) Error() string { return string(m) }

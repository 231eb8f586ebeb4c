package salesforce

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// MaxCompositeSubrequests is Salesforce's limit per Composite request.
const MaxCompositeSubrequests = 25

// MaxCollectionRecords is Salesforce's limit per sObject Collections call.
const MaxCollectionRecords = 200

// Subrequest is one step of a Composite request. URL is relative to the
// versioned data root ("sobjects/Event/…"); later steps may refer to earlier
// results with "@{referenceId.id}" in URL or Body.
type Subrequest struct {
	Method      string
	URL         string
	ReferenceID string
	Body        any
}

// CreateRequest is a Composite step that creates a record.
func CreateRequest(refID string, object Object, fields Fields) Subrequest {
	return Subrequest{Method: http.MethodPost, URL: "sobjects/" + string(object) + "/", ReferenceID: refID, Body: fields}
}

// UpdateRequest is a Composite step that updates a record. id may be a
// reference such as "@{refEvent.id}".
func UpdateRequest(refID string, object Object, id string, fields Fields) Subrequest {
	return Subrequest{Method: http.MethodPatch, URL: "sobjects/" + string(object) + "/" + id, ReferenceID: refID, Body: fields}
}

// UpsertRequest is a Composite step that upserts by external id.
func UpsertRequest(refID string, object Object, extIDField Field, extID string, fields Fields) Subrequest {
	return Subrequest{Method: http.MethodPatch, URL: upsertPath(object, extIDField, extID), ReferenceID: refID, Body: fields}
}

// SubResponse is the result of one Composite step.
type SubResponse struct {
	ReferenceID string            `json:"referenceId"`
	StatusCode  int               `json:"httpStatusCode"`
	Headers     map[string]string `json:"httpHeaders"`
	Body        json.RawMessage   `json:"body"`
}

// OK reports whether the step succeeded.
func (s SubResponse) OK() bool { return s.StatusCode >= 200 && s.StatusCode < 300 }

// Err returns the step's failure as an *APIError, or nil.
func (s SubResponse) Err() error {
	if s.OK() {
		return nil
	}
	return &APIError{StatusCode: s.StatusCode, Errors: decodeErrorBody(s.Body)}
}

// SaveResult decodes the body of a create or upsert step.
func (s SubResponse) SaveResult() (SaveResult, error) {
	var r SaveResult
	if len(s.Body) == 0 {
		return r, nil
	}
	if err := json.Unmarshal(s.Body, &r); err != nil {
		return r, fmt.Errorf("salesforce: decode composite body: %w", err)
	}
	return r, nil
}

// Composite runs up to 25 steps in one API call. Salesforce answers 200
// even when steps fail, so each step carries its own status; with allOrNone
// one failure rolls everything back and the other steps report
// PROCESSING_HALTED. When any step failed, the responses are returned with
// an error built from the root cause (the first failure that is not
// PROCESSING_HALTED).
//
// Salesforce docs: https://developer.salesforce.com/docs/platform/api-rest/guide/resources_composite_composite.htm
//
// Errors: the mapped code of the root cause, EINVALID for too many steps,
// EUNAUTHORIZED, ERATELIMIT, EUNAVAILABLE.
func (c *Client) Composite(ctx context.Context, allOrNone bool, steps []Subrequest) ([]SubResponse, error) {
	if len(steps) == 0 {
		return nil, nil
	}
	if len(steps) > MaxCompositeSubrequests {
		return nil, fmt.Errorf("salesforce: composite: %w", sfzoom.Errorf(sfzoom.EINVALID, "At most %d composite steps, got %d.", MaxCompositeSubrequests, len(steps)))
	}
	type wireStep struct {
		Method      string `json:"method"`
		URL         string `json:"url"`
		ReferenceID string `json:"referenceId"`
		Body        any    `json:"body,omitempty"`
	}
	req := struct {
		AllOrNone bool       `json:"allOrNone"`
		Steps     []wireStep `json:"compositeRequest"`
	}{AllOrNone: allOrNone}
	for _, s := range steps {
		if !ValidName(s.ReferenceID) {
			return nil, fmt.Errorf("salesforce: composite: %w", sfzoom.Errorf(sfzoom.EINVALID, "Invalid reference id %q.", s.ReferenceID))
		}
		if f, ok := s.Body.(Fields); ok {
			w, err := f.wire()
			if err != nil {
				return nil, fmt.Errorf("salesforce: composite: %w", nameErr(err))
			}
			s.Body = w
		}
		req.Steps = append(req.Steps, wireStep{Method: s.Method, URL: "/" + c.dataPath() + s.URL, ReferenceID: s.ReferenceID, Body: s.Body})
	}
	var resp struct {
		Responses []SubResponse `json:"compositeResponse"`
	}
	if _, err := c.call(ctx, http.MethodPost, "composite", req, &resp); err != nil {
		return nil, fmt.Errorf("salesforce: composite: %w", toDomain(err))
	}
	var root, halted error
	for _, r := range resp.Responses {
		if err := r.Err(); err != nil {
			if HasCode(err, CodeProcessingHalted) {
				if halted == nil {
					halted = err
				}
			} else if root == nil {
				root = fmt.Errorf("composite step %s: %w", r.ReferenceID, err)
			}
		}
	}
	if root == nil {
		root = halted
	}
	if root != nil {
		return resp.Responses, fmt.Errorf("salesforce: composite: %w", toDomain(root))
	}
	return resp.Responses, nil
}

// SObject is a record for an sObject Collections call.
type SObject struct {
	Type   Object
	ID     string // required for update, forbidden for create
	Fields Fields
}

func (o SObject) wire() (map[string]any, error) {
	if err := checkObject(o.Type); err != nil {
		return nil, err
	}
	m, err := o.Fields.wire()
	if err != nil {
		return nil, nameErr(err)
	}
	m["attributes"] = map[string]string{"type": string(o.Type)}
	if o.ID != "" {
		m["id"] = o.ID
	}
	return m, nil
}

// CreateRecords inserts up to 200 records in one call. Results come back in
// input order; failed items have no id. When any item failed the results are
// returned with an error for the first failure.
//
// Salesforce docs: https://developer.salesforce.com/docs/platform/api-rest/guide/resources_composite_sobjects_collections_create.htm
//
// Errors: the first failed item's mapped code, EINVALID, EUNAUTHORIZED,
// ERATELIMIT, EUNAVAILABLE.
func (c *Client) CreateRecords(ctx context.Context, allOrNone bool, records []SObject) ([]SaveResult, error) {
	return c.collection(ctx, "create", http.MethodPost, "composite/sobjects", allOrNone, records)
}

// UpdateRecords updates up to 200 records (each with ID) in one call.
//
// Salesforce docs: https://developer.salesforce.com/docs/platform/api-rest/guide/resources_composite_sobjects_collections_update.htm
//
// Errors: as CreateRecords.
func (c *Client) UpdateRecords(ctx context.Context, allOrNone bool, records []SObject) ([]SaveResult, error) {
	return c.collection(ctx, "update", http.MethodPatch, "composite/sobjects", allOrNone, records)
}

// UpsertRecords upserts up to 200 records of one object by extIDField; each
// record carries its external-id value among its fields, so the value never
// travels in a URL path.
//
// Salesforce docs: https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-sobjects-collections-upsert.html
//
// Errors: as CreateRecords.
func (c *Client) UpsertRecords(ctx context.Context, object Object, extIDField Field, allOrNone bool, records []Fields) ([]SaveResult, error) {
	if !ValidName(string(extIDField)) {
		return nil, fmt.Errorf("salesforce: upsert records: %w", sfzoom.Errorf(sfzoom.EINVALID, "Invalid external id field."))
	}
	objs := make([]SObject, len(records))
	for i, r := range records {
		objs[i] = SObject{Type: object, Fields: r}
	}
	return c.collection(ctx, "upsert", http.MethodPatch, "composite/sobjects/"+string(object)+"/"+string(extIDField), allOrNone, objs)
}

func (c *Client) collection(ctx context.Context, op, method, path string, allOrNone bool, records []SObject) ([]SaveResult, error) {
	if len(records) == 0 {
		return nil, nil
	}
	if len(records) > MaxCollectionRecords {
		return nil, fmt.Errorf("salesforce: %s records: %w", op, sfzoom.Errorf(sfzoom.EINVALID, "At most %d records per call, got %d.", MaxCollectionRecords, len(records)))
	}
	body := struct {
		AllOrNone bool             `json:"allOrNone"`
		Records   []map[string]any `json:"records"`
	}{AllOrNone: allOrNone}
	for _, r := range records {
		w, err := r.wire()
		if err != nil {
			return nil, fmt.Errorf("salesforce: %s records: %w", op, err)
		}
		body.Records = append(body.Records, w)
	}
	var results []SaveResult
	if _, err := c.call(ctx, method, path, body, &results); err != nil {
		return nil, fmt.Errorf("salesforce: %s records: %w", op, toDomain(err))
	}
	var root, rolledBack error
	for i, r := range results {
		if r.Success {
			continue
		}
		ae := &APIError{StatusCode: http.StatusBadRequest, Errors: r.Errors}
		if ae.Has(CodeAllOrNoneRolledBack) {
			if rolledBack == nil {
				rolledBack = ae
			}
		} else if root == nil {
			root = fmt.Errorf("record %d: %w", i, ae)
		}
	}
	if root == nil {
		root = rolledBack
	}
	if root != nil {
		return results, fmt.Errorf("salesforce: %s records: %w", op, toDomain(root))
	}
	return results, nil
}

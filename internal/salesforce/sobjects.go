package salesforce

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// SaveResult is the outcome of one record write (create, upsert, or an item
// of an sObject Collections call).
type SaveResult struct {
	ID      string      `json:"id"`
	Success bool        `json:"success"`
	Created bool        `json:"created"`
	Errors  []ErrorItem `json:"errors"`
}

func checkObject(o Object) error {
	if !ValidName(string(o)) || strings.Contains(string(o), ".") {
		return sfzoom.Errorf(sfzoom.EINVALID, "Invalid Salesforce object name %q.", string(o))
	}
	return nil
}

func checkID(id string) error {
	if !ValidID(id) {
		return sfzoom.Errorf(sfzoom.EINVALID, "Invalid Salesforce record id %q.", id)
	}
	return nil
}

func nameErr(err error) error {
	if _, ok := err.(*invalidNameError); ok {
		return sfzoom.WrapError(sfzoom.EINVALID, err, "Invalid Salesforce field name.")
	}
	return err
}

// Create inserts a record and returns its id.
//
// Salesforce docs: https://developer.salesforce.com/docs/platform/api-rest/guide/dome-sobject-create.html
//
// Errors: EINVALID (unknown or bad field), ECONFLICT (duplicate value on a
// unique field), EUNAUTHORIZED, ERATELIMIT, EUNAVAILABLE.
func (c *Client) Create(ctx context.Context, object Object, fields Fields) (string, error) {
	if err := checkObject(object); err != nil {
		return "", fmt.Errorf("salesforce: create: %w", err)
	}
	body, err := fields.wire()
	if err != nil {
		return "", fmt.Errorf("salesforce: create %s: %w", object, nameErr(err))
	}
	var res SaveResult
	if _, err := c.call(ctx, http.MethodPost, "sobjects/"+string(object)+"/", body, &res); err != nil {
		return "", fmt.Errorf("salesforce: create %s: %w", object, toDomain(err))
	}
	return res.ID, nil
}

// Update sets fields on the record with the given id (204 No Content).
//
// Salesforce docs: https://developer.salesforce.com/docs/platform/api-rest/guide/dome-update-record.html
//
// Errors: ENOTFOUND, EINVALID, ECONFLICT, EUNAUTHORIZED, ERATELIMIT,
// EUNAVAILABLE.
func (c *Client) Update(ctx context.Context, object Object, id string, fields Fields) error {
	if err := checkObject(object); err != nil {
		return fmt.Errorf("salesforce: update: %w", err)
	}
	if err := checkID(id); err != nil {
		return fmt.Errorf("salesforce: update %s: %w", object, err)
	}
	body, err := fields.wire()
	if err != nil {
		return fmt.Errorf("salesforce: update %s: %w", object, nameErr(err))
	}
	if _, err := c.call(ctx, http.MethodPatch, "sobjects/"+string(object)+"/"+id, body, nil); err != nil {
		return fmt.Errorf("salesforce: update %s %s: %w", object, id, toDomain(err))
	}
	return nil
}

// Upsert creates or updates the record whose external-id field extIDField
// equals extID, and reports whether it was created. extID is path-escaped;
// values that cannot survive a URL path (a Zoom UUID with "/") should be
// made URL-safe first or written with UpsertRecords.
//
// Salesforce docs: https://developer.salesforce.com/docs/platform/api-rest/guide/dome-upsert.html
//
// Errors: ECONFLICT (several records match: HTTP 300), ENOTFOUND (unknown
// external-id field), EINVALID, EUNAUTHORIZED, ERATELIMIT, EUNAVAILABLE.
func (c *Client) Upsert(ctx context.Context, object Object, extIDField Field, extID string, fields Fields) (id string, created bool, err error) {
	if err := checkObject(object); err != nil {
		return "", false, fmt.Errorf("salesforce: upsert: %w", err)
	}
	if !ValidName(string(extIDField)) || extID == "" {
		return "", false, fmt.Errorf("salesforce: upsert %s: %w", object, sfzoom.Errorf(sfzoom.EINVALID, "Invalid external id."))
	}
	body, werr := fields.wire()
	if werr != nil {
		return "", false, fmt.Errorf("salesforce: upsert %s: %w", object, nameErr(werr))
	}
	var res SaveResult
	resp, err := c.call(ctx, http.MethodPatch, upsertPath(object, extIDField, extID), body, &res)
	if err != nil {
		return "", false, fmt.Errorf("salesforce: upsert %s: %w", object, toDomain(err))
	}
	// API ≤ 45.0 answers 204 with no body on update.
	return res.ID, resp.StatusCode == http.StatusCreated, nil
}

func upsertPath(object Object, extIDField Field, extID string) string {
	return "sobjects/" + string(object) + "/" + string(extIDField) + "/" + url.PathEscape(extID)
}

// Get returns the record with the given id; with fields it asks for only
// those.
//
// Salesforce docs: https://developer.salesforce.com/docs/platform/api-rest/guide/dome-get-field-values.html
//
// Errors: ENOTFOUND, EINVALID, EUNAUTHORIZED, ERATELIMIT, EUNAVAILABLE.
func (c *Client) Get(ctx context.Context, object Object, id string, fields ...Field) (*Record, error) {
	if err := checkObject(object); err != nil {
		return nil, fmt.Errorf("salesforce: get: %w", err)
	}
	if err := checkID(id); err != nil {
		return nil, fmt.Errorf("salesforce: get %s: %w", object, err)
	}
	path := "sobjects/" + string(object) + "/" + id
	if len(fields) > 0 {
		names := make([]string, len(fields))
		for i, f := range fields {
			if !ValidName(string(f)) {
				return nil, fmt.Errorf("salesforce: get %s: %w", object, sfzoom.Errorf(sfzoom.EINVALID, "Invalid field name %q.", string(f)))
			}
			names[i] = string(f)
		}
		path += "?" + url.Values{"fields": {strings.Join(names, ",")}}.Encode()
	}
	var rec Record
	if _, err := c.call(ctx, http.MethodGet, path, nil, &rec); err != nil {
		return nil, fmt.Errorf("salesforce: get %s %s: %w", object, id, toDomain(err))
	}
	return &rec, nil
}

// Delete removes the record with the given id (204 No Content).
//
// Salesforce docs: https://developer.salesforce.com/docs/platform/api-rest/guide/dome-delete-record.html
//
// Errors: ENOTFOUND, EUNAUTHORIZED, ERATELIMIT, EUNAVAILABLE.
func (c *Client) Delete(ctx context.Context, object Object, id string) error {
	if err := checkObject(object); err != nil {
		return fmt.Errorf("salesforce: delete: %w", err)
	}
	if err := checkID(id); err != nil {
		return fmt.Errorf("salesforce: delete %s: %w", object, err)
	}
	if _, err := c.call(ctx, http.MethodDelete, "sobjects/"+string(object)+"/"+id, nil, nil); err != nil {
		return fmt.Errorf("salesforce: delete %s %s: %w", object, id, toDomain(err))
	}
	return nil
}

// PublishResult is the outcome of a platform event publish.
type PublishResult struct {
	// ID is Salesforce's returned id, which "isn't used to identify an
	// event message, and it isn't always unique".
	ID string
	// EventUUID identifies the event message (from OPERATION_ENQUEUED).
	EventUUID string
}

// PublishEvent publishes a platform event (e.g. ObjectZoomMeetingEvent).
// Success means queued: current API versions answer success:true with an
// OPERATION_ENQUEUED entry in errors, so only success is checked.
//
// Salesforce docs: https://developer.salesforce.com/docs/atlas.en-us.platform_events.meta/platform_events/platform_events_publish_api.htm
//
// Errors: EINVALID, EUNAUTHORIZED, ERATELIMIT, EUNAVAILABLE.
func (c *Client) PublishEvent(ctx context.Context, event Object, fields Fields) (PublishResult, error) {
	if err := checkObject(event); err != nil {
		return PublishResult{}, fmt.Errorf("salesforce: publish: %w", err)
	}
	body, err := fields.wire()
	if err != nil {
		return PublishResult{}, fmt.Errorf("salesforce: publish %s: %w", event, nameErr(err))
	}
	var res SaveResult
	resp, err := c.call(ctx, http.MethodPost, "sobjects/"+string(event)+"/", body, &res)
	if err != nil {
		return PublishResult{}, fmt.Errorf("salesforce: publish %s: %w", event, toDomain(err))
	}
	if !res.Success {
		ae := &APIError{StatusCode: resp.StatusCode, Errors: res.Errors}
		return PublishResult{}, fmt.Errorf("salesforce: publish %s: %w", event, toDomain(ae))
	}
	out := PublishResult{ID: res.ID}
	for _, e := range res.Errors {
		if e.Code == CodeOperationEnqueued {
			out.EventUUID = e.Message
		}
	}
	return out, nil
}

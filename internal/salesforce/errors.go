package salesforce

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// Salesforce error codes the client gives meaning to.
const (
	CodeInvalidSession       = "INVALID_SESSION_ID"
	CodeBadOAuthToken        = "Bad_OAuth_Token" // identity URL, plain text
	CodeRequestLimitExceeded = "REQUEST_LIMIT_EXCEEDED"
	CodeProcessingHalted     = "PROCESSING_HALTED"
	CodeAllOrNoneRolledBack  = "ALL_OR_NONE_OPERATION_ROLLED_BACK"
	CodeMalformedQuery       = "MALFORMED_QUERY"
	CodeInvalidField         = "INVALID_FIELD"
	CodeInvalidType          = "INVALID_TYPE"
	CodeNotFound             = "NOT_FOUND"
	CodeEntityIsDeleted      = "ENTITY_IS_DELETED"
	CodeDuplicateValue       = "DUPLICATE_VALUE"
	CodeMultipleChoices      = "MULTIPLE_CHOICES" // sfzoom's name for an upsert 300
	CodeOperationEnqueued    = "OPERATION_ENQUEUED"
	CodeInvalidGrant         = "invalid_grant"
)

// ErrorItem is one entry of a Salesforce error list. REST errors spell the
// code "errorCode", sObject Collections and publish results "statusCode",
// and OAuth endpoints "error"; all land in Code.
type ErrorItem struct {
	Code    string
	Message string
	Fields  []string
}

// UnmarshalJSON accepts every error spelling Salesforce uses.
func (e *ErrorItem) UnmarshalJSON(b []byte) error {
	var raw struct {
		ErrorCode        string   `json:"errorCode"`
		StatusCode       string   `json:"statusCode"`
		Error            string   `json:"error"`
		Message          string   `json:"message"`
		ErrorDescription string   `json:"error_description"`
		Fields           []string `json:"fields"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	e.Code = firstNonEmpty(raw.ErrorCode, raw.StatusCode, raw.Error)
	e.Message = firstNonEmpty(raw.Message, raw.ErrorDescription)
	e.Fields = raw.Fields
	return nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// APIError is a failed Salesforce call: the HTTP status and the decoded
// error list (REST array, OAuth object, or plain text).
type APIError struct {
	StatusCode int
	Errors     []ErrorItem
}

// Error implements error. It carries Salesforce's codes and messages, which
// never contain tokens.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "salesforce: HTTP %d", e.StatusCode)
	for i, it := range e.Errors {
		if i == 3 {
			fmt.Fprintf(&b, " (+%d more)", len(e.Errors)-3)
			break
		}
		fmt.Fprintf(&b, "; %s: %s", it.Code, it.Message)
	}
	return b.String()
}

// Code returns the first error code, or "".
func (e *APIError) Code() string {
	if len(e.Errors) == 0 {
		return ""
	}
	return e.Errors[0].Code
}

// Has reports whether any item carries code.
func (e *APIError) Has(code string) bool {
	for _, it := range e.Errors {
		if it.Code == code {
			return true
		}
	}
	return false
}

// RateLimitError is Salesforce's 403 REQUEST_LIMIT_EXCEEDED, or a background
// call refused locally because the org's API budget is nearly spent.
type RateLimitError struct {
	// RetryAfter is how long to wait before trying again.
	RetryAfter time.Duration
	// Daily is true for the 24-hour org limit (or the local budget guard);
	// false for the short concurrency limit, which is worth a quick retry.
	Daily   bool
	Message string
}

// Error implements error.
func (e *RateLimitError) Error() string {
	return fmt.Sprintf("salesforce: rate limited (retry after %s): %s", e.RetryAfter, e.Message)
}

// IsInvalidSession reports whether err is a dead token: 401
// INVALID_SESSION_ID, or the identity URL's 403 Bad_OAuth_Token.
func IsInvalidSession(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && (ae.Has(CodeInvalidSession) || ae.Has(CodeBadOAuthToken))
}

// IsRateLimit reports whether err is a Salesforce or local rate limit.
func IsRateLimit(err error) bool {
	var rl *RateLimitError
	return errors.As(err, &rl)
}

// IsNotFound reports whether err is a 404 or NOT_FOUND.
func IsNotFound(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && (ae.StatusCode == http.StatusNotFound || ae.Has(CodeNotFound))
}

// HasCode reports whether err is an *APIError carrying code.
func HasCode(err error, code string) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Has(code)
}

// decodeErrorBody parses whatever Salesforce sent with a failure: a JSON
// array, a single object (OAuth endpoints, some 404s), or plain text.
func decodeErrorBody(body []byte) []ErrorItem {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil
	}
	switch trimmed[0] {
	case '[':
		var items []ErrorItem
		if json.Unmarshal(trimmed, &items) == nil {
			return items
		}
	case '{':
		var it ErrorItem
		if json.Unmarshal(trimmed, &it) == nil {
			return []ErrorItem{it}
		}
	}
	text := string(trimmed)
	if len(text) > 200 {
		text = text[:200]
	}
	// The identity URL answers "Bad_OAuth_Token" as text/plain.
	if strings.Contains(text, CodeBadOAuthToken) {
		return []ErrorItem{{Code: CodeBadOAuthToken, Message: text}}
	}
	return []ErrorItem{{Message: text}}
}

// toDomain wraps a transport or API error in an *sfzoom.Error with the right
// code, keeping the original reachable through errors.As.
func toDomain(err error) error {
	if err == nil {
		return nil
	}
	var se *sfzoom.Error
	if errors.As(err, &se) {
		return err
	}
	var rl *RateLimitError
	if errors.As(err, &rl) {
		return sfzoom.WrapError(sfzoom.ERATELIMIT, err, "Salesforce API limit reached; try again later.")
	}
	var ae *APIError
	if !errors.As(err, &ae) {
		return sfzoom.WrapError(sfzoom.EUNAVAILABLE, err, "Salesforce is unreachable.")
	}
	switch {
	case ae.Has(CodeInvalidSession), ae.Has(CodeBadOAuthToken), ae.Has(CodeInvalidGrant), ae.StatusCode == http.StatusUnauthorized:
		return sfzoom.WrapError(sfzoom.EUNAUTHORIZED, err, "The Salesforce connection needs to be reconnected.")
	case ae.Has(CodeDuplicateValue), ae.StatusCode == http.StatusMultipleChoices, ae.StatusCode == http.StatusConflict:
		return sfzoom.WrapError(sfzoom.ECONFLICT, err, "The Salesforce record already exists.")
	case ae.StatusCode == http.StatusNotFound, ae.Has(CodeNotFound), ae.Has(CodeEntityIsDeleted):
		return sfzoom.WrapError(sfzoom.ENOTFOUND, err, "The Salesforce record was not found.")
	case ae.StatusCode == http.StatusForbidden:
		return sfzoom.WrapError(sfzoom.EFORBIDDEN, err, "Salesforce refused the request.")
	case ae.StatusCode >= 500:
		return sfzoom.WrapError(sfzoom.EUNAVAILABLE, err, "Salesforce is unavailable.")
	case ae.StatusCode >= 400:
		return sfzoom.WrapError(sfzoom.EINVALID, err, "Salesforce rejected the request: %s", ae.firstMessage())
	}
	return sfzoom.WrapError(sfzoom.EINTERNAL, err, "Unexpected Salesforce response.")
}

func (e *APIError) firstMessage() string {
	if len(e.Errors) == 0 {
		return http.StatusText(e.StatusCode)
	}
	m := e.Errors[0].Message
	if len(m) > 300 {
		m = m[:300]
	}
	return m
}

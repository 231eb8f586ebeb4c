// Package sfzoom holds the domain types shared by every part of the service:
// organisations, meetings, webhook events, user mappings, connections,
// recordings and the application error type. It imports only the standard
// library; implementations (store, API clients, web) live in their own
// packages and talk to each other in these terms.
package sfzoom

import (
	"errors"
	"fmt"
)

// Application error codes. They are mapped to HTTP status codes in exactly one
// place (the web package's error handler) and to job outcomes by the workers.
const (
	ECONFLICT       = "conflict"        // a unique key already exists (duplicates are often success)
	EINTERNAL       = "internal"        // a bug or an unexpected failure
	EINVALID        = "invalid"         // the caller's input is wrong; the message says how
	ENOTFOUND       = "not_found"       // the thing does not exist (or the caller may not know it does)
	ENOTIMPLEMENTED = "not_implemented" // the feature is not available in this configuration
	EUNAUTHORIZED   = "unauthorized"    // no valid credentials, or a connection needs reconnecting
	EFORBIDDEN      = "forbidden"       // valid credentials but not allowed
	ERATELIMIT      = "rate_limited"    // an upstream API or sfzoom itself asks to slow down
	EUNAVAILABLE    = "unavailable"     // a dependency is down (breaker open, database unreachable)
)

// Error is an application error: a machine-readable code and a message that is
// safe to show to the user. Messages never contain secrets.
type Error struct {
	Code    string
	Message string
	// Action, when set, says what to do next in plain words ("Open an
	// Opportunity …"); pages show it after the message. Without it they
	// give the code's general advice.
	Action string
	// Err is an optional cause kept for logs and errors.Is/As; it is never
	// shown to users.
	Err error
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("sfzoom error: code=%s message=%s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("sfzoom error: code=%s message=%s", e.Code, e.Message)
}

// WithAction sets what the user should do next and returns e.
func (e *Error) WithAction(action string) *Error {
	e.Action = action
	return e
}

// Unwrap returns the cause, if any.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code string, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WrapError returns an *Error with the given code and message that wraps err.
func WrapError(code string, err error, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: err}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	return errorField(err, func(e *Error) string { return e.Code }, EINTERNAL)
}

// ErrorMessage returns the user-facing message of the first *Error in err's
// chain, or a generic message for any other error so internals never leak.
func ErrorMessage(err error) string {
	return errorField(err, func(e *Error) string { return e.Message },
		"Internal error. Please try again; if it keeps happening, tell your Salesforce admin.")
}

// errorField returns field of the first *Error in err's chain, other for
// any other non-nil error, and "" for nil.
func errorField(err error, field func(*Error) string, other string) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return field(e)
	}
	return other
}

// ErrorAction returns the "what to do next" of the first *Error in err's
// chain, or "" when it has none.
func ErrorAction(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Action
	}
	return ""
}

// Package httperr maps application errors to HTTP status codes. It is the
// one mapping: the web error handler answers with it and the recordings
// proxy audits with it, so the status an audit row records is the status the
// client was sent.
package httperr

import (
	"errors"
	"net/http"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// StatusError is an error that names its own HTTP status, for answers the
// application codes do not distinguish: 416 for an unsatisfiable range, 502
// when Salesforce cannot be reached. Status prefers it to the error code.
type StatusError interface {
	error
	HTTPStatus() int
}

// statuses maps application error codes to HTTP status codes.
var statuses = map[string]int{
	sfzoom.ECONFLICT:       http.StatusConflict,
	sfzoom.EINVALID:        http.StatusBadRequest,
	sfzoom.ENOTFOUND:       http.StatusNotFound,
	sfzoom.ENOTIMPLEMENTED: http.StatusNotImplemented,
	sfzoom.EUNAUTHORIZED:   http.StatusUnauthorized,
	sfzoom.EFORBIDDEN:      http.StatusForbidden,
	sfzoom.ERATELIMIT:      http.StatusTooManyRequests,
	sfzoom.EUNAVAILABLE:    http.StatusServiceUnavailable,
	sfzoom.EINTERNAL:       http.StatusInternalServerError,
}

// Status returns the HTTP status for err: the status a StatusError in its
// chain names, else the status of its application error code (500 for an
// error without one). nil is 200.
func Status(err error) int {
	if err == nil {
		return http.StatusOK
	}
	if se, ok := errors.AsType[StatusError](err); ok {
		return se.HTTPStatus()
	}
	return CodeStatus(sfzoom.ErrorCode(err))
}

// CodeStatus returns the HTTP status for an application error code; an
// unknown code is 500.
func CodeStatus(code string) int {
	if s, ok := statuses[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Code returns the application error code for an HTTP status, for errors
// that carry only a status (echo's own 404 and 405): the code that maps to
// it, else EINTERNAL for a 5xx and EINVALID for anything else.
func Code(status int) string {
	for code, s := range statuses {
		if s == status {
			return code
		}
	}
	if status >= 500 {
		return sfzoom.EINTERNAL
	}
	return sfzoom.EINVALID
}

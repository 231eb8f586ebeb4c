package zoom

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// ErrNotFound is matched (errors.Is) by every error that means "Zoom does not
// know this resource": HTTP 404, or the codes 3001 (meeting), 1001 (user) and
// 3301 (recording) whatever the status. Not-found answers are never retried.
var ErrNotFound = errors.New("zoom: not found")

// ErrUnavailable is matched (errors.Is) when Zoom could not be reached: the
// circuit breaker is open, a transport error occurred, or the retries were
// exhausted on 5xx answers.
var ErrUnavailable = errors.New("zoom: unavailable")

// FieldError is one entry of the `errors` array of a validation failure.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// APIError is a non-2xx answer from Zoom, decoded from its `{"code","message"}`
// body (https://developers.zoom.us/docs/api/errors/).
//
// It unwraps to an *sfzoom.Error so that sfzoom.ErrorCode(err) yields
// ENOTFOUND, EUNAUTHORIZED, EFORBIDDEN, EINVALID, ECONFLICT, EUNAVAILABLE or
// EINTERNAL without callers knowing Zoom's codes.
type APIError struct {
	Method     string
	Path       string // the request path, without query
	StatusCode int
	Code       int    // Zoom's error code (0 when the body had none)
	Message    string // Zoom's message, safe to log (it never holds secrets)
	Errors     []FieldError
	TrackingID string // the x-zm-trackingid response header, for Zoom support
}

// Error implements error.
func (e *APIError) Error() string {
	return fmt.Sprintf("zoom: %s %s: %d (code %d): %s", e.Method, e.Path, e.StatusCode, e.Code, e.Message)
}

// Is reports whether the error means not found, or unavailable for 5xx.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound || e.Code == 3001 || e.Code == 1001 || e.Code == 3301
	case ErrUnavailable:
		return e.StatusCode >= 500
	}
	return false
}

// Unwrap returns the domain view of the error.
func (e *APIError) Unwrap() error {
	code, msg := sfzoom.EINTERNAL, "Zoom rejected the request."
	switch {
	case e.Is(ErrNotFound):
		code, msg = sfzoom.ENOTFOUND, "Zoom could not find it: "+e.Message
	case e.StatusCode == http.StatusUnauthorized:
		code, msg = sfzoom.EUNAUTHORIZED, "The Zoom connection needs to be reconnected."
	case e.StatusCode == http.StatusForbidden:
		code, msg = sfzoom.EFORBIDDEN, "Zoom does not allow this: "+e.Message
	case e.StatusCode == http.StatusConflict:
		code, msg = sfzoom.ECONFLICT, "Zoom reports a conflict: "+e.Message
	case e.StatusCode >= 500:
		code, msg = sfzoom.EUNAVAILABLE, "Zoom is unavailable right now. Please try again shortly."
	case e.StatusCode >= 400:
		code, msg = sfzoom.EINVALID, "Zoom rejected the request: "+e.Message
	}
	return &sfzoom.Error{Code: code, Message: msg}
}

// Rate-limit categories (https://developers.zoom.us/docs/api/rate-limits/).
const (
	CategoryLight  = "light"
	CategoryMedium = "medium"
	CategoryHeavy  = "heavy"
	// CategoryUserDaily is the per-user limit of 100 meeting create/update
	// requests per UTC day, which Zoom answers without rate-limit headers.
	CategoryUserDaily = "user-daily"
)

// Rate-limit types as sent in X-RateLimit-Type.
const (
	LimitQPS   = "QPS"
	LimitDaily = "Daily-limit"
)

// RateLimitError is a 429 from Zoom, or a request the client refused locally
// because a daily limit is known to be exhausted. RetryAfter is how long to
// wait (in workers: river.JobSnooze(RetryAfter)); it is 0 when Zoom gave no
// hint. It unwraps to an *sfzoom.Error with code ERATELIMIT.
type RateLimitError struct {
	Method     string
	Path       string
	Code       int
	Message    string
	Category   string // light, medium, heavy, resource-intensive, user-daily or ""
	Type       string // QPS, Daily-limit or ""
	RetryAfter time.Duration
	Reset      time.Time // when requests may resume, when known
	Local      bool      // true when refused by the client without calling Zoom
}

// Error implements error.
func (e *RateLimitError) Error() string {
	return fmt.Sprintf("zoom: %s %s: rate limited (category %q, type %q, retry after %s): %s",
		e.Method, e.Path, e.Category, e.Type, e.RetryAfter, e.Message)
}

// Unwrap returns the domain view of the error.
func (e *RateLimitError) Unwrap() error {
	return &sfzoom.Error{Code: sfzoom.ERATELIMIT, Message: "Zoom asks us to slow down. Please try again later."}
}

// Daily reports whether the limit is a daily one, which no short retry helps.
func (e *RateLimitError) Daily() bool {
	return e.Type == LimitDaily || e.Category == CategoryUserDaily
}

// unavailableError wraps a transport or breaker error. Its message never
// carries a URL query, so download tokens cannot leak.
type unavailableError struct {
	op  string
	err error
}

func (e *unavailableError) Error() string { return "zoom: " + e.op + ": unavailable: " + e.err.Error() }

func (e *unavailableError) Is(target error) bool { return target == ErrUnavailable }

func (e *unavailableError) Unwrap() []error {
	return []error{e.err, &sfzoom.Error{Code: sfzoom.EUNAVAILABLE, Message: "Zoom is unavailable right now. Please try again shortly."}}
}

// nextUTCMidnight is when Zoom's daily limits reset.
func nextUTCMidnight(now time.Time) time.Time {
	y, m, d := now.UTC().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
}

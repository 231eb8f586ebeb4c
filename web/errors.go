package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/sfzoom/sfzoom/internal/httperr"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/templates"
)

// errorTitles are the headings of the HTML error page.
var errorTitles = map[int]string{
	http.StatusBadRequest:            "Something is wrong with this request",
	http.StatusUnauthorized:          "Please open sfzoom from Salesforce",
	http.StatusForbidden:             "You don't have access",
	http.StatusNotFound:              "Not found",
	http.StatusConflict:              "Already done",
	http.StatusTooManyRequests:       "Too many requests",
	http.StatusServiceUnavailable:    "sfzoom is temporarily unavailable",
	http.StatusBadGateway:            "Salesforce could not be reached",
	http.StatusInternalServerError:   "Something went wrong",
	http.StatusRequestEntityTooLarge: "Request too large",
}

// errorActions tell the user what to do next.
var errorActions = map[int]string{
	http.StatusBadRequest:          "Go back to the record in Salesforce and try again.",
	http.StatusUnauthorized:        "Reload the record page in Salesforce to start a new session.",
	http.StatusForbidden:           "Ask your Salesforce admin for access.",
	http.StatusNotFound:            "Go back to the record in Salesforce and try again.",
	http.StatusTooManyRequests:     "Wait a minute and try again.",
	http.StatusServiceUnavailable:  "Try again in a few minutes.",
	http.StatusBadGateway:          "Reload the record page in a moment; if it keeps happening, check https://status.salesforce.com or tell your Salesforce admin.",
	http.StatusInternalServerError: "Try again; if it keeps happening, tell your Salesforce admin.",
}

// formError is an input error to show in the form that was submitted: the
// error handler renders form (the form again, with the message next to the
// field and the buttons) with the error's status in place of the element
// with id target, instead of an error page.
type formError struct {
	err    error
	form   templ.Component
	target string
}

func (e *formError) Error() string { return e.err.Error() }
func (e *formError) Unwrap() error { return e.err }

// FormErrorHeader marks a response that re-renders a form with its errors;
// app.js swaps it into the page (htmx swaps no 4xx by itself).
const FormErrorHeader = "X-Sfzoom-Form-Errors"

// errorBody is the JSON error shape.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Action  string `json:"action,omitempty"`
	} `json:"error"`
	RequestID string `json:"request_id,omitempty"`
}

// handleError is echo's HTTPErrorHandler: it maps domain errors (with
// httperr, the one mapping) and echo's own HTTP errors to a status and renders JSON or HTML depending on the request.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	code, status, msg, action := describeError(err)
	reqID := c.Response().Header().Get(echo.HeaderXRequestID)
	if status >= 500 {
		s.log.ErrorContext(c.Request().Context(), "request failed",
			"request_id", reqID, "route", c.Path(), "status", status, "err", err.Error())
	}
	if status == http.StatusUnauthorized {
		// The page script asks Salesforce for a fresh signed request.
		c.Response().Header().Set("X-Sfzoom-Session-Expired", "1")
	}
	if wantsJSON(c) {
		var body errorBody
		body.Error.Code, body.Error.Message, body.Error.Action, body.RequestID = code, msg, action, reqID
		_ = c.JSON(status, body)
		return
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	_ = s.renderError(c, err, status, msg, action)
}

// describeError is the code, HTTP status, message and action err answers
// with (internal/httperr maps the codes).
func describeError(err error) (code string, status int, msg, action string) {
	code, status, msg, action = sfzoom.ErrorCode(err), httperr.Status(err), sfzoom.ErrorMessage(err), sfzoom.ErrorAction(err)
	var he *echo.HTTPError
	if errors.As(err, &he) && code == sfzoom.EINTERNAL {
		// echo's own errors (no route, wrong method) carry only a status.
		status = he.Code
		code = httperr.Code(status)
		msg = http.StatusText(status)
		if m, ok := he.Message.(string); ok && m != "" {
			msg = m
		}
		if status == http.StatusNotFound {
			msg = "There is no page at this address."
		}
	}
	return code, status, msg, action
}

// renderError answers a page or an htmx request with HTML: a form shown
// again with its errors, the flash fragment, or the error page.
func (s *Server) renderError(c echo.Context, err error, status int, msg, action string) error {
	htmx := c.Request().Header.Get("HX-Request") == "true"
	var fe *formError
	switch {
	case errors.As(err, &fe) && htmx:
		c.Response().Header().Set(FormErrorHeader, "1")
		c.Response().Header().Set("HX-Retarget", "#"+fe.target)
		c.Response().Header().Set("HX-Reswap", "outerHTML")
		return render(c, status, fe.form)
	case fe != nil:
		return render(c, status, templates.Page(s.pageMeta(c, "Check the form"), fe.form))
	case htmx:
		// htmx swaps error responses only when told to; the fragment explains.
		c.Response().Header().Set("HX-Reswap", "innerHTML")
		c.Response().Header().Set("HX-Retarget", "#sfzoom-flash")
		return render(c, status, templates.ErrorFragment(strings.TrimSpace(msg+" "+action)))
	}
	title := errorTitles[status]
	if title == "" {
		title = http.StatusText(status)
	}
	if action == "" {
		action = errorActions[status]
	}
	return render(c, status, templates.ErrorPage(s.pageMeta(c, title), status, title, msg, action))
}

// wantsJSON reports whether the client asked for JSON: API and webhook routes,
// or an Accept header that prefers JSON over HTML.
func wantsJSON(c echo.Context) bool {
	p := c.Request().URL.Path
	if strings.HasPrefix(p, "/webhooks/") || strings.HasPrefix(p, "/api/") || p == "/readyz" {
		return true
	}
	accept := c.Request().Header.Get(echo.HeaderAccept)
	return strings.Contains(accept, "application/json") && !strings.Contains(accept, "text/html")
}

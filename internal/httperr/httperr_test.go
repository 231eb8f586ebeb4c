package httperr_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/sfzoom/sfzoom/internal/httperr"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

type teapot struct{ error }

func (teapot) HTTPStatus() int { return http.StatusTeapot }

func TestStatus(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"Nil", nil, http.StatusOK},
		{"Conflict", sfzoom.Errorf(sfzoom.ECONFLICT, "x"), http.StatusConflict},
		{"Internal", sfzoom.Errorf(sfzoom.EINTERNAL, "x"), http.StatusInternalServerError},
		{"Invalid", sfzoom.Errorf(sfzoom.EINVALID, "x"), http.StatusBadRequest},
		{"NotFound", fmt.Errorf("find: %w", sfzoom.Errorf(sfzoom.ENOTFOUND, "x")), http.StatusNotFound},
		{"NotImplemented", sfzoom.Errorf(sfzoom.ENOTIMPLEMENTED, "x"), http.StatusNotImplemented},
		{"Unauthorized", sfzoom.Errorf(sfzoom.EUNAUTHORIZED, "x"), http.StatusUnauthorized},
		{"Forbidden", sfzoom.Errorf(sfzoom.EFORBIDDEN, "x"), http.StatusForbidden},
		{"RateLimit", sfzoom.Errorf(sfzoom.ERATELIMIT, "x"), http.StatusTooManyRequests},
		{"Unavailable", sfzoom.Errorf(sfzoom.EUNAVAILABLE, "x"), http.StatusServiceUnavailable},
		{"UnknownCode", sfzoom.Errorf("made_up", "x"), http.StatusInternalServerError},
		{"Plain", errors.New("boom"), http.StatusInternalServerError},
		{"StatusErrorWinsOverCode", sfzoom.WrapError(sfzoom.EUNAVAILABLE, teapot{errors.New("x")}, "x"), http.StatusTeapot},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := httperr.Status(tt.err); got != tt.want {
				t.Errorf("Status(%v) = %d, want %d", tt.err, got, tt.want)
			}
		})
	}
}

func TestCode(t *testing.T) {
	for status, want := range map[int]string{
		http.StatusNotFound:              sfzoom.ENOTFOUND,
		http.StatusMethodNotAllowed:      sfzoom.EINVALID,
		http.StatusRequestEntityTooLarge: sfzoom.EINVALID,
		http.StatusBadGateway:            sfzoom.EINTERNAL,
		http.StatusServiceUnavailable:    sfzoom.EUNAVAILABLE,
	} {
		if got := httperr.Code(status); got != want {
			t.Errorf("Code(%d) = %q, want %q", status, got, want)
		}
	}
}

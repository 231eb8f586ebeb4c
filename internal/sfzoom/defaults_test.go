package sfzoom_test

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// TestLoggerOrDiscard: a given logger is kept; a nil one becomes a logger
// that discards everything.
func TestLoggerOrDiscard(t *testing.T) {
	given := slog.New(slog.NewTextHandler(io.Discard, nil))
	if got := sfzoom.LoggerOrDiscard(given); got != given {
		t.Errorf("LoggerOrDiscard(logger) = %p, want the same logger %p", got, given)
	}
	got := sfzoom.LoggerOrDiscard(nil)
	if got == nil {
		t.Fatal("LoggerOrDiscard(nil) = nil, want a logger")
	}
	if got.Handler() != slog.DiscardHandler {
		t.Errorf("LoggerOrDiscard(nil) handler = %T, want slog.DiscardHandler", got.Handler())
	}
}

// TestNowOrTimeNow: a given clock is kept; a nil one becomes the wall clock.
func TestNowOrTimeNow(t *testing.T) {
	fixed := time.Date(2026, 12, 6, 3, 30, 0, 0, time.UTC)
	if got := sfzoom.NowOrTimeNow(func() time.Time { return fixed })(); !got.Equal(fixed) {
		t.Errorf("NowOrTimeNow(clock)() = %v, want the clock's %v", got, fixed)
	}
	before := time.Now()
	got := sfzoom.NowOrTimeNow(nil)()
	after := time.Now()
	if got.Before(before) || got.After(after) {
		t.Errorf("NowOrTimeNow(nil)() = %v, want the wall clock, between %v and %v", got, before, after)
	}
}

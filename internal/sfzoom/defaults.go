package sfzoom

import (
	"log/slog"
	"time"
)

// LoggerOrDiscard returns l, or a logger that discards every record when l
// is nil, so a constructor's Options may leave Logger unset.
func LoggerOrDiscard(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}

// NowOrTimeNow returns now, or time.Now when now is nil, so a constructor's
// Options may leave its clock unset (tests inject one).
func NowOrTimeNow(now func() time.Time) func() time.Time {
	if now == nil {
		return time.Now
	}
	return now
}

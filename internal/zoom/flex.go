package zoom

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// FlexInt64 is an integer that Zoom sends either as a JSON number or as a
// numeric string. Meeting ids are strings in meeting.* webhooks and numbers
// in recording.completed and REST responses; a recording's `type` is a
// string while webhooks send a number (docs/zoom-api.md §8). Empty strings and
// null decode as 0. It always encodes as a number.
type FlexInt64 int64

// UnmarshalJSON accepts a number, a numeric string, "" or null.
func (f *FlexInt64) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || bytes.Equal(b, []byte("null")) {
		*f = 0
		return nil
	}
	if b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("zoom: flexible integer: %w", err)
		}
		if s == "" {
			*f = 0
			return nil
		}
		b = []byte(s)
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		// Some numbers arrive as 1.0e10 style floats; accept whole values.
		fl, ferr := strconv.ParseFloat(string(b), 64)
		if ferr != nil || fl != float64(int64(fl)) {
			return fmt.Errorf("zoom: flexible integer %q: %w", truncate(string(b), 32), err)
		}
		n = int64(fl)
	}
	*f = FlexInt64(n)
	return nil
}

// MarshalJSON encodes the value as a JSON number.
func (f FlexInt64) MarshalJSON() ([]byte, error) {
	return strconv.AppendInt(nil, int64(f), 10), nil
}

// String returns the decimal form, the form used in URL paths.
func (f FlexInt64) String() string { return strconv.FormatInt(int64(f), 10) }

// FlexString is a string that Zoom sometimes sends as a number (participant
// user ids, object ids). Numbers are kept in their decimal text form; null
// decodes as "".
type FlexString string

// UnmarshalJSON accepts a string, a number or null.
func (f *FlexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || bytes.Equal(b, []byte("null")):
		*f = ""
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("zoom: flexible string: %w", err)
		}
		*f = FlexString(s)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("zoom: flexible string: %w", err)
		}
		*f = FlexString(n.String())
	}
	return nil
}

// Time is a Zoom timestamp (`yyyy-MM-ddTHH:mm:ssZ`, or any RFC 3339 form).
// Empty strings and null decode as the zero time, which Zoom sends for
// instant meetings and open participant sessions. It encodes in Zoom's
// request form, in UTC.
type Time struct {
	time.Time
}

// zoomTimeLayout is the format Zoom's spec uses for request and response
// date-times.
const zoomTimeLayout = "2006-01-02T15:04:05Z"

// NewTime returns t as a Time.
func NewTime(t time.Time) Time { return Time{Time: t} }

// UnmarshalJSON accepts RFC 3339 strings, "" and null.
func (t *Time) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || bytes.Equal(b, []byte("null")) {
		t.Time = time.Time{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("zoom: time: %w", err)
	}
	if s == "" {
		t.Time = time.Time{}
		return nil
	}
	parsed, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("zoom: time %q: %w", truncate(s, 40), err)
	}
	t.Time = parsed
	return nil
}

// MarshalJSON encodes the time as `yyyy-MM-ddTHH:mm:ssZ` in UTC, or null
// when zero.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + t.UTC().Format(zoomTimeLayout) + `"`), nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

package recordings

import (
	"errors"
	"strconv"
	"strings"
)

// byteRange is an absolute, inclusive byte range.
type byteRange struct{ start, end int64 }

func (r byteRange) length() int64 { return r.end - r.start + 1 }

func (r byteRange) header() string {
	return "bytes=" + strconv.FormatInt(r.start, 10) + "-" + strconv.FormatInt(r.end, 10)
}

func (r byteRange) contentRange(size int64) string {
	total := "*"
	if size > 0 {
		total = strconv.FormatInt(size, 10)
	}
	return "bytes " + strconv.FormatInt(r.start, 10) + "-" + strconv.FormatInt(r.end, 10) + "/" + total
}

var (
	errMultiRange    = errors.New("multiple ranges")
	errUnsatisfiable = errors.New("unsatisfiable range")
)

// parseRange resolves a Range header against a file of size bytes. It
// returns nil for no header. Multiple ranges are refused (errMultiRange):
// media players never send them, and serving multipart/byteranges from a
// remote stream would need one upstream request per part. Syntax errors and
// ranges outside the file are errUnsatisfiable (416), as net/http does.
func parseRange(h string, size int64) (*byteRange, error) {
	if h == "" {
		return nil, nil
	}
	spec, ok := strings.CutPrefix(h, "bytes=")
	if !ok {
		return nil, errUnsatisfiable
	}
	if strings.Contains(spec, ",") {
		return nil, errMultiRange
	}
	first, last, ok := strings.Cut(strings.TrimSpace(spec), "-")
	if !ok {
		return nil, errUnsatisfiable
	}
	first, last = strings.TrimSpace(first), strings.TrimSpace(last)
	if first == "" { // suffix: the last N bytes
		n, err := strconv.ParseInt(last, 10, 64)
		if err != nil || n <= 0 || size <= 0 {
			return nil, errUnsatisfiable
		}
		return &byteRange{start: max(size-n, 0), end: size - 1}, nil
	}
	start, err := strconv.ParseInt(first, 10, 64)
	if err != nil || start < 0 || start >= size {
		return nil, errUnsatisfiable
	}
	end := size - 1
	if last != "" {
		e, err := strconv.ParseInt(last, 10, 64)
		if err != nil || e < start {
			return nil, errUnsatisfiable
		}
		end = min(e, size-1)
	}
	return &byteRange{start: start, end: end}, nil
}

// parseContentRange parses "bytes a-b/size" (size may be "*").
func parseContentRange(h string) (r byteRange, size int64, ok bool) {
	spec, found := strings.CutPrefix(h, "bytes ")
	if !found {
		return r, 0, false
	}
	rng, total, found := strings.Cut(spec, "/")
	if !found {
		return r, 0, false
	}
	a, b, found := strings.Cut(rng, "-")
	if !found {
		return r, 0, false
	}
	var err1, err2 error
	r.start, err1 = strconv.ParseInt(a, 10, 64)
	r.end, err2 = strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil || r.start < 0 || r.end < r.start {
		return r, 0, false
	}
	size = -1
	if total != "*" {
		n, err := strconv.ParseInt(total, 10, 64)
		if err != nil {
			return r, 0, false
		}
		size = n
	}
	return r, size, true
}

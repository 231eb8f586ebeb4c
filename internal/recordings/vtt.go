package recordings

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// Cue is one line of a transcript.
type Cue struct {
	Start   time.Duration
	End     time.Duration
	Speaker string // "" when the cue names nobody
	Text    string // plain text, tags removed
}

var (
	vttTag     = regexp.MustCompile(`<[^>]*>`)
	vttVoice   = regexp.MustCompile(`^<v(?:\.[^ >]*)?\s+([^>]+)>`)
	vttSpeaker = regexp.MustCompile(`(?s)^([^:\n]{1,60}):\s+(.+)$`)
)

// ParseVTT parses a WebVTT transcript as Zoom writes it (TRANSCRIPT files
// and closed captions): numbered cues whose text starts with "Speaker: ".
// Voice tags (<v Name>) are understood too; other tags are dropped. NOTE,
// STYLE and REGION blocks are skipped.
//
// Errors: EINVALID when the file is not WebVTT or a timing line is broken.
func ParseVTT(b []byte) ([]Cue, error) {
	b, err := normalizeVTT(b)
	if err != nil {
		return nil, err
	}
	var cues []Cue
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var block []string
	flush := func() error {
		c, ok, err := parseCueBlock(block)
		if ok {
			cues = append(cues, c)
		}
		block = block[:0]
		return err
	}
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), " \t")
		if line == "" {
			if err := flush(); err != nil {
				return nil, err
			}
			continue
		}
		block = append(block, line)
	}
	if err := sc.Err(); err != nil {
		return nil, sfzoom.WrapError(sfzoom.EINVALID, err, "The transcript could not be read.")
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return cues, nil
}

// normalizeVTT drops a byte-order mark, turns CRLF and CR line ends into LF
// and checks the WEBVTT header (EINVALID when it is missing).
func normalizeVTT(b []byte) ([]byte, error) {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	b = bytes.ReplaceAll(b, []byte("\r"), []byte("\n"))
	if !bytes.HasPrefix(b, []byte("WEBVTT")) || (len(b) > 6 && b[6] != ' ' && b[6] != '\t' && b[6] != '\n') {
		return nil, sfzoom.Errorf(sfzoom.EINVALID, "The transcript is not a WebVTT file.")
	}
	return b, nil
}

// parseCueBlock reads one blank-line separated block: a cue (an optional
// identifier line, the timing line, then its text) is returned with ok true;
// the header, NOTE, STYLE and REGION blocks and blocks without a timing line
// are skipped. A broken timing line is an EINVALID error.
func parseCueBlock(block []string) (c Cue, ok bool, err error) {
	if len(block) == 0 {
		return Cue{}, false, nil
	}
	first := block[0]
	if strings.HasPrefix(first, "WEBVTT") || strings.HasPrefix(first, "NOTE") ||
		strings.HasPrefix(first, "STYLE") || strings.HasPrefix(first, "REGION") {
		return Cue{}, false, nil
	}
	i := 0
	if !strings.Contains(first, "-->") {
		i = 1 // cue identifier
	}
	if i >= len(block) || !strings.Contains(block[i], "-->") {
		return Cue{}, false, nil
	}
	start, end, err := parseTiming(block[i])
	if err != nil {
		return Cue{}, false, err
	}
	return newCue(start, end, strings.Join(block[i+1:], "\n")), true, nil
}

func newCue(start, end time.Duration, text string) Cue {
	c := Cue{Start: start, End: end}
	if m := vttVoice.FindStringSubmatch(text); m != nil {
		c.Speaker = strings.TrimSpace(m[1])
	}
	text = strings.TrimSpace(unescapeVTT(vttTag.ReplaceAllString(text, "")))
	if c.Speaker == "" {
		if m := vttSpeaker.FindStringSubmatch(text); m != nil {
			c.Speaker, text = strings.TrimSpace(m[1]), m[2]
		}
	}
	c.Text = strings.Join(strings.Fields(text), " ")
	return c
}

func unescapeVTT(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&", "&nbsp;", " ", "&lrm;", "", "&rlm;", "").Replace(s)
}

func parseTiming(line string) (time.Duration, time.Duration, error) {
	a, b, _ := strings.Cut(line, "-->")
	bf := strings.Fields(b)
	if len(bf) == 0 {
		return 0, 0, sfzoom.Errorf(sfzoom.EINVALID, "The transcript has a broken timing line %q.", line)
	}
	start, err1 := parseTimestamp(strings.TrimSpace(a))
	end, err2 := parseTimestamp(bf[0])
	if err1 != nil || err2 != nil {
		return 0, 0, sfzoom.Errorf(sfzoom.EINVALID, "The transcript has a broken timing line %q.", line)
	}
	return start, end, nil
}

// parseTimestamp parses hh:mm:ss.ttt or mm:ss.ttt.
func parseTimestamp(s string) (time.Duration, error) {
	main, frac, ok := strings.Cut(s, ".")
	if !ok || len(frac) != 3 {
		return 0, fmt.Errorf("bad timestamp %q", s)
	}
	parts := strings.Split(main, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, fmt.Errorf("bad timestamp %q", s)
	}
	var d time.Duration
	for _, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("bad timestamp %q", s)
		}
		d = d*60 + time.Duration(n)*time.Second
	}
	ms, err := strconv.Atoi(frac)
	if err != nil {
		return 0, fmt.Errorf("bad timestamp %q", s)
	}
	return d + time.Duration(ms)*time.Millisecond, nil
}

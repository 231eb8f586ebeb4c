package recordings

import (
	"html"
	"regexp"
	"strings"
)

var (
	mdHeading = regexp.MustCompile(`^(#{1,6})\s+(.*?)\s*#*\s*$`)
	mdBullet  = regexp.MustCompile(`^\s*[-*+]\s+(.*)$`)
	mdOrdered = regexp.MustCompile(`^\s*\d{1,9}[.)]\s+(.*)$`)
	mdRule    = regexp.MustCompile(`^\s*([-*_])(\s*[-*_]){2,}\s*$`)
)

// RenderMarkdown renders the Markdown subset Zoom AI Companion writes in
// summary_content (headings, bullet and numbered lists, bold, italic,
// inline code, horizontal rules and paragraphs) as HTML. It is safe for
// untrusted input: every piece of text is escaped and no HTML, link or image
// in the input is passed through (they appear as text). Headings are shifted
// down to start at h3, since the page owns h1 and h2.
func RenderMarkdown(src string) string {
	var w mdWriter
	src = strings.ReplaceAll(strings.ReplaceAll(src, "\r\n", "\n"), "\r", "\n")
	for _, line := range strings.Split(src, "\n") {
		w.line(line)
	}
	w.endBlock()
	return w.b.String()
}

// mdWriter is RenderMarkdown's state between lines: the HTML so far, the
// lines of the paragraph being collected and the kind of list that is open.
type mdWriter struct {
	b    strings.Builder
	para []string
	list string // "ul", "ol" or ""
}

// line renders one source line: a blank line ends the open block; a rule or a
// heading stands alone; a bullet or numbered item opens or continues its
// list; anything else joins the current paragraph.
func (w *mdWriter) line(line string) {
	trimmed := strings.TrimSpace(line)
	switch {
	case trimmed == "":
		w.endBlock()
	case mdRule.MatchString(trimmed) && !mdBullet.MatchString(trimmed+" x"):
		w.endBlock()
		w.b.WriteString("<hr>")
	case mdHeading.MatchString(trimmed):
		w.endBlock()
		m := mdHeading.FindStringSubmatch(trimmed)
		level := min(len(m[1])+2, 6)
		tag := "h" + string(rune('0'+level))
		w.b.WriteString("<" + tag + ">")
		renderInline(&w.b, m[2])
		w.b.WriteString("</" + tag + ">")
	case mdBullet.MatchString(line):
		w.item("ul", mdBullet.FindStringSubmatch(line)[1])
	case mdOrdered.MatchString(line):
		w.item("ol", mdOrdered.FindStringSubmatch(line)[1])
	default:
		w.closeList()
		w.para = append(w.para, trimmed)
	}
}

// item writes a list item of kind ("ul" or "ol"), ending the paragraph and
// opening the list first if need be.
func (w *mdWriter) item(kind, text string) {
	w.flushPara()
	if w.list != kind {
		w.closeList()
		w.b.WriteString("<" + kind + ">")
		w.list = kind
	}
	w.b.WriteString("<li>")
	renderInline(&w.b, text)
	w.b.WriteString("</li>")
}

// endBlock writes the paragraph being collected and closes the open list.
func (w *mdWriter) endBlock() {
	w.flushPara()
	w.closeList()
}

// closeList closes the open list, if any.
func (w *mdWriter) closeList() {
	if w.list != "" {
		w.b.WriteString("</" + w.list + ">")
		w.list = ""
	}
}

// flushPara writes the collected lines as one paragraph, joined by <br>.
func (w *mdWriter) flushPara() {
	if len(w.para) == 0 {
		return
	}
	w.b.WriteString("<p>")
	for i, l := range w.para {
		if i > 0 {
			w.b.WriteString("<br>")
		}
		renderInline(&w.b, l)
	}
	w.b.WriteString("</p>")
	w.para = nil
}

// renderInline writes s with **bold**, __bold__, *italic*, _italic_ and
// `code`, escaping everything else.
func renderInline(b *strings.Builder, s string) {
	for s != "" {
		i := strings.IndexAny(s, "*_`")
		if i < 0 {
			b.WriteString(html.EscapeString(s))
			return
		}
		inWord := i > 0 && isWordByte(s[i-1])
		b.WriteString(html.EscapeString(s[:i]))
		s = s[i:]
		switch {
		case s[0] == '`':
			if j := strings.IndexByte(s[1:], '`'); j >= 0 {
				b.WriteString("<code>" + html.EscapeString(s[1:1+j]) + "</code>")
				s = s[j+2:]
				continue
			}
		case strings.HasPrefix(s, "**") || strings.HasPrefix(s, "__"):
			delim := s[:2]
			if j := strings.Index(s[2:], delim); j > 0 && !strings.HasPrefix(s[2:], " ") {
				b.WriteString("<strong>")
				renderInline(b, s[2:2+j])
				b.WriteString("</strong>")
				s = s[j+4:]
				continue
			}
		default:
			delim := s[:1]
			// An underscore inside a word (snake_case) is not emphasis.
			if delim == "_" && inWord {
				break
			}
			if j := strings.Index(s[1:], delim); j > 0 && !strings.HasPrefix(s[1:], " ") && s[j] != ' ' {
				b.WriteString("<em>")
				renderInline(b, s[1:1+j])
				b.WriteString("</em>")
				s = s[j+2:]
				continue
			}
		}
		b.WriteString(html.EscapeString(s[:1]))
		s = s[1:]
	}
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

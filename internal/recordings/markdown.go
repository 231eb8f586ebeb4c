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
	var b strings.Builder
	var para []string
	list := "" // "ul", "ol" or ""
	closeList := func() {
		if list != "" {
			b.WriteString("</" + list + ">")
			list = ""
		}
	}
	flushPara := func() {
		if len(para) > 0 {
			b.WriteString("<p>")
			for i, l := range para {
				if i > 0 {
					b.WriteString("<br>")
				}
				renderInline(&b, l)
			}
			b.WriteString("</p>")
			para = nil
		}
	}
	openList := func(kind string) {
		flushPara()
		if list != kind {
			closeList()
			b.WriteString("<" + kind + ">")
			list = kind
		}
	}
	src = strings.ReplaceAll(strings.ReplaceAll(src, "\r\n", "\n"), "\r", "\n")
	for _, line := range strings.Split(src, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "":
			flushPara()
			closeList()
		case mdRule.MatchString(trimmed) && !mdBullet.MatchString(trimmed+" x"):
			flushPara()
			closeList()
			b.WriteString("<hr>")
		case mdHeading.MatchString(trimmed):
			flushPara()
			closeList()
			m := mdHeading.FindStringSubmatch(trimmed)
			level := min(len(m[1])+2, 6)
			tag := "h" + string(rune('0'+level))
			b.WriteString("<" + tag + ">")
			renderInline(&b, m[2])
			b.WriteString("</" + tag + ">")
		case mdBullet.MatchString(line):
			openList("ul")
			b.WriteString("<li>")
			renderInline(&b, mdBullet.FindStringSubmatch(line)[1])
			b.WriteString("</li>")
		case mdOrdered.MatchString(line):
			openList("ol")
			b.WriteString("<li>")
			renderInline(&b, mdOrdered.FindStringSubmatch(line)[1])
			b.WriteString("</li>")
		default:
			closeList()
			para = append(para, trimmed)
		}
	}
	flushPara()
	closeList()
	return b.String()
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

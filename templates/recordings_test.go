package templates_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/sfzoom/sfzoom/internal/recordings"
	"github.com/sfzoom/sfzoom/templates"
)

func TestMediaFragment(t *testing.T) {
	v := templates.MediaView{
		MeetingID: 7, Topic: "Renewal <b>call</b>", Start: "Mon 2 Mar 2026, 10:00 UTC",
		Player:      &templates.MediaFile{Label: "Video", Kind: "video", URL: "/media/abc.def"},
		Files:       []templates.MediaFile{{Label: "Video", Kind: "video", URL: "/media/abc.def", Size: "1.2 MB"}},
		Transcript:  []templates.TranscriptLine{{Seconds: 3.5, Stamp: "0:03", Speaker: "Hank", Text: "<img src=x onerror=alert(1)>"}},
		HasSummary:  true,
		SummaryHTML: recordings.RenderMarkdown("## Recap\n<script>alert(1)</script>\n- **SSO**"),
		ActionItems: []string{"Send proposal"}, TasksAction: "/app/meetings/7/tasks?_s=tok",
		SessionToken: "tok", CSRFToken: "csrf",
	}
	var buf bytes.Buffer
	if err := templates.MediaFragment(v).Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	doc, err := goquery.NewDocumentFromReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if n := doc.Find("script, img, b").Length(); n != 0 {
		t.Errorf("untrusted input became markup: %d script/img/b elements\n%s", n, buf.String())
	}
	player := doc.Find(`video[data-testid="media-player"]`)
	if src, _ := player.Attr("src"); src != "/media/abc.def" {
		t.Errorf("player src = %q", src)
	}
	seek := doc.Find(`[data-testid="transcript-line"] [data-seek]`)
	if s, _ := seek.Attr("data-seek"); s != "3.500" {
		t.Errorf("data-seek = %q, want 3.500", s)
	}
	if p, _ := seek.Attr("data-player"); p != player.AttrOr("id", "") {
		t.Errorf("transcript seeks %q, player is %q", p, player.AttrOr("id", ""))
	}
	if doc.Find(`[data-testid="summary-body"] h4`).Text() != "Recap" || doc.Find(`[data-testid="summary-body"] strong`).Text() != "SSO" {
		t.Errorf("summary not rendered: %s", doc.Find(`[data-testid="summary-body"]`).Text())
	}
	form := doc.Find(`[data-testid="create-tasks-form"]`)
	if form.AttrOr("hx-post", "") != v.TasksAction || form.Find(`input[name="_csrf"]`).AttrOr("value", "") != "csrf" {
		t.Errorf("create-tasks form lacks its action or CSRF token")
	}
}

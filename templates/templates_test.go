package templates_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"
	"github.com/google/go-cmp/cmp"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/static"
	"github.com/sfzoom/sfzoom/templates"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.html with the current output")

// render renders c and returns the HTML.
func render(tb testing.TB, c templ.Component) string {
	tb.Helper()
	var buf bytes.Buffer
	if err := c.Render(context.Background(), &buf); err != nil {
		tb.Fatalf("Render() error = %v", err)
	}
	return buf.String()
}

func mustDoc(tb testing.TB, html string) *goquery.Document {
	tb.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(html))
	if err != nil {
		tb.Fatalf("parse HTML: %v", err)
	}
	return doc
}

// root returns the first element of a rendered fragment.
func root(doc *goquery.Document) *goquery.Selection {
	return doc.Find("body").Children().First()
}

// The org name a real Canvas payload carried; it broke JSON.parse('…') in
// Salesforce's own sample (docs/canvas.md, pitfall 8).
const orgName = "Sam's S1 Test Org"

func fullMeta() templates.PageMeta {
	return templates.PageMeta{
		Title:        "Home",
		Nonce:        "r4nd0m-n0nce",
		SessionToken: "sess.token+/=",
		CSRFToken:    "csrf-token-value",
		CanvasSDKURL: "https://acme.my.salesforce.com/canvas/sdk/js/62.0/canvas-all.js",
		CanvasClientJSON: map[string]any{
			"instanceId":   "09Hxx0000000001:",
			"targetOrigin": "https://acme.lightning.force.com",
			"orgName":      orgName + "</script><script>alert(1)</script>",
		},
		User:  &sfzoom.User{Name: "Jürgen Ödegaard", Locale: "de_DE", IsAdmin: true},
		Flash: "Settings saved.",
		Nav: []templates.NavItem{
			{Label: "Home", Href: "/app?_s=tok", Active: true},
			{Label: "Settings", Href: "/app/settings?_s=tok", AdminOnly: true},
		},
	}
}

func TestPageScriptsCarryNonce(t *testing.T) {
	p := fullMeta()
	doc := mustDoc(t, render(t, templates.Page(p, templates.EmptyState("t", "m"))))
	scripts := doc.Find("script")
	// Canvas SDK, htmx, app.js and the Canvas client JSON.
	if scripts.Length() != 4 {
		t.Fatalf("Page() rendered %d <script> elements, want 4", scripts.Length())
	}
	scripts.Each(func(i int, s *goquery.Selection) {
		if got := s.AttrOr("nonce", ""); got != p.Nonce {
			t.Errorf("script %d (src=%q id=%q) nonce = %q, want %q", i, s.AttrOr("src", ""), s.AttrOr("id", ""), got, p.Nonce)
		}
		// The only script without src is the JSON data block: CSP forbids
		// inline code.
		if _, hasSrc := s.Attr("src"); !hasSrc && s.AttrOr("type", "") != "application/json" {
			t.Errorf("script %d is inline code (type %q), want src or application/json", i, s.AttrOr("type", ""))
		}
	})
	// The scripts run in order (all deferred): SDK, htmx, app.js.
	var srcs []string
	doc.Find("script[src]").Each(func(_ int, s *goquery.Selection) {
		if _, ok := s.Attr("defer"); !ok {
			t.Errorf("script %s is not deferred", s.AttrOr("src", ""))
		}
		srcs = append(srcs, s.AttrOr("src", ""))
	})
	want := []string{p.CanvasSDKURL, static.Path("vendor/htmx/htmx.min.js"), static.Path("js/app.js")}
	if diff := cmp.Diff(want, srcs); diff != "" {
		t.Errorf("script src order mismatch (-want +got):\n%s", diff)
	}
}

func TestPageCanvasClientJSON(t *testing.T) {
	p := fullMeta()
	html := render(t, templates.Page(p, nil))

	// Exactly one closing tag per script element: the payload's "</script>"
	// must not end the data block early.
	if n, want := strings.Count(strings.ToLower(html), "</script"), 4; n != want {
		t.Errorf("rendered %d </script occurrences, want %d (one per script)", n, want)
	}
	doc := mustDoc(t, html)
	el := doc.Find("script#" + templates.CanvasClientID)
	if el.Length() != 1 {
		t.Fatalf("found %d #%s scripts, want 1", el.Length(), templates.CanvasClientID)
	}
	if got := el.AttrOr("type", ""); got != "application/json" {
		t.Errorf("canvas client script type = %q, want application/json", got)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(el.Text()), &got); err != nil {
		t.Fatalf("canvas client JSON does not parse: %v\n%s", err, el.Text())
	}
	if diff := cmp.Diff(p.CanvasClientJSON, got); diff != "" {
		t.Errorf("canvas client JSON round trip mismatch (-want +got):\n%s", diff)
	}
	if !strings.Contains(el.Text(), orgName) {
		t.Errorf("canvas client JSON %q does not contain %q verbatim", el.Text(), orgName)
	}
}

func TestPageWithoutCanvas(t *testing.T) {
	p := fullMeta()
	p.CanvasSDKURL = ""
	p.CanvasClientJSON = nil
	doc := mustDoc(t, render(t, templates.Page(p, nil)))
	if n := doc.Find(`[data-testid="canvas-sdk"]`).Length(); n != 0 {
		t.Errorf("Page() without CanvasSDKURL rendered %d SDK scripts, want 0", n)
	}
	if n := doc.Find("#" + templates.CanvasClientID).Length(); n != 0 {
		t.Errorf("Page() without CanvasClientJSON rendered %d client scripts, want 0", n)
	}
	if n := doc.Find("script").Length(); n != 2 {
		t.Errorf("Page() without canvas rendered %d scripts, want 2 (htmx, app.js)", n)
	}
}

func TestPageMeta(t *testing.T) {
	p := fullMeta()
	doc := mustDoc(t, render(t, templates.Page(p, nil)))
	meta := func(name string) string {
		return doc.Find(`meta[name="`+name+`"]`).AttrOr("content", "<missing>")
	}
	var cfg map[string]any
	if err := json.Unmarshal([]byte(meta("htmx-config")), &cfg); err != nil {
		t.Fatalf("htmx-config is not JSON: %v", err)
	}
	got := map[string]any{
		"title":          doc.Find("title").Text(),
		"lang":           doc.Find("html").AttrOr("lang", ""),
		"sfzoom-session": meta("sfzoom-session"),
		"csrf-token":     meta("csrf-token"),
		"referrer":       meta("referrer"),
		"allowEval":      cfg["allowEval"],
		"indicators":     cfg["includeIndicatorStyles"],
	}
	want := map[string]any{
		"title":          "Home · sfzoom",
		"lang":           "de-DE",
		"sfzoom-session": p.SessionToken,
		"csrf-token":     p.CSRFToken,
		"referrer":       "same-origin",
		"allowEval":      false,
		"indicators":     false,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("page head mismatch (-want +got):\n%s", diff)
	}
}

func TestPageLayout(t *testing.T) {
	p := fullMeta()
	body := templ.Raw(`<p data-testid="body">hello</p>`)
	doc := mustDoc(t, render(t, templates.Page(p, body)))
	for _, id := range []string{"page", "layout", "header", "brand", "nav", "user", "messages", "flash", "main"} {
		if n := doc.Find(`[data-testid="` + id + `"]`).Length(); n != 1 {
			t.Errorf("found %d [data-testid=%q], want 1", n, id)
		}
	}
	if n := doc.Find(`main [data-testid="body"]`).Length(); n != 1 {
		t.Errorf("body rendered %d times inside <main>, want 1", n)
	}
	if got := doc.Find(`[data-testid="messages"]`).AttrOr("id", ""); got != templates.MessagesID {
		t.Errorf("messages region id = %q, want %q", got, templates.MessagesID)
	}
	if got := doc.Find(`#` + templates.MessagesID + ` [data-testid="flash"] [data-testid="alert"] h2`).Text(); got != p.Flash {
		t.Errorf("flash = %q, want %q", got, p.Flash)
	}
	if got := strings.TrimSpace(doc.Find(`[data-testid="user"]`).Text()); !strings.Contains(got, p.User.Name) {
		t.Errorf("user = %q, want it to contain %q", got, p.User.Name)
	}
	// The skip link targets <main>.
	if href := doc.Find("a.sfzoom-skip-link").AttrOr("href", ""); href != "#"+doc.Find("main").AttrOr("id", "?") {
		t.Errorf("skip link href = %q, want #<main id>", href)
	}
}

func TestPageNav(t *testing.T) {
	type item struct {
		Label, Href string
		Current     bool
	}
	tests := []struct {
		name string
		user *sfzoom.User
		want []item
	}{
		{"Admin", &sfzoom.User{Name: "A", IsAdmin: true}, []item{{"Home", "/app?_s=tok", true}, {"Settings", "/app/settings?_s=tok", false}}},
		{"Rep", &sfzoom.User{Name: "R"}, []item{{"Home", "/app?_s=tok", true}}},
		{"Anonymous", nil, []item{{"Home", "/app?_s=tok", true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := fullMeta()
			p.User = tt.user
			doc := mustDoc(t, render(t, templates.Page(p, nil)))
			var got []item
			doc.Find(`[data-testid="nav-item"]`).Each(func(_ int, s *goquery.Selection) {
				cur, _ := s.Attr("aria-current")
				got = append(got, item{s.Text(), s.AttrOr("href", ""), cur == "page"})
			})
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("nav mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPageNavUnsafeHref(t *testing.T) {
	p := fullMeta()
	p.Nav = []templates.NavItem{{Label: "Bad", Href: "javascript:alert(1)"}}
	doc := mustDoc(t, render(t, templates.Page(p, nil)))
	if href := doc.Find(`[data-testid="nav-item"]`).AttrOr("href", ""); strings.HasPrefix(href, "javascript:") {
		t.Errorf("nav href = %q, want a sanitized URL", href)
	}
}

// Every /static/ URL the layout and components use exists: the handler
// serves it, hashed and immutable.
func TestPageAssetsExist(t *testing.T) {
	html := render(t, templates.Page(fullMeta(), templates.Alert(templates.AlertError, "x")))
	doc := mustDoc(t, html)
	var urls []string
	doc.Find("[href], [src]").Each(func(_ int, s *goquery.Selection) {
		for _, a := range []string{"href", "src"} {
			if v, ok := s.Attr(a); ok && strings.HasPrefix(v, static.Prefix) {
				urls = append(urls, v)
			}
		}
	})
	if len(urls) < 5 {
		t.Fatalf("found %d /static/ URLs (%v), want at least 5", len(urls), urls)
	}
	h := static.Handler()
	for _, u := range urls {
		u, _, _ = strings.Cut(u, "#")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", u, nil))
		if rec.Code != 200 || !strings.Contains(rec.Header().Get("Cache-Control"), "immutable") {
			t.Errorf("GET %s = %d, Cache-Control %q; want 200 immutable", u, rec.Code, rec.Header().Get("Cache-Control"))
		}
	}
}

// Every icon a template can ask for is in the vendored sprite.
func TestIconsInSprite(t *testing.T) {
	sprite, err := static.FS.ReadFile("vendor/slds/icons/utility-sprite.svg")
	if err != nil {
		t.Fatal(err)
	}
	var pages bytes.Buffer
	for _, c := range []templ.Component{
		templates.Alert(templates.AlertInfo, "m"), templates.Alert(templates.AlertSuccess, "m"),
		templates.Alert(templates.AlertWarning, "m"), templates.Alert(templates.AlertError, "m"),
		templates.Alert(templates.AlertOffline, "m"), templates.CopyButton("Copy", "x"),
	} {
		pages.WriteString(render(t, c))
	}
	re := regexp.MustCompile(`utility-sprite\.[0-9a-f]{8}\.svg#([a-z_]+)`)
	ms := re.FindAllStringSubmatch(pages.String(), -1)
	if len(ms) == 0 {
		t.Fatal("no sprite references rendered")
	}
	for _, m := range ms {
		if !bytes.Contains(sprite, []byte(`id="`+m[1]+`"`)) {
			t.Errorf("icon %q is not in the vendored sprite", m[1])
		}
	}
}

// No rendered element may carry an inline event handler or style attribute:
// the CSP blocks them and they bypass app.js.
func TestNoInlineHandlers(t *testing.T) {
	hostile := `x" onmouseover="alert(1)`
	pages := map[string]templ.Component{
		"Page":         templates.Page(fullMeta(), nil),
		"ErrorPage":    templates.ErrorPage(fullMeta(), 401, "", hostile, ""),
		"Home":         templates.Home(fullMeta(), []*sfzoom.Meeting{{ID: 1, Topic: hostile, JoinURL: "javascript:alert(1)", Status: sfzoom.MeetingScheduled}}, nil, nil),
		"PopupDone":    templates.PopupDone(fullMeta(), true, hostile, hostile),
		"Button":       templates.Button(hostile, templates.ButtonBrand, templ.Attributes{"onclick": "alert(1)", "data-x": hostile}),
		"TextInput":    templates.TextInput("id", "n", hostile, true, templ.Attributes{"onfocus": "alert(1)"}),
		"FormField":    templates.FormField(hostile, "id", templates.TextInput("id", "n", "", false, nil), hostile),
		"CopyButton":   templates.CopyButton(hostile, hostile),
		"HiddenAuth":   templates.HiddenAuth(hostile, hostile),
		"ErrorFrag":    templates.ErrorFragment(hostile),
		"EmptyState":   templates.EmptyState(hostile, hostile),
		"CardAndBadge": templates.Card(hostile, templates.Badge(hostile, "")),
	}
	for name, c := range pages {
		t.Run(name, func(t *testing.T) {
			doc := mustDoc(t, render(t, c))
			doc.Find("*").Each(func(_ int, s *goquery.Selection) {
				for _, a := range s.Nodes[0].Attr {
					if strings.HasPrefix(strings.ToLower(a.Key), "on") {
						if strings.Contains(a.Val, "alert(1)") {
							t.Errorf("<%s %s=%q>: live inline handler", goquery.NodeName(s), a.Key, a.Val)
						}
					}
					if a.Key == "style" {
						t.Errorf("<%s style=%q>: inline style", goquery.NodeName(s), a.Val)
					}
					if (a.Key == "href" || a.Key == "src") && strings.HasPrefix(strings.ToLower(a.Val), "javascript:") {
						t.Errorf("<%s %s=%q>: javascript: URL", goquery.NodeName(s), a.Key, a.Val)
					}
				}
			})
			if n := doc.Find("style").Length(); n != 0 {
				t.Errorf("rendered %d <style> elements, want 0", n)
			}
		})
	}
}

// Each component's root element carries its data-testid.
func TestComponentRoots(t *testing.T) {
	tests := []struct {
		name   string
		c      templ.Component
		testid string
		tag    string
	}{
		{"Card", templates.Card("T", nil), "card", "article"},
		{"Alert", templates.Alert(templates.AlertInfo, "m"), "alert", "div"},
		{"Badge", templates.Badge("b", ""), "badge", "span"},
		{"FormField", templates.FormField("L", "f", nil, ""), "form-field", "div"},
		{"TextInput", templates.TextInput("f", "n", "", false, nil), "input", "input"},
		{"Button", templates.Button("B", "", nil), "button", "button"},
		{"CopyButton", templates.CopyButton("C", "x"), "copy-button", "button"},
		{"Spinner", templates.Spinner("Loading"), "spinner", "div"},
		{"EmptyState", templates.EmptyState("t", "m"), "empty-state", "div"},
		{"HiddenAuth", templates.HiddenAuth("s", "c"), "hidden-auth", "div"},
		{"Icon", templates.Icon("info", ""), "icon", "svg"},
		{"ErrorFragment", templates.ErrorFragment("m"), "error-fragment", "div"},
		{"MeetingList", templates.MeetingList(nil, nil, nil), "empty-state", "div"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := root(mustDoc(t, render(t, tt.c)))
			if got := r.AttrOr("data-testid", ""); got != tt.testid {
				t.Errorf("%s root data-testid = %q, want %q", tt.name, got, tt.testid)
			}
			if got := goquery.NodeName(r); got != tt.tag {
				t.Errorf("%s root element = <%s>, want <%s>", tt.name, got, tt.tag)
			}
		})
	}
}

func TestAlert(t *testing.T) {
	tests := []struct {
		kind, class, role, icon string
	}{
		{templates.AlertInfo, "slds-notify slds-notify_alert", "status", "info"},
		{templates.AlertSuccess, "slds-notify slds-notify_alert slds-theme_success", "status", "success"},
		{templates.AlertWarning, "slds-notify slds-notify_alert slds-alert_warning", "alert", "warning"},
		{templates.AlertError, "slds-notify slds-notify_alert slds-alert_error", "alert", "error"},
		{templates.AlertOffline, "slds-notify slds-notify_alert slds-alert_offline", "alert", "error"},
		{"unknown", "slds-notify slds-notify_alert", "status", "info"},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			r := root(mustDoc(t, render(t, templates.Alert(tt.kind, "<b>Zoom</b> is down"))))
			got := []string{r.AttrOr("class", ""), r.AttrOr("role", ""), r.Find("svg").AttrOr("data-icon", ""), r.Find("h2").Text(), r.Find("b").Text()}
			want := []string{tt.class, tt.role, tt.icon, "<b>Zoom</b> is down", ""}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Alert(%q) [class, role, icon, text, <b>] mismatch (-want +got):\n%s", tt.kind, diff)
			}
		})
	}
}

func TestBadge(t *testing.T) {
	tests := []struct{ kind, class string }{
		{templates.BadgeDefault, "slds-badge"},
		{templates.BadgeInverse, "slds-badge slds-badge_inverse"},
		{templates.BadgeLightest, "slds-badge slds-badge_lightest"},
		{templates.BadgeSuccess, "slds-badge slds-theme_success"},
		{templates.BadgeWarning, "slds-badge slds-theme_warning"},
		{templates.BadgeError, "slds-badge slds-theme_error"},
	}
	for _, tt := range tests {
		r := root(mustDoc(t, render(t, templates.Badge("Ended", tt.kind))))
		if got := r.AttrOr("class", ""); got != tt.class || r.Text() != "Ended" {
			t.Errorf("Badge(Ended, %q) = class %q text %q, want class %q text Ended", tt.kind, got, r.Text(), tt.class)
		}
	}
}

func TestButton(t *testing.T) {
	tests := []struct {
		name    string
		variant string
		attrs   templ.Attributes
		want    map[string]string
	}{
		{"Defaults", "", nil, map[string]string{"class": "slds-button slds-button_neutral", "type": "button"}},
		{"Submit", templates.ButtonBrand, templ.Attributes{"type": "submit"}, map[string]string{"class": "slds-button slds-button_brand", "type": "submit"}},
		{"ExtraClass", templates.ButtonDestructive, templ.Attributes{"class": "slds-m-left_small"}, map[string]string{"class": "slds-button slds-button_destructive slds-m-left_small", "type": "button"}},
		{"Htmx", templates.ButtonBrand, templ.Attributes{"hx-post": "/app/meetings", "hx-target": "#x"}, map[string]string{"hx-post": "/app/meetings", "hx-target": "#x", "type": "button"}},
		{"Repost", templates.ButtonBrand, templ.Attributes{"data-canvas-repost": true}, map[string]string{"data-canvas-repost": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := root(mustDoc(t, render(t, templates.Button("Save", tt.variant, tt.attrs))))
			got := map[string]string{}
			for k := range tt.want {
				got[k] = r.AttrOr(k, "<missing>")
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Button attributes mismatch (-want +got):\n%s", diff)
			}
			if r.Text() != "Save" {
				t.Errorf("Button text = %q, want Save", r.Text())
			}
		})
	}
}

func TestFormField(t *testing.T) {
	tests := []struct {
		name      string
		errorText string
		invalid   bool
		want      map[string]string
	}{
		{"OK", "", false, map[string]string{
			"class": "slds-form-element", "label-for": "topic", "input-id": "topic", "input-name": "topic",
			"input-value": "Q3 review", "aria-invalid": "", "aria-describedby": "", "help": "",
		}},
		{"Invalid", "Enter a topic.", true, map[string]string{
			"class": "slds-form-element slds-has-error", "label-for": "topic", "input-id": "topic", "input-name": "topic",
			"input-value": "Q3 review", "aria-invalid": "true", "aria-describedby": "topic-error", "help": "topic-error:Enter a topic.",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := templates.TextInput("topic", "topic", "Q3 review", tt.invalid, templ.Attributes{"required": true})
			doc := mustDoc(t, render(t, templates.FormField("Topic", "topic", in, tt.errorText)))
			r := root(doc)
			input := r.Find("input")
			help := r.Find(`[data-testid="form-field-error"]`)
			got := map[string]string{
				"class":            r.AttrOr("class", ""),
				"label-for":        r.Find("label").AttrOr("for", ""),
				"input-id":         input.AttrOr("id", ""),
				"input-name":       input.AttrOr("name", ""),
				"input-value":      input.AttrOr("value", ""),
				"aria-invalid":     input.AttrOr("aria-invalid", ""),
				"aria-describedby": input.AttrOr("aria-describedby", ""),
				"help":             "",
			}
			if help.Length() > 0 {
				got["help"] = help.AttrOr("id", "") + ":" + help.Text()
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("FormField mismatch (-want +got):\n%s", diff)
			}
			if _, ok := input.Attr("required"); !ok {
				t.Error("TextInput dropped the required attribute")
			}
		})
	}
}

func TestHiddenAuth(t *testing.T) {
	tests := []struct {
		name           string
		session, csrf  string
		wantInputs     map[string]string
		wantHiddenAttr bool
	}{
		{"Both", `s"<tok>`, "c&1", map[string]string{"_s": `s"<tok>`, "_csrf": "c&1"}, true},
		{"CSRFOnly", "", "c", map[string]string{"_csrf": "c"}, true},
		{"None", "", "", map[string]string{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := root(mustDoc(t, render(t, templates.HiddenAuth(tt.session, tt.csrf))))
			got := map[string]string{}
			r.Find("input").Each(func(_ int, s *goquery.Selection) {
				if s.AttrOr("type", "") != "hidden" {
					t.Errorf("input %s type = %q, want hidden", s.AttrOr("name", ""), s.AttrOr("type", ""))
				}
				got[s.AttrOr("name", "")] = s.AttrOr("value", "")
			})
			if diff := cmp.Diff(tt.wantInputs, got); diff != "" {
				t.Errorf("HiddenAuth inputs mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSpinnerAndEmptyState(t *testing.T) {
	s := root(mustDoc(t, render(t, templates.Spinner("Loading meetings"))))
	if s.AttrOr("role", "") != "status" || s.Find(".slds-assistive-text").Text() != "Loading meetings" {
		t.Errorf("Spinner: role %q label %q, want status / Loading meetings", s.AttrOr("role", ""), s.Find(".slds-assistive-text").Text())
	}
	e := root(mustDoc(t, render(t, templates.EmptyState("Nothing yet", "Schedule one."))))
	if got := []string{e.Find("h3").Text(), e.Find("p").Text()}; !cmp.Equal(got, []string{"Nothing yet", "Schedule one."}) {
		t.Errorf("EmptyState = %q, want [Nothing yet Schedule one.]", got)
	}
	c := root(mustDoc(t, render(t, templates.CopyButton("Copy link", "https://zoom.us/j/1?pwd=x&y"))))
	if got := c.AttrOr("data-copy", ""); got != "https://zoom.us/j/1?pwd=x&y" {
		t.Errorf("CopyButton data-copy = %q", got)
	}
	if c.Find("[data-copy-label]").Text() != "Copy link" || c.AttrOr("type", "") != "button" {
		t.Errorf("CopyButton label %q type %q, want Copy link / button", c.Find("[data-copy-label]").Text(), c.AttrOr("type", ""))
	}
}

func TestErrorPage(t *testing.T) {
	tests := []struct {
		name                   string
		status                 int
		title, message, action string
		wantTitle, wantAction  string
		wantRepost             bool
	}{
		{"NotFound", 404, "Meeting not found", "The meeting 123 does not exist.", "Go back to the Opportunity.", "Meeting not found", "Go back to the Opportunity.", false},
		{"Defaults", 500, "", "", "", "Something went wrong", "Try again. If it keeps happening, tell your Salesforce admin.", false},
		{"Unauthorized", 401, "", "Your sfzoom session expired.", "", "Your session has ended", "Reload the Salesforce page to sign in to sfzoom again.", true},
		{"RateLimited", 429, "", "", "", "Too many requests", "Wait a minute, then try again.", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := fullMeta()
			p.Title = ""
			doc := mustDoc(t, render(t, templates.ErrorPage(p, tt.status, tt.title, tt.message, tt.action)))
			sec := doc.Find(`main [data-testid="error-page"]`)
			if sec.Length() != 1 {
				t.Fatalf("found %d error-page sections in <main>, want 1", sec.Length())
			}
			got := map[string]any{
				"title":   sec.Find(`[data-testid="error-title"]`).Text(),
				"h1":      doc.Find("h1").Length(),
				"status":  strings.TrimSpace(sec.Find(`[data-testid="error-status"]`).Text()),
				"message": sec.Find(`[data-testid="error-message"]`).Text(),
				"action":  strings.Contains(sec.Find(`[data-testid="error-action"]`).Text(), tt.wantAction),
				"repost":  sec.Find("[data-canvas-repost]").Length() == 1,
				"doc":     doc.Find("title").Text(),
			}
			want := map[string]any{
				"title":   tt.wantTitle,
				"h1":      1,
				"status":  "Error code " + strconv.Itoa(tt.status),
				"message": tt.message,
				"action":  true,
				"repost":  tt.wantRepost,
				"doc":     tt.wantTitle + " · sfzoom",
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("ErrorPage(%d) mismatch (-want +got):\n%s", tt.status, diff)
			}
		})
	}
}

func TestErrorFragment(t *testing.T) {
	msg := "Zoom said <no>: the user's account is disabled."
	html := render(t, templates.ErrorFragment(msg))
	doc := mustDoc(t, html)
	r := root(doc)
	a := r.Find(`[data-testid="alert"]`)
	if r.AttrOr("data-testid", "") != "error-fragment" || a.AttrOr("role", "") != "alert" || a.Find("h2").Text() != msg {
		t.Errorf("ErrorFragment = %s, want an error-fragment with role=alert and the message as text", html)
	}
	if strings.Contains(html, "<html") || strings.Contains(html, "<script") {
		t.Errorf("ErrorFragment rendered a document or script: %s", html)
	}
}

func TestHome(t *testing.T) {
	loc := time.FixedZone("EST", -5*3600)
	start := time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)
	meetings := []*sfzoom.Meeting{
		{ID: 7, Topic: "Q3 review with Sam's team", StartTime: start, Duration: 45, Status: sfzoom.MeetingScheduled, JoinURL: "https://zoom.us/j/123"},
		{ID: 8, Topic: "", StartTime: start.Add(24 * time.Hour), Duration: 30, Status: sfzoom.MeetingEnded, JoinURL: "https://zoom.us/j/456"},
	}
	type row struct {
		ID, Topic, Start, Datetime, Badge, Join string
	}
	tests := []struct {
		name      string
		meetings  []*sfzoom.Meeting
		loc       *time.Location
		want      []row
		wantEmpty bool
	}{
		{"Empty", nil, loc, nil, true},
		{"List", meetings, loc, []row{
			{"7", "Q3 review with Sam's team", "Mon 2 Mar 2026, 10:00 EST", "2026-03-02T15:00:00Z", "Scheduled", "https://zoom.us/j/123"},
			{"8", "Zoom meeting", "Tue 3 Mar 2026, 10:00 EST", "2026-03-03T15:00:00Z", "Ended", ""},
		}, false},
		{"NilLocationIsUTC", meetings[:1], nil, []row{
			{"7", "Q3 review with Sam's team", "Mon 2 Mar 2026, 15:00 UTC", "2026-03-02T15:00:00Z", "Scheduled", "https://zoom.us/j/123"},
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := mustDoc(t, render(t, templates.Home(fullMeta(), tt.meetings, tt.loc, nil)))
			home := doc.Find(`main [data-testid="home"]`)
			if home.Length() != 1 {
				t.Fatalf("found %d home roots in <main>, want 1", home.Length())
			}
			if got := home.Find(`[data-testid="empty-state"]`).Length() == 1; got != tt.wantEmpty {
				t.Errorf("empty state shown = %v, want %v", got, tt.wantEmpty)
			}
			var got []row
			home.Find(`[data-testid="meeting"]`).Each(func(_ int, s *goquery.Selection) {
				tm := s.Find(`[data-testid="meeting-start"]`)
				got = append(got, row{
					ID:       s.AttrOr("data-meeting-id", ""),
					Topic:    s.Find(`[data-testid="meeting-topic"]`).Text(),
					Start:    tm.Text(),
					Datetime: tm.AttrOr("datetime", ""),
					Badge:    s.Find(`[data-testid="badge"]`).Text(),
					Join:     s.Find(`[data-testid="meeting-join"]`).AttrOr("href", ""),
				})
			})
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("meetings mismatch (-want +got):\n%s", diff)
			}
			home.Find(`[data-testid="meeting-join"]`).Each(func(_ int, s *goquery.Selection) {
				if s.AttrOr("rel", "") != "noopener noreferrer" || s.AttrOr("target", "") != "_blank" {
					t.Errorf("join link rel %q target %q, want noopener noreferrer / _blank", s.AttrOr("rel", ""), s.AttrOr("target", ""))
				}
			})
		})
	}
}

func TestPopupDone(t *testing.T) {
	tests := []struct {
		name   string
		ok     bool
		result string
		kind   string
	}{
		{"OK", true, "ok", templates.AlertSuccess},
		{"Failed", false, "error", templates.AlertError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := mustDoc(t, render(t, templates.PopupDone(templates.PageMeta{Nonce: "n"}, tt.ok, "Zoom connected", "You can close this window.")))
			sec := doc.Find(`main [data-testid="popup-done"]`)
			got := []string{
				sec.AttrOr("data-sfzoom-popup-result", ""),
				sec.Find(`[data-testid="alert"]`).AttrOr("data-kind", ""),
				sec.Find(`[data-testid="popup-message"]`).Text(),
				sec.Find("[data-close-window]").Text(),
			}
			want := []string{tt.result, tt.kind, "You can close this window.", "Close this window"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("PopupDone(ok=%v) mismatch (-want +got):\n%s", tt.ok, diff)
			}
		})
	}
}

// hashRE matches the content hashes in asset URLs, so golden files do not
// change every time a CSS or JS file does.
var hashRE = regexp.MustCompile(`\.[0-9a-f]{8}\.(css|js|svg)`)

// TestGolden compares whole pages with testdata/*.golden.html (gofmt's
// golden-file pattern). Run `go test ./templates -update` to rewrite them
// after an intended change, and review the diff.
func TestGolden(t *testing.T) {
	loc := time.FixedZone("CET", 3600)
	tests := []struct {
		name string
		c    templ.Component
	}{
		{"home", templates.Home(fullMeta(), []*sfzoom.Meeting{{ID: 1, Topic: "Kickoff", StartTime: time.Date(2026, 5, 4, 9, 30, 0, 0, time.UTC), Duration: 30, Status: sfzoom.MeetingScheduled, JoinURL: "https://zoom.us/j/111"}}, loc, nil)},
		{"error_401", templates.ErrorPage(templates.PageMeta{Nonce: "n"}, 401, "", "Your sfzoom session expired.", "")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// One tag per line keeps the diffs readable.
			got := strings.ReplaceAll(hashRE.ReplaceAllString(render(t, tt.c), ".HASH.$1"), "><", ">\n<") + "\n"
			path := filepath.Join("testdata", tt.name+".golden.html")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read golden file (run with -update to create it): %v", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
			}
		})
	}
}

// TestPastMeetingAttendees: a past meeting lists who attended; a matched
// Contact or Lead links into Salesforce (top window, and the Canvas
// navigation event's record id); a person nobody matched waits in Review; a
// match the viewer may not see names no record; upcoming meetings list
// nobody, and a long list is cut with a count.
func TestPastMeetingAttendees(t *testing.T) {
	start := time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)
	past := &sfzoom.Meeting{ID: 7, Topic: "Renewal", StartTime: start, Duration: 30, Status: sfzoom.MeetingEnded}
	up := &sfzoom.Meeting{ID: 8, Topic: "Next", StartTime: start.Add(48 * time.Hour), Duration: 30, Status: sfzoom.MeetingScheduled}
	const hankURL = "https://acme.my.salesforce.com/lightning/r/Contact/003000000000001AAA/view"
	many := make([]templates.AttendeeView, 15)
	for i := range many {
		many[i] = templates.AttendeeView{Name: fmt.Sprintf("Guest %d", i), Kind: sfzoom.MatchUnmatched}
	}
	v := templates.MeetingsView{Past: []*sfzoom.Meeting{past, {ID: 9, Topic: "Big", StartTime: start, Duration: 30, Status: sfzoom.MeetingEnded}},
		Upcoming: []*sfzoom.Meeting{up}, Now: start.Add(time.Hour),
		Attendees: map[int64][]templates.AttendeeView{
			7: {
				{Name: "Hank Scorpio", Email: "hank@globex.example", Minutes: 29, Kind: sfzoom.MatchContact, RecordID: "003000000000001AAA", RecordURL: hankURL},
				{Name: "Dana", Email: "dana@fbi.example", Minutes: 5, Kind: sfzoom.MatchLead, RecordID: "00Q000000000001AAA", RecordURL: "https://acme.my.salesforce.com/lightning/r/Lead/00Q000000000001AAA/view"},
				{Name: "Dial-in +1 555", Minutes: 1, Kind: sfzoom.MatchUnmatched},
				{Name: "Secret", Email: "s@x.example", Minutes: 2, Hidden: true},
				{Name: "Riley", Email: "riley@acme.example", Minutes: 30, Kind: sfzoom.MatchInternal},
			},
			8: {{Name: "Never shown"}},
			9: many,
		}}
	doc := mustDoc(t, render(t, templates.MeetingsCard(v)))
	type row struct{ Name, Match, Href, Target, Record string }
	var got []row
	doc.Find(`[data-meeting-id="7"] [data-testid="attendee"]`).Each(func(_ int, s *goquery.Selection) {
		a := s.Find(`[data-testid="attendee-record"]`)
		got = append(got, row{Name: s.Find(`[data-testid="attendee-name"]`).Text(),
			Match: strings.Join(strings.Fields(s.Find(".sfzoom-attendee__match").Text()), " "),
			Href:  a.AttrOr("href", ""), Target: a.AttrOr("target", ""), Record: a.AttrOr("data-sf-record", "")})
	})
	want := []row{
		{"Hank Scorpio <hank@globex.example>", "Contact : open Hank Scorpio in Salesforce", hankURL, "_top", "003000000000001AAA"},
		{"Dana <dana@fbi.example>", "Lead : open Dana in Salesforce", "https://acme.my.salesforce.com/lightning/r/Lead/00Q000000000001AAA/view", "_top", "00Q000000000001AAA"},
		{"Dial-in +1 555", "Waiting in Review", "", "", ""},
		{"Secret <s@x.example>", "Matched to a record you can't open", "", "", ""},
		{"Riley <riley@acme.example>", "Your team", "", "", ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("attendees (-want +got):\n%s", diff)
	}
	if n := doc.Find(`[data-meeting-id="8"] [data-testid="attendee"]`).Length(); n != 0 {
		t.Errorf("an upcoming meeting lists %d attendees", n)
	}
	if n := doc.Find(`[data-meeting-id="9"] [data-testid="attendee"]`).Length(); n != 12 {
		t.Errorf("a long list shows %d attendees, want 12", n)
	}
	if more := doc.Find(`[data-meeting-id="9"] [data-testid="more-attendees"]`).Text(); !strings.Contains(more, "3 more people") {
		t.Errorf("more-attendees = %q", more)
	}
}

// TestHomeSaysWhichRecord: each upcoming meeting on Home names the record it
// belongs to, linked into Salesforce (top window, Canvas navigation);
// a meeting whose record the rep may not see names none.
func TestHomeSaysWhichRecord(t *testing.T) {
	start := time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)
	ms := []*sfzoom.Meeting{
		{ID: 7, Topic: "Renewal", StartTime: start, Duration: 30, Status: sfzoom.MeetingScheduled},
		{ID: 8, Topic: "Hidden", StartTime: start, Duration: 30, Status: sfzoom.MeetingScheduled},
	}
	const u = "https://acme.my.salesforce.com/lightning/r/Opportunity/006000000000001AAA/view"
	doc := mustDoc(t, render(t, templates.Home(fullMeta(), ms, time.UTC, map[int64]templates.RecordLink{
		7: {Object: "Opportunity", ID: "006000000000001AAA", Name: "Globex <Renewal>", URL: u},
	})))
	r := doc.Find(`[data-meeting-id="7"] [data-testid="meeting-record"]`)
	a := r.Find(`[data-testid="meeting-record-link"]`)
	if got := strings.Join(strings.Fields(r.Text()), " "); got != "Opportunity: Globex <Renewal>" {
		t.Errorf("record = %q", got)
	}
	if a.AttrOr("href", "") != u || a.AttrOr("target", "") != "_top" || a.AttrOr("data-sf-record", "") != "006000000000001AAA" {
		t.Errorf("record link = %v", a.Nodes)
	}
	if n := doc.Find(`[data-meeting-id="8"] [data-testid="meeting-record"]`).Length(); n != 0 {
		t.Errorf("a meeting without a visible record names %d records", n)
	}
}

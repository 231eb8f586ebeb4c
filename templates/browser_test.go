package templates_test

import (
	"context"
	"fmt"
	"github.com/sfzoom/sfzoom/internal/browsertest"
	"html"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"
	"github.com/chromedp/chromedp"

	"github.com/sfzoom/sfzoom/static"
	"github.com/sfzoom/sfzoom/templates"
)

// fakeCanvasSDK stands in for Salesforce's canvas-all.js: it records the
// calls app.js makes. It also records CSP violations, which must never happen.
const fakeCanvasSDK = `
window.__canvas = [];
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI);
});
window.Sfdc = { canvas: function (fn) { fn(); } };
window.Sfdc.canvas.client = {
  autogrow: function (c) { window.__canvas.push("autogrow:" + c.instanceId); },
  resize: function (c) { window.__canvas.push("resize:" + c.instanceId); },
  repost: function (o) { window.__canvas.push("repost:" + JSON.stringify(o)); }
};
`

// testBody is the page content the browser test clicks through.
const testBody = `
<button id="send" hx-post="/echo" hx-target="#out">Send</button>
<button id="fail" hx-post="/fail" hx-target="#out">Fail</button>
<button id="expire" hx-get="/expired" hx-target="#out">Expire</button>
<div id="out">untouched</div>
<div id="frag" hx-get="/frag" hx-trigger="never">before</div>
<a id="popup" href="/popup" target="_blank" data-popup data-popup-refresh="#frag">Connect Zoom</a>
`

// TestBrowserAppJS loads a real page in headless Chromium under a strict CSP
// (nonce-only scripts, no inline styles) and checks static/js/app.js end to
// end: the session and CSRF headers on htmx requests, error fragments in the
// messages region, session expiry calling Sfdc.canvas.client.repost, Canvas
// autogrow, the copy button, and the OAuth popup reporting back to its opener.
func TestBrowserAppJS(t *testing.T) {
	const nonce = "dGVzdC1ub25jZQ"
	var srvURL string
	meta := func() templates.PageMeta {
		return templates.PageMeta{
			Title:            "Browser test",
			Nonce:            nonce,
			SessionToken:     "sess.token+/=",
			CSRFToken:        "csrf-value",
			CanvasSDKURL:     srvURL + "/fake-sdk.js",
			CanvasClientJSON: map[string]any{"instanceId": "09Hxx0000000001:", "orgName": orgName},
		}
	}
	page := func(w http.ResponseWriter, r *http.Request, c templ.Component) {
		w.Header().Set("Content-Security-Policy",
			"default-src 'self'; script-src 'nonce-"+nonce+"'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := c.Render(r.Context(), w); err != nil {
			t.Errorf("render: %v", err)
		}
	}
	// Error fragments are sent the way web's error handler sends them.
	fragment := func(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
		w.Header().Set("HX-Reswap", "innerHTML")
		w.Header().Set("HX-Retarget", "#"+templates.MessagesID)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		if err := c.Render(r.Context(), w); err != nil {
			t.Errorf("render: %v", err)
		}
	}
	mux := http.NewServeMux()
	mux.Handle("/static/", static.Handler())
	mux.HandleFunc("/fake-sdk.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(w, fakeCanvasSDK)
	})
	mux.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) {
		p := meta()
		if r.URL.Query().Get("sdk") == "refresh" {
			p.CanvasSDKURL = srvURL + "/fake-sdk-refresh.js"
		}
		page(w, r, templates.Page(p, templ.Join(templ.Raw(testBody), templates.CopyButton("Copy link", "https://zoom.us/j/1"))))
	})
	// A parent that answers refreshSignedRequest, as Salesforce does
	// (data.payload.response is the new signed request).
	mux.HandleFunc("/fake-sdk-refresh.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(w, fakeCanvasSDK+`
window.Sfdc.canvas.client.refreshSignedRequest = function (cb) {
  window.__canvas.push("refresh");
  setTimeout(function () { cb({status: 200, payload: {response: "fresh.signed-request"}}); }, 0);
};`)
	})
	mux.HandleFunc("/framed", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><iframe id="app" name="canvas-frame-09Hxx0000000001:" src="/page?sdk=refresh" width="600" height="400"></iframe>`)
	})
	canvasPosts := make(chan string, 1)
	mux.HandleFunc("/canvas", func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			select {
			case canvasPosts <- r.PostFormValue("signed_request"):
			default:
			}
		}
		fmt.Fprint(w, "new session")
	})
	mux.HandleFunc("/popup", func(w http.ResponseWriter, r *http.Request) {
		p := meta()
		p.CanvasSDKURL, p.CanvasClientJSON = "", nil
		page(w, r, templates.PopupDone(p, true, "Zoom connected", "You can close this window."))
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<span id="echo">%s|%s</span>`,
			html.EscapeString(r.Header.Get("X-Sfzoom-Session")), html.EscapeString(r.Header.Get("X-CSRF-Token")))
	})
	mux.HandleFunc("/fail", func(w http.ResponseWriter, r *http.Request) {
		fragment(w, r, http.StatusUnprocessableEntity, templates.ErrorFragment("Enter a topic for the meeting."))
	})
	mux.HandleFunc("/expired", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Sfzoom-Session-Expired", "1")
		fragment(w, r, http.StatusUnauthorized, templates.ErrorFragment("Your session has expired."))
	})
	mux.HandleFunc("/frag", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<div id="frag">refreshed:%s</div>`, html.EscapeString(r.Header.Get("X-Sfzoom-Session")))
	})
	// A page on another origin (localhost vs 127.0.0.1) that imitates the
	// popup's message; app.js must ignore it.
	evilRan := make(chan struct{}, 1)
	mux.HandleFunc("/evil", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<script>window.opener.postMessage({type:"sfzoom:popup-done",ok:true},"*");`+
			`new Image().src="/evil-ran";</script>`)
	})
	mux.HandleFunc("/evil-ran", func(w http.ResponseWriter, r *http.Request) {
		select {
		case evilRan <- struct{}{}:
		default:
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	srvURL = srv.URL

	ctx := browsertest.New(t, browsertest.Options{})

	poll := func(expr string) chromedp.Action[chromedp.Void] {
		return func(ctx context.Context, tgt *chromedp.Target) (chromedp.Void, error) {
			_, err := chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(10*time.Second))(ctx, tgt)
			if err != nil {
				return chromedp.Void{}, fmt.Errorf("waiting for %s: %w", expr, err)
			}
			return chromedp.Void{}, nil
		}
	}
	text := func(id string) string {
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.getElementById(`+fmt.Sprintf("%q", id)+`)||{}).textContent||""`))
		if err != nil {
			t.Fatalf("read #%s: %v", id, err)
		}
		return strings.TrimSpace(v)
	}

	steps := []struct {
		name  string
		check func(t *testing.T) error
	}{
		{"CanvasAutogrow", func(t *testing.T) error {
			return chromedp.Do(ctx,
				chromedp.Navigate(srv.URL+"/page"),
				poll(`window.__canvas && window.__canvas.indexOf("autogrow:09Hxx0000000001:") >= 0`),
				poll(`document.documentElement.classList.contains("sfzoom-canvas")`),
			)
		}},
		{"HeadersOnHtmxRequests", func(t *testing.T) error {
			if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#send")), poll(`!!document.getElementById("echo")`)); err != nil {
				return err
			}
			if got, want := text("echo"), "sess.token+/=|csrf-value"; got != want {
				t.Errorf("server saw session|csrf = %q, want %q", got, want)
			}
			return nil
		}},
		{"ErrorFragmentInMessages", func(t *testing.T) error {
			if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#fail")),
				poll(`!!document.querySelector("#`+templates.MessagesID+` [data-testid=error-fragment]")`)); err != nil {
				return err
			}
			if got := text(templates.MessagesID); !strings.Contains(got, "Enter a topic for the meeting.") {
				t.Errorf("messages region = %q, want the error message", got)
			}
			if got := text("out"); !strings.Contains(got, "sess.token") {
				t.Errorf("#out = %q, want the earlier content kept", got)
			}
			return nil
		}},
		{"SessionExpiredReposts", func(t *testing.T) error {
			return chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#expire")),
				// The SDK's repost(refresh) takes a boolean and forwards it as the
				// message's refresh field (forcedotcom/SalesforceCanvasJavascriptSDK
				// js/canvas-all.js: r = refresh || false).
				poll(`window.__canvas.indexOf("repost:true") >= 0`))
		}},
		{"SessionExpiredRefreshesInFrame", func(t *testing.T) error {
			// In a frame, the page asks the parent for a new signed request
			// and POSTs it to /canvas itself (no repost needed).
			if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/framed"),
				poll(`(() => { const w = document.getElementById("app").contentWindow; return w.document.readyState === "complete" && !!w.htmx && !!w.__canvas; })()`)); err != nil {
				return err
			}
			if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(document.getElementById("app").contentDocument.getElementById("expire").click(), true)`)); err != nil {
				return err
			}
			select {
			case sr := <-canvasPosts:
				if sr != "fresh.signed-request" {
					t.Errorf("POST /canvas signed_request = %q, want the refreshed one", sr)
				}
			case <-time.After(10 * time.Second):
				return fmt.Errorf("the frame never POSTed a refreshed signed request to /canvas")
			}
			return chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/page"), poll(`document.readyState === "complete" && !!window.htmx`))
		}},
		{"CopyButton", func(t *testing.T) error {
			return chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid="copy-button"]`)),
				poll(`document.querySelector("[data-testid=copy-button] [data-copy-label]").textContent === "Copied"`))
		}},
		{"PopupReportsBack", func(t *testing.T) error {
			if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#popup")),
				poll(`document.getElementById("frag").textContent.indexOf("refreshed:") === 0`)); err != nil {
				return err
			}
			if got, want := text("frag"), "refreshed:sess.token+/="; got != want {
				t.Errorf("#frag after the popup = %q, want %q", got, want)
			}
			return nil
		}},
		{"PopupMessageFromOtherOriginIgnored", func(t *testing.T) error {
			// Every wait below is bounded by this deadline.
			sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
			defer cancel()
			evil := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) + "/evil"
			// Listeners added after app.js's run after it for the same
			// event, so once ours has seen the other origin's message,
			// app.js has handled it; a refresh (htmx.ajax fires
			// htmx:beforeRequest synchronously) or a reload (the Navigation
			// API's navigate event, also synchronous) would have been
			// counted by then.
			if err := chromedp.Do(sctx, chromedp.Func(func(ctx context.Context, tgt *chromedp.Target) error {
				_, err := chromedp.Evaluate[chromedp.Void](`window.__seen = {foreign: 0, requests: 0, navigations: 0};
					document.addEventListener("htmx:beforeRequest", () => window.__seen.requests++);
					navigation.addEventListener("navigate", () => window.__seen.navigations++);
					window.addEventListener("message", (e) => {
						if (e.origin === location.origin) return;
						window.__seen.foreign++;
						window.__seen.atMessage = {requests: window.__seen.requests, navigations: window.__seen.navigations};
					});
					document.getElementById("frag").textContent = "kept"; window.open(`+fmt.Sprintf("%q", evil)+`); undefined`)(ctx, tgt)
				return err
			})); err != nil {
				return err
			}
			// The popup is in front: the opener gets no animation frames, so
			// poll on an interval, not on rAF. A reload would replace
			// window.__seen and end in the deadline.
			seen, err := chromedp.Run(sctx, chromedp.Poll[map[string]int](`window.__seen && window.__seen.foreign >= 1 && window.__seen.atMessage`,
				chromedp.WithPollingInterval(20*time.Millisecond)))
			if err != nil {
				return fmt.Errorf("the other origin's message never reached the page, or the page reloaded: %w", err)
			}
			if seen["requests"] != 0 || seen["navigations"] != 0 {
				t.Errorf("after a message from another origin: %d htmx requests, %d navigations; want none", seen["requests"], seen["navigations"])
			}
			select {
			case <-evilRan:
			case <-sctx.Done():
				return fmt.Errorf("the other-origin page never ran")
			}
			// "kept" disappears on a refresh of #frag and on a page reload.
			if got := text("frag"); got != "kept" {
				t.Errorf("#frag = %q after a message from another origin, want it untouched (no refresh, no reload)", got)
			}
			return nil
		}},
		{"NoCSPViolations", func(t *testing.T) error {
			v, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__csp`))
			if err != nil {
				return err
			}
			if len(v) != 0 {
				t.Errorf("CSP violations: %q", v)
			}
			return nil
		}},
	}
	for _, st := range steps {
		if !t.Run(st.name, func(t *testing.T) {
			if err := st.check(t); err != nil {
				t.Fatal(err)
			}
		}) {
			return
		}
	}
}

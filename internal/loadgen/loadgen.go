// Package loadgen drives HTTP load for sfzoom's benchmarks and for the
// side-by-side comparison against a peer (scripts/peerbench): a fixed number
// of requests sent by a fixed number of concurrent clients over keep-alive
// connections, and the request shapes Zoom and Salesforce send (a signed
// webhook delivery, a Canvas signed-request POST). The benchmarks and the
// peer script use the same code, so their numbers measure the same load.
package loadgen

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sfzoom/sfzoom/internal/canvas"
	"github.com/sfzoom/sfzoom/internal/zoom"
)

// Result is what a Run measured.
type Result struct {
	Requests int           // requests answered with the wanted status
	Elapsed  time.Duration // wall time from the first request to the last answer
}

// PerSecond returns the answered requests per second.
func (r Result) PerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// Client returns an HTTP client that keeps up to conc connections to one
// host alive, as a load generator with conc connections does, and does not
// follow redirects (a Canvas open answers 303).
func Client(conc int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = conc * 2
	t.MaxIdleConnsPerHost = conc * 2
	t.MaxConnsPerHost = conc
	return &http.Client{Transport: t, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// Run sends n requests from conc goroutines, building request i with build,
// and fails on the first answer whose status is not want. Bodies are read to
// the end so connections are reused.
func Run(ctx context.Context, c *http.Client, n, conc int, want int, build func(i int) (*http.Request, error)) (Result, error) {
	if conc <= 0 {
		conc = 1
	}
	var (
		next    atomic.Int64
		ok      atomic.Int64
		errOnce sync.Once
		first   error
		wg      sync.WaitGroup
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	fail := func(err error) {
		errOnce.Do(func() { first = err; cancel() })
	}
	start := time.Now()
	for range conc {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				req, err := build(i)
				if err != nil {
					fail(err)
					return
				}
				resp, err := c.Do(req.WithContext(ctx))
				if err != nil {
					fail(fmt.Errorf("loadgen: request %d: %w", i, err))
					return
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != want {
					fail(fmt.Errorf("loadgen: request %d: status %d, want %d: %.200s", i, resp.StatusCode, want, body))
					return
				}
				ok.Add(1)
			}
		})
	}
	wg.Wait()
	return Result{Requests: int(ok.Load()), Elapsed: time.Since(start)}, first
}

// Webhook builds distinct, signed Zoom deliveries: meeting.ended events for
// meetings hosted by HostID in AccountID, each with its own occurrence UUID,
// signed as Zoom signs them
// (https://developers.zoom.us/docs/api/webhooks/#verify-webhook-events).
type Webhook struct {
	URL       string // the webhook endpoint
	Secret    []byte // the event subscription's secret token
	HostID    string
	AccountID string
	// Run distinguishes the UUIDs of separate runs against one database.
	Run string
}

// Request returns delivery i.
func (w Webhook) Request(i int) (*http.Request, error) {
	body := []byte(`{"event":"meeting.ended","event_ts":` + strconv.FormatInt(time.Now().UnixMilli(), 10) +
		`,"payload":{"account_id":"` + w.AccountID + `","object":{"id":"85746065432","uuid":"` + w.Run + "-" + strconv.Itoa(i) +
		`==","host_id":"` + w.HostID + `","topic":"Renewal call","type":2,"start_time":"2026-03-02T15:00:00Z","end_time":"2026-03-02T15:30:00Z","duration":30,"timezone":"UTC"}}}`)
	return w.Signed(body)
}

// Signed returns a POST of body to URL, signed now.
func (w Webhook) Signed(body []byte) (*http.Request, error) {
	req, err := http.NewRequest(http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("loadgen: webhook request: %w", err)
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(zoom.HeaderTimestamp, ts)
	req.Header.Set(zoom.HeaderSignature, zoom.SignWebhook(w.Secret, ts, body))
	return req, nil
}

// CanvasOpen builds the POST Salesforce sends when a user opens the app on a
// record page: a signed_request form field
// (https://developer.salesforce.com/docs/atlas.en-us.platform_connect.meta/platform_connect/canvas_app_signed_req_authentication.htm).
type CanvasOpen struct {
	URL                                  string // the Canvas app URL
	Secret                               []byte // the consumer secret
	OrgID, UserID, RecordID, InstanceURL string
}

// SignedRequest returns the signed request for the user opening the record.
func (o CanvasOpen) SignedRequest() string {
	payload := `{"algorithm":"HMACSHA256","issuedAt":null,"userId":"` + o.UserID +
		`","client":{"oauthToken":"00Dxx!bench","instanceUrl":"` + o.InstanceURL + `","targetOrigin":"https://acme.lightning.force.com","instanceId":"09Hxx0000000001:"},` +
		`"context":{"user":{"userId":"` + o.UserID + `","fullName":"Sam O'Neil","email":"sam@example.com","timeZone":"Europe/Berlin","locale":"de_DE"},` +
		`"organization":{"organizationId":"` + o.OrgID + `","name":"Acme"},` +
		`"environment":{"displayLocation":"PageLayout","parameters":{},"record":{"attributes":{"type":"Opportunity"},"Id":"` + o.RecordID + `"}}}}`
	return canvas.Sign([]byte(payload), o.Secret)
}

// Requests returns a build function that posts the same signed request
// every time, as reloads of one record page do.
func (o CanvasOpen) Requests() func(i int) (*http.Request, error) {
	form := "signed_request=" + url.QueryEscape(o.SignedRequest())
	return func(int) (*http.Request, error) {
		req, err := http.NewRequest(http.MethodPost, o.URL, strings.NewReader(form))
		if err != nil {
			return nil, fmt.Errorf("loadgen: canvas request: %w", err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return req, nil
	}
}

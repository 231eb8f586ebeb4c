package main

import (
	"net/http"
	"strings"
	"testing"
)

// TestRun_ServeWebhookRateLimit: `sfzoom serve` applies
// SFZOOM_ZOOM_WEBHOOK_RATE_LIMIT to the Zoom webhook per client IP (a tight
// limit answers 429 once the burst is spent), and "off" lets one address
// send more than the default burst of 1000 without a 429, as the peer
// comparison in docs/performance.md needs.
func TestRun_ServeWebhookRateLimit(t *testing.T) {
	for _, tt := range []struct {
		limit    string
		requests int
		want429  bool
	}{
		{"1:3", 4, true},
		{"off", 1100, false},
	} {
		t.Run(tt.limit, func(t *testing.T) {
			env := serveEnv(t)
			env["SFZOOM_ZOOM_WEBHOOK_RATE_LIMIT"] = tt.limit
			addr, _ := startServe(t, env)
			client := &http.Client{}
			limited := 0
			for range tt.requests {
				// Unsigned: the limiter runs before the signature check,
				// so every answer is 401 unless the limit refuses it.
				resp, err := client.Post("http://"+addr+"/webhooks/zoom", "application/json", strings.NewReader(`{"event":"meeting.ended"}`))
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode == http.StatusTooManyRequests {
					limited++
				}
			}
			if got := limited > 0; got != tt.want429 {
				t.Errorf("SFZOOM_ZOOM_WEBHOOK_RATE_LIMIT=%s: %d of %d deliveries answered 429, want 429s: %v", tt.limit, limited, tt.requests, tt.want429)
			}
		})
	}
}

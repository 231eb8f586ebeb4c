package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"

	"github.com/sfzoom/sfzoom/internal/loadgen"
	"github.com/sfzoom/sfzoom/web"
)

// serveGoWebhook is the trivial Go verifier: Zoom's webhook sample
// (https://github.com/zoom/webhook-sample) in net/http and the standard
// library only. It verifies x-zm-signature (v0= hex HMAC-SHA256 over
// v0:{x-zm-request-timestamp}:{raw body}, compared in constant time,
// https://developers.zoom.us/docs/api/webhooks/#verify-webhook-events),
// answers endpoint.url_validation, and stores nothing.
func serveGoWebhook(ctx context.Context, addr string) error {
	secret := []byte(loadgen.WebhookSecret)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "go webhook peer\n") })
	mux.HandleFunc("POST /webhook", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "read body", http.StatusBadRequest)
			return
		}
		mac := hmac.New(sha256.New, secret)
		io.WriteString(mac, "v0:"+r.Header.Get("x-zm-request-timestamp")+":")
		mac.Write(body)
		want := "v0=" + hex.EncodeToString(mac.Sum(nil))
		if !hmac.Equal([]byte(r.Header.Get("x-zm-signature")), []byte(want)) {
			http.Error(w, `{"message":"Unauthorized"}`, http.StatusUnauthorized)
			return
		}
		var ev struct {
			Event   string `json:"event"`
			Payload struct {
				PlainToken string `json:"plainToken"`
			} `json:"payload"`
		}
		if err := json.Unmarshal(body, &ev); err != nil {
			http.Error(w, "not JSON", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if ev.Event == "endpoint.url_validation" {
			mac := hmac.New(sha256.New, secret)
			io.WriteString(mac, ev.Payload.PlainToken)
			json.NewEncoder(w).Encode(map[string]string{"plainToken": ev.Payload.PlainToken, "encryptedToken": hex.EncodeToString(mac.Sum(nil))})
			return
		}
		io.WriteString(w, `{"message":"Authorized request to Webhook Sample Go.","status":200}`)
	})
	return listenAndServe(ctx, addr, mux)
}

// serveSfzoom serves sfzoom's Zoom webhook and Canvas entry point on the
// database at databaseURL, as the Go benchmarks do (internal/loadgen):
// the production handlers and middleware (web.NewServer) on the production
// store (backend.Open, migrated, with the benchmark org and its rep's Zoom
// mapping so every delivery is routed), the per-IP limits lifted, no job
// workers (jobs are stored, not worked).
func serveSfzoom(ctx context.Context, addr, databaseURL string) error {
	be, err := loadgen.OpenBackend(ctx, databaseURL)
	if err != nil {
		return err
	}
	defer be.Close()
	webhook, err := loadgen.WebhookServer(be)
	if err != nil {
		return err
	}
	canvas, err := loadgen.CanvasServer(be)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/", canvas)
	mux.Handle(web.ZoomWebhookPath, webhook)
	return listenAndServe(ctx, addr, mux)
}

func listenAndServe(ctx context.Context, addr string, h http.Handler) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h}
	go func() { <-ctx.Done(); srv.Close() }()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

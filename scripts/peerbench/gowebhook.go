package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver, for go-webhook-sqlite

	"github.com/sfzoom/sfzoom/internal/loadgen"
	"github.com/sfzoom/sfzoom/web"
)

// serveGoWebhook is the trivial Go verifier: Zoom's webhook sample
// (https://github.com/zoom/webhook-sample) in net/http and the standard
// library only. It verifies x-zm-signature (v0= hex HMAC-SHA256 over
// v0:{x-zm-request-timestamp}:{raw body}, compared in constant time,
// https://developers.zoom.us/docs/api/webhooks/#verify-webhook-events),
// answers endpoint.url_validation, and stores nothing unless store is set:
// then a verified delivery is answered 200 only once store has returned.
func serveGoWebhook(ctx context.Context, addr string, store func(ctx context.Context, event, key string, body []byte) error) error {
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
			EventTS int64  `json:"event_ts"`
			Payload struct {
				PlainToken string `json:"plainToken"`
				Object     struct {
					UUID string `json:"uuid"`
				} `json:"object"`
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
		if store != nil {
			key := ev.Event + ":" + ev.Payload.Object.UUID + ":" + strconv.FormatInt(ev.EventTS, 10)
			if err := store(r.Context(), ev.Event, key, body); err != nil {
				http.Error(w, `{"message":"The delivery could not be stored; Zoom will send it again."}`, http.StatusServiceUnavailable)
				return
			}
		}
		io.WriteString(w, `{"message":"Authorized request to Webhook Sample Go.","status":200}`)
	})
	return listenAndServe(ctx, addr, mux)
}

// serveGoWebhookSQLite is the Go verifier made durable the plain way, as
// sfzoom must be: each verified delivery and a job for it stored in one
// SQLite transaction (WAL, synchronous=NORMAL, one writing connection: the
// settings sfzoom uses, internal/store/sqlite) before the 200. No org
// lookup, no redaction, no group commit, no River: what a small Go service
// would write.
func serveGoWebhookSQLite(ctx context.Context, addr, path string) error {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=synchronous(NORMAL)&_txlock=immediate")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, `
		CREATE TABLE IF NOT EXISTS deliveries (
			id INTEGER PRIMARY KEY, dedupe_key TEXT NOT NULL UNIQUE, event TEXT NOT NULL,
			payload TEXT NOT NULL, received_at TEXT NOT NULL DEFAULT (datetime('now', 'subsec')));
		CREATE TABLE IF NOT EXISTS jobs (
			id INTEGER PRIMARY KEY, kind TEXT NOT NULL, args TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'available',
			scheduled_at TEXT NOT NULL DEFAULT (datetime('now', 'subsec')));
		CREATE INDEX IF NOT EXISTS jobs_fetch ON jobs (state, scheduled_at);`); err != nil {
		return fmt.Errorf("create tables: %w", err)
	}
	return serveGoWebhook(ctx, addr, func(ctx context.Context, event, key string, body []byte) error {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		var id int64
		err = tx.QueryRowContext(ctx, `INSERT INTO deliveries (dedupe_key, event, payload) VALUES (?, ?, ?)
			ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`, key, event, string(body)).Scan(&id)
		switch {
		case errors.Is(err, sql.ErrNoRows): // a delivery seen before: already stored
		case err != nil:
			return err
		default:
			if _, err := tx.ExecContext(ctx, `INSERT INTO jobs (kind, args) VALUES ('log_meeting', ?)`,
				`{"delivery_id":`+strconv.FormatInt(id, 10)+`}`); err != nil {
				return err
			}
		}
		return tx.Commit()
	})
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

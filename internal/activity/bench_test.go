package activity_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sfzoom/sfzoom/internal/backend"
	"github.com/sfzoom/sfzoom/internal/zoom"
	"github.com/sfzoom/sfzoom/web"
)

// BenchmarkWebhookIngest measures verified, stored and enqueued deliveries
// (distinct meeting.ended events) through the real handler and store, at
// several concurrency levels, on SQLite and (with TEST_DATABASE_URL) Postgres.
func BenchmarkWebhookIngest(b *testing.B) {
	dbs := map[string]string{"sqlite": ""}
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		dbs["postgres"] = u
	}
	for name, url := range dbs {
		for _, par := range []int{1, 4, 16} {
			b.Run(fmt.Sprintf("%s/conc=%d", name, par), func(b *testing.B) {
				if url == "" {
					url = "sqlite:" + filepath.Join(b.TempDir(), "bench.db")
				}
				be, err := backend.Open(context.Background(), backend.Options{DatabaseURL: url})
				if err != nil {
					b.Fatal(err)
				}
				defer be.Close()
				srv, err := web.NewServer(web.Options{Routes: []web.Routes{&web.ZoomWebhook{Secret: secret, Store: be.Store}}})
				if err != nil {
					b.Fatal(err)
				}
				h := srv.Handler()
				var seq atomic.Int64
				seq.Store(time.Now().UnixNano())
				b.SetParallelism(par)
				start := time.Now()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						n := seq.Add(1)
						now := time.Now()
						body := []byte(`{"event":"meeting.ended","event_ts":` + strconv.FormatInt(now.UnixMilli(), 10) +
							`,"payload":{"account_id":"a","object":{"id":"85746065432","uuid":"bench-` + strconv.FormatInt(n, 10) + `==","host_id":"h","topic":"T","type":2}}}`)
						ts := strconv.FormatInt(now.Unix(), 10)
						r := httptest.NewRequest(http.MethodPost, web.ZoomWebhookPath, bytesReader(body))
						r.Header.Set(zoom.HeaderTimestamp, ts)
						r.Header.Set(zoom.HeaderSignature, zoom.SignWebhook(secret, ts, body))
						rec := httptest.NewRecorder()
						h.ServeHTTP(rec, r)
						if rec.Code != http.StatusOK {
							b.Errorf("status %d: %s", rec.Code, rec.Body)
						}
					}
				})
				b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
			})
		}
	}
}

func bytesReader(b []byte) *bytesReadCloser { return &bytesReadCloser{b: b} }

type bytesReadCloser struct {
	b []byte
	i int
}

func (r *bytesReadCloser) Read(p []byte) (int, error) {
	if r.i >= len(r.b) {
		return 0, ioEOF
	}
	n := copy(p, r.b[r.i:])
	r.i += n
	return n, nil
}

var ioEOF = io.EOF

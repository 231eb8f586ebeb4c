package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/sfzoom/sfzoom/internal/backend"
	"github.com/sfzoom/sfzoom/internal/loadgen"
	"github.com/sfzoom/sfzoom/internal/store/storetest"
)

// benchBackends are the databases the HTTP benchmarks run on: SQLite in a
// temporary file, and Postgres in a fresh schema of TEST_DATABASE_URL
// (skipped without it, except in CI).
var benchBackends = []struct {
	name string
	url  func(b *testing.B) string
}{
	{"sqlite", func(b *testing.B) string { return "sqlite:" + filepath.Join(b.TempDir(), "bench.db") }},
	{"postgres", func(b *testing.B) string { return storetest.PostgresSchemaURL(b) }},
}

func openBenchBackend(b *testing.B, url string) *backend.Backend {
	b.Helper()
	be, err := loadgen.OpenBackend(context.Background(), url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { be.Close() })
	return be
}

// serveBench serves h on a real listener for the benchmark.
func serveBench(b *testing.B, h http.Handler, err error) string {
	b.Helper()
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(h)
	b.Cleanup(ts.Close)
	return ts.URL
}

// runLoad sends b.N requests from conc clients and reports req/s.
func runLoad(b *testing.B, conc, want int, build func(int) (*http.Request, error)) {
	b.Helper()
	client := loadgen.Client(conc)
	b.ResetTimer()
	res, err := loadgen.Run(context.Background(), client, b.N, conc, want, build)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(res.PerSecond(), "req/s")
}

// BenchmarkWebhookIngest measures Zoom deliveries verified, stored and
// enqueued through the real echo server over real HTTP (keep-alive
// connections), each a distinct, validly signed meeting.ended routed to an
// org, at 16 and 64 concurrent senders, on SQLite and Postgres. Every answer
// must be 200, which sfzoom sends only after the delivery and its job are
// committed. Reports req/s.
func BenchmarkWebhookIngest(b *testing.B) {
	for _, db := range benchBackends {
		for _, conc := range []int{16, 64} {
			b.Run(fmt.Sprintf("%s/c%d", db.name, conc), func(b *testing.B) {
				be := openBenchBackend(b, db.url(b))
				h, err := loadgen.WebhookServer(be)
				base := serveBench(b, h, err)
				wh := loadgen.Deliveries(base, strconv.Itoa(b.N)+"-"+strconv.FormatInt(time.Now().UnixNano(), 36))
				runLoad(b, conc, http.StatusOK, wh.Request)
			})
		}
	}
}

// BenchmarkCanvasOpen measures POST /canvas, the request Salesforce sends
// each time a user opens a record page with sfzoom on it, through the real
// echo server over real HTTP at 64 concurrent clients: the signed request is
// verified, the org recorded, the app session issued and the 303 to the
// record page sent. The replay guard answers from its cache, as on every
// reload within its TTL. Reports req/s.
func BenchmarkCanvasOpen(b *testing.B) {
	for _, db := range benchBackends {
		b.Run(db.name+"/c64", func(b *testing.B) {
			be := openBenchBackend(b, db.url(b))
			h, err := loadgen.CanvasServer(be)
			base := serveBench(b, h, err)
			runLoad(b, 64, http.StatusSeeOther, loadgen.Opens(base).Requests())
		})
	}
}

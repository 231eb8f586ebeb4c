package recordings_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/sfzoom/sfzoom/internal/recordings"
)

// BenchmarkProxyThroughput streams the same 64 MiB file, in the same run and
// alternating, three ways: "direct" reads it from the fake Zoom with the
// real zoom client (redirect included), "relay" through a bare Go relay (the
// same download, then io.Copy to the response: the floor any proxy pays),
// and "proxy" through sfzoom's proxy (signed URL, access check, audit,
// range handling) with each copy buffer size. Reports MiB/s of each and the
// proxy/relay ratio (the goal is ≥ 0.95).
func BenchmarkProxyThroughput(b *testing.B) {
	for _, buf := range []int{64 << 10, recordings.DefaultBufferSize, 1 << 20} {
		b.Run(fmt.Sprintf("buf=%dKiB", buf>>10), func(b *testing.B) {
			const size = 64 << 20
			e := setup(b, size, func(o *recordings.Options) { o.BufferSize = buf })
			url := e.url(b, e.demo.RepID, e.video.ID)
			rec, err := e.zc.Recordings(context.Background(), e.meeting.ZoomUUID, nil)
			if err != nil {
				b.Fatal(err)
			}
			var downloadURL string
			for _, f := range rec.RecordingFiles {
				if f.ID == e.video.ID {
					downloadURL = f.DownloadURL
				}
			}
			relay := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				resp, err := e.zc.Download(r.Context(), downloadURL, nil)
				if err != nil {
					http.Error(w, err.Error(), http.StatusBadGateway)
					return
				}
				defer resp.Body.Close()
				w.Header().Set("Content-Length", resp.Header.Get("Content-Length"))
				w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
				io.Copy(w, resp.Body)
			}))
			defer relay.Close()
			fetch := func(name string, get func() (*http.Response, error)) time.Duration {
				t0 := time.Now()
				resp, err := get()
				if err != nil {
					b.Fatal(err)
				}
				n, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if n != size {
					b.Fatalf("%s: %d bytes, want %d", name, n, size)
				}
				return time.Since(t0)
			}
			direct := func() (*http.Response, error) { return e.zc.Download(context.Background(), downloadURL, nil) }
			relayed := func() (*http.Response, error) { return http.Get(relay.URL) }
			proxied := func() (*http.Response, error) { return http.Get(url) }
			fetch("proxy", proxied) // warm the access and listing caches
			fetch("relay", relayed)
			var dDirect, dRelay, dProxy time.Duration
			b.SetBytes(size)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				dDirect += fetch("direct", direct)
				dRelay += fetch("relay", relayed)
				dProxy += fetch("proxy", proxied)
			}
			mb := float64(size) * float64(b.N) / (1 << 20)
			b.ReportMetric(mb/dDirect.Seconds(), "direct-MiB/s")
			b.ReportMetric(mb/dRelay.Seconds(), "relay-MiB/s")
			b.ReportMetric(mb/dProxy.Seconds(), "proxy-MiB/s")
			b.ReportMetric(dRelay.Seconds()/dProxy.Seconds(), "proxy/relay")
		})
	}
}

// BenchmarkTimeToFirstByte measures the time until the first body byte of a
// 1 MiB range request through the proxy: "Warm" with the access check and
// recording list cached (every request of a playback after the first),
// "Cold" with both caches expired (one Salesforce and one Zoom API call).
func BenchmarkTimeToFirstByte(b *testing.B) {
	for _, cold := range []bool{false, true} {
		name := "Warm"
		if cold {
			name = "Cold"
		}
		b.Run(name, func(b *testing.B) {
			e := setup(b, 64<<20)
			url := e.url(b, e.demo.RepID, e.video.ID)
			resp := get(b, url, nil)
			resp.Body.Close()
			var total time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if cold {
					b.StopTimer()
					e.clock.Add(accessTTL + time.Minute) // expires the access and listing caches
					// A fresh URL, as the page gets one: the old one
					// expires after urlTTL, and timing its 403 would
					// measure the refusal, not a cold start.
					url = e.url(b, e.demo.RepID, e.video.ID)
					b.StartTimer()
				}
				req, _ := http.NewRequest(http.MethodGet, url, nil)
				req.Header.Set("Range", "bytes=1048576-2097151")
				t0 := time.Now()
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				if resp.StatusCode != http.StatusPartialContent {
					b.Fatalf("range request = %d, want 206", resp.StatusCode)
				}
				var one [1]byte
				if _, err := io.ReadFull(resp.Body, one[:]); err != nil {
					b.Fatal(err)
				}
				total += time.Since(t0)
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms-ttfb")
		})
	}
}

// BenchmarkStreamPeakMemory streams 256 MiB through the proxy and reports
// the largest growth of the heap in use seen while streaming.
func BenchmarkStreamPeakMemory(b *testing.B) {
	const size = 256 << 20
	e := setup(b, size)
	url := e.url(b, e.demo.RepID, e.video.ID)
	var peak uint64
	b.SetBytes(size)
	for i := 0; i < b.N; i++ {
		p, n := streamAndSampleHeap(b, url, nil)
		if n != size {
			b.Fatalf("streamed %d bytes", n)
		}
		peak = max(peak, p)
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}

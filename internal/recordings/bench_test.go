package recordings_test

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"
)

// BenchmarkProxyThroughput streams the same 64 MiB file directly from the
// fake (the real zoom client, redirect included) and through the proxy in
// the same run, and reports both rates and their ratio.
func BenchmarkProxyThroughput(b *testing.B) {
	const size = 64 << 20
	e := setup(b, size)
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
	direct := func() {
		resp, err := e.zc.Download(context.Background(), downloadURL, nil)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if n != size {
			b.Fatalf("direct: %d bytes", n)
		}
	}
	proxied := func() {
		resp := get(b, url, nil)
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if n != size {
			b.Fatalf("proxy: %d bytes", n)
		}
	}
	proxied() // warm the access and listing caches
	var dDirect, dProxy time.Duration
	b.SetBytes(size)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		direct()
		t1 := time.Now()
		proxied()
		dDirect += t1.Sub(t0)
		dProxy += time.Since(t1)
	}
	mb := float64(size) * float64(b.N) / (1 << 20)
	b.ReportMetric(mb/dDirect.Seconds(), "direct-MiB/s")
	b.ReportMetric(mb/dProxy.Seconds(), "proxy-MiB/s")
	b.ReportMetric(dDirect.Seconds()/dProxy.Seconds(), "proxy/direct")
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
					b.StartTimer()
				}
				req, _ := http.NewRequest(http.MethodGet, url, nil)
				req.Header.Set("Range", "bytes=1048576-2097151")
				t0 := time.Now()
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
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

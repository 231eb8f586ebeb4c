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
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sfzoom/sfzoom/internal/backend"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/zoom"
	"github.com/sfzoom/sfzoom/internal/zoom/zoomtest"
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

// BenchmarkMeetingsLogged measures the after-meeting pipeline end to end:
// benchMeetings meetings (participants, a recording, an AI summary) end at
// once in the fake Zoom, which delivers meeting.ended, recording.completed
// and meeting.summary_completed to the real webhook handler; River workers
// (default pool) on SQLite log them in the fake Salesforce through the real
// clients (Zoom's default Pro-plan rate limits apply). The clock runs from
// the first end until every occurrence has its activity log and the queue
// is empty. "production" wires the handler as cmd/sfzoom does (no
// follow-up delay: the recording and summary jobs race the meeting.ended
// job for the occurrence lease and snooze); "followup=1s" postpones them as
// the tests do. Reports meetings/min, and Salesforce and Zoom API calls per
// meeting.
func BenchmarkMeetingsLogged(b *testing.B) {
	const benchMeetings = 20
	for _, bc := range []struct {
		name     string
		followUp time.Duration
	}{{"production", 0}, {"followup=1s", time.Second}} {
		b.Run(bc.name, func(b *testing.B) {
			e := newEnvWith(b, sfzoom.ActivityModeDirect, true, bc.followUp)
			ctx := context.Background()
			hostID := e.meeting.HostID
			var elapsed time.Duration
			sfCalls, zoomCalls, meetings := 0, 0, 0
			b.ResetTimer()
			for i := range b.N {
				b.StopTimer()
				ms := make([]zoomtest.Meeting, benchMeetings)
				for j := range ms {
					ms[j] = seedMeeting(b, e.zoom, hostID, fmt.Sprintf("Bench %d/%d", i, j))
					if err := e.be.Store.CreateMeeting(ctx, &sfzoom.Meeting{OrgID: e.orgID, ZoomMeetingID: ms[j].ID, HostSFUserID: e.seed.RepID,
						HostZoomUserID: hostID, RecordObject: sfzoom.ObjectOpportunity, RecordID: e.seed.OpportunityIDs[j%len(e.seed.OpportunityIDs)],
						Topic: ms[j].Topic, StartTime: ms[j].StartTime, Duration: 30, Status: sfzoom.MeetingScheduled}); err != nil {
						b.Fatal(err)
					}
				}
				e.sf.ResetRequests()
				e.zoom.ResetRequests()
				b.StartTimer()
				start := time.Now()
				uuids := make([]string, len(ms))
				errs := make([]error, len(ms))
				var wg sync.WaitGroup
				for j := range ms {
					wg.Add(1)
					go func() {
						defer wg.Done()
						uuids[j], errs[j] = e.zoom.EndMeeting(ctx, ms[j].ID)
					}()
				}
				wg.Wait()
				for _, err := range errs {
					if err != nil {
						b.Fatal(err)
					}
				}
				waitAllLogged(b, e, uuids)
				elapsed += time.Since(start)
				b.StopTimer()
				sfCalls += e.sf.APICalls()
				zoomCalls += zoomAPICalls(e.zoom)
				meetings += len(ms)
			}
			b.ReportMetric(float64(meetings)/elapsed.Minutes(), "meetings/min")
			b.ReportMetric(float64(sfCalls)/float64(meetings), "sf-calls/meeting")
			b.ReportMetric(float64(zoomCalls)/float64(meetings), "zoom-calls/meeting")
		})
	}
}

// waitAllLogged waits until every occurrence has its activity log and no
// job is pending.
func waitAllLogged(tb testing.TB, e *env, uuids []string) {
	tb.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		done := true
		for _, u := range uuids {
			if _, err := e.be.Store.FindActivityLog(ctx, e.orgID, u); err != nil {
				done = false
				break
			}
		}
		if depth, err := e.be.QueueDepth(ctx); err == nil && done &&
			depth["available"]+depth["running"]+depth["scheduled"]+depth["retryable"] == 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	tb.Fatalf("%d meetings were not all logged in time", len(uuids))
}

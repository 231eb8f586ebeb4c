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
	"strings"
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
				srv, err := web.NewServer(web.Options{Webhook: &web.ZoomWebhook{Secret: secret, Store: be.Store}})
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

// benchSettle is the meeting.ended job's settle delay in
// BenchmarkCallsPerMeeting (production waits longer; the count does not
// depend on it as long as deliveries that arrive together are stored
// within it).
const benchSettle = time.Second

// BenchmarkCallsPerMeeting counts the API requests the fake Salesforce and
// the fake Zoom receive per meeting (an Opportunity's meeting with a
// recording and an AI summary), through the real webhook handler, River
// workers and clients, for three arrival patterns:
//
//   - spaced: as Zoom sends them, meeting.ended at the end, then
//     recording.completed and meeting.summary_completed once each is
//     ready (the recording and the summary do not exist at Zoom before);
//   - reversed: the three delivered one at a time, summary first;
//   - together: the three delivered at once (Zoom's retries after an outage).
//
// with 5 participants (a Contact, a Lead, the host, two guests) and 300 (the
// same and 295 guests of 30 companies). Reports sf-calls/meeting and
// zoom-calls/meeting:
//
//	go test ./internal/activity -run '^$' -bench CallsPerMeeting -benchtime 3x
func BenchmarkCallsPerMeeting(b *testing.B) {
	for _, n := range []int{5, 300} {
		for _, arrival := range []string{"spaced", "reversed", "together"} {
			b.Run(fmt.Sprintf("%s/participants=%d", arrival, n), func(b *testing.B) {
				e := newEnvWith(b, sfzoom.ActivityModeDirect, true, benchSettle)
				ctx := context.Background()
				hostID := e.meeting.HostID
				sfCalls, zoomCalls := 0, 0
				for i := range b.N {
					m := benchMeeting(b, e, hostID, fmt.Sprintf("Calls %d", i), n, arrival != "spaced")
					e.sf.ResetRequests()
					e.zoom.ResetRequests()
					uuid, ds := captureEnd(b, e.zoom, m.ID)
					switch arrival {
					case "spaced":
						deliverAndWait(b, e, uuid, ds...)
						if _, err := e.zoom.AddRecording(uuid, zoomtest.RecordingFile{FileType: "MP4", Size: 1 << 20}); err != nil {
							b.Fatal(err)
						}
						deliverAndWait(b, e, uuid, capture(b, e.zoom, func() error { return e.zoom.CompleteRecording(ctx, uuid) })...)
						if err := e.zoom.AddSummary(uuid, zoomtest.Summary{Title: m.Topic, Overview: "Globex agreed to renew.",
							NextSteps: []string{"Send the contract"}}); err != nil {
							b.Fatal(err)
						}
						deliverAndWait(b, e, uuid, capture(b, e.zoom, func() error { return e.zoom.CompleteSummary(ctx, uuid) })...)
					case "reversed":
						for k := len(ds) - 1; k >= 0; k-- {
							deliverAndWait(b, e, uuid, ds[k])
						}
					case "together":
						deliverAndWait(b, e, uuid, ds...)
					}
					if _, err := e.be.Store.FindSummary(ctx, e.orgID, uuid); err != nil {
						b.Fatalf("summary of %s not stored: %v", uuid, err)
					}
					checkEvent(b, e, uuid, n)
					sfCalls += e.sf.APICalls()
					zoomCalls += zoomAPICalls(e.zoom)
				}
				b.ReportMetric(float64(sfCalls)/float64(b.N), "sf-calls/meeting")
				b.ReportMetric(float64(zoomCalls)/float64(b.N), "zoom-calls/meeting")
			})
		}
	}
}

// benchMeeting adds a meeting of host scheduled from an Opportunity that
// started 40 minutes ago, with n participants and, when complete, its
// recording and summary.
func benchMeeting(tb testing.TB, e *env, hostID, topic string, n int, complete bool) zoomtest.Meeting {
	tb.Helper()
	m, err := e.zoom.AddMeeting(zoomtest.Meeting{HostID: hostID, Topic: topic, Duration: 30, StartTime: time.Now().Add(-40 * time.Minute)})
	if err != nil {
		tb.Fatal(err)
	}
	start := m.StartTime.Add(5 * time.Minute).UTC().Truncate(time.Second)
	ps := []zoomtest.Participant{
		{Name: "Hank Scorpio", Email: "hank@globex.example"},
		{Name: "Dana Scully", Email: "dana.scully@fbi-consulting.example"},
		{Name: "Riley Chen", Email: "riley.chen@acme-demo.com"},
	}
	for i := len(ps); i < n; i++ {
		ps = append(ps, zoomtest.Participant{Name: fmt.Sprintf("Guest %d", i), Email: fmt.Sprintf("guest%d@company%d.example", i, i%30)})
	}
	for _, p := range ps {
		p.JoinTime, p.LeaveTime = start, start.Add(25*time.Minute)
		if err := e.zoom.AddParticipant(m.UUID, p); err != nil {
			tb.Fatal(err)
		}
	}
	if complete {
		if _, err := e.zoom.AddRecording(m.UUID, zoomtest.RecordingFile{FileType: "MP4", Size: 1 << 20}); err != nil {
			tb.Fatal(err)
		}
		if err := e.zoom.AddSummary(m.UUID, zoomtest.Summary{Title: topic, Overview: "Globex agreed to renew.",
			NextSteps: []string{"Send the contract"}}); err != nil {
			tb.Fatal(err)
		}
	}
	if err := e.be.Store.CreateMeeting(context.Background(), &sfzoom.Meeting{OrgID: e.orgID, ZoomMeetingID: m.ID, HostSFUserID: e.seed.RepID,
		HostZoomUserID: hostID, RecordObject: sfzoom.ObjectOpportunity, RecordID: e.seed.OpportunityIDs[0], Topic: topic,
		StartTime: start, Duration: 30, Status: sfzoom.MeetingScheduled}); err != nil {
		tb.Fatal(err)
	}
	return m
}

// capture runs fn with the fake Zoom's webhooks going to a sink and returns
// what it sent.
func capture(tb testing.TB, z *zoomtest.Server, fn func() error) []zoomtest.Delivery {
	tb.Helper()
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }))
	defer sink.Close()
	before := len(z.Deliveries())
	z.SetWebhook(sink.URL, secret)
	err := fn()
	z.SetWebhook("", nil)
	if err != nil {
		tb.Fatal(err)
	}
	return z.Deliveries()[before:]
}

// deliverAndWait delivers ds at once to sfzoom's webhook, then waits until
// no job is pending.
func deliverAndWait(tb testing.TB, e *env, uuid string, ds ...zoomtest.Delivery) {
	tb.Helper()
	var wg sync.WaitGroup
	for _, d := range ds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if status, _, err := deliver(e.hook.URL, d); err != nil || status != http.StatusOK {
				tb.Errorf("deliver %s: status %d, err %v", d.Event, status, err)
			}
		}()
	}
	wg.Wait()
	ctx := context.Background()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if depth, err := e.be.QueueDepth(ctx); err == nil && depth["available"]+depth["running"]+depth["scheduled"]+depth["retryable"] == 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	tb.Fatalf("jobs of %s still pending after a minute", uuid)
}

// checkEvent fails unless the occurrence's Event has everything: the
// recording link, the summary and its n participants.
func checkEvent(tb testing.TB, e *env, uuid string, n int) {
	tb.Helper()
	for _, ev := range e.sf.Records("Event") {
		if ev["Zoom_Meeting_ID__c"] != uuid {
			continue
		}
		desc, _ := ev["Description"].(string)
		if ev["Zoom_Recording_URL__c"] == nil || !strings.Contains(desc, "Globex agreed to renew") || !strings.Contains(desc, "Riley Chen") {
			tb.Fatalf("Event of %s lacks the recording, the summary or the attendees:\n%s", uuid, desc)
		}
		att, err := e.be.Store.FindAttendance(context.Background(), e.orgID, uuid)
		if err != nil || len(att) != n {
			tb.Fatalf("attendance of %s = %d (%v), want %d", uuid, len(att), err, n)
		}
		return
	}
	tb.Fatalf("no Event for %s", uuid)
}

package activity_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	"github.com/riverqueue/river"

	"github.com/sfzoom/sfzoom/internal/activity"
	"github.com/sfzoom/sfzoom/internal/backend"
	"github.com/sfzoom/sfzoom/internal/jobs"
	"github.com/sfzoom/sfzoom/internal/salesforce/salesforcetest"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store/storetest"
	"github.com/sfzoom/sfzoom/internal/zoom"
	"github.com/sfzoom/sfzoom/internal/zoom/zoomtest"
	"github.com/sfzoom/sfzoom/web"
)

// captureEnd ends the meeting in the fake Zoom with its webhooks going to a
// sink that answers 200, and returns what Zoom sent (meeting.ended, then
// recording.completed and meeting.summary_completed when seeded), so a
// test can deliver those exact bytes as it likes.
func captureEnd(t testing.TB, z *zoomtest.Server, meetingID int64) (string, []zoomtest.Delivery) {
	t.Helper()
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }))
	defer sink.Close()
	before := len(z.Deliveries())
	z.SetWebhook(sink.URL, secret)
	uuid, err := z.EndMeeting(context.Background(), meetingID)
	z.SetWebhook("", nil)
	if err != nil {
		t.Fatal(err)
	}
	return uuid, z.Deliveries()[before:]
}

// deliver POSTs one signed delivery as Zoom does: the signature header is
// "v0=" + hex(HMAC-SHA256(secret, "v0:" + timestamp + ":" + body)) and the
// timestamp travels in x-zm-request-timestamp (docs/zoom-api.md §1). It returns
// the status and the handler's "status" answer ("ok" or "duplicate").
func deliver(target string, d zoomtest.Delivery) (int, string, error) {
	req, err := http.NewRequest(http.MethodPost, target+web.ZoomWebhookPath, bytes.NewReader(d.Body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set(zoom.HeaderTimestamp, d.Timestamp)
	req.Header.Set(zoom.HeaderSignature, zoom.SignWebhook(secret, d.Timestamp, d.Body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	var ans struct {
		Status string `json:"status"`
	}
	b, _ := io.ReadAll(resp.Body)
	json.Unmarshal(b, &ans)
	return resp.StatusCode, ans.Status, nil
}

// countRows runs a COUNT query.
func countRows(t testing.TB, db *sql.DB, query string) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// checkLoggedOnce checks the org holds one Event for uuid, the Opportunity
// counted it once and each follow-up Task exists once.
func checkLoggedOnce(t testing.TB, sf *salesforcetest.Server, oppID, uuid string, wantTasks int) {
	t.Helper()
	evs := sf.Records("Event")
	if len(evs) != 1 || evs[0]["Zoom_Meeting_ID__c"] != uuid {
		t.Errorf("Events = %v, want one for %s", evs, uuid)
	}
	opp, _ := sf.Record(oppID)
	if opp["Meeting_Count__c"] != 1.0 {
		t.Errorf("Meeting_Count__c = %v, want 1", opp["Meeting_Count__c"])
	}
	tasks := sf.Records("Task")
	subjects := map[string]int{}
	for _, tk := range tasks {
		subjects[fmt.Sprint(tk["Subject"])]++
	}
	if len(tasks) != wantTasks || len(subjects) != wantTasks {
		t.Errorf("%d Tasks with %d distinct subjects, want %d: %v", len(tasks), len(subjects), wantTasks, subjects)
	}
}

// TestTenDuplicateDeliveries sends each signed delivery of an ended
// meeting (meeting.ended, recording.completed, meeting.summary_completed)
// ten times at once to the real webhook handler with River workers running:
// each is stored and enqueued once, the other nine are answered 200
// "duplicate", and the meeting is logged once (one Event, Meeting_Count__c
// 1, the Tasks once).
func TestTenDuplicateDeliveries(t *testing.T) {
	e := newEnv(t, sfzoom.ActivityModeDirect, true)
	uuid, ds := captureEnd(t, e.zoom, e.meeting.ID)
	if len(ds) != 3 || ds[0].Event != zoom.EventMeetingEnded {
		t.Fatalf("captured %v, want meeting.ended, recording.completed and meeting.summary_completed", ds)
	}

	const n = 10
	var wg sync.WaitGroup
	start := make(chan struct{})
	statuses := make([]int, n*len(ds))
	answers := make([]string, n*len(ds))
	errs := make([]error, n*len(ds))
	for i := range n * len(ds) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			statuses[i], answers[i], errs[i] = deliver(e.hook.URL, ds[i%len(ds)])
		}()
	}
	close(start)
	wg.Wait()
	count := map[string]int{}
	for i := range statuses {
		if errs[i] != nil || statuses[i] != http.StatusOK {
			t.Fatalf("delivery %d: status %d, err %v; want 200", i, statuses[i], errs[i])
		}
		count[answers[i]]++
	}
	if count["ok"] != len(ds) || count["duplicate"] != (n-1)*len(ds) {
		t.Fatalf("answers = %v, want %d ok and %d duplicate", count, len(ds), (n-1)*len(ds))
	}
	e.waitLogged(t, uuid)
	if got := countRows(t, e.be.DB(), `SELECT COUNT(*) FROM river_job WHERE kind = 'log_meeting'`); got != len(ds) {
		t.Errorf("%d log_meeting jobs, want %d", got, len(ds))
	}
	checkLoggedOnce(t, e.sf, e.seed.OpportunityIDs[0], uuid, 2)
}

// replica is one sfzoom process: its backend with its worker pool, its own
// clients and pipeline, and its own webhook endpoint.
type replica struct {
	be   *backend.Backend
	hook *httptest.Server
}

func startReplica(t *testing.T, dbURL, name string, z *zoomtest.Server, zoomToken string, sf *salesforcetest.Server, sfToken string) *replica {
	t.Helper()
	ctx := context.Background()
	cl := realClients(t, z.APIURL(), zoomToken, sf.URL(), sfToken)
	var pipeline meetingLogger
	workers := river.NewWorkers()
	river.AddWorker(workers, jobs.NewWorker(lateLogger{&pipeline}.LogMeeting))
	be, err := backend.Open(ctx, backend.Options{DatabaseURL: dbURL, Workers: workers, FetchPollInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { be.Close() })
	pipeline = activity.New(activity.Options{Store: be.Store, Clients: cl, PublicURL: publicURL, Holder: name})
	// No settle delay (production waits cmd/sfzoom's webhookSettleDelay
	// before the meeting.ended job): both replicas' jobs for the same
	// occurrence run at the same time, the hardest case.
	srv, err := web.NewServer(web.Options{Webhook: &web.ZoomWebhook{Secret: secret, Store: be.Store}})
	if err != nil {
		t.Fatal(err)
	}
	r := &replica{be: be, hook: httptest.NewServer(srv.Handler())}
	t.Cleanup(r.hook.Close)
	if err := be.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		be.Stop(sctx)
	})
	return r
}

// TestTwoReplicasLogOnce runs two sfzoom replicas on one PostgreSQL
// database, each with its own River worker pool, pipeline and webhook
// endpoint. The same signed meeting.ended, recording.completed and
// meeting.summary_completed (whose summary brings the Tasks) reach both
// endpoints concurrently, three times each: each delivery is stored and
// worked once, and the meeting is logged once (one Event, Meeting_Count__c
// 1, Tasks not duplicated).
func TestTwoReplicasLogOnce(t *testing.T) {
	dbURL := storetest.PostgresSchemaURL(t)
	ctx := context.Background()
	z, sf, seed, host, m := newFakes(t)
	uuid, toSend := captureEnd(t, z, m.ID)
	if len(toSend) != 3 {
		t.Fatalf("captured %v, want meeting.ended, recording.completed and meeting.summary_completed", toSend)
	}
	zoomToken, sfToken := z.IssueAccessToken(host.ID), sf.IssueToken(seed.AdminID)

	// Replicas open one after the other (the first migrates the schema).
	a := startReplica(t, dbURL, "replica-a", z, zoomToken, sf, sfToken)
	seedOrg(t, a.be, seed, m, host.ID)
	b := startReplica(t, dbURL, "replica-b", z, zoomToken, sf, sfToken)

	const rounds = 3
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	start := make(chan struct{})
	for range rounds {
		for _, r := range []*replica{a, b} {
			for _, d := range toSend {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					status, _, err := deliver(r.hook.URL, d)
					if err != nil || status != http.StatusOK {
						mu.Lock()
						failures = append(failures, fmt.Sprintf("%s: status %d, err %v", d.Event, status, err))
						mu.Unlock()
					}
				}()
			}
		}
	}
	close(start)
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("deliveries failed: %v", failures)
	}

	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := a.be.Store.FindActivityLog(ctx, seed.OrgID, uuid)
		depth, _ := a.be.QueueDepth(ctx)
		if err == nil && depth["available"]+depth["running"]+depth["scheduled"]+depth["retryable"] == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not logged in time: log err %v, queue %v", err, depth)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := countRows(t, a.be.DB(), `SELECT COUNT(*) FROM webhook_events`); got != len(toSend) {
		t.Errorf("%d stored webhook events, want %d (one per distinct event)", got, len(toSend))
	}
	if got := countRows(t, a.be.DB(), `SELECT COUNT(*) FROM river_job WHERE kind = 'log_meeting' AND state = 'completed'`); got != len(toSend) {
		t.Errorf("%d completed log_meeting jobs, want %d", got, len(toSend))
	}
	checkLoggedOnce(t, sf, seed.OpportunityIDs[0], uuid, 2)
}

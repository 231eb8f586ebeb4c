package activity_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/sfzoom/sfzoom/internal/httpretry"
	"github.com/sfzoom/sfzoom/internal/httpretry/retrytest"
	"github.com/sfzoom/sfzoom/internal/jobs"
	"github.com/sfzoom/sfzoom/internal/salesforce"
	"github.com/sfzoom/sfzoom/internal/setup"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/zoom"
	"github.com/sfzoom/sfzoom/internal/zoom/zoomtest"
)

// simJob is a log_meeting job as River keeps it, worked by runJobs.
type simJob struct {
	args     jobs.LogMeetingArgs
	row      rivertype.JobRow // Attempt and Errors, which River's retry policy reads
	runAt    time.Time
	starts   []time.Time // when each attempt began (injected clock)
	ends     []time.Time
	loggedAt time.Time
}

// runJobs works jobs as River's scheduler would, but on the injected clock
// clk: each job runs at its scheduled time; its error goes through
// jobs.Result (the worker's mapping), and a retryable one is rescheduled by
// River's own DefaultClientRetryPolicy (attempt⁴ seconds, ±10%), a snooze
// by its duration. before is called ahead of every attempt, after the clock
// has moved. It fails the test if a job is cancelled or runs out of
// attempts.
func runJobs(t *testing.T, e *env, clk *retrytest.Clock, js []*simJob, before func(now time.Time)) {
	t.Helper()
	policy := &river.DefaultClientRetryPolicy{}
	maxAttempts := jobs.LogMeetingArgs{}.InsertOpts().MaxAttempts
	for range 1000 {
		var next *simJob
		for _, j := range js {
			if j.loggedAt.IsZero() && (next == nil || j.runAt.Before(next.runAt)) {
				next = j
			}
		}
		if next == nil {
			return
		}
		if next.runAt.After(clk.Now()) {
			clk.Set(next.runAt)
		}
		before(clk.Now())
		next.starts = append(next.starts, clk.Now())
		next.row.Attempt++
		err := jobs.Result(e.p.LogMeeting(context.Background(), next.args))
		now := clk.Now()
		next.ends = append(next.ends, now)
		var snooze *river.JobSnoozeError
		var cancel *river.JobCancelError
		switch {
		case err == nil:
			next.loggedAt = now
		case errors.As(err, &cancel):
			t.Fatalf("meeting %s: job cancelled: %v", next.args.MeetingUUID, err)
		case errors.As(err, &snooze):
			next.row.Attempt-- // a snooze uses no attempt
			next.runAt = now.Add(snooze.Duration)
		case next.row.Attempt >= maxAttempts:
			t.Fatalf("meeting %s: discarded after %d attempts: %v", next.args.MeetingUUID, next.row.Attempt, err)
		default:
			// River asks its policy before recording the new error, and
			// schedules from its own (real) clock: keep the delay.
			next.runAt = now.Add(time.Until(policy.NextRetry(&next.row)))
			next.row.Errors = append(next.row.Errors, rivertype.AttemptError{At: now, Attempt: next.row.Attempt, Error: err.Error()})
		}
	}
	t.Fatal("jobs did not finish within 1000 attempts")
}

// addEndedMeetings seeds n more meetings like env's, scheduled from the
// same Opportunity, ends them quietly, and returns their jobs.
func addEndedMeetings(t *testing.T, e *env, n int, at time.Time) []*simJob {
	t.Helper()
	e.zoom.SetWebhook("", nil)
	var js []*simJob
	for i := range n {
		m := e.meeting
		if i > 0 {
			m = seedMeeting(t, e.zoom, e.meeting.HostID, fmt.Sprintf("Globex renewal %d", i))
			if err := e.be.Store.CreateMeeting(context.Background(), &sfzoom.Meeting{OrgID: e.orgID, ZoomMeetingID: m.ID,
				HostSFUserID: e.seed.RepID, HostZoomUserID: m.HostID, RecordObject: sfzoom.ObjectOpportunity,
				RecordID: e.seed.OpportunityIDs[0], Topic: m.Topic, StartTime: m.StartTime.UTC().Truncate(time.Second),
				Duration: 30, Status: sfzoom.MeetingScheduled}); err != nil {
				t.Fatal(err)
			}
		}
		uuid, err := e.zoom.EndMeeting(context.Background(), m.ID)
		if err != nil {
			t.Fatal(err)
		}
		js = append(js, &simJob{args: jobs.LogMeetingArgs{OrgID: e.orgID, ZoomMeetingID: m.ID, MeetingUUID: uuid, Trigger: "meeting.ended"},
			row: rivertype.JobRow{MaxAttempts: jobs.LogMeetingArgs{}.InsertOpts().MaxAttempts}, runAt: at})
	}
	return js
}

// TestSalesforceOutage_SeveralMinutes: Salesforce answers 503 to everything
// for five minutes (of injected-clock time) while five meetings end. The
// org's breaker opens after its 5 consecutive failures, so jobs fail fast
// without calling Salesforce; the jobs back off on River's schedule (about
// 1 s, 16 s, 81 s, 256 s) instead of hammering; the Health tab says
// "Salesforce unreachable since …; 5 meetings waiting, retrying at …"; and
// once Salesforce answers, every meeting is logged exactly once.
func TestSalesforceOutage_SeveralMinutes(t *testing.T) {
	const meetings, outage = 5, 5 * time.Minute
	e := newEnv(t, sfzoom.ActivityModeDirect, false)
	start := time.Now().UTC().Truncate(time.Second)
	clk := retrytest.NewClock(start)
	sc, err := salesforce.NewClient(&http.Client{Transport: bearer{e.sf.IssueToken(e.seed.AdminID)}}, e.sf.URL(),
		salesforce.WithClock(clk.Now), salesforce.WithSleep(clk.Sleep)) // production retry and breaker settings
	if err != nil {
		t.Fatal(err)
	}
	e.cl.sc = sc
	js := addEndedMeetings(t, e, meetings, start)

	e.sf.SetDown(true)
	e.sf.ResetRequests()
	var outageCalls, outageAttempts int
	var words string
	recovered := time.Time{}
	runJobs(t, e, clk, js, func(now time.Time) {
		if recovered.IsZero() && !now.Before(start.Add(outage)) {
			outageCalls = e.sf.APICalls()
			recovered = now
			e.sf.SetDown(false)
		}
		if recovered.IsZero() {
			outageAttempts++
		}
		if words == "" && sc.BreakerState() == httpretry.StateOpen {
			waiting := 0
			for _, j := range js {
				if j.loggedAt.IsZero() {
					waiting++
				}
			}
			words, _ = setup.SalesforceStatus(sc, waiting).Words(time.UTC)
			want := fmt.Sprintf("Salesforce unreachable since %s; %d meetings waiting, retrying at %s.",
				start.Format("15:04 MST"), meetings, sc.BreakerRetryAt().Format("15:04:05 MST"))
			if !strings.HasPrefix(words, want) {
				t.Errorf("Health during the outage = %q, want it to start %q", words, want)
			}
		}
	})
	if words == "" {
		t.Fatal("the breaker never opened during a five-minute outage")
	}

	// The backoff: each meeting's attempts follow River's schedule; a
	// meeting that ended during the outage is tried a handful of times,
	// not in a loop.
	for _, j := range js {
		var during int
		for i, s := range j.starts {
			if s.Before(recovered) {
				during++
			}
			if i == 0 {
				continue
			}
			k := float64(i) // retry after the k-th error: k⁴ seconds ±10%
			gap := s.Sub(j.ends[i-1]).Seconds()
			if lo, hi := 0.9*k*k*k*k, 1.1*k*k*k*k; gap < lo-0.001 || gap > hi+0.001 {
				t.Errorf("meeting %s: attempt %d came %.1fs after the previous one, want %.1f–%.1fs (River's backoff)",
					j.args.MeetingUUID, i+1, gap, lo, hi)
			}
		}
		if during > 5 {
			t.Errorf("meeting %s was tried %d times during a %v outage, want at most 5", j.args.MeetingUUID, during, outage)
		}
		if lag := j.loggedAt.Sub(recovered); lag > 2*time.Minute {
			t.Errorf("meeting %s logged %v after Salesforce returned, want within 2 minutes", j.args.MeetingUUID, lag)
		}
	}
	// No hot loop against Salesforce: the breaker's 5 failures, then at
	// most one trial request per job attempt (a half-open breaker lets one
	// through, and a failed trial re-opens it). Without the breaker each
	// attempt would cost 3 requests (the client's own retries).
	if limit := 5 + outageAttempts; outageCalls > limit {
		t.Errorf("%d Salesforce requests during the outage for %d job attempts, want at most %d", outageCalls, outageAttempts, limit)
	}
	// Every meeting lands exactly once.
	if n := len(e.events(t)); n != meetings {
		t.Errorf("%d Events after recovery, want %d (one per meeting)", n, meetings)
	}
	if c := e.opp(t)["Meeting_Count__c"]; c != float64(meetings) {
		t.Errorf("Meeting_Count__c = %v, want %d", c, meetings)
	}
	t.Logf("outage %v: %d job attempts and %d Salesforce requests during it; every meeting logged within %v of recovery; Health said %q",
		outage, outageAttempts, outageCalls, lastLogged(js, recovered), words)
}

// TestZoomRateLimitStorm: for three minutes (of injected-clock time) Zoom
// answers every API call with 429 and a Retry-After 20 s ahead, while five
// meetings end. Each job makes one request, gets the 429 at once (jobs do
// not wait inside a call) and is snoozed for Zoom's Retry-After, using no
// attempt; the Health tab says "Zoom is rate-limiting sfzoom; next try at
// …"; no breaker opens; once the storm passes every meeting is logged once.
//
// Zoom: "If you exceed the rate limit, the API returns HTTP 429 … the
// Retry-After header indicates when you can retry"
// (https://developers.zoom.us/docs/api/rate-limits/).
func TestZoomRateLimitStorm(t *testing.T) {
	const meetings, storm, retryAfter = 5, 3 * time.Minute, 20 * time.Second
	e := newEnv(t, sfzoom.ActivityModeDirect, false)
	start := time.Now().UTC().Truncate(time.Second)
	clk := retrytest.NewClock(start)
	js := addEndedMeetings(t, e, meetings, start)

	e.zoom.Fail(zoomtest.Failure{Status: http.StatusTooManyRequests, Count: 1 << 20, RetryAfter: retryAfter, Category: "Medium", Type: "QPS"})
	e.zoom.ResetRequests()
	var stormAttempts, stormCalls int
	var words string
	over := time.Time{}
	runJobs(t, e, clk, js, func(now time.Time) {
		if over.IsZero() && !now.Before(start.Add(storm)) {
			stormCalls = e.zoom.APICalls()
			over = now
			e.zoom.ClearFailures()
		}
		if over.IsZero() {
			stormAttempts++
		}
		if words == "" && stormAttempts == meetings+1 { // every job has met the storm once
			words, _ = setup.ZoomStatus(e.cl.zc, []string{zoom.APIMeetings, zoom.APIPastMeetings, zoom.APIRecordings}, meetings).Words(time.UTC)
		}
	})

	// Health said what was happening, with Zoom's own next-try time.
	m := regexp.MustCompile(`^Zoom is rate-limiting sfzoom; next try at (\d\d:\d\d:\d\d) UTC\. 5 meetings waiting; nothing is lost\.$`).FindStringSubmatch(words)
	if m == nil {
		t.Fatalf("Health during the storm = %q, want \"Zoom is rate-limiting sfzoom; next try at HH:MM:SS UTC. 5 meetings waiting; nothing is lost.\"", words)
	}
	// Every retry waited Zoom's Retry-After (sent as a whole-second
	// timestamp, read a moment later: 18–20 s) and the snoozes cost no
	// attempts.
	const slack = 2 * time.Second
	for _, j := range js {
		for i := 1; i < len(j.starts); i++ {
			if gap := j.starts[i].Sub(j.ends[i-1]); gap < retryAfter-slack || gap > retryAfter {
				t.Errorf("meeting %s: attempt %d came %v after the 429, want Zoom's Retry-After (%v)", j.args.MeetingUUID, i+1, gap, retryAfter)
			}
		}
		if j.row.Attempt != 1 {
			t.Errorf("meeting %s used %d River attempts, want 1: a rate limit snoozes", j.args.MeetingUUID, j.row.Attempt)
		}
	}
	// No hot loop: one Zoom request per job run during the storm, and
	// about storm/Retry-After runs per meeting.
	if stormCalls != stormAttempts {
		t.Errorf("%d Zoom requests for %d job runs during the storm, want one each", stormCalls, stormAttempts)
	}
	if limit := meetings * (int(storm/(retryAfter-slack)) + 1); stormAttempts > limit {
		t.Errorf("%d job runs during a %v storm, want at most %d", stormAttempts, storm, limit)
	}
	for _, api := range []string{zoom.APIMeetings, zoom.APIPastMeetings, zoom.APIRecordings} {
		if st := e.cl.zc.BreakerState(api); st != "closed" {
			t.Errorf("breaker %s = %q after a 429 storm, want closed: 429s are not failures", api, st)
		}
	}
	if n := len(e.events(t)); n != meetings {
		t.Errorf("%d Events after the storm, want %d (one per meeting)", n, meetings)
	}
	t.Logf("storm %v: %d job runs and %d Zoom requests during it; every meeting logged within %v after it; Health said %q",
		storm, stormAttempts, stormCalls, lastLogged(js, over), words)
}

// lastLogged is how long after since the last of js was logged.
func lastLogged(js []*simJob, since time.Time) time.Duration {
	var last time.Duration
	for _, j := range js {
		last = max(last, j.loggedAt.Sub(since))
	}
	return last
}

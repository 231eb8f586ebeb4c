package web_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sfzoom/sfzoom/internal/appsession"
	"github.com/sfzoom/sfzoom/internal/jobs"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store"
)

// fakeRouting keeps claims and the unrouted queue in memory, resolving a
// queued meeting the way the store does: its candidates decide, a claim of
// the account picks one of them (storetest's Routing cases prove the SQL).
type fakeRouting struct {
	mu     sync.Mutex
	claims map[string]string // Zoom account → org
	queue  []*sfzoom.UnroutedMeeting
	jobs   []store.Job
}

func (f *fakeRouting) FindOrgForZoom(_ context.Context, id int64, host, account string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, m := range f.queue {
		if m.ZoomMeetingID != id {
			continue
		}
		switch {
		case len(m.Candidates) == 1:
			return m.Candidates[0], nil
		case len(m.Candidates) == 0:
			return "", sfzoom.Errorf(sfzoom.ENOTFOUND, "no org")
		case slices.Contains(m.Candidates, f.claims[account]):
			return f.claims[account], nil
		}
		return "", &store.AmbiguousOrgError{Orgs: m.Candidates, AccountID: account}
	}
	return "", sfzoom.Errorf(sfzoom.ENOTFOUND, "no org")
}

func (f *fakeRouting) SetZoomAccountOrg(_ context.Context, account, org string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if owner, ok := f.claims[account]; ok && owner != org {
		return sfzoom.Errorf(sfzoom.ECONFLICT, "Zoom account %s is already claimed by another org.", account)
	}
	f.claims[account] = org
	return nil
}

func (f *fakeRouting) ReleaseZoomAccountOrg(_ context.Context, account, org string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.claims[account] != org {
		return sfzoom.Errorf(sfzoom.ENOTFOUND, "no claim")
	}
	delete(f.claims, account)
	return nil
}

func (f *fakeRouting) FindZoomAccountOrg(_ context.Context, account string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if org, ok := f.claims[account]; ok {
		return org, nil
	}
	return "", sfzoom.Errorf(sfzoom.ENOTFOUND, "unclaimed")
}

func (f *fakeRouting) FindUnroutedMeetings(_ context.Context, org string, limit int) ([]*sfzoom.UnroutedMeeting, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*sfzoom.UnroutedMeeting
	for _, m := range f.queue {
		if slices.Contains(m.Candidates, org) || len(m.Candidates) == 0 && f.claims[m.ZoomAccountID] == org {
			c := *m
			out = append(out, &c)
		}
	}
	return out, nil
}

func (f *fakeRouting) RouteUnroutedMeeting(_ context.Context, uuid string, js ...store.Job) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, m := range f.queue {
		if m.MeetingUUID == uuid {
			f.queue = slices.Delete(f.queue, i, i+1)
			f.jobs = append(f.jobs, js...)
			return nil
		}
	}
	return sfzoom.Errorf(sfzoom.ENOTFOUND, "not queued")
}

// TestSettings_ZoomRouting: a production org and its sandbox share a Zoom
// account; the meeting waits on the Connections tab of both with the fix in
// words; routing it before a claim is refused with that fix; another org
// sees nothing; claiming the account routes the waiting meeting to the
// claiming org as a post-meeting job of that org, once.
func TestSettings_ZoomRouting(t *testing.T) {
	const sandbox, other = "00D000000000002AAA", "00D000000000003AAA"
	h := newAppHarness(t)
	tok, csrf := h.session(t, tAdmin, true)
	received := time.Date(2026, 3, 2, 15, 31, 0, 0, time.UTC)
	queued := &sfzoom.UnroutedMeeting{MeetingUUID: "uuid+1==", ZoomMeetingID: 85746065432, HostZoomUserID: "zHost", ZoomAccountID: "acctShared",
		Candidates: []string{tOrg, sandbox}, Trigger: "meeting.ended", WebhookEventID: 41, StartedAt: received.Add(-31 * time.Minute),
		EndedAt: received.Add(-time.Minute), ReceivedAt: received}
	h.route.queue = []*sfzoom.UnroutedMeeting{queued, {MeetingUUID: "uuid-other", ZoomMeetingID: 1, Candidates: []string{other, sandbox}, ReceivedAt: received}}

	rec, doc := h.do(t, http.MethodGet, "/app/settings?tab=connections", nil, tok, csrf, false)
	if rec.Code != http.StatusOK {
		t.Fatalf("connections = %d\n%s", rec.Code, rec.Body)
	}
	if got := doc.Find(`[data-testid="routing-explain"]`).Text(); !strings.Contains(got, "production org and its sandbox") || !strings.Contains(got, "only while it is the only org using it") {
		t.Errorf("explanation = %q", got)
	}
	rows := doc.Find(`[data-testid="unrouted-meeting"]`)
	if rows.Length() != 1 {
		t.Fatalf("listed %d unrouted meetings, want this org's one (not another org's)", rows.Length())
	}
	if got, want := strings.TrimSpace(rows.Find(`[data-testid="unrouted-fix"]`).Text()), queued.Fix(); got != want || !strings.Contains(got, "claims the Zoom account in Settings → Connections") {
		t.Errorf("fix = %q, want %q", got, want)
	}
	if v, _ := doc.Find(`input[name="zoom_account_id"]`).Attr("value"); v != "acctShared" {
		t.Errorf("claim form offers account %q, want the waiting meeting's acctShared", v)
	}
	routeURL, _ := rows.Find(`[data-testid="route-meeting"]`).Attr("hx-post")

	// Before a claim, routing says what to do instead of guessing.
	rec, doc = h.do(t, http.MethodPost, routeURL, url.Values{}, tok, csrf, true)
	if rec.Code != http.StatusConflict || !strings.Contains(doc.Find(`[data-testid="alert"] h2`).Text(), "Not routed yet: "+queued.Fix()) {
		t.Fatalf("route before claim = %d %q", rec.Code, doc.Find(`[data-testid="alert"] h2`).Text())
	}
	// Another org's queued meeting cannot be routed from here.
	rec, _ = h.do(t, http.MethodPost, "/app/settings/routing/route?uuid=uuid-other", url.Values{}, tok, csrf, true)
	if rec.Code != http.StatusNotFound {
		t.Fatalf("route another org's meeting = %d, want 404", rec.Code)
	}
	// A bad account ID is a 400 saying what to enter.
	rec, doc = h.do(t, http.MethodPost, "/app/settings/routing/claim", url.Values{"zoom_account_id": {"ops@acme.com"}}, tok, csrf, true)
	if rec.Code != http.StatusBadRequest || !strings.Contains(doc.Find(`[data-testid="alert"] h2`).Text(), "Enter the Zoom account ID") {
		t.Fatalf("bad claim = %d %q", rec.Code, doc.Find(`[data-testid="alert"] h2`).Text())
	}
	if len(h.route.jobs) != 0 || len(h.route.claims) != 0 {
		t.Fatalf("refused actions changed state: jobs %v claims %v", h.route.jobs, h.route.claims)
	}

	// The claim routes the waiting meeting here, as this org's job.
	rec, doc = h.do(t, http.MethodPost, "/app/settings/routing/claim", url.Values{"zoom_account_id": {" acctShared "}}, tok, csrf, true)
	if rec.Code != http.StatusOK {
		t.Fatalf("claim = %d\n%s", rec.Code, rec.Body)
	}
	if got := doc.Find(`[data-testid="alert"] h2`).Text(); !strings.Contains(got, "1 waiting meeting was routed here.") {
		t.Errorf("claim message = %q", got)
	}
	if h.route.claims["acctShared"] != tOrg {
		t.Fatalf("claims = %v", h.route.claims)
	}
	if got := doc.Find(`[data-testid="routing-owner"]`).Text(); !strings.Contains(got, "claimed by this org") {
		t.Errorf("owner line = %q", got)
	}
	releaseURL, ok := doc.Find(`[data-testid="routing-release"]`).Attr("hx-post")
	if !ok {
		t.Fatalf("no Release button next to this org's claim")
	}
	if len(h.route.jobs) != 1 {
		t.Fatalf("jobs = %d, want 1", len(h.route.jobs))
	}
	want := jobs.LogMeetingArgs{OrgID: tOrg, ZoomMeetingID: 85746065432, MeetingUUID: "uuid+1==", Trigger: "meeting.ended", WebhookEventID: 41,
		StartedAt: queued.StartedAt, EndedAt: queued.EndedAt}
	if diff := cmp.Diff(want, h.route.jobs[0].Args); diff != "" {
		t.Errorf("routed job (-want +got):\n%s", diff)
	}
	// It is gone from the queue; a second route finds nothing to route.
	rec, _ = h.do(t, http.MethodPost, routeURL, url.Values{}, tok, csrf, true)
	if rec.Code != http.StatusNotFound || len(h.route.jobs) != 1 {
		t.Fatalf("second route = %d with %d jobs, want 404 and still 1", rec.Code, len(h.route.jobs))
	}

	// Another org (the sandbox) cannot take the claim over: 409 with the fix,
	// and the claim stays.
	sbSession := appsession.Session{OrgID: sandbox, UserID: "005000000000009AAA", Name: "Sam", IsAdmin: true, ExpiresAt: time.Now().Add(time.Hour)}
	sbTok, sbS, err := h.codec.Encode(sbSession)
	if err != nil {
		t.Fatal(err)
	}
	sbCSRF := h.codec.CSRFToken(sbS)
	rec, doc = h.do(t, http.MethodPost, "/app/settings/routing/claim", url.Values{"zoom_account_id": {"acctShared"}}, sbTok, sbCSRF, true)
	if rec.Code != http.StatusConflict || !strings.Contains(doc.Find(`[data-testid="alert"] h2`).Text(), "already claimed by another org") {
		t.Fatalf("sandbox take-over = %d %q, want 409", rec.Code, doc.Find(`[data-testid="alert"] h2`).Text())
	}
	if h.route.claims["acctShared"] != tOrg {
		t.Fatalf("claims after a refused take-over = %v", h.route.claims)
	}
	// This org's admin releases it with the Release button shown next to
	// the claim; then it is free.
	rec, doc = h.do(t, http.MethodPost, releaseURL, url.Values{}, tok, csrf, true)
	if rec.Code != http.StatusOK || !strings.Contains(doc.Find(`[data-testid="alert"] h2`).Text(), "no longer claims Zoom account acctShared") {
		t.Fatalf("release = %d %q", rec.Code, doc.Find(`[data-testid="alert"] h2`).Text())
	}
	if _, claimed := h.route.claims["acctShared"]; claimed {
		t.Fatalf("claims after release = %v", h.route.claims)
	}
	// Releasing again: nothing of this org's to release.
	rec, _ = h.do(t, http.MethodPost, releaseURL, url.Values{}, tok, csrf, true)
	if rec.Code != http.StatusNotFound {
		t.Fatalf("second release = %d, want 404", rec.Code)
	}
}

// TestSettings_RouteButton: a meeting the claim did not route (queued after
// it) is routed with its button; a rep cannot claim.
func TestSettings_RouteButton(t *testing.T) {
	const sandbox = "00D000000000002AAA"
	h := newAppHarness(t)
	h.route.claims["acctShared"] = tOrg
	h.route.queue = []*sfzoom.UnroutedMeeting{{MeetingUUID: "uuid-2", ZoomMeetingID: 2, ZoomAccountID: "acctShared", Candidates: []string{tOrg, sandbox},
		Trigger: "recording.completed", ReceivedAt: time.Now()}}
	repTok, repCSRF := h.session(t, tRep, false)
	rec, _ := h.do(t, http.MethodPost, "/app/settings/routing/claim", url.Values{"zoom_account_id": {"acctShared"}}, repTok, repCSRF, true)
	if rec.Code != http.StatusForbidden {
		t.Fatalf("rep claim = %d, want 403", rec.Code)
	}
	tok, csrf := h.session(t, tAdmin, true)
	rec, doc := h.do(t, http.MethodPost, "/app/settings/routing/route?uuid=uuid-2", url.Values{}, tok, csrf, true)
	if rec.Code != http.StatusOK || doc.Find(`[data-testid="alert"] h2`).Text() != "Zoom meeting 2 is routed to this org and will be logged shortly." {
		t.Fatalf("route = %d %q", rec.Code, doc.Find(`[data-testid="alert"] h2`).Text())
	}
	if len(h.route.jobs) != 1 || h.route.jobs[0].Args.(jobs.LogMeetingArgs).OrgID != tOrg {
		t.Fatalf("jobs = %+v", h.route.jobs)
	}
	if doc.Find(`[data-testid="unrouted-meeting"]`).Length() != 0 {
		t.Error("the routed meeting is still listed")
	}
}

// Package activity is the post-meeting pipeline: it turns a Zoom meeting
// occurrence (participants, cloud recording, AI summary) into Salesforce
// activity — one Event upserted by Zoom_Meeting_ID__c, Opportunity roll-ups
// and follow-up Tasks in one composite write, or a Zoom_Meeting_Event__e
// platform event — and keeps attendance, recording file ids, summaries, the
// match cache and the review queue in the store.
//
// Every step is idempotent, so a job may run any number of times (webhook
// retries, recording and summary arriving later, a crash between the Zoom
// fetch and the Salesforce write): the same Event is updated in place, Tasks
// have their own external ids, and the Opportunity roll-ups are recomputed
// from its logged Events under a per-Opportunity lease (never incremented),
// so re-runs, concurrent meetings and late, older meetings cannot skew them.
//
// The package reaches Zoom, Salesforce and the store only through the small
// interfaces declared here.
package activity

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/sfzoom/sfzoom/internal/salesforce"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store"
	"github.com/sfzoom/sfzoom/internal/zoom"
)

// ZoomAPI is what the pipeline reads from Zoom.
type ZoomAPI interface {
	PastMeetingParticipants(ctx context.Context, idOrUUID string) ([]*zoom.Participant, error)
	Recordings(ctx context.Context, idOrUUID string, opts *zoom.RecordingsOptions) (*zoom.Recording, error)
	MeetingSummary(ctx context.Context, uuid string) (*zoom.MeetingSummary, error)
}

// MeetingLister lists a Zoom user's meetings and each meeting's ended
// instances (reconciliation).
type MeetingLister interface {
	ListMeetingsPage(ctx context.Context, userID string, opts *zoom.ListMeetingsOptions, pageToken string) (*zoom.MeetingPage, error)
	PastMeetingInstances(ctx context.Context, meetingID string) ([]*zoom.PastInstance, error)
}

// SalesforceAPI is what the pipeline calls in Salesforce.
type SalesforceAPI interface {
	Composite(ctx context.Context, allOrNone bool, steps []salesforce.Subrequest) ([]salesforce.SubResponse, error)
	PublishEvent(ctx context.Context, event salesforce.Object, fields salesforce.Fields) (salesforce.PublishResult, error)
	Query(ctx context.Context, q salesforce.Query) ([]salesforce.Record, error)
	RecordAccess(ctx context.Context, userID string, recordIDs []string) (map[string]bool, error)
}

// Clients hands out per-org clients (internal/integrations in production).
type Clients interface {
	// Zoom returns the client acting for the host sfUserID of orgID ("" when
	// the host is unknown: the account-wide client).
	Zoom(ctx context.Context, orgID, sfUserID string) (ZoomAPI, error)
	// Salesforce returns the org's integration client; EUNAUTHORIZED when no
	// admin has connected Salesforce yet.
	Salesforce(ctx context.Context, orgID string) (SalesforceAPI, error)
}

// Store is the persistence the pipeline needs.
type Store interface {
	FindOrgByID(ctx context.Context, orgID string) (*sfzoom.Org, error)
	FindMeetings(ctx context.Context, f sfzoom.MeetingFilter) ([]*sfzoom.Meeting, int, error)
	UpdateMeeting(ctx context.Context, orgID string, id int64, upd sfzoom.MeetingUpdate, jobs ...store.Job) (*sfzoom.Meeting, error)
	FindUserMappings(ctx context.Context, f sfzoom.UserMappingFilter) ([]*sfzoom.UserMapping, int, error)
	FindWebhookEventByID(ctx context.Context, id int64) (*sfzoom.WebhookEvent, error)
	FindWebhookEventByDedupeKey(ctx context.Context, key string) (*sfzoom.WebhookEvent, error)
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	ReleaseLease(ctx context.Context, name, holder string) error
	store.Activity
}

// Options configure the pipeline.
type Options struct {
	Store   Store
	Clients Clients
	// PublicURL is sfzoom's base URL; recording links in Salesforce point at
	// sfzoom's own proxy under it (RecordingLink).
	PublicURL string
	// CacheTTL is how long an email → record match is trusted (default 7 days).
	CacheTTL time.Duration
	// ZoomPerUser is true when each rep connects their own Zoom (a refused
	// authorization then blocks on the host's connection), false with the
	// account-wide Server-to-Server app.
	ZoomPerUser bool
	// Holder names this process for the per-occurrence lease (default host/pid).
	Holder string
	// LeaseTTL is how long an occurrence's lease outlives its holder's last
	// heartbeat (DefaultLeaseTTL if 0).
	LeaseTTL time.Duration
	Logger   *slog.Logger
	Now      func() time.Time
	// AfterFetch, when set, runs after the Zoom fetch and before anything is
	// written to Salesforce. Tests use it to simulate a crash in between.
	AfterFetch func(ctx context.Context, orgID, meetingUUID string) error
}

// Pipeline logs meetings in Salesforce; its LogMeeting runs LogMeetingArgs
// jobs (jobs.NewWorker).
type Pipeline struct {
	opts Options
	log  *slog.Logger
	now  func() time.Time
	seq  atomic.Int64 // makes each run's lease holder unique
}

// New returns a pipeline.
func New(opts Options) *Pipeline {
	opts.Logger = sfzoom.LoggerOrDiscard(opts.Logger)
	opts.Now = sfzoom.NowOrTimeNow(opts.Now)
	if opts.LeaseTTL <= 0 {
		opts.LeaseTTL = DefaultLeaseTTL
	}
	if opts.CacheTTL <= 0 {
		opts.CacheTTL = 7 * 24 * time.Hour
	}
	if opts.Holder == "" {
		h, _ := os.Hostname()
		opts.Holder = fmt.Sprintf("%s/%d", h, os.Getpid())
	}
	return &Pipeline{opts: opts, log: opts.Logger, now: opts.Now}
}

// RecordingPath is the stable path of an occurrence's recording page in
// sfzoom ("/r/{org}/{uuid}", the UUID path-escaped, so "/" becomes %2F).
// The link in Salesforce points here; the recordings feature (issue 8)
// serves it after checking the viewer's access.
func RecordingPath(orgID, meetingUUID string) string {
	return "/r/" + url.PathEscape(orgID) + "/" + url.PathEscape(meetingUUID)
}

// RecordingLink is RecordingPath under the public URL.
func (p *Pipeline) RecordingLink(orgID, meetingUUID string) string {
	return strings.TrimSuffix(p.opts.PublicURL, "/") + RecordingPath(orgID, meetingUUID)
}

// retryLater is an error that asks River to snooze the job (jobs.Result
// honours RetryAfterDelay) without using up an attempt.
type retryLater struct {
	err   error
	delay time.Duration
}

func (e *retryLater) Error() string                  { return e.err.Error() }
func (e *retryLater) Unwrap() error                  { return e.err }
func (e *retryLater) RetryAfterDelay() time.Duration { return e.delay }

// classify turns vendor rate limits into snoozes that honour their delay.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var zr *zoom.RateLimitError
	if errors.As(err, &zr) {
		d := zr.RetryAfter
		if d <= 0 && !zr.Reset.IsZero() {
			d = time.Until(zr.Reset)
		}
		if d <= 0 {
			d = 30 * time.Second
		}
		return &retryLater{err: err, delay: d}
	}
	var sr *salesforce.RateLimitError
	if errors.As(err, &sr) {
		d := sr.RetryAfter
		if d <= 0 {
			d = time.Minute
		}
		return &retryLater{err: err, delay: d}
	}
	return err
}

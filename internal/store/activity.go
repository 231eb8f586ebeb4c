package store

import (
	"context"
	"strings"
	"time"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// Activity is the part of the store the post-meeting pipeline
// (internal/activity) writes and the record page, the admin review queue and
// the recordings proxy (issue 8) read. Rows are keyed by org and meeting
// occurrence (the Zoom meeting UUID); MeetingID is sfzoom's meeting id, 0
// when the meeting was not scheduled through sfzoom.
type Activity interface {
	// SaveAttendance upserts the participants of an occurrence by person
	// (lower-case email, else name), setting their IDs. A participant an
	// admin linked by hand keeps its match. EINVALID without org or UUID.
	SaveAttendance(ctx context.Context, orgID, meetingUUID string, meetingID int64, ps []*sfzoom.Participant) error
	// FindAttendance returns an occurrence's participants ordered by join time.
	FindAttendance(ctx context.Context, orgID, meetingUUID string) ([]*sfzoom.Attendee, error)
	// FindAttendanceByMeetings returns the participants of the org's
	// meetings with the given sfzoom meeting ids (every occurrence), ordered
	// by meeting id, then join time; none for no ids. EINVALID without org
	// or for more than 200 ids.
	FindAttendanceByMeetings(ctx context.Context, orgID string, meetingIDs []int64) ([]*sfzoom.Attendee, error)
	// FindUnmatched returns the org's unmatched participants (the review
	// queue), newest first, at most limit (all when limit ≤ 0).
	FindUnmatched(ctx context.Context, orgID string, limit int) ([]*sfzoom.Attendee, error)
	// LinkParticipant sets an unmatched participant's match by hand (kind
	// MatchContact or MatchLead) and, when the participant has an email,
	// caches email → record until cacheUntil, in one transaction. ENOTFOUND
	// for an unknown id or another org's participant; EINVALID for a bad
	// kind or record id.
	LinkParticipant(ctx context.Context, orgID string, participantID int64, kind, sfRecordID string, cacheUntil time.Time) (*sfzoom.Attendee, error)

	// SaveRecordingFiles upserts an occurrence's recording files by Zoom
	// file id (file type for entries without one). Only ids and metadata are
	// stored, never a download URL or token.
	SaveRecordingFiles(ctx context.Context, orgID, meetingUUID string, meetingID int64, files []*sfzoom.RecordingFile) error
	// FindRecordingFiles returns the matching files ordered by recording
	// start and id (EINVALID without OrgID).
	FindRecordingFiles(ctx context.Context, f sfzoom.RecordingFileFilter) ([]*sfzoom.RecordingFile, error)

	// SaveSummary creates or replaces the AI summary of an occurrence.
	SaveSummary(ctx context.Context, meetingUUID string, s *sfzoom.Summary) error
	// FindSummary returns an occurrence's summary (ENOTFOUND).
	FindSummary(ctx context.Context, orgID, meetingUUID string) (*sfzoom.Summary, error)

	// FindCachedMatches returns the unexpired cache entries (as of now) for
	// the given lower-case emails, keyed by email.
	FindCachedMatches(ctx context.Context, orgID string, emails []string, now time.Time) (map[string]*sfzoom.Match, error)
	// SaveCachedMatches creates or replaces cache entries.
	SaveCachedMatches(ctx context.Context, ms []*sfzoom.Match) error

	// SaveActivityLog creates or replaces the log of an occurrence.
	SaveActivityLog(ctx context.Context, l *sfzoom.ActivityLog) error
	// FindActivityLog returns the log of an occurrence (ENOTFOUND when it
	// was never written to Salesforce).
	FindActivityLog(ctx context.Context, orgID, meetingUUID string) (*sfzoom.ActivityLog, error)
	// FindActivityLogs returns the logged occurrences of a Zoom meeting,
	// newest first.
	FindActivityLogs(ctx context.Context, orgID string, zoomMeetingID int64) ([]*sfzoom.ActivityLog, error)
	// LatestActivityLog returns the log of the occurrence related to
	// relatedRecordID (RelatedRecordID, as written) that started last, the
	// larger MeetingUUID first on a tie (ENOTFOUND when none is logged).
	LatestActivityLog(ctx context.Context, orgID, relatedRecordID string) (*sfzoom.ActivityLog, error)

	// BlockMeeting parks an occurrence whose logging waits for a person to
	// fix a connection, keyed by (OrgID, MeetingUUID). Blocking it again
	// updates the connection, reason, fix and topic and counts the attempt;
	// the first blocked job's Args and BlockedAt are kept. EINVALID without
	// org, UUID, provider or fix.
	BlockMeeting(ctx context.Context, b *sfzoom.BlockedMeeting) error
	// FindBlockedMeetings returns the matching blocked occurrences, oldest
	// first, and their total count ignoring Limit.
	FindBlockedMeetings(ctx context.Context, f sfzoom.BlockedMeetingFilter) ([]*sfzoom.BlockedMeeting, int, error)
	// UnblockMeetings removes the org's occurrences blocked on the
	// connection (provider, subject) and, in the same transaction, inserts
	// the job that job returns for each, so none is lost between the two.
	// It returns how many it unblocked. EINVALID without org or provider.
	UnblockMeetings(ctx context.Context, orgID, provider, subject string, job func(b *sfzoom.BlockedMeeting) (Job, error)) (int, error)
	// DeleteBlockedMeeting forgets a blocked occurrence once it was logged;
	// no error when it was not blocked.
	DeleteBlockedMeeting(ctx context.Context, orgID, meetingUUID string) error

	// FindOrgForZoom returns the org a Zoom meeting belongs to, never a
	// guess: the org that scheduled zoomMeetingID, else the org whose user
	// is mapped to hostZoomUserID (either may be zero/empty). When several
	// orgs qualify (a production org and its sandbox sharing a Zoom
	// account), the org whose admin claimed zoomAccountID
	// (SetZoomAccountOrg) decides if it is one of them. ENOTFOUND when no
	// org qualifies; an *AmbiguousOrgError (ECONFLICT) naming the orgs when
	// several do and no claim decides.
	FindOrgForZoom(ctx context.Context, zoomMeetingID int64, hostZoomUserID, zoomAccountID string) (string, error)
	// SetZoomAccountOrg records that orgID's admin claimed Zoom account
	// zoomAccountID (EINVALID when either is empty). A claim is never taken
	// over: ECONFLICT while another org holds it, until that org's admin
	// releases it (ReleaseZoomAccountOrg). Otherwise a sandbox admin could
	// pull production's meetings into the sandbox.
	SetZoomAccountOrg(ctx context.Context, zoomAccountID, orgID string) error
	// ReleaseZoomAccountOrg gives up orgID's claim of zoomAccountID
	// (ENOTFOUND when orgID holds no such claim).
	ReleaseZoomAccountOrg(ctx context.Context, zoomAccountID, orgID string) error
	// FindZoomAccountOrg returns the org that claimed zoomAccountID
	// (ENOTFOUND).
	FindZoomAccountOrg(ctx context.Context, zoomAccountID string) (string, error)
	// CreateUnroutedWebhookEvent is CreateWebhookEvent that also queues u
	// (QueueUnroutedMeeting) in the same transaction, so a delivery that
	// maps to no single org is acknowledged only once it is in the queue.
	CreateUnroutedWebhookEvent(ctx context.Context, ev *sfzoom.WebhookEvent, u *sfzoom.UnroutedMeeting, jobs ...Job) error
	// QueueUnroutedMeeting stores m in the unrouted queue, replacing the
	// entry of the same occurrence but keeping its WebhookEventID when m has
	// none (EINVALID without MeetingUUID).
	QueueUnroutedMeeting(ctx context.Context, m *sfzoom.UnroutedMeeting) error
	// FindUnroutedMeetings returns, newest first, the unrouted meetings an
	// admin of orgID may see: those that name orgID as a candidate, and
	// those no org claims from a Zoom account orgID claimed; at most limit
	// (all when limit ≤ 0).
	FindUnroutedMeetings(ctx context.Context, orgID string, limit int) ([]*sfzoom.UnroutedMeeting, error)
	// RouteUnroutedMeeting removes an occurrence from the queue and, in the
	// same transaction, inserts jobs (ENOTFOUND when it is not queued, so a
	// second click routes nothing twice).
	RouteUnroutedMeeting(ctx context.Context, meetingUUID string, jobs ...Job) error
	// DeleteUnroutedMeeting forgets a queued occurrence once it was routed
	// by other means; no error when it was not queued.
	DeleteUnroutedMeeting(ctx context.Context, meetingUUID string) error
}

// AmbiguousOrgError is FindOrgForZoom's ECONFLICT: several orgs claim the
// meeting and no claim of the Zoom account decides between them.
type AmbiguousOrgError struct {
	Orgs      []string
	AccountID string
}

func (e *AmbiguousOrgError) Error() string {
	return "store: orgs " + strings.Join(e.Orgs, ", ") + " all claim the zoom meeting"
}

// Unwrap gives the error its code (ECONFLICT) and message.
func (e *AmbiguousOrgError) Unwrap() error {
	return sfzoom.Errorf(sfzoom.ECONFLICT, "Orgs %s all claim this Zoom meeting; an admin of one of them must claim Zoom account %q in Settings → Connections.", strings.Join(e.Orgs, ", "), e.AccountID)
}

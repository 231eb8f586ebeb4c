// Package store defines the persistence contract of sfzoom. It has two
// implementations, internal/store/sqlite (the embedded default) and
// internal/store/postgres (several replicas), and one conformance suite,
// internal/store/storetest, that both must pass. Both are thin dialects over
// internal/store/sqlstore, which holds the SQL they share.
//
// Every method that touches business data takes the Salesforce org id and
// never returns another org's rows. Methods that accept jobs insert them in
// the same database transaction as the rows they belong to, so a crash can
// never leave a row without its job or a job without its row.
//
// Errors are *sfzoom.Error values: ENOTFOUND when a row does not exist,
// ECONFLICT when a unique key already exists, EINVALID for input that fails
// validation, and EINTERNAL (wrapping the driver error) otherwise.
package store

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// Job is a River job inserted in the same transaction as the rows a store
// method writes.
type Job = river.InsertManyParams

// Store is the persistence contract.
type Store interface {
	MediaStore
	Scheduling
	Activity

	// Ping checks that the database answers. Readiness uses it.
	Ping(ctx context.Context) error
	// CheckWrite proves that a webhook delivery can be stored right now: it
	// inserts a probe delivery and deletes it again in one committed
	// transaction, so nothing remains, yet the pages a delivery touches are
	// read and written and the commit reaches the disk (or the database
	// server). EUNAVAILABLE when it cannot (a corrupted file, a full disk, a
	// read-only database). Readiness uses it.
	CheckWrite(ctx context.Context) error
	// CheckMigrations returns EUNAVAILABLE when an app migration embedded in
	// the binary has not been applied to the database.
	CheckMigrations(ctx context.Context) error
	// Close releases the database.
	Close() error

	// UpsertOrg creates the org or updates its name and instance URL; settings
	// of an existing org are kept, and so is its instance URL when
	// org.InstanceURL is empty (callers pass only a verified one). New orgs
	// get sfzoom.DefaultOrgSettings. An upsert that would change nothing
	// writes nothing (UpdatedAt stays); org is set to the stored org.
	UpsertOrg(ctx context.Context, org *sfzoom.Org) error
	// FindOrgByID returns ENOTFOUND for an unknown org.
	FindOrgByID(ctx context.Context, orgID string) (*sfzoom.Org, error)
	// UpdateOrgSettings validates and saves the org's settings (ENOTFOUND, EINVALID).
	UpdateOrgSettings(ctx context.Context, orgID string, s sfzoom.OrgSettings) error

	// CreateMeeting stores m (setting its ID and timestamps) and inserts jobs
	// in the same transaction. ECONFLICT if the org already has a meeting with
	// the same idempotency key or Zoom meeting id; then nothing is written.
	CreateMeeting(ctx context.Context, m *sfzoom.Meeting, jobs ...Job) error
	// FindMeetingByID returns ENOTFOUND for an unknown id or another org's meeting.
	FindMeetingByID(ctx context.Context, orgID string, id int64) (*sfzoom.Meeting, error)
	// FindMeetings returns the matching meetings ordered by start time
	// (ascending) and the total count ignoring Offset and Limit.
	FindMeetings(ctx context.Context, f sfzoom.MeetingFilter) ([]*sfzoom.Meeting, int, error)
	// UpdateMeeting applies upd and inserts jobs in the same transaction (ENOTFOUND).
	UpdateMeeting(ctx context.Context, orgID string, id int64, upd sfzoom.MeetingUpdate, jobs ...Job) (*sfzoom.Meeting, error)

	// CreateWebhookEvent stores a verified delivery and inserts jobs in the
	// same transaction. A delivery whose DedupeKey exists returns ECONFLICT and
	// inserts no job: callers acknowledge it as a duplicate.
	CreateWebhookEvent(ctx context.Context, ev *sfzoom.WebhookEvent, jobs ...Job) error
	// FindWebhookEventByID returns ENOTFOUND for an unknown id.
	FindWebhookEventByID(ctx context.Context, id int64) (*sfzoom.WebhookEvent, error)
	// FindWebhookEventByDedupeKey returns the delivery stored under its
	// DedupeKey (ENOTFOUND): a job reads its own delivery back by it.
	FindWebhookEventByDedupeKey(ctx context.Context, key string) (*sfzoom.WebhookEvent, error)
	// MarkWebhookEventProcessed records when the event was handled (ENOTFOUND).
	MarkWebhookEventProcessed(ctx context.Context, id int64, at time.Time) error
	// LastWebhookEvent returns orgID's most recently received event
	// (ENOTFOUND if none); another org's events never count.
	LastWebhookEvent(ctx context.Context, orgID string) (*sfzoom.WebhookEvent, error)
	// LastOrgWebhookEvent returns orgID's most recently received event of
	// eventType ("" for any type), ENOTFOUND if none. orgID "" means the
	// events tied to no org (such as Zoom's endpoint validation).
	LastOrgWebhookEvent(ctx context.Context, orgID, eventType string) (*sfzoom.WebhookEvent, error)
	// DeleteWebhookEventsBefore deletes every stored delivery received
	// before cutoff (the retention period) and returns how many it deleted.
	DeleteWebhookEventsBefore(ctx context.Context, cutoff time.Time) (int64, error)

	// UpsertUserMapping creates or replaces the mapping of (OrgID, SFUserID).
	UpsertUserMapping(ctx context.Context, m *sfzoom.UserMapping) error
	// FindUserMapping returns ENOTFOUND when the user has no mapping.
	FindUserMapping(ctx context.Context, orgID, sfUserID string) (*sfzoom.UserMapping, error)
	// FindUserMappings returns the matching mappings ordered by SFName, and the total.
	FindUserMappings(ctx context.Context, f sfzoom.UserMappingFilter) ([]*sfzoom.UserMapping, int, error)

	// CreateConnection stores c (ECONFLICT if (OrgID, Provider, Subject) exists).
	CreateConnection(ctx context.Context, c *sfzoom.Connection) error
	// FindConnection returns the connection for (orgID, provider, subject) (ENOTFOUND).
	FindConnection(ctx context.Context, orgID, provider, subject string) (*sfzoom.Connection, error)
	// FindConnectionByID returns ENOTFOUND for an unknown id.
	FindConnectionByID(ctx context.Context, id int64) (*sfzoom.Connection, error)
	// FindConnections lists an org's connections ("" lists every org's).
	FindConnections(ctx context.Context, orgID string) ([]*sfzoom.Connection, error)
	// UpdateConnectionStatus sets status and detail (ENOTFOUND).
	UpdateConnectionStatus(ctx context.Context, id int64, status, detail string) error
	// DeleteConnection removes the connection and its token (ENOTFOUND).
	DeleteConnection(ctx context.Context, id int64) error

	// LoadToken returns the encrypted token of a connection (ENOTFOUND).
	LoadToken(ctx context.Context, connectionID int64) (*sfzoom.TokenRecord, error)
	// SaveToken writes rec if the stored version still equals expectVersion
	// (0 for "no token yet") and sets rec.Version to the new version. If
	// another writer got there first it returns ECONFLICT and writes nothing.
	SaveToken(ctx context.Context, rec *sfzoom.TokenRecord, expectVersion int64) error
	// ListTokens returns every stored token (for key rotation).
	ListTokens(ctx context.Context) ([]*sfzoom.TokenRecord, error)
	// AppendTokenAudit records an access to a token.
	AppendTokenAudit(ctx context.Context, a *sfzoom.TokenAudit) error
	// FindTokenAudit returns a connection's audit trail, newest first.
	FindTokenAudit(ctx context.Context, connectionID int64, limit int) ([]*sfzoom.TokenAudit, error)

	// AcquireLease takes the named lease for holder until now+ttl. It returns
	// true if holder now owns it (it was free, expired, or already holder's),
	// false if someone else holds it. Replicas use it to elect one refresher.
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	// ReleaseLease gives the lease up if holder owns it.
	ReleaseLease(ctx context.Context, name, holder string) error
}

package store

import (
	"context"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// Scheduling is the durable idempotency of the Schedule Zoom form: a
// submission is recorded before Zoom is called, so duplicates of it (double
// clicks, resubmits, retries, other replicas) find it instead of creating a
// second meeting.
type Scheduling interface {
	// ClaimScheduleRequest inserts r (OrgID, IdempotencyKey, SFUserID) as
	// pending and returns true, or takes over a failed request with the same
	// key and returns true. When the key is pending or done, it returns
	// false. Either way r is overwritten with the stored request. EINVALID
	// without an org or key.
	ClaimScheduleRequest(ctx context.Context, r *sfzoom.ScheduleRequest) (bool, error)
	// FindScheduleRequest returns ENOTFOUND for an unknown key.
	FindScheduleRequest(ctx context.Context, orgID, key string) (*sfzoom.ScheduleRequest, error)
	// FinishScheduleRequest sets the request's status to done (with the
	// meeting id) or failed (with a detail safe to show). ENOTFOUND for an
	// unknown key, EINVALID for any other status.
	FinishScheduleRequest(ctx context.Context, orgID, key, status string, meetingID int64, detail string) error
}

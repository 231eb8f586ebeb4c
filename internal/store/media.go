package store

import (
	"context"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// MediaStore is the audit log of the recordings media proxy (issue 8).
type MediaStore interface {
	// AppendMediaAudit records one access to a recording file and sets its ID
	// and At (when zero). EINVALID without an org or a result.
	AppendMediaAudit(ctx context.Context, a *sfzoom.MediaAudit) error
	// FindMediaAudit returns an org's matching entries, newest first, at most
	// f.Limit (0: all). EINVALID without an org.
	FindMediaAudit(ctx context.Context, f sfzoom.MediaAuditFilter) ([]*sfzoom.MediaAudit, error)
}

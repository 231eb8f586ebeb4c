package sfzoom

import "time"

// Media access results recorded in the audit log.
const (
	MediaServed      = "served"       // bytes were streamed (200 or 206)
	MediaPartial     = "partial"      // the stream broke off (client gone or upstream error)
	MediaDenied      = "denied"       // the user may not read the linked record
	MediaBadURL      = "bad_url"      // the signed URL was tampered with, expired or malformed
	MediaBadRange    = "bad_range"    // 416: the range cannot be satisfied
	MediaZoomRefused = "zoom_refused" // Zoom answered with an HTML page or refused the download
	MediaFailed      = "failed"       // any other failure (Zoom or Salesforce unavailable, …)
)

// MediaAudit is one access to a recording file through the media proxy: who,
// which file, how many bytes and what happened. Never a URL or a token.
type MediaAudit struct {
	ID         int64
	OrgID      string
	SFUserID   string
	MeetingID  int64  // sfzoom's meeting id
	ZoomFileID string // the recording file's id
	Range      string // the Range header as received ("" for a whole file)
	Status     int    // HTTP status sent to the client
	Bytes      int64  // body bytes sent
	Result     string // Media* constant
	Detail     string // why, safe to show an admin
	At         time.Time
}

// MediaAuditFilter selects audit entries. OrgID is required; nil fields do
// not filter. Entries come newest first.
type MediaAuditFilter struct {
	OrgID      string
	SFUserID   *string
	MeetingID  *int64
	ZoomFileID *string
	Limit      int
}

package sfzoom

import "time"

// How a Salesforce user was matched to a Zoom user.
const (
	MappingSourceOverride = "override" // User.Zoom_Email__c
	MappingSourceEmail    = "email"    // the Salesforce email is a Zoom user
	MappingSourceSCIM     = "scim"     // found through a SCIM2 search
)

// Mapping statuses shown on the admin Users page.
const (
	MappingMatched   = "matched"
	MappingUnmatched = "unmatched"
	MappingError     = "error"
)

// UserMapping links a Salesforce user to a Zoom user.
type UserMapping struct {
	OrgID      string
	SFUserID   string
	SFEmail    string
	SFName     string
	ZoomEmail  string // the override or the matched email
	ZoomUserID string
	Source     string
	Status     string
	Detail     string // last error or hint shown to admins
	VerifiedAt time.Time
	UpdatedAt  time.Time
}

// UserMappingFilter selects user mappings.
type UserMappingFilter struct {
	OrgID          string // required
	SFUserID       *string
	ZoomUserID     *string
	Status         *string
	VerifiedBefore *time.Time
	Offset, Limit  int
}

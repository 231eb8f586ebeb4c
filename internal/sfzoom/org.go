package sfzoom

import (
	"strings"
	"time"
)

// Activity modes: how the post-meeting pipeline writes to Salesforce.
const (
	ActivityModeDirect        = "direct"         // sfzoom writes Events, Tasks and roll-ups itself
	ActivityModePlatformEvent = "platform_event" // sfzoom publishes Zoom_Meeting_Event__e for Flows/Apex
)

// Org is a Salesforce organisation that uses sfzoom. Every business row in the
// store carries its ID, so one deployment can serve several orgs.
type Org struct {
	ID          string // 18-character Salesforce organisation id
	Name        string
	InstanceURL string
	Settings    OrgSettings
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// OrgSettings are the admin-editable settings of an org.
type OrgSettings struct {
	// InternalDomains are email domains of the org's own people; participants
	// from these domains are never matched to Contacts or Leads.
	InternalDomains []string `json:"internal_domains"`
	// ActivityMode is ActivityModeDirect or ActivityModePlatformEvent.
	ActivityMode string `json:"activity_mode"`
	// MeetingDefaults are the defaults of the Schedule Zoom form.
	MeetingDefaults MeetingSettings `json:"meeting_defaults"`
}

// MeetingSettings are the Zoom meeting options sfzoom exposes.
type MeetingSettings struct {
	WaitingRoom           bool `json:"waiting_room"`
	JoinBeforeHost        bool `json:"join_before_host"`
	MeetingAuthentication bool `json:"meeting_authentication"`
	AutoRecordingCloud    bool `json:"auto_recording_cloud"`
}

// DefaultOrgSettings returns the settings a new org starts with.
func DefaultOrgSettings() OrgSettings {
	return OrgSettings{
		ActivityMode:    ActivityModeDirect,
		MeetingDefaults: MeetingSettings{WaitingRoom: true},
	}
}

// Validate reports whether the settings are acceptable.
func (s OrgSettings) Validate() error {
	switch s.ActivityMode {
	case ActivityModeDirect, ActivityModePlatformEvent:
	default:
		return Errorf(EINVALID, "Activity mode must be %q or %q.", ActivityModeDirect, ActivityModePlatformEvent)
	}
	for _, d := range s.InternalDomains {
		if d == "" || strings.ContainsAny(d, " @/") || !strings.Contains(d, ".") {
			return Errorf(EINVALID, "%q is not an email domain; use a form like example.com.", d)
		}
	}
	return nil
}

// IsInternalEmail reports whether email belongs to one of the org's internal domains.
func (s OrgSettings) IsInternalEmail(email string) bool {
	_, domain, ok := strings.Cut(strings.ToLower(strings.TrimSpace(email)), "@")
	if !ok {
		return false
	}
	for _, d := range s.InternalDomains {
		if domain == strings.ToLower(d) {
			return true
		}
	}
	return false
}

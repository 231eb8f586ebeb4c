package sfzoom

import (
	"fmt"
	"strings"
	"time"
)

// UnroutedMeeting is a Zoom meeting occurrence sfzoom could not give to
// exactly one org: no org knows its meeting or host, or several do (a
// production org and its sandbox sharing one Zoom account) and no admin
// has claimed the Zoom account for one of them. It waits, stored, until an
// admin fixes the routing; it is never given to a guess.
type UnroutedMeeting struct {
	MeetingUUID    string
	ZoomMeetingID  int64
	HostZoomUserID string
	ZoomAccountID  string
	// Candidates are the orgs that claim the meeting (empty: none does).
	Candidates []string
	Trigger    string
	// WebhookEventID is the stored delivery (0 when not known).
	WebhookEventID int64
	// StartedAt and EndedAt are when the occurrence ran (meeting.ended).
	StartedAt  time.Time
	EndedAt    time.Time
	ReceivedAt time.Time
}

// Fix says in words what an admin does to route the meeting.
func (m *UnroutedMeeting) Fix() string {
	if len(m.Candidates) == 0 {
		return fmt.Sprintf("No org knows Zoom meeting %d or its host (Zoom user %s). In the org that owns the meeting, map the host's Salesforce user to Zoom in Settings → Users, then route the meeting.",
			m.ZoomMeetingID, m.HostZoomUserID)
	}
	return fmt.Sprintf("Zoom meeting %d could belong to orgs %s: they share Zoom account %s (for example a production org and its sandbox). An admin of the org that should log this account's meetings claims the Zoom account in Settings → Connections, then routes the meeting.",
		m.ZoomMeetingID, strings.Join(m.Candidates, " and "), m.ZoomAccountID)
}

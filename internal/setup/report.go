package setup

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river/rivertype"
	"golang.org/x/oauth2"

	"github.com/sfzoom/sfzoom/internal/integrations"
	"github.com/sfzoom/sfzoom/internal/jobs"
	"github.com/sfzoom/sfzoom/internal/salesforce"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/zoom"
)

// HealthReport is what the Health tab shows of an org (docs/reliability.md).
type HealthReport struct {
	// Blocked are the org's meetings waiting for a connection (the oldest
	// first, at most a page); BlockedTotal counts them all.
	Blocked         []BlockedMeeting
	BlockedTotal    int
	APIUsed, APIMax int64
	BudgetKnown     bool
	Connections     []HealthConnection
	QueueDepth      map[string]int
	FailedJobs      []FailedJob
	LastWebhook     time.Time // of this org
	LastWebhookType string
	// FieldsChecked is false when the fields could not be described (no
	// Salesforce connection): then nothing is claimed about them.
	FieldsChecked bool
	MissingFields []string // "Event.Zoom_Meeting_ID__c (Text)"
	DeployCommand string
	Problems      []string // what could not be checked, and why
}

// FailedJob is a job that failed and may be retried (Health page).
type FailedJob struct {
	ID       int64
	Kind     string
	Attempt  int
	Error    string
	At       time.Time
	RetryURL string // set by the page that shows it
}

// BlockedMeeting is a meeting whose logging waits for a person to fix a
// connection (Health page).
type BlockedMeeting struct {
	Topic     string
	BlockedAt time.Time
	Reason    string // what went wrong
	Fix       string // who must do what
	Attempts  int
}

// HealthConnection is one vendor connection of the org on the Health page.
type HealthConnection struct {
	TestID string
	Label  string // "Salesforce (integration user)"
	Status string // a connection status (active, reconnect_required, …) or "not_connected"
	// Token says whether the access token works and until when, in words.
	Token string
	// LastOK is the last successful call this sfzoom server made (zero:
	// none since it started).
	LastOK time.Time
	// Breaker says in words whether the vendor is answering, and when
	// sfzoom tries again if not; BreakerOK is false while it refuses.
	Breaker   string
	BreakerOK bool
}

// JobQueue is the org's view of the job queue (*backend.Backend).
type JobQueue interface {
	OrgQueueDepth(ctx context.Context, orgID string) (map[rivertype.JobState]int, error)
	OrgWaitingJobs(ctx context.Context, orgID, kind string) (int, error)
	FailedJobs(ctx context.Context, orgID string, limit int) ([]*rivertype.JobRow, error)
	RetryJob(ctx context.Context, orgID string, id int64) (*rivertype.JobRow, error)
}

// HealthStore is what Health reads from the store.
type HealthStore interface {
	FindBlockedMeetings(ctx context.Context, f sfzoom.BlockedMeetingFilter) ([]*sfzoom.BlockedMeeting, int, error)
	LastWebhookEvent(ctx context.Context, orgID string) (*sfzoom.WebhookEvent, error)
	FindConnection(ctx context.Context, orgID, provider, subject string) (*sfzoom.Connection, error)
	FindConnections(ctx context.Context, orgID string) ([]*sfzoom.Connection, error)
}

// HealthClients are the vendor clients and what is known of their calls
// (*integrations.Integrations).
type HealthClients interface {
	ZoomMode() string
	LastSuccess(vendor, orgID string) time.Time
	Salesforce(ctx context.Context, orgID string) (*salesforce.Client, error)
	SalesforceToken(ctx context.Context, orgID string) (*oauth2.Token, error)
	ZoomAccount(ctx context.Context) (*zoom.Client, error)
	ZoomAccountToken(ctx context.Context) (*oauth2.Token, error)
}

// Health gathers the Health tab of an org and retries its failed jobs.
type Health struct {
	Jobs    JobQueue
	Store   HealthStore
	Clients HealthClients
	Logger  *slog.Logger // nil discards
}

// Health gathers orgID's Health tab. What cannot be read is said in
// Problems; the report itself never fails.
func (h *Health) Health(ctx context.Context, orgID string) (HealthReport, error) {
	var v HealthReport
	v.DeployCommand = DeployCommand
	if depth, err := h.Jobs.OrgQueueDepth(ctx, orgID); err == nil {
		v.QueueDepth = map[string]int{}
		for s, n := range depth {
			v.QueueDepth[string(s)] = n
		}
	} else {
		v.Problems = append(v.Problems, "The job queue could not be read: "+sfzoom.ErrorMessage(err))
	}
	if bs, total, err := h.Store.FindBlockedMeetings(ctx, sfzoom.BlockedMeetingFilter{OrgID: orgID, Limit: 50}); err == nil {
		v.BlockedTotal = total
		for _, b := range bs {
			topic := b.Topic
			if topic == "" {
				topic = fmt.Sprintf("Zoom meeting %d", b.ZoomMeetingID)
			}
			v.Blocked = append(v.Blocked, BlockedMeeting{Topic: topic, BlockedAt: b.BlockedAt, Reason: b.Reason, Fix: b.Fix, Attempts: b.Attempts})
		}
	} else {
		v.Problems = append(v.Problems, "The meetings waiting for a connection could not be read: "+sfzoom.ErrorMessage(err))
	}
	if rows, err := h.Jobs.FailedJobs(ctx, orgID, 20); err == nil {
		for _, r := range rows {
			v.FailedJobs = append(v.FailedJobs, failedJob(r))
		}
	}
	// This org's deliveries only: another org's traffic is none of its
	// admins' business.
	if ev, err := h.Store.LastWebhookEvent(ctx, orgID); err == nil {
		v.LastWebhook, v.LastWebhookType = ev.ReceivedAt, ev.EventType
	}
	v.Connections = append(v.Connections, h.salesforce(ctx, orgID, &v), h.zoom(ctx, orgID))
	return v, nil
}

// salesforce is the org's integration connection: status, token, last
// successful call, breaker; and, while connected, a fresh describe.
func (h *Health) salesforce(ctx context.Context, orgID string, v *HealthReport) HealthConnection {
	in := h.Clients
	c := HealthConnection{TestID: "health-salesforce", Label: "Salesforce (integration user)", Status: "not_connected",
		LastOK: in.LastSuccess("salesforce", orgID)}
	conn, err := h.Store.FindConnection(ctx, orgID, sfzoom.ProviderSalesforce, "integration")
	switch {
	case sfzoom.ErrorCode(err) == sfzoom.ENOTFOUND:
		c.Token = "No token: an sfzoom admin must connect Salesforce (Connections tab). Meetings are not logged until then."
		return c
	case err != nil:
		v.Problems = append(v.Problems, "The Salesforce connection could not be read: "+sfzoom.ErrorMessage(err))
		return c
	}
	c.Status = conn.Status
	if conn.Status != sfzoom.ConnectionActive {
		c.Token = "Salesforce refused the stored sign-in; reconnect Salesforce on the Connections tab. Meetings wait until then."
		return c
	}
	tok, err := in.SalesforceToken(ctx, orgID)
	switch {
	case err != nil:
		c.Token = "The token could not be renewed: " + sfzoom.ErrorMessage(err)
	case tok.Expiry.IsZero():
		c.Token = "Token valid; Salesforce does not say for how long, so sfzoom renews it when Salesforce stops accepting it."
	default:
		c.Token = "Token valid until " + tok.Expiry.In(userLocation(ctx)).Format("2 Jan 15:04 MST") + "; renewed automatically."
	}
	sf, err := in.Salesforce(ctx, orgID)
	if err != nil {
		v.Problems = append(v.Problems, sfzoom.ErrorMessage(err))
		return c
	}
	// A fresh describe each time: never a result from before a disconnect.
	missing, err := sf.MissingFields(ctx, salesforce.WithPlatformEvent())
	if err != nil {
		v.Problems = append(v.Problems, "The Salesforce fields could not be checked: "+sfzoom.ErrorMessage(err))
	} else {
		v.FieldsChecked = true
		for _, f := range missing {
			v.MissingFields = append(v.MissingFields, fmt.Sprintf("%s.%s (%s)", f.Object, f.Field, f.Type))
		}
	}
	c.LastOK = in.LastSuccess("salesforce", orgID)
	b := sf.Budget()
	v.APIUsed, v.APIMax, v.BudgetKnown = b.Used, b.Max, b.Max > 0
	c.Breaker, c.BreakerOK = SalesforceStatus(sf, h.meetingsWaiting(ctx, orgID)).Words(userLocation(ctx))
	return c
}

// zoom is the Zoom side: the account-wide app (S2S) or the reps' own
// connections (user mode).
func (h *Health) zoom(ctx context.Context, orgID string) HealthConnection {
	in := h.Clients
	c := HealthConnection{TestID: "health-zoom", LastOK: in.LastSuccess("zoom", orgID)}
	if in.ZoomMode() == integrations.ZoomAuthUser {
		c.Label, c.Status = "Zoom (each rep's own account)", sfzoom.ConnectionActive
		conns, err := h.Store.FindConnections(ctx, orgID)
		if err != nil {
			c.Token = "The connections could not be read: " + sfzoom.ErrorMessage(err)
			return c
		}
		active, reconnect := ZoomUserCounts(conns)
		c.Token = fmt.Sprintf("%d reps connected, %d must reconnect (Connect Zoom on the sfzoom home page).", active, reconnect)
		if active == 0 {
			c.Status = "not_connected"
		}
		return c
	}
	c.Label, c.Status = "Zoom (Server-to-Server app, shared by every org on this server)", sfzoom.ConnectionActive
	tok, err := in.ZoomAccountToken(ctx)
	if err != nil {
		c.Status = sfzoom.ConnectionReconnect
		c.Token = "Zoom refused to issue a token: " + sfzoom.ErrorMessage(err) + " Check the SFZOOM_ZOOM_* credentials (Setup tab)."
		return c
	}
	c.Token = "Token valid until " + tok.Expiry.In(userLocation(ctx)).Format("2 Jan 15:04 MST") + "; renewed automatically."
	zc, err := in.ZoomAccount(ctx)
	if err != nil {
		return c
	}
	apis := []string{zoom.APIMeetings, zoom.APIPastMeetings, zoom.APIUsers, zoom.APISCIM, zoom.APIRecordings, zoom.APISummaries, zoom.APIDownloads}
	c.Breaker, c.BreakerOK = ZoomStatus(zc, apis, h.meetingsWaiting(ctx, orgID)).Words(userLocation(ctx))
	return c
}

// meetingsWaiting counts the org's meetings not logged yet (their
// log_meeting jobs are queued, scheduled or retrying); 0 if unknown.
func (h *Health) meetingsWaiting(ctx context.Context, orgID string) int {
	n, err := h.Jobs.OrgWaitingJobs(ctx, orgID, jobs.LogMeetingArgs{}.Kind())
	if err != nil && h.Logger != nil {
		h.Logger.WarnContext(ctx, "health: count waiting meetings", "err", err)
	}
	return n
}

// userLocation is the admin's time zone (from the request context's user).
func userLocation(ctx context.Context) *time.Location {
	if u := sfzoom.UserFromContext(ctx); u != nil && u.TimeZone != "" {
		if l, err := time.LoadLocation(u.TimeZone); err == nil {
			return l
		}
	}
	return time.UTC
}

func failedJob(r *rivertype.JobRow) FailedJob {
	row := FailedJob{ID: r.ID, Kind: r.Kind, Attempt: r.Attempt, At: r.CreatedAt}
	if n := len(r.Errors); n > 0 {
		row.Error, row.At = r.Errors[n-1].Error, r.Errors[n-1].At
	}
	if len(row.Error) > 300 {
		row.Error = row.Error[:300]
	}
	return row
}

// RetryJob retries orgID's failed job id; another org's job is ENOTFOUND.
func (h *Health) RetryJob(ctx context.Context, orgID string, id int64) error {
	_, err := h.Jobs.RetryJob(ctx, orgID, id)
	return err
}

package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/sfzoom/sfzoom/internal/activity"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store"
	"github.com/sfzoom/sfzoom/internal/zoom"
)

// ZoomWebhookPath is where Zoom delivers events.
const ZoomWebhookPath = "/webhooks/zoom"

// DefaultWebhookMaxBody bounds a delivery; Zoom's largest events (a
// recording with many files) are a few tens of kilobytes.
const DefaultWebhookMaxBody = 256 << 10

// webhookDeadline keeps the answer well inside Zoom's 3-second limit: past
// it the store call is abandoned and Zoom is told to retry (503).
const webhookDeadline = 2500 * time.Millisecond

// webhookStore is what the webhook needs from the store.
type webhookStore interface {
	CreateWebhookEvent(ctx context.Context, ev *sfzoom.WebhookEvent, jobs ...store.Job) error
	CreateUnroutedWebhookEvent(ctx context.Context, ev *sfzoom.WebhookEvent, u *sfzoom.UnroutedMeeting, jobs ...store.Job) error
	FindOrgForZoom(ctx context.Context, zoomMeetingID int64, hostZoomUserID, zoomAccountID string) (string, error)
}

// ZoomWebhook serves POST /webhooks/zoom: it bounds the body, verifies the
// signature on the raw bytes, answers Zoom's URL validation, recognises
// duplicate deliveries by meaning, and stores the event (redacted) together
// with the jobs its Policy plans in one transaction before answering 2xx. Register it with
// web.Options.Routes.
type ZoomWebhook struct {
	Secret []byte
	Store  webhookStore
	// MaxBody bounds the body (DefaultWebhookMaxBody when 0): larger → 413.
	MaxBody int64
	// Policy decides which jobs a delivery enqueues, and when
	// (internal/activity owns what a meeting event means).
	Policy activity.WebhookPolicy
	Now    func() time.Time
	Logger *slog.Logger
}

func (w *ZoomWebhook) handle(c echo.Context) error {
	now := sfzoom.NowOrTimeNow(w.Now)
	log := sfzoom.LoggerOrDiscard(w.Logger)
	req := c.Request()
	body, err := w.readBody(req)
	if err != nil {
		return err
	}
	t := now()
	if err := zoom.VerifyWebhook(w.Secret, req.Header.Get(zoom.HeaderTimestamp), req.Header.Get(zoom.HeaderSignature), body, t); err != nil {
		log.WarnContext(req.Context(), "zoom webhook rejected", "reason", "signature", "err", err.Error())
		return err
	}
	ev, err := zoom.ParseWebhook(body)
	if err != nil {
		return err
	}
	if ev.Event == zoom.EventURLValidation {
		w.recordValidation(req.Context(), log, body, t)
		return c.JSON(http.StatusOK, zoom.URLValidationResponse(w.Secret, ev.PlainToken))
	}
	if ev.EventTS > t.Add(zoom.MaxWebhookFutureSkew).UnixMilli() {
		return sfzoom.Errorf(sfzoom.EINVALID, "The event timestamp is in the future.")
	}
	payload, err := activity.RedactWebhookPayload(body)
	if err != nil {
		return sfzoom.WrapError(sfzoom.EINVALID, err, "The webhook payload is not valid JSON.")
	}
	status, err := w.store(req.Context(), log, ev, payload, t)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"status": status})
}

// readBody reads the request body up to MaxBody (DefaultWebhookMaxBody when
// unset); a larger body, announced or sent, is a 413.
func (w *ZoomWebhook) readBody(req *http.Request) ([]byte, error) {
	limit := w.MaxBody
	if limit <= 0 {
		limit = DefaultWebhookMaxBody
	}
	if req.ContentLength > limit {
		return nil, echo.NewHTTPError(http.StatusRequestEntityTooLarge, "The webhook body is too large.")
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, limit+1))
	if err != nil {
		return nil, echo.NewHTTPError(http.StatusBadRequest, "The webhook body could not be read.")
	}
	if int64(len(body)) > limit {
		return nil, echo.NewHTTPError(http.StatusRequestEntityTooLarge, "The webhook body is too large.")
	}
	return body, nil
}

// store routes a verified event to its org and stores it (payload, already
// redacted) with the jobs the Policy plans, in one transaction and within
// webhookDeadline. It returns the status Zoom is answered with: "ok", or
// "duplicate" for a delivery already stored. Our own failures are 503s.
func (w *ZoomWebhook) store(ctx context.Context, log *slog.Logger, ev *zoom.WebhookEvent, payload []byte, t time.Time) (string, error) {
	sctx, cancel := context.WithTimeout(ctx, webhookDeadline)
	defer cancel()
	// No org, or several without a claim of the Zoom account: never a
	// guess. The delivery is stored without an org and, in the same
	// transaction, queued for the admins who can route it.
	orgID, err := w.Store.FindOrgForZoom(sctx, ev.MeetingID, ev.HostID, ev.AccountID)
	if code := sfzoom.ErrorCode(err); err != nil && code != sfzoom.ENOTFOUND && code != sfzoom.ECONFLICT {
		return "", unavailable(err)
	}
	var candidates []string
	if amb, ok := errors.AsType[*store.AmbiguousOrgError](err); ok {
		candidates = amb.Orgs
	}
	stored := &sfzoom.WebhookEvent{OrgID: orgID, DedupeKey: ev.DedupeKey, EventType: ev.Event, MeetingUUID: ev.MeetingUUID,
		EventTS: ev.EventTS, Payload: payload, ReceivedAt: t}
	plan := w.Policy.Plan(ev, orgID, candidates, t)
	if plan.Unrouted != nil {
		err = w.Store.CreateUnroutedWebhookEvent(sctx, stored, plan.Unrouted, plan.Jobs...)
	} else {
		err = w.Store.CreateWebhookEvent(sctx, stored, plan.Jobs...)
	}
	switch {
	case sfzoom.ErrorCode(err) == sfzoom.ECONFLICT:
		return "duplicate", nil
	case err != nil:
		return "", unavailable(err)
	}
	log.InfoContext(ctx, "zoom webhook stored", "event", ev.Event, "org", orgID, "zoom_meeting_id", ev.MeetingID, "jobs", len(plan.Jobs),
		"unrouted", plan.Unrouted != nil)
	return "ok", nil
}

// recordValidation stores Zoom's endpoint validation (org "", no job) so
// the Setup checklist can show when Zoom last validated the endpoint. The
// answer to Zoom does not depend on it: a validation is never refused
// because the database is slow.
func (w *ZoomWebhook) recordValidation(ctx context.Context, log *slog.Logger, body []byte, t time.Time) {
	payload, err := activity.RedactWebhookPayload(body) // drops the plainToken
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, webhookDeadline/2)
	defer cancel()
	ev := &sfzoom.WebhookEvent{DedupeKey: zoom.EventURLValidation + ":" + strconv.FormatInt(t.UnixNano(), 10),
		EventType: zoom.EventURLValidation, Payload: payload, ReceivedAt: t}
	if err := w.Store.CreateWebhookEvent(ctx, ev); err != nil && sfzoom.ErrorCode(err) != sfzoom.ECONFLICT {
		log.WarnContext(ctx, "zoom endpoint validation not recorded", "err", err.Error())
	}
}

// unavailable turns our own failure into a 503, never a 4xx, so Zoom retries.
func unavailable(err error) error {
	if errors.Is(err, context.DeadlineExceeded) || sfzoom.ErrorCode(err) != sfzoom.EUNAVAILABLE {
		return sfzoom.WrapError(sfzoom.EUNAVAILABLE, fmt.Errorf("web: zoom webhook: %w", err), "sfzoom could not store the event; Zoom will retry.")
	}
	return fmt.Errorf("web: zoom webhook: %w", err)
}

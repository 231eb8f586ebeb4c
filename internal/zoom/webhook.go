package zoom

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// Webhook event names sfzoom handles.
const (
	EventURLValidation       = "endpoint.url_validation"
	EventMeetingStarted      = "meeting.started"
	EventMeetingEnded        = "meeting.ended"
	EventParticipantJoined   = "meeting.participant_joined"
	EventParticipantLeft     = "meeting.participant_left"
	EventRecordingCompleted  = "recording.completed"
	EventTranscriptCompleted = "recording.transcript_completed"
	EventSummaryCompleted    = "meeting.summary_completed"
)

// Webhook headers.
const (
	HeaderTimestamp = "X-Zm-Request-Timestamp"
	HeaderSignature = "X-Zm-Signature"
)

// MaxWebhookFutureSkew is how far in the future a webhook timestamp may be.
// Old timestamps are accepted on purpose: Zoom retries a delivery up to 85
// minutes after the first attempt and does not document whether retries are
// re-signed, so freshness is left to deduplication (docs/zoom-api.md §1.3).
const MaxWebhookFutureSkew = 5 * time.Minute

// ErrWebhookSignature is returned (and matched by errors.Is) when a webhook's
// signature or timestamp is missing or wrong. It maps to EUNAUTHORIZED.
var ErrWebhookSignature = &sfzoom.Error{Code: sfzoom.EUNAUTHORIZED, Message: "The webhook signature is not valid."}

// ErrWebhookPayload is returned (and matched by errors.Is) when a verified
// webhook body cannot be decoded. It maps to EINVALID.
var ErrWebhookPayload = &sfzoom.Error{Code: sfzoom.EINVALID, Message: "The webhook payload is not valid."}

// VerifyWebhook checks the x-zm-signature of a webhook over the raw body
// bytes: "v0=" + hex(HMAC-SHA256(secret, "v0:" + timestamp + ":" + body)),
// compared in constant time. A timestamp more than MaxWebhookFutureSkew
// ahead of now is rejected; past timestamps are not (see
// MaxWebhookFutureSkew). Verify before decoding the body.
//
// Zoom docs: https://developers.zoom.us/docs/api/webhooks/#verify-webhook-events
func VerifyWebhook(secret []byte, timestamp, signature string, body []byte, now time.Time) error {
	if len(secret) == 0 {
		return fmt.Errorf("zoom: verify webhook: no secret configured: %w", ErrWebhookSignature)
	}
	ts, err := strconv.ParseInt(strings.TrimSpace(timestamp), 10, 64)
	if err != nil {
		return fmt.Errorf("zoom: verify webhook: bad timestamp: %w", ErrWebhookSignature)
	}
	if time.Unix(ts, 0).After(now.Add(MaxWebhookFutureSkew)) {
		return fmt.Errorf("zoom: verify webhook: timestamp in the future: %w", ErrWebhookSignature)
	}
	want := SignWebhook(secret, timestamp, body)
	if !hmac.Equal([]byte(want), []byte(signature)) {
		return fmt.Errorf("zoom: verify webhook: signature mismatch: %w", ErrWebhookSignature)
	}
	return nil
}

// SignWebhook returns the x-zm-signature value for a body, as Zoom computes
// it. The zoomtest fake signs its deliveries with the same scheme.
//
// Zoom docs: https://developers.zoom.us/docs/api/webhooks/#verify-webhook-events
func SignWebhook(secret []byte, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("v0:" + timestamp + ":"))
	mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

// URLValidation is the answer to an endpoint.url_validation challenge.
type URLValidation struct {
	PlainToken     string `json:"plainToken"`
	EncryptedToken string `json:"encryptedToken"`
}

// URLValidationResponse answers Zoom's CRC challenge: encryptedToken is the
// lowercase hex HMAC-SHA256 of plainToken keyed with the secret token. The
// challenge request is signed like any other event; verify it first.
//
// Zoom docs: https://developers.zoom.us/docs/api/webhooks/#validate-your-webhook-endpoint
func URLValidationResponse(secret []byte, plainToken string) URLValidation {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(plainToken))
	return URLValidation{PlainToken: plainToken, EncryptedToken: hex.EncodeToString(mac.Sum(nil))}
}

// WebhookMeeting is payload.object of meeting.started, meeting.ended and
// meeting.participant_*. Its id is a string on the wire in these events.
type WebhookMeeting struct {
	ID          FlexInt64           `json:"id"`
	UUID        string              `json:"uuid"`
	HostID      string              `json:"host_id"`
	Topic       string              `json:"topic"`
	Type        FlexInt64           `json:"type"`
	StartTime   Time                `json:"start_time"`
	EndTime     Time                `json:"end_time"`
	Timezone    string              `json:"timezone"`
	Duration    int                 `json:"duration"` // scheduled minutes
	Participant *WebhookParticipant `json:"participant"`
}

// WebhookParticipant is object.participant of meeting.participant_*.
type WebhookParticipant struct {
	UserID            FlexString `json:"user_id"` // per-join number
	UserName          string     `json:"user_name"`
	ID                FlexString `json:"id"` // Zoom user id or ""
	ParticipantUUID   string     `json:"participant_uuid"`
	ParticipantUserID string     `json:"participant_user_id"`
	Email             string     `json:"email"`
	JoinTime          Time       `json:"join_time"`
	LeaveTime         Time       `json:"leave_time"`
	LeaveReason       string     `json:"leave_reason"`
	RegistrantID      string     `json:"registrant_id"`
	CustomerKey       string     `json:"customer_key"`
	PhoneNumber       string     `json:"phone_number"`
}

// WebhookEvent is a decoded Zoom webhook. Exactly one of Meeting,
// Recording and Summary is set for the events sfzoom handles; PlainToken is
// set for endpoint.url_validation.
type WebhookEvent struct {
	Event         string
	EventTS       int64 // milliseconds
	AccountID     string
	DownloadToken string // recording.* only, top level; secret, ~24 h
	PlainToken    string

	MeetingID   int64
	MeetingUUID string
	HostID      string

	Meeting     *WebhookMeeting
	Participant *WebhookParticipant
	Recording   *Recording
	Summary     *MeetingSummary

	// DedupeKey identifies the delivery by meaning (sfzoom.WebhookDedupeKey):
	// event, meeting UUID, a participant/file/summary discriminator and
	// event_ts; docs/zoom-api.md §1.4.
	DedupeKey string
}

type envelope struct {
	Event         string          `json:"event"`
	EventTS       FlexInt64       `json:"event_ts"`
	DownloadToken string          `json:"download_token"`
	Payload       json.RawMessage `json:"payload"`
}

type payload struct {
	AccountID  string          `json:"account_id"`
	PlainToken string          `json:"plainToken"`
	Object     json.RawMessage `json:"object"`
}

// ParseWebhook decodes a verified webhook body. It tolerates ids sent as
// strings or numbers and unknown fields; unknown event types decode their
// envelope and, when possible, the meeting id and UUID of the object.
//
// Zoom docs: https://developers.zoom.us/docs/api/meetings/events/ (meeting
// and recording events) and https://developers.zoom.us/docs/api/webhooks/
//
// Errors: EINVALID (errors.Is(err, ErrWebhookPayload)).
func ParseWebhook(body []byte) (*WebhookEvent, error) {
	ev, obj, err := parseEnvelope(body)
	if err != nil {
		return nil, err
	}
	disc, err := decodeObject(ev, obj)
	if err != nil {
		return nil, err
	}
	ev.DedupeKey = sfzoom.WebhookDedupeKey(ev.Event, ev.MeetingUUID, disc, ev.EventTS)
	return ev, nil
}

// parseEnvelope decodes what every event carries (its name, event_ts, the
// download token, the payload's account id and plainToken) and returns the
// raw payload.object, nil when it is absent or null.
func parseEnvelope(body []byte) (*WebhookEvent, json.RawMessage, error) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, nil, fmt.Errorf("zoom: parse webhook: %w", errors.Join(ErrWebhookPayload, err))
	}
	if env.Event == "" {
		return nil, nil, fmt.Errorf("zoom: parse webhook: no event name: %w", ErrWebhookPayload)
	}
	ev := &WebhookEvent{Event: env.Event, EventTS: int64(env.EventTS), DownloadToken: env.DownloadToken}
	var p payload
	if len(env.Payload) > 0 && string(env.Payload) != "null" {
		if err := json.Unmarshal(env.Payload, &p); err != nil {
			return nil, nil, fmt.Errorf("zoom: parse webhook %s: payload: %w", env.Event, errors.Join(ErrWebhookPayload, err))
		}
	}
	ev.AccountID, ev.PlainToken = p.AccountID, p.PlainToken
	if len(p.Object) == 0 || string(p.Object) == "null" {
		return ev, nil, nil
	}
	return ev, p.Object, nil
}

// decodeObject decodes obj (payload.object) as the kind of object ev's event
// carries (a recording, a summary, a meeting), fills in the meeting it is
// about, and returns the part of the dedupe key that tells this delivery's
// content apart (sfzoom.WebhookDedupeKey). An unknown event keeps only what
// identifies a meeting, if anything.
func decodeObject(ev *WebhookEvent, obj json.RawMessage) (disc string, _ error) {
	decode := func(v any) error {
		if obj == nil {
			return fmt.Errorf("zoom: parse webhook %s: no payload.object: %w", ev.Event, ErrWebhookPayload)
		}
		if err := json.Unmarshal(obj, v); err != nil {
			return fmt.Errorf("zoom: parse webhook %s: object: %w", ev.Event, errors.Join(ErrWebhookPayload, err))
		}
		return nil
	}
	switch {
	case ev.Event == EventURLValidation:
		if ev.PlainToken == "" {
			return "", fmt.Errorf("zoom: parse webhook: url validation without plainToken: %w", ErrWebhookPayload)
		}
		return ev.PlainToken, nil
	case strings.HasPrefix(ev.Event, "recording."):
		var r Recording
		if err := decode(&r); err != nil {
			return "", err
		}
		ev.Recording, ev.MeetingID, ev.MeetingUUID, ev.HostID = &r, int64(r.ID), r.UUID, r.HostID
		return recordingDiscriminator(&r), nil
	case strings.HasPrefix(ev.Event, "meeting.summary_"):
		var s MeetingSummary
		if err := decode(&s); err != nil {
			return "", err
		}
		ev.Summary, ev.MeetingID, ev.MeetingUUID, ev.HostID = &s, int64(s.MeetingID), s.MeetingUUID, s.MeetingHostID
		return s.SummaryLastModifiedTime.UTC().Format(time.RFC3339), nil
	case strings.HasPrefix(ev.Event, "meeting."):
		var m WebhookMeeting
		if err := decode(&m); err != nil {
			return "", err
		}
		ev.Meeting, ev.Participant = &m, m.Participant
		ev.MeetingID, ev.MeetingUUID, ev.HostID = int64(m.ID), m.UUID, m.HostID
		return participantDiscriminator(m.Participant), nil
	}
	// Unknown events: keep what identifies a meeting, if anything.
	var probe struct {
		ID          FlexInt64 `json:"id"`
		UUID        string    `json:"uuid"`
		MeetingUUID string    `json:"meeting_uuid"`
	}
	if obj != nil && json.Unmarshal(obj, &probe) == nil {
		ev.MeetingID, ev.MeetingUUID = int64(probe.ID), probe.UUID
		if ev.MeetingUUID == "" {
			ev.MeetingUUID = probe.MeetingUUID
		}
	}
	return "", nil
}

// participantDiscriminator tells a participant event's deliveries apart: who
// (the participant UUID, else the user id) and when (the leave time, else the
// join time). A meeting event without a participant has none.
func participantDiscriminator(pt *WebhookParticipant) string {
	if pt == nil {
		return ""
	}
	who := pt.ParticipantUUID
	if who == "" {
		who = string(pt.UserID)
	}
	at := pt.JoinTime
	if !pt.LeaveTime.IsZero() {
		at = pt.LeaveTime
	}
	return who + "@" + at.UTC().Format(time.RFC3339)
}

// recordingDiscriminator lists the sorted file ids, plus the file types of
// entries without an id (TIMELINE, CC), so that Zoom's duplicate deliveries,
// which differ only in download URLs and token, share a key.
func recordingDiscriminator(r *Recording) string {
	var parts []string
	for _, f := range slices.Concat(r.RecordingFiles, r.ParticipantAudioFiles) {
		if f.ID != "" {
			parts = append(parts, f.ID)
		} else {
			parts = append(parts, "type:"+f.FileType)
		}
	}
	slices.Sort(parts)
	return strings.Join(parts, ",")
}

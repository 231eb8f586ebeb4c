package zoomtest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// Delivery is one webhook delivery attempt.
type Delivery struct {
	Event     string
	Attempt   int // 1 for the first try
	Status    int // 0 on transport errors
	Err       string
	Timestamp string // x-zm-request-timestamp
	Body      []byte
}

// SetWebhook sets where events are delivered and the secret token they are
// signed with. An empty url turns delivery off (state still changes).
func (s *Server) SetWebhook(url string, secret []byte) {
	s.locked(func() { s.webhookURL, s.webhookSecret = url, append([]byte(nil), secret...) })
}

// SetWebhookRetries turns on Zoom's retry rule with these delays: a
// delivery answered ≥ 500, or failing in transport (including a timeout),
// is sent again after each delay in turn; 3xx and 4xx are never retried.
// The default is no retries. Retries resend the same bytes and headers.
func (s *Server) SetWebhookRetries(delays ...time.Duration) {
	s.locked(func() { s.retryDelays = append([]time.Duration(nil), delays...) })
}

// Deliveries returns every delivery attempt so far.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.deliveries...)
}

type outgoing struct {
	event string
	body  []byte
}

// envelopeLocked builds an event body; callers hold s.mu.
func (s *Server) envelopeLocked(event string, payload obj, extra obj) outgoing {
	env := obj{"event": event, "event_ts": s.now().UnixMilli(), "payload": payload}
	for k, v := range extra {
		env[k] = v
	}
	b, err := marshal(env)
	if err != nil {
		panic(err) // only literal maps of strings and numbers are encoded
	}
	return outgoing{event: event, body: b}
}

// meetingObjectLocked is payload.object of meeting.* events: the id is a
// STRING there (docs/zoom-api.md §2.1, §8).
func (s *Server) meetingObjectLocked(m *meeting, in *instance) obj {
	start := in.start
	if start.IsZero() {
		start = m.StartTime
	}
	return obj{
		"id": strconv.FormatInt(m.ID, 10), "uuid": in.uuid, "host_id": m.HostID, "topic": m.Topic, "type": m.Type,
		"start_time": zoomTime(start), "timezone": m.Timezone, "duration": m.Duration,
	}
}

// send delivers events in order, stopping at the first failure.
func (s *Server) send(ctx context.Context, evs ...outgoing) error {
	s.mu.Lock()
	target, secret, delays := s.webhookURL, s.webhookSecret, s.retryDelays
	s.mu.Unlock()
	if target == "" {
		return nil
	}
	for _, ev := range evs {
		if err := s.deliver(ctx, target, secret, delays, ev); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) deliver(ctx context.Context, target string, secret []byte, delays []time.Duration, ev outgoing) error {
	s.mu.Lock()
	ts := strconv.FormatInt(s.now().Unix(), 10)
	s.deliveryN++
	reqID := fmt.Sprintf("%08x_%04x_zoomtest_%012d", s.rng.Uint32(), s.rng.IntN(1<<16), s.deliveryN)
	s.mu.Unlock()
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("v0:" + ts + ":"))
	mac.Write(ev.body)
	sig := "v0=" + hex.EncodeToString(mac.Sum(nil))
	for attempt := 1; ; attempt++ {
		status, err := s.post(ctx, target, ts, sig, reqID, ev.body)
		d := Delivery{Event: ev.event, Attempt: attempt, Status: status, Timestamp: ts, Body: ev.body}
		if err != nil {
			d.Err = err.Error()
		}
		s.mu.Lock()
		s.deliveries = append(s.deliveries, d)
		s.mu.Unlock()
		if err == nil && status >= 200 && status < 300 {
			return nil
		}
		retryable := err != nil || status >= 500
		if !retryable || attempt > len(delays) {
			if err != nil {
				return fmt.Errorf("zoomtest: deliver %s: attempt %d: %w", ev.event, attempt, err)
			}
			return fmt.Errorf("zoomtest: deliver %s: attempt %d: status %d", ev.event, attempt, status)
		}
		t := time.NewTimer(delays[attempt-1])
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("zoomtest: deliver %s: %w", ev.event, ctx.Err())
		case <-t.C:
		}
	}
}

// newDelivery builds one signed delivery with Zoom's headers (docs/zoom-api.md
// §1.1).
func newDelivery(ctx context.Context, target, ts, sig, reqID string, body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("new request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "Zoom Marketplace/1.0a")
	req.Header.Set("x-zm-request-timestamp", ts)
	req.Header.Set("x-zm-signature", sig)
	req.Header.Set("x-zm-request-id", reqID)
	return req, nil
}

// post sends one delivery and returns the status.
func (s *Server) post(ctx context.Context, target, ts, sig, reqID string, body []byte) (int, error) {
	req, err := newDelivery(ctx, target, ts, sig, reqID, body)
	if err != nil {
		return 0, err
	}
	resp, err := s.webhookClient.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	return resp.StatusCode, nil
}

// ValidateWebhookURL sends a signed endpoint.url_validation challenge and
// checks the answer's encryptedToken (docs/zoom-api.md §1.5).
func (s *Server) ValidateWebhookURL(ctx context.Context) error {
	s.mu.Lock()
	target, secret := s.webhookURL, s.webhookSecret
	plain := s.randHex(11)
	ev := s.envelopeLocked("endpoint.url_validation", obj{"plainToken": plain}, nil)
	ts := strconv.FormatInt(s.now().Unix(), 10)
	s.mu.Unlock()
	if target == "" {
		return errors.New("zoomtest: validate webhook url: no webhook url set")
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("v0:" + ts + ":"))
	mac.Write(ev.body)
	req, err := newDelivery(ctx, target, ts, "v0="+hex.EncodeToString(mac.Sum(nil)), "zoomtest_validation_"+plain, ev.body)
	if err != nil {
		return fmt.Errorf("zoomtest: validate webhook url: %w", err)
	}
	resp, err := s.webhookClient.Do(req)
	if err != nil {
		return fmt.Errorf("zoomtest: validate webhook url: %w", err)
	}
	defer resp.Body.Close()
	var got struct {
		PlainToken     string `json:"plainToken"`
		EncryptedToken string `json:"encryptedToken"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&got); err != nil || resp.StatusCode/100 != 2 {
		return fmt.Errorf("zoomtest: validate webhook url: status %d, bad answer", resp.StatusCode)
	}
	want := hmac.New(sha256.New, secret)
	want.Write([]byte(plain))
	if got.PlainToken != plain || !hmac.Equal([]byte(got.EncryptedToken), []byte(hex.EncodeToString(want.Sum(nil)))) {
		return errors.New("zoomtest: validate webhook url: wrong encryptedToken")
	}
	return nil
}

// StartMeeting starts the meeting's current instance and sends
// meeting.started.
func (s *Server) StartMeeting(ctx context.Context, meetingID int64) error {
	s.mu.Lock()
	m := s.meetings[meetingID]
	if m == nil || m.deleted {
		s.mu.Unlock()
		return fmt.Errorf("zoomtest: start meeting %d: %w", meetingID, ErrUnknown)
	}
	in := s.instances[m.UUID]
	m.status, in.start = "started", s.now()
	ev := s.envelopeLocked("meeting.started", obj{"account_id": s.accountID, "object": s.meetingObjectLocked(m, in)}, nil)
	s.mu.Unlock()
	return s.send(ctx, ev)
}

// EndMeeting ends the meeting's current instance (starting it implicitly),
// sends meeting.ended and then, when seeded, recording.completed and
// meeting.summary_completed. With WithDemoContent an instance without
// participants gets invented ones. The meeting gets a fresh UUID for its next
// instance. It returns the ended instance's UUID.
func (s *Server) EndMeeting(ctx context.Context, meetingID int64) (string, error) {
	s.mu.Lock()
	m := s.meetings[meetingID]
	if m == nil || m.deleted {
		s.mu.Unlock()
		return "", fmt.Errorf("zoomtest: end meeting %d: %w", meetingID, ErrUnknown)
	}
	in := s.instances[m.UUID]
	now := s.now()
	if in.start.IsZero() {
		in.start = now.Add(-time.Duration(max(m.Duration, 1)) * time.Minute)
	}
	in.end, in.ended = now, true
	if s.demoContent && len(in.participants) == 0 {
		in.participants = s.demoParticipantsLocked(m, in)
	}
	for i := range in.participants {
		p := &in.participants[i]
		if p.JoinTime.IsZero() {
			p.JoinTime = in.start
		}
	}
	m.status = "waiting"
	m.instances = append(m.instances, in.uuid)
	next := s.newUUID()
	m.UUID = next
	s.instances[next] = &instance{uuid: next, meetingID: m.ID}

	obj1 := s.meetingObjectLocked(m, in)
	obj1["end_time"] = zoomTime(in.end)
	evs := []outgoing{s.envelopeLocked("meeting.ended", obj{"account_id": s.accountID, "object": obj1}, nil)}
	if len(in.files) > 0 {
		evs = append(evs, s.recordingEventLocked(in))
	}
	if in.summary != nil {
		evs = append(evs, s.summaryEventLocked(in))
	}
	s.mu.Unlock()
	return in.uuid, s.send(ctx, evs...)
}

// recordingEventLocked builds recording.completed: object.id is a NUMBER and
// download_token sits at the top level (docs/zoom-api.md §2.4).
func (s *Server) recordingEventLocked(in *instance) outgoing {
	tok := s.newToken()
	s.downloadTokens[tok] = s.now().Add(24 * time.Hour)
	o := s.recordingJSON(in, true)
	return s.envelopeLocked("recording.completed", obj{"account_id": s.accountID, "object": o}, obj{"download_token": tok})
}

func (s *Server) summaryEventLocked(in *instance) outgoing {
	return s.envelopeLocked("meeting.summary_completed", obj{"account_id": s.accountID, "object": s.summaryJSON(in)}, nil)
}

// CompleteRecording (re)sends recording.completed for an ended instance,
// as Zoom does, sometimes twice. With WithDemoContent an instance without
// files first gets a playable MP4 and a transcript.
func (s *Server) CompleteRecording(ctx context.Context, uuid string) error {
	s.mu.Lock()
	in := s.instances[uuid]
	if in != nil && in.ended && len(in.files) == 0 && s.demoContent {
		s.addDemoRecordingLocked(in)
	}
	if in == nil || !in.ended || len(in.files) == 0 {
		s.mu.Unlock()
		return fmt.Errorf("zoomtest: complete recording %q: %w", uuid, ErrUnknown)
	}
	ev := s.recordingEventLocked(in)
	s.mu.Unlock()
	return s.send(ctx, ev)
}

// CompleteSummary (re)sends meeting.summary_completed for an ended instance.
// With WithDemoContent an instance without a summary first gets one.
func (s *Server) CompleteSummary(ctx context.Context, uuid string) error {
	s.mu.Lock()
	in := s.instances[uuid]
	if in != nil && in.ended && in.summary == nil && s.demoContent {
		s.setSummaryLocked(in, s.demoSummary(in))
	}
	if in == nil || !in.ended || in.summary == nil {
		s.mu.Unlock()
		return fmt.Errorf("zoomtest: complete summary %q: %w", uuid, ErrUnknown)
	}
	ev := s.summaryEventLocked(in)
	s.mu.Unlock()
	return s.send(ctx, ev)
}

// JoinParticipant adds a participant to the meeting's current instance and
// sends meeting.participant_joined.
func (s *Server) JoinParticipant(ctx context.Context, meetingID int64, p Participant) error {
	return s.participantEvent(ctx, meetingID, p, "meeting.participant_joined")
}

// LeaveParticipant records that the participant with that per-join UserID
// left and sends meeting.participant_left.
func (s *Server) LeaveParticipant(ctx context.Context, meetingID int64, userID string) error {
	return s.participantEvent(ctx, meetingID, Participant{UserID: userID}, "meeting.participant_left")
}

func (s *Server) participantEvent(ctx context.Context, meetingID int64, p Participant, event string) error {
	s.mu.Lock()
	m := s.meetings[meetingID]
	if m == nil {
		s.mu.Unlock()
		return fmt.Errorf("zoomtest: %s %d: %w", event, meetingID, ErrUnknown)
	}
	in := s.instances[m.UUID]
	now := s.now()
	part := obj{}
	if event == "meeting.participant_joined" {
		if p.UserID == "" {
			p.UserID = strconv.Itoa(16778240 + s.rng.IntN(1000000))
		}
		if p.JoinTime.IsZero() {
			p.JoinTime = now
		}
		in.participants = append(in.participants, p)
		part["join_time"] = zoomTime(p.JoinTime)
	} else {
		found := false
		for i := range in.participants {
			if in.participants[i].UserID == p.UserID {
				in.participants[i].LeaveTime = now
				p, found = in.participants[i], true
			}
		}
		if !found {
			s.mu.Unlock()
			return fmt.Errorf("zoomtest: %s %s: %w", event, p.UserID, ErrUnknown)
		}
		part["leave_time"] = zoomTime(now)
		part["leave_reason"] = "left the meeting. Reason : left the meeting"
	}
	part["user_id"], part["user_name"], part["id"], part["email"] = p.UserID, p.Name, p.ID, p.Email
	part["participant_user_id"] = p.ID
	part["participant_uuid"] = "zt-" + p.UserID
	o := s.meetingObjectLocked(m, in)
	o["participant"] = part
	ev := s.envelopeLocked(event, obj{"account_id": s.accountID, "object": o}, nil)
	s.mu.Unlock()
	return s.send(ctx, ev)
}

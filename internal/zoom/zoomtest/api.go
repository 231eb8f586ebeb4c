package zoomtest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

type pageCursor struct {
	offset  int
	query   string
	expires time.Time
}

// pathID decodes a path parameter the way Zoom's gateway is documented to.
//
// The router decodes the segment once. By default that is RFC 3986
// percent-decoding (https://www.rfc-editor.org/rfc/rfc3986#section-3.3): a
// raw '+' is a '+'. With SetFormDecodedPaths(true) it is
// application/x-www-form-urlencoded decoding
// (https://url.spec.whatwg.org/#urlencoded-parsing), where a raw '+' is a
// space, to stand for any hop that form-decodes paths: a client must then
// send '+' as "%2B" (or "%252B") to be understood.
//
// Zoom requires a UUID that begins with '/' or contains "//" to be encoded
// twice ("If a UUID starts with "/" or contains "//" … you must double
// encode the UUID before making an API request",
// https://developers.zoom.us/docs/api/meetings/#tag/cloud-recording/GET/meetings/{meetingId}/recordings),
// so a value that still holds '%' after the router's decode is decoded a
// second time, the same way, and a value that decodes to a leading '/' or a
// "//" after one decode only was encoded once and is not found.
func (s *Server) pathID(r *http.Request, name string) (string, bool) {
	raw, ok := rawPathValue(r, name)
	if !ok {
		return "", false
	}
	unescape := url.PathUnescape
	if s.formPaths.Load() {
		unescape = url.QueryUnescape
	}
	v, err := unescape(raw)
	if err != nil {
		return "", false
	}
	if strings.HasPrefix(v, "/") || strings.Contains(v, "//") {
		return "", false
	}
	if strings.Contains(v, "%") {
		if v, err = unescape(v); err != nil {
			return "", false
		}
	}
	return v, v != ""
}

// rawPathValue returns the path segment matched by the wildcard {name},
// still escaped as the client sent it.
func rawPathValue(r *http.Request, name string) (string, bool) {
	_, pattern, _ := strings.Cut(r.Pattern, " ")
	want := strings.Split(pattern, "/")
	got := strings.Split(r.URL.EscapedPath(), "/")
	for i, seg := range want {
		if seg == "{"+name+"}" && i < len(got) {
			return got[i], true
		}
	}
	return "", false
}

// resolveUser maps "me", an id or an email; callers hold s.mu.
func (s *Server) resolveUser(r *http.Request, ref string) *user {
	if ref == "me" {
		tok, _ := r.Context().Value(tokenKey{}).(*accessToken)
		if tok != nil && tok.userID != "" {
			return s.findUser(tok.userID)
		}
		if len(s.users) > 0 {
			return s.users[0] // the account owner, for account-level tokens
		}
		return nil
	}
	return s.findUser(ref)
}

// pathUser resolves the {userId} of the path ("me", an id or an email) and
// answers 404 (code 1001) when there is no such user; callers hold s.mu.
func (s *Server) pathUser(w http.ResponseWriter, r *http.Request) *user {
	ref, _ := s.pathID(r, "userId")
	u := s.resolveUser(r, ref)
	if u == nil {
		writeError(w, http.StatusNotFound, 1001, "User does not exist: "+ref+".")
	}
	return u
}

// handleUser serves GET /v2/users/{userId} from the documented example
// (fixtures/user.json, docs/zoom-api.md §3.8) with the seeded values.
func (s *Server) handleUser(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.pathUser(w, r)
	if u == nil {
		return
	}
	m := fixture("user.json")
	m["id"], m["email"], m["jid"] = u.ID, u.Email, u.Email
	m["first_name"], m["last_name"] = u.FirstName, u.LastName
	m["display_name"] = strings.TrimSpace(u.FirstName + " " + u.LastName)
	m["type"], m["status"], m["timezone"] = u.Type, u.Status, u.Timezone
	m["pmi"] = u.pmi // a number here, a string in meeting objects
	m["account_id"] = s.accountID
	m["created_at"], m["user_created_at"] = zoomTime(u.createdAt), zoomTime(u.createdAt)
	m["personal_meeting_url"] = fmt.Sprintf("%s/j/%d", s.base, u.pmi)
	writeJSON(w, http.StatusOK, m)
}

var scimFilter = regexp.MustCompile(`^\s*(userName|externalId)\s+eq\s+"?([^"]*)"?\s*$`)

// handleSCIMUsers serves GET /scim2/Users (docs/zoom-api.md §3.9): only
// `userName eq …` and `externalId eq …` filters, quoted or not; count
// defaults to 1 as in the spec.
func (s *Server) handleSCIMUsers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	filter := q.Get("filter")
	var field, value string
	if filter != "" {
		mm := scimFilter.FindStringSubmatch(filter)
		if mm == nil {
			writeError(w, http.StatusBadRequest, 300, "The current filter is not supported, the filter name: "+filter)
			return
		}
		field, value = mm[1], mm[2]
	}
	count, start := 1, 1
	if v, err := strconv.Atoi(q.Get("count")); err == nil && v >= 0 {
		count = min(v, 100)
	}
	if v, err := strconv.Atoi(q.Get("startIndex")); err == nil && v >= 1 {
		start = v
	}
	s.mu.Lock()
	var matches []*user
	for _, u := range s.users {
		if field == "" || (field == "userName" && strings.EqualFold(u.Email, value)) || (field == "externalId" && u.ID == value) {
			matches = append(matches, u)
		}
	}
	s.mu.Unlock()
	resources := []any{}
	for i := start - 1; i < len(matches) && len(resources) < count; i++ {
		u := matches[i]
		m := fixture("scim_user.json")
		m["id"], m["userName"] = u.ID, u.Email
		m["displayName"] = strings.TrimSpace(u.FirstName + " " + u.LastName)
		m["name"] = obj{"givenName": u.FirstName, "familyName": u.LastName}
		m["emails"] = []any{obj{"type": "work", "value": u.Email, "primary": true}}
		m["active"] = u.Status == "active"
		meta := m["meta"].(obj)
		meta["location"] = s.base + "/scim2/Users/" + u.ID
		meta["created"], meta["lastModified"] = zoomTime(u.createdAt), zoomTime(u.createdAt)
		resources = append(resources, m)
	}
	// The SCIM2 OpenAPI declares the 200 answer as "application/json"
	// (https://developers.zoom.us/docs/api/scim2/), though callers send
	// Accept: application/scim+json.
	writeJSON(w, http.StatusOK, obj{
		"schemas":      []any{"urn:ietf:params:scim:api:messages:2.0:ListResponse"},
		"totalResults": len(matches), "startIndex": start, "itemsPerPage": len(resources),
		"Resources": resources,
	})
}

// dailyWrite counts a meeting create/update against the host's daily limit;
// callers hold s.mu. Over the limit Zoom answers 429 without rate-limit
// headers (docs/zoom-api.md §3.1, §6).
func (s *Server) dailyWrite(w http.ResponseWriter, hostID string) bool {
	key := hostID + "|" + s.now().UTC().Format(time.DateOnly)
	if s.dailyLimit > 0 && s.dailyWrites[key] >= s.dailyLimit {
		writeError(w, http.StatusTooManyRequests, 429, fmt.Sprintf("You have exceeded the daily rate limit (%d) of Meeting Create/Update API requests permitted for this particular user. You may resume these requests at GMT 00:00:00.", s.dailyLimit))
		return false
	}
	s.dailyWrites[key]++
	return true
}

type meetingBody struct {
	Topic          *string          `json:"topic"`
	Type           *int             `json:"type"`
	StartTime      *string          `json:"start_time"`
	Duration       *int             `json:"duration"`
	Timezone       *string          `json:"timezone"`
	Agenda         *string          `json:"agenda"`
	Password       *string          `json:"password"`
	Settings       map[string]any   `json:"settings"`
	TrackingFields []map[string]any `json:"tracking_fields"`
}

func decodeMeetingBody(w http.ResponseWriter, r *http.Request) (*meetingBody, bool) {
	var b meetingBody
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	if err := dec.Decode(&b); err != nil {
		writeError(w, http.StatusBadRequest, 300, "Request Body should be a valid JSON object.")
		return nil, false
	}
	if b.StartTime != nil && *b.StartTime != "" {
		if _, err := time.Parse(time.RFC3339, *b.StartTime); err != nil {
			writeJSON(w, http.StatusBadRequest, obj{"code": 300, "message": "Validation Failed.",
				"errors": []any{obj{"field": "start_time", "message": "Invalid field."}}})
			return nil, false
		}
	}
	return &b, true
}

func (b *meetingBody) apply(m *meeting) {
	if b.Topic != nil {
		m.Topic = *b.Topic
	}
	if b.Type != nil {
		m.Type = *b.Type
	}
	if b.StartTime != nil {
		m.StartTime, _ = time.Parse(time.RFC3339, *b.StartTime)
	}
	if b.Duration != nil {
		m.Duration = *b.Duration
	}
	if b.Timezone != nil {
		m.Timezone = *b.Timezone
	}
	if b.Agenda != nil {
		m.Agenda = *b.Agenda
	}
	if b.Password != nil {
		m.Password = *b.Password
	}
	for k, v := range b.Settings {
		m.settings[k] = v
	}
	if b.TrackingFields != nil {
		m.trackingFields = nil
		for _, tf := range b.TrackingFields {
			m.trackingFields = append(m.trackingFields, obj{"field": tf["field"], "value": tf["value"], "visible": true})
		}
	}
}

// meetingJSON renders a meeting as the create/get response (docs/zoom-api.md
// §3.1, §3.3); callers hold s.mu.
func (s *Server) meetingJSON(m *meeting, full bool) obj {
	host := s.findUser(m.HostID)
	start := m.StartTime
	if start.IsZero() {
		start = m.createdAt
	}
	o := obj{
		"id": m.ID, "uuid": m.UUID, "host_id": m.HostID, "topic": m.Topic, "type": m.Type,
		"start_time": zoomTime(start), "duration": m.Duration, "timezone": m.Timezone, "agenda": m.Agenda,
		"created_at": zoomTime(m.createdAt), "join_url": fmt.Sprintf("%s/j/%d?pwd=%s", s.base, m.ID, m.Password),
		"pmi": m.pmi,
	}
	if !full {
		return o
	}
	o["host_email"] = host.Email
	o["assistant_id"] = ""
	o["status"] = m.status
	o["start_url"] = fmt.Sprintf("%s/s/%d?zak=%s", s.base, m.ID, s.randHex(12))
	o["chat_join_url"] = fmt.Sprintf("%s/launch/jc/%d", s.base, m.ID)
	o["registration_url"] = fmt.Sprintf("%s/meeting/register/%d", s.base, m.ID)
	o["password"], o["h323_password"] = m.Password, m.Password
	o["encrypted_password"] = s.randHex(8)
	o["pre_schedule"] = false
	o["settings"] = m.settings
	tf := m.trackingFields
	if tf == nil {
		tf = []any{}
	}
	o["tracking_fields"] = tf
	if m.Type == 8 || m.Type == 3 {
		o["occurrences"] = []any{obj{"duration": m.Duration, "occurrence_id": strconv.FormatInt(start.UnixMilli(), 10),
			"start_time": zoomTime(start), "status": "available"}}
	} else {
		o["occurrences"] = []any{}
	}
	return o
}

// meetingWrite adapts a handler that creates or updates a meeting: it
// decodes the body (answering 400 for a bad one) and calls write with it
// while holding s.mu.
func (s *Server) meetingWrite(write func(w http.ResponseWriter, r *http.Request, b *meetingBody)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, ok := decodeMeetingBody(w, r)
		if !ok {
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		write(w, r, b)
	}
}

// createMeeting serves POST /v2/users/{userId}/meetings → 201.
func (s *Server) createMeeting(w http.ResponseWriter, r *http.Request, b *meetingBody) {
	host := s.pathUser(w, r)
	if host == nil {
		return
	}
	if host.Status != "active" {
		writeError(w, http.StatusBadRequest, 3161, "Meeting hosting and scheduling capabilities are not allowed for your user account.")
		return
	}
	if !s.dailyWrite(w, host.ID) {
		return
	}
	m := s.addMeetingLocked(Meeting{HostID: host.ID}, nil, nil)
	b.apply(m)
	if m.Type == 1 && m.StartTime.IsZero() {
		m.StartTime = m.createdAt
	}
	writeJSON(w, http.StatusCreated, s.meetingJSON(m, true))
}

// liveMeeting finds an undeleted meeting by numeric id; callers hold s.mu.
func (s *Server) liveMeeting(w http.ResponseWriter, r *http.Request) *meeting {
	ref, _ := s.pathID(r, "meetingId")
	id, err := strconv.ParseInt(ref, 10, 64)
	m := s.meetings[id]
	if err != nil || m == nil || m.deleted {
		writeError(w, http.StatusNotFound, 3001, "Meeting does not exist: "+ref+".")
		return nil
	}
	return m
}

// handleMeeting serves GET /v2/meetings/{meetingId} (numeric id only).
func (s *Server) handleMeeting(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.liveMeeting(w, r); m != nil {
		writeJSON(w, http.StatusOK, s.meetingJSON(m, true))
	}
}

// updateMeeting serves PATCH /v2/meetings/{meetingId} → 204.
func (s *Server) updateMeeting(w http.ResponseWriter, r *http.Request, b *meetingBody) {
	m := s.liveMeeting(w, r)
	if m == nil || !s.dailyWrite(w, m.HostID) {
		return
	}
	b.apply(m)
	w.WriteHeader(http.StatusNoContent)
}

// handleDeleteMeeting serves DELETE /v2/meetings/{meetingId} → 204.
func (s *Server) handleDeleteMeeting(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.liveMeeting(w, r); m != nil {
		m.deleted = true
		w.WriteHeader(http.StatusNoContent)
	}
}

// page cuts items with Zoom's next_page_token paging: the token is opaque,
// bound to the same query and valid for 15 minutes; it is "" on the last
// page (developers.zoom.us/docs/api/pagination). Callers hold s.mu.
func (s *Server) page(w http.ResponseWriter, r *http.Request, n int) (from, to int, next string, size int, ok bool) {
	q := r.URL.Query()
	size = 30
	if v, err := strconv.Atoi(q.Get("page_size")); err == nil && v > 0 {
		size = min(v, 300)
	}
	tok := q.Get("next_page_token")
	q.Del("next_page_token")
	key := r.URL.Path + "?" + q.Encode()
	if tok != "" {
		c, found := s.pages[tok]
		if !found || c.query != key || s.now().After(c.expires) {
			writeError(w, http.StatusBadRequest, 300, "The next page token is invalid or expired.")
			return 0, 0, "", 0, false
		}
		from = c.offset
	}
	to = min(from+size, n)
	if to < n {
		next = s.randHex(16)
		s.pages[next] = pageCursor{offset: to, query: key, expires: s.now().Add(15 * time.Minute)}
	}
	return from, to, next, size, true
}

// handleListMeetings serves GET /v2/users/{userId}/meetings (§3.2).
func (s *Server) handleListMeetings(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	host := s.pathUser(w, r)
	if host == nil {
		return
	}
	kind := r.URL.Query().Get("type")
	now := s.now()
	var ms []*meeting
	for _, m := range s.meetings {
		if m.deleted || m.HostID != host.ID || m.Type == 1 {
			continue // instant meetings are never listed
		}
		switch kind {
		case "live":
			if m.status != "started" {
				continue
			}
		case "upcoming", "upcoming_meetings":
			if !m.StartTime.After(now) {
				continue
			}
		case "previous_meetings":
			if len(m.instances) == 0 {
				continue
			}
		}
		ms = append(ms, m)
	}
	slices.SortFunc(ms, func(a, b *meeting) int {
		if c := a.StartTime.Compare(b.StartTime); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	from, to, next, size, ok := s.page(w, r, len(ms))
	if !ok {
		return
	}
	items := []any{}
	for _, m := range ms[from:to] {
		items = append(items, s.meetingJSON(m, false))
	}
	writeJSON(w, http.StatusOK, obj{
		"next_page_token": next, "page_count": (len(ms) + size - 1) / max(size, 1), "page_number": from/size + 1,
		"page_size": size, "total_records": len(ms), "meetings": items,
	})
}

// pastInstance resolves an id (the latest ended instance) or a UUID;
// callers hold s.mu.
func (s *Server) pastInstance(ref string, want func(*instance) bool) *instance {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		m := s.meetings[id]
		if m == nil {
			return nil
		}
		for i := len(m.instances) - 1; i >= 0; i-- {
			if in := s.instances[m.instances[i]]; want(in) {
				return in
			}
		}
		return nil
	}
	if in := s.instances[ref]; in != nil && want(in) {
		return in
	}
	return nil
}

// handleParticipants serves GET /v2/past_meetings/{meetingId}/participants.
func (s *Server) handleParticipants(w http.ResponseWriter, r *http.Request) {
	ref, ok := s.pathID(r, "meetingId")
	s.mu.Lock()
	defer s.mu.Unlock()
	in := s.pastInstance(ref, func(in *instance) bool { return in.ended })
	if !ok || in == nil {
		writeError(w, http.StatusNotFound, 3001, "Meeting does not exist: "+ref+".")
		return
	}
	ps := in.participants
	if len(ps) == 1 {
		// "the API doesn't return results if there's only one participant
		// in a meeting" (docs/zoom-api.md §3.4).
		ps = nil
	}
	from, to, next, size, ok := s.page(w, r, len(ps))
	if !ok {
		return
	}
	items := []any{}
	for _, p := range ps[from:to] {
		leave := p.LeaveTime
		if leave.IsZero() {
			leave = in.end
		}
		items = append(items, obj{
			"id": p.ID, "name": p.Name, "user_id": p.UserID, "registrant_id": "", "user_email": p.Email,
			"join_time": zoomTime(p.JoinTime), "leave_time": zoomTime(leave),
			"duration": int(leave.Sub(p.JoinTime).Seconds()), "failover": false, "status": "in_meeting",
			"internal_user": p.Internal,
		})
	}
	writeJSON(w, http.StatusOK, obj{
		"next_page_token": next, "page_count": (len(ps) + size - 1) / max(size, 1), "page_size": size,
		"total_records": len(ps), "participants": items,
	})
}

// handlePastInstances serves GET /v2/past_meetings/{meetingId}/instances
// ("List past meeting instances"): {"meetings":[{"uuid","start_time"}]}
// with every ended instance of the meeting, oldest start first, in one page
// (the endpoint has no paging). The meeting is named by its numeric id; an
// instance UUID names its meeting too. A meeting that never ended has an
// empty list; an unknown one is 404/3001.
func (s *Server) handlePastInstances(w http.ResponseWriter, r *http.Request) {
	ref, ok := s.pathID(r, "meetingId")
	s.mu.Lock()
	defer s.mu.Unlock()
	var m *meeting
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		m = s.meetings[id]
	} else if in := s.instances[ref]; in != nil {
		m = s.meetings[in.meetingID]
	}
	if !ok || m == nil {
		writeError(w, http.StatusNotFound, 3001, "Meeting does not exist: "+ref+".")
		return
	}
	ended := make([]*instance, 0, len(m.instances))
	for _, uuid := range m.instances {
		if in := s.instances[uuid]; in != nil && in.ended {
			ended = append(ended, in)
		}
	}
	slices.SortStableFunc(ended, func(a, b *instance) int { return a.start.Compare(b.start) })
	items := []any{}
	for _, in := range ended {
		items = append(items, obj{"uuid": in.uuid, "start_time": zoomTime(in.start)})
	}
	writeJSON(w, http.StatusOK, obj{"meetings": items})
}

// fileJSON renders a recording file. Every entry carries id, status,
// file_size and recording_type, TIMELINE ("timeline") and CC
// ("closed_caption") included, as Zoom sends them: the recording_type enum
// of GET /meetings/{meetingId}/recordings lists timeline and closed_caption
// (https://developers.zoom.us/docs/api/meetings/#tag/cloud-recording/GET/meetings/{meetingId}/recordings),
// and recorded recording.completed deliveries carry
// {"id":…,"file_type":"TIMELINE","file_extension":"JSON","file_size":686420,
// "status":"completed","recording_type":"timeline"} without a play_url. The
// spec's prose still says TIMELINE and CC entries lack id, status,
// file_size, recording_type and play_url; the client accepts both.
func (s *Server) fileJSON(f *recFile, in *instance, webhook bool) obj {
	path := "/rec/download/"
	if webhook {
		path = "/rec/webhook_download/"
	}
	o := obj{
		"id": f.ID, "meeting_id": in.uuid, "recording_start": zoomTime(in.start), "recording_end": zoomTime(in.end),
		"file_type": f.FileType, "file_extension": f.FileExtension, "file_size": f.Size,
		"download_url": s.base + path + f.key, "status": "completed", "recording_type": f.RecordingType,
	}
	if f.playable {
		o["play_url"] = s.base + "/rec/play/" + f.key
	}
	return o
}

// recordingJSON renders the recording object of an instance; callers hold
// s.mu. REST sends type as a string, webhooks as a number (§3.6, §8).
func (s *Server) recordingJSON(in *instance, webhook bool) obj {
	m := s.meetings[in.meetingID]
	host := s.findUser(m.HostID)
	files := []any{}
	var total int64
	for _, f := range in.files {
		files = append(files, s.fileJSON(f, in, webhook))
		total += f.Size
	}
	var typ any = strconv.Itoa(m.Type)
	if webhook {
		typ = m.Type
	}
	o := obj{
		"uuid": in.uuid, "id": m.ID, "account_id": s.accountID, "host_id": m.HostID, "topic": m.Topic, "type": typ,
		"start_time": zoomTime(in.start), "duration": int(in.end.Sub(in.start).Minutes()), "total_size": total,
		"recording_count": len(in.files), "recording_files": files, "password": m.Password,
		"recording_play_passcode": s.randHex(16), "share_url": fmt.Sprintf("%s/rec/share/%s", s.base, s.randHex(12)),
		"timezone": m.Timezone,
	}
	if webhook {
		o["host_email"] = host.Email
		o["on_prem"] = false
	}
	return o
}

// handleRecordings serves GET /v2/meetings/{meetingId}/recordings.
func (s *Server) handleRecordings(w http.ResponseWriter, r *http.Request) {
	ref, ok := s.pathID(r, "meetingId")
	s.mu.Lock()
	defer s.mu.Unlock()
	in := s.pastInstance(ref, func(in *instance) bool { return in.ended && len(in.files) > 0 })
	if !ok || in == nil {
		writeError(w, http.StatusNotFound, 3301, "There is no recording for this meeting.")
		return
	}
	o := s.recordingJSON(in, false)
	if r.URL.Query().Get("include_fields") == "download_access_token" {
		ttl := 86400
		if v, err := strconv.Atoi(r.URL.Query().Get("ttl")); err == nil && v >= 0 && v <= 604800 {
			ttl = v
		}
		tok := s.newToken()
		s.downloadTokens[tok] = s.now().Add(time.Duration(ttl) * time.Second)
		o["download_access_token"] = tok
	}
	writeJSON(w, http.StatusOK, o)
}

// summaryJSON renders a summary as GET meeting_summary and the webhook do
// (§2.5, §3.7); callers hold s.mu.
func (s *Server) summaryJSON(in *instance) obj {
	m := s.meetings[in.meetingID]
	host := s.findUser(m.HostID)
	sum := in.summary
	details := []any{}
	for _, d := range sum.Details {
		details = append(details, obj{"label": d.Label, "summary": d.Summary})
	}
	steps := []any{}
	for _, st := range sum.NextSteps {
		steps = append(steps, st)
	}
	o := obj{
		"meeting_host_id": m.HostID, "meeting_host_email": host.Email, "meeting_uuid": in.uuid, "meeting_id": m.ID,
		"meeting_topic": m.Topic, "meeting_start_time": zoomTime(in.start), "meeting_end_time": zoomTime(in.end),
		"summary_start_time": zoomTime(in.start), "summary_end_time": zoomTime(in.end),
		"summary_created_time": zoomTime(in.summaryAt), "summary_last_modified_time": zoomTime(in.summaryAt),
		"summary_title": sum.Title, "summary_overview": sum.Overview, "summary_details": details, "next_steps": steps,
	}
	if sum.Content != "" {
		o["summary_content"] = sum.Content
	}
	if sum.DocURL != "" {
		o["summary_doc_url"] = sum.DocURL
	}
	return o
}

// handleSummary serves GET /v2/meetings/{meetingId}/meeting_summary.
func (s *Server) handleSummary(w http.ResponseWriter, r *http.Request) {
	ref, ok := s.pathID(r, "meetingId")
	s.mu.Lock()
	defer s.mu.Unlock()
	in := s.pastInstance(ref, func(in *instance) bool { return in.ended && in.summary != nil })
	if !ok || in == nil {
		writeError(w, http.StatusNotFound, 3001, "Meeting summary does not exist: "+ref+".")
		return
	}
	writeJSON(w, http.StatusOK, s.summaryJSON(in))
}

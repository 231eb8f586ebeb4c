package zoomtest

import (
	"cmp"
	"context"
	"crypto/subtle"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"time"
)

var controlPage = template.Must(template.New("control").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>zoomtest control</title>
<style>body{font-family:sans-serif;margin:2rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .6rem}
form{display:inline}.msg{background:#eef;padding:.5rem}</style></head>
<body data-testid="zoomtest-control"><h1>Fake Zoom control</h1>
{{if .Msg}}<p class="msg" data-testid="control-message">{{.Msg}}</p>{{end}}
<p>Webhook target: {{if .Webhook}}<code>{{.Webhook}}</code>{{else}}<em>none (state changes only)</em>{{end}}</p>
<table data-testid="control-meetings"><tr><th>Id</th><th>Topic</th><th>Host</th><th>Status</th><th>Next UUID</th><th>Past instances</th><th>Actions</th></tr>
{{range $m := .Meetings}}<tr data-testid="meeting-{{.ID}}"><td>{{.ID}}</td><td>{{.Topic}}</td><td>{{.Host}}</td><td>{{.Status}}</td><td><code>{{.UUID}}</code></td>
<td>{{range .Past}}<code>{{.}}</code><br>{{end}}</td><td>
{{range $a := $.Actions}}<form method="post" action="_control"><input type="hidden" name="csrf" value="{{$.CSRF}}">
<input type="hidden" name="meeting_id" value="{{$m.ID}}"><button name="action" value="{{$a}}" data-testid="{{$a}}">{{$a}}</button></form>
{{end}}</td></tr>{{end}}
</table></body></html>`))

type controlRow struct {
	ID                        int64
	Topic, Host, Status, UUID string
	Past                      []string
}

// handleControl serves GET /_control: a plain page listing meetings with
// buttons that start, end, and complete recordings and summaries, sending
// the signed webhooks. Its forms carry a per-server CSRF token (random from
// the seed at start-up) — enough for a fake that only runs locally.
func (s *Server) handleControl(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	rows := make([]controlRow, 0, len(s.meetings))
	for _, m := range s.meetings {
		if m.deleted {
			continue
		}
		host := ""
		if u := s.findUser(m.HostID); u != nil {
			host = u.Email
		}
		rows = append(rows, controlRow{ID: m.ID, Topic: m.Topic, Host: host, Status: m.status, UUID: m.UUID, Past: append([]string(nil), m.instances...)})
	}
	view := &controlView{Meetings: rows, Actions: []string{"start", "end", "recording", "summary"}, CSRF: s.csrf,
		Webhook: s.webhookURL, Msg: r.URL.Query().Get("msg")}
	s.mu.Unlock()
	slices.SortFunc(view.Meetings, func(a, b controlRow) int { return cmp.Compare(a.ID, b.ID) })
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := controlPage.Execute(w, view); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

type controlView struct {
	Meetings []controlRow
	Actions  []string
	CSRF     string
	Webhook  string
	Msg      string
}

// handleControlAction serves the control page's POST.
func (s *Server) handleControlAction(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || subtle.ConstantTimeCompare([]byte(r.PostForm.Get("csrf")), []byte(s.csrf)) != 1 {
		http.Error(w, "Bad or missing CSRF token.", http.StatusForbidden)
		return
	}
	id, err := strconv.ParseInt(r.PostForm.Get("meeting_id"), 10, 64)
	if err != nil {
		http.Error(w, "Bad meeting id.", http.StatusBadRequest)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	var actErr error
	action := r.PostForm.Get("action")
	switch action {
	case "start":
		actErr = s.StartMeeting(ctx, id)
	case "end":
		_, actErr = s.EndMeeting(ctx, id)
	case "recording", "summary":
		past := s.PastUUIDs(id)
		if len(past) == 0 {
			http.Error(w, "The meeting has not ended yet.", http.StatusConflict)
			return
		}
		if action == "recording" {
			actErr = s.CompleteRecording(ctx, past[len(past)-1])
		} else {
			actErr = s.CompleteSummary(ctx, past[len(past)-1])
		}
	default:
		http.Error(w, "Unknown action.", http.StatusBadRequest)
		return
	}
	msg := action + " " + strconv.FormatInt(id, 10) + ": ok"
	if actErr != nil {
		msg = action + " " + strconv.FormatInt(id, 10) + ": " + actErr.Error()
	}
	http.Redirect(w, r, "_control?msg="+template.URLQueryEscaper(msg), http.StatusSeeOther)
}

package zoomtest

import (
	"cmp"
	"context"
	"crypto/subtle"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"time"
)

var controlPage = template.Must(template.New("control").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>zoomtest control</title>
<style>body{font-family:sans-serif;margin:2rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .6rem;vertical-align:top}
form{display:block;margin:.15rem 0}.msg{background:#eef;padding:.5rem}small{color:#555}dt{font-weight:bold}</style></head>
<body data-testid="zoomtest-control"><h1>Fake Zoom control</h1>
{{if .Msg}}<p class="msg" data-testid="control-message">{{.Msg}}</p>{{end}}
<p>Webhook target: {{if .Webhook}}<code>{{.Webhook}}</code>{{else}}<em>none (state changes only)</em>{{end}}</p>
<dl data-testid="control-legend">{{range .Actions}}<dt>{{.Label}}</dt><dd>{{.Help}}</dd>{{end}}</dl>
<table data-testid="control-meetings"><tr><th>Id</th><th>Topic</th><th>Host</th><th>Scheduled start</th><th>Duration</th><th>Status</th><th>Next UUID</th><th>Past instances</th><th>Actions</th></tr>
{{range $m := .Meetings}}<tr data-testid="meeting-{{.ID}}"><td>{{.ID}}</td><td>{{.Topic}}</td><td>{{.Host}}</td>
<td data-testid="start-time">{{.Start}}</td><td data-testid="duration">{{.Duration}}</td><td>{{.Status}}</td><td><code>{{.UUID}}</code></td>
<td>{{range .Past}}<code>{{.UUID}}</code><br><small>ran {{.Ran}}</small><br>{{end}}</td><td>
{{range $a := $.Actions}}<form method="post" action="_control"><input type="hidden" name="csrf" value="{{$.CSRF}}">
<input type="hidden" name="meeting_id" value="{{$m.ID}}"><button name="action" value="{{$a.Value}}" data-testid="{{$a.Value}}" title="{{$a.Help}}"
{{- if and $a.NeedsPast (not $m.Past)}} disabled{{end}}>{{$a.Label}}</button></form>
{{end}}</td></tr>{{end}}
</table></body></html>`))

type controlRow struct {
	ID                        int64
	Topic, Host, Status, UUID string
	Start, Duration           string
	Past                      []controlPast
	start                     time.Time // rows sort by scheduled start
}

type controlPast struct{ UUID, Ran string }

// controlAction is a button of the control page: the label says what it
// does, Help says which webhook it sends and what it fills in.
type controlAction struct {
	Value, Label, Help string
	NeedsPast          bool // acts on the last ended instance
}

func (s *Server) controlActions() []controlAction {
	end := "Ends the running or next instance (starting it if needed) and sends meeting.ended."
	rec := "Sends recording.completed for the last ended instance with its recording files."
	sum := "Sends meeting.summary_completed for the last ended instance; the app then reads its AI summary."
	if s.demoContent {
		end += " If nobody joined, the host, the invitees, a dial-in caller and an outside guest are added as participants."
		rec += " A playable MP4 and a transcript are generated if none were seeded."
		sum += " A summary is generated if none was seeded."
	} else {
		rec += " Fails unless files were seeded."
		sum += " Fails unless a summary was seeded."
	}
	return []controlAction{
		{Value: "start", Label: "Start meeting", Help: "Starts the next instance and sends meeting.started."},
		{Value: "end", Label: "End meeting", Help: end},
		{Value: "recording", Label: "Complete recording of last ended instance", Help: rec, NeedsPast: true},
		{Value: "summary", Label: "Complete AI summary of last ended instance", Help: sum, NeedsPast: true},
	}
}

// controlTime shows a time in UTC, with the date, for the control page.
func controlTime(t time.Time) string { return t.UTC().Format("Mon 2 Jan 2006 15:04 UTC") }

// handleControl serves GET /_control: a plain page listing meetings by
// scheduled start, with buttons that start, end, and complete recordings and summaries, sending
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
		row := controlRow{ID: m.ID, Topic: m.Topic, Host: host, Status: m.status, UUID: m.UUID,
			Start: "not set", Duration: strconv.Itoa(m.Duration) + " min", start: m.StartTime}
		if !m.StartTime.IsZero() {
			row.Start = controlTime(m.StartTime)
		}
		for _, uuid := range m.instances {
			in := s.instances[uuid]
			row.Past = append(row.Past, controlPast{UUID: uuid,
				Ran: controlTime(in.start) + " – " + in.end.UTC().Format("15:04") + fmt.Sprintf(" (%d participants)", len(in.participants))})
		}
		rows = append(rows, row)
	}
	view := &controlView{Meetings: rows, Actions: s.controlActions(), CSRF: s.csrf,
		Webhook: s.webhookURL, Msg: r.URL.Query().Get("msg")}
	s.mu.Unlock()
	slices.SortFunc(view.Meetings, func(a, b controlRow) int {
		if c := a.start.Compare(b.start); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := controlPage.Execute(w, view); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

type controlView struct {
	Meetings []controlRow
	Actions  []controlAction
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

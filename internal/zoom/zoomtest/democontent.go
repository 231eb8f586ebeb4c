package zoomtest

import (
	"fmt"
	"strings"
	"time"
	"unicode"
)

// WithDemoContent makes the fake fill in what a real meeting would have
// produced when nothing was seeded, so meetings scheduled through the API
// during `sfzoom demo` can be taken through the whole post-meeting flow:
//
//   - EndMeeting gives an instance without participants the host, each
//     settings.meeting_invitees email of the meeting, one dial-in caller
//     without an email and one guest with an external email, joining and
//     leaving inside the instance's start and end;
//   - CompleteRecording gives an instance without files the playable
//     DemoVideo MP4 and a WebVTT transcript naming the participants;
//   - CompleteSummary gives an instance without a summary an AI Companion
//     summary (overview, details, next steps and Markdown summary_content).
//
// Seeded participants, files and summaries always win. Without this option
// (the default, and what tests get) those actions stay strict: nothing is
// invented and CompleteRecording/CompleteSummary fail with ErrUnknown.
func WithDemoContent() Option { return func(s *Server) { s.demoContent = true } }

// Demo participants that match nobody in a CRM, so the app's review queue
// has entries: a phone caller (Zoom shows the number as the name and has no
// email) and a guest from an outside domain.
const (
	demoDialInName = "+1 415-555-0142"
	demoGuestName  = "Jordan Blake"
	demoGuestEmail = "jordan.blake@northwind-guests.example"
)

// demoParticipantsLocked invents the join sessions of an ended instance
// that has none; callers hold s.mu.
func (s *Server) demoParticipantsLocked(m *meeting, in *instance) []Participant {
	span := in.end.Sub(in.start)
	at := func(frac float64) time.Time { return in.start.Add(time.Duration(float64(span) * frac)) }
	userID := func() string { return fmt.Sprint(16778240 + s.rng.IntN(1000000)) }

	var ps []Participant
	seen := map[string]bool{}
	if host := s.findUser(m.HostID); host != nil {
		ps = append(ps, Participant{ID: host.ID, UserID: userID(), Name: userName(host), Email: host.Email,
			JoinTime: at(0), LeaveTime: at(1), Internal: true})
		seen[strings.ToLower(host.Email)] = true
	}
	invitees := meetingInvitees(m.settings)
	for i, email := range invitees {
		if seen[strings.ToLower(email)] {
			continue
		}
		seen[strings.ToLower(email)] = true
		// Staggered arrivals in the first fifth, departures in the last
		// tenth, so attendance differs per person.
		frac := float64(i+1) / float64(len(invitees)+1)
		p := Participant{UserID: userID(), Name: nameFromEmail(email), Email: email,
			JoinTime: at(0.2 * frac), LeaveTime: at(1 - 0.1*frac)}
		if u := s.findUser(email); u != nil {
			p.ID, p.Name, p.Internal = u.ID, userName(u), true
		}
		ps = append(ps, p)
	}
	ps = append(ps,
		Participant{UserID: userID(), Name: demoDialInName, JoinTime: at(0.25), LeaveTime: at(0.75)},
		Participant{UserID: userID(), Name: demoGuestName, Email: demoGuestEmail, JoinTime: at(0.3), LeaveTime: at(0.95)},
	)
	return ps
}

// meetingInvitees reads settings.meeting_invitees[].email as the create or
// update request sent it (decoded JSON).
func meetingInvitees(settings obj) []string {
	list, _ := settings["meeting_invitees"].([]any)
	var out []string
	for _, v := range list {
		inv, _ := v.(map[string]any)
		if email, _ := inv["email"].(string); strings.Contains(email, "@") {
			out = append(out, strings.TrimSpace(email))
		}
	}
	return out
}

func userName(u *user) string {
	if n := strings.TrimSpace(u.FirstName + " " + u.LastName); n != "" {
		return n
	}
	return nameFromEmail(u.Email)
}

// nameFromEmail makes a display name from an address's local part:
// "mindy.simmons@…" → "Mindy Simmons".
func nameFromEmail(email string) string {
	local, _, _ := strings.Cut(email, "@")
	words := strings.FieldsFunc(local, func(r rune) bool { return r == '.' || r == '_' || r == '-' || r == '+' })
	for i, w := range words {
		r := []rune(w)
		r[0] = unicode.ToUpper(r[0])
		words[i] = string(r)
	}
	if len(words) == 0 {
		return email
	}
	return strings.Join(words, " ")
}

// speakers returns the names of the instance's participants who have an
// email (people rather than phone lines), host first, without repeats.
func speakers(in *instance) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range in.participants {
		if p.Email == "" || seen[p.Name] {
			continue
		}
		seen[p.Name] = true
		out = append(out, p.Name)
	}
	return out
}

// addDemoRecordingLocked gives an ended instance the demo's playable MP4
// and a transcript of the same 6 seconds; callers hold s.mu.
func (s *Server) addDemoRecordingLocked(in *instance) {
	m := s.meetings[in.meetingID]
	s.addRecordingLocked(in, RecordingFile{FileType: "MP4", Content: DemoVideo()})
	s.addRecordingLocked(in, RecordingFile{FileType: "TRANSCRIPT", Content: demoTranscript(m.Topic, s.hostName(m), speakers(in))})
}

func (s *Server) hostName(m *meeting) string {
	if u := s.findUser(m.HostID); u != nil {
		return userName(u)
	}
	return "Host"
}

// demoTranscript writes a Zoom-style WebVTT transcript ("Name: text" cues)
// that fits DemoVideo's 6 seconds.
func demoTranscript(topic, host string, names []string) []byte {
	guest := "Guest"
	for _, n := range names {
		if n != host {
			guest = n
			break
		}
	}
	lines := []struct{ from, to, who, text string }{
		{"00:00:00.500", "00:00:02.000", host, fmt.Sprintf("Thanks for joining. Today is about %s.", topic)},
		{"00:00:02.000", "00:00:03.500", guest, "Sounds good. We have a few questions on pricing and timing."},
		{"00:00:03.500", "00:00:05.000", host, "I'll send a written summary and a proposal after the call."},
		{"00:00:05.000", "00:00:06.000", guest, "Great, thank you."},
	}
	var b strings.Builder
	b.WriteString("WEBVTT\n")
	for i, l := range lines {
		fmt.Fprintf(&b, "\n%d\n%s --> %s\n%s: %s\n", i+1, l.from, l.to, l.who, l.text)
	}
	return []byte(b.String())
}

// demoSummary writes an AI Companion summary for the instance, in both the
// older fields and summary_content Markdown.
func (s *Server) demoSummary(in *instance) Summary {
	m := s.meetings[in.meetingID]
	host := s.hostName(m)
	hostFirst, _, _ := strings.Cut(host, " ")
	var others []string
	for _, n := range speakers(in) {
		if n != host {
			others = append(others, n)
		}
	}
	with := "the attendees"
	if len(others) > 0 {
		with = strings.Join(others, ", ")
	}
	overview := fmt.Sprintf("%s met with %s to discuss %s. The group went through open questions on pricing and timing.",
		host, with, m.Topic)
	steps := []string{
		hostFirst + " to send a written summary and a proposal",
		"Attendees to reply with questions before the next call",
	}
	var c strings.Builder
	fmt.Fprintf(&c, "## Quick recap\n%s met with %s to discuss **%s**. The group went through open questions on *pricing* and *timing*.\n\n## Next steps\n",
		host, with, m.Topic)
	for _, st := range steps {
		c.WriteString("- " + st + "\n")
	}
	return Summary{
		Overview:  overview,
		Details:   []SummaryDetail{{Label: m.Topic, Summary: overview}},
		NextSteps: steps,
		Content:   strings.TrimSuffix(c.String(), "\n"),
	}
}

package web

import (
	"testing"

	"github.com/sfzoom/sfzoom/internal/recordings"
)

// TestCaptionsFile pins the player's captions track: the transcript when
// there is one, in whatever order Zoom lists the files, else the closed
// captions; never a file sfzoom cannot serve, never a non-WebVTT file.
// File types: https://developers.zoom.us/docs/api/cloud-recording/#tag/cloud-recording/get/meetings/{meetingId}/recordings
func TestCaptionsFile(t *testing.T) {
	transcript := recordings.File{ID: "t", FileType: "TRANSCRIPT", Extension: "VTT", Path: "/media/t"}
	cc := recordings.File{ID: "cc", FileType: "CC", Extension: "VTT", Path: "/media/cc"}
	chat := recordings.File{ID: "chat", FileType: "CHAT", Extension: "TXT", Path: "/media/chat"}
	video := recordings.File{ID: "v", FileType: "MP4", Extension: "MP4", Path: "/media/v"}
	unserved := transcript
	unserved.ID, unserved.Path = "t-unserved", ""
	tests := []struct {
		name  string
		files []recordings.File
		want  string // the chosen file's ID, "" for none
	}{
		{"transcript after the captions", []recordings.File{video, cc, transcript}, "t"},
		{"transcript before the captions", []recordings.File{transcript, cc, video}, "t"},
		{"captions only", []recordings.File{video, chat, cc}, "cc"},
		{"a transcript sfzoom cannot serve", []recordings.File{unserved, cc}, "cc"},
		{"no WebVTT file", []recordings.File{video, chat}, ""},
		{"no files", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, ok := captionsFile(tc.files)
			if got := map[bool]string{true: f.ID}[ok]; got != tc.want {
				t.Errorf("captionsFile = %q (ok %v), want %q", f.ID, ok, tc.want)
			}
		})
	}
}

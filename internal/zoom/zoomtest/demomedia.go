package zoomtest

// The demo recording fixture, fixtures/demo_recording.mp4, is a 6-second
// 160x90 H.264 (baseline) test pattern without audio, 13.7 KB, made once
// for sfzoom with
//
//	ffmpeg -f lavfi -i testsrc=size=160x90:rate=10:duration=6 -c:v libx264 \
//	  -profile:v baseline -level 3.0 -pix_fmt yuv420p -g 10 -crf 35 \
//	  -movflags +faststart -an demo_recording.mp4
//
// It is sfzoom's own work (a synthetic pattern), under the project's licence.
// fixtures/demo_transcript.vtt is a matching Zoom-style transcript.

// DemoVideo returns a small playable MP4 for seeding recordings that a
// browser must actually play (RecordingFile.Content).
func DemoVideo() []byte {
	b, _ := fixtures.ReadFile("fixtures/demo_recording.mp4")
	return b
}

// DemoTranscript returns a Zoom-style WebVTT transcript matching DemoVideo.
func DemoTranscript() []byte {
	b, _ := fixtures.ReadFile("fixtures/demo_transcript.vtt")
	return b
}

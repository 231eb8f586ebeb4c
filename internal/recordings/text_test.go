package recordings_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sfzoom/sfzoom/internal/recordings"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/zoom/zoomtest"
)

func TestParseVTT(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []recordings.Cue
		wantErr bool
	}{
		{"Zoom", "WEBVTT\n\n1\n00:00:01.000 --> 00:00:04.500\nJill Chill: Hello everyone.\n\n2\n00:01:02.250 --> 01:00:03.000\nBob: Hi &amp; welcome\n",
			[]recordings.Cue{
				{Start: time.Second, End: 4500 * time.Millisecond, Speaker: "Jill Chill", Text: "Hello everyone."},
				{Start: 62250 * time.Millisecond, End: time.Hour + 3*time.Second, Speaker: "Bob", Text: "Hi & welcome"},
			}, false},
		{"CRLFBOMNoIDsShortTimes", "\ufeffWEBVTT - title\r\n\r\nNOTE a note\r\n\r\n00:01.000 --> 00:02.000 align:start\r\nno speaker here\r\n", []recordings.Cue{
			{Start: time.Second, End: 2 * time.Second, Text: "no speaker here"}}, false},
		{"VoiceTagsAndMarkup", "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n<v Ann Lee><b>Bold</b> <script>x</script>move</v>\n", []recordings.Cue{
			{End: time.Second, Speaker: "Ann Lee", Text: "Bold xmove"}}, false},
		{"MultiLine", "WEBVTT\n\n1\n00:00:00.000 --> 00:00:01.000\nA: one\ntwo\n", []recordings.Cue{{End: time.Second, Speaker: "A", Text: "one two"}}, false},
		{"NotVTT", "1\n00:00:00,000 --> 00:00:01,000\nSRT\n", nil, true},
		{"BrokenTiming", "WEBVTT\n\n00:00:xx.000 --> 00:00:01.000\nA\n", nil, true},
		{"Empty", "WEBVTT\n", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := recordings.ParseVTT([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseVTT error = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil && sfzoom.ErrorCode(err) != sfzoom.EINVALID {
				t.Errorf("ParseVTT error code = %q, want EINVALID", sfzoom.ErrorCode(err))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseVTT mismatch (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("DemoFixture", func(t *testing.T) {
		cues, err := recordings.ParseVTT(zoomtest.DemoTranscript())
		if err != nil || len(cues) != 4 || cues[1].Speaker != "Hank Scorpio" {
			t.Fatalf("ParseVTT(demo) = %+v, %v; want 4 cues, the second by Hank Scorpio", cues, err)
		}
	})
}

func FuzzParseVTT(f *testing.F) {
	f.Add("WEBVTT\n\n1\n00:00:01.000 --> 00:00:04.500\nJill: Hello\n")
	f.Add("WEBVTT\n\n00:01.000 --> 00:02.000\n<v A>x</v>\n")
	f.Fuzz(func(t *testing.T, s string) {
		cues, err := recordings.ParseVTT([]byte(s))
		if err == nil {
			for _, c := range cues {
				if c.Start < 0 || c.End < 0 {
					t.Fatalf("negative time in %+v", c)
				}
			}
		}
	})
}

func TestRenderMarkdown(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"Headings", "# Quick recap\n### Details", "<h3>Quick recap</h3><h5>Details</h5>"},
		{"Paragraphs", "one\ntwo\n\nthree", "<p>one<br>two</p><p>three</p>"},
		{"Bullets", "- a\n* b\n+ c", "<ul><li>a</li><li>b</li><li>c</li></ul>"},
		{"Ordered", "1. first\n2) second", "<ol><li>first</li><li>second</li></ol>"},
		{"ListThenPara", "- a\ntext", "<ul><li>a</li></ul><p>text</p>"},
		{"Emphasis", "**bold** and *it* and __b2__ and _i2_ and `x<y`", "<p><strong>bold</strong> and <em>it</em> and <strong>b2</strong> and <em>i2</em> and <code>x&lt;y</code></p>"},
		{"NestedEmphasis", "**bold *it* more**", "<p><strong>bold <em>it</em> more</strong></p>"},
		{"SnakeCaseNotItalic", "call some_function_name now", "<p>call some_function_name now</p>"},
		{"Unclosed", "**open and *x", "<p>**open and *x</p>"},
		{"Rule", "a\n\n---\nb", "<p>a</p><hr><p>b</p>"},
		{"HTMLEscaped", "<script>alert(1)</script> <img src=x onerror=alert(1)>", "<p>&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt;</p>"},
		{"HTMLInHeadingAndList", "## <b>x</b>\n- <a href=\"javascript:alert(1)\">y</a>", "<h4>&lt;b&gt;x&lt;/b&gt;</h4><ul><li>&lt;a href=&#34;javascript:alert(1)&#34;&gt;y&lt;/a&gt;</li></ul>"},
		{"LinksAreText", "[click](javascript:alert(1))", "<p>[click](javascript:alert(1))</p>"},
		{"EmphasisWithHTML", "**<i>x</i>**", "<p><strong>&lt;i&gt;x&lt;/i&gt;</strong></p>"},
		{"Empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := recordings.RenderMarkdown(tt.in); got != tt.want {
				t.Errorf("RenderMarkdown(%q)\n got  %s\n want %s", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzRenderMarkdown(f *testing.F) {
	f.Add("## Hi\n- **a** <b>")
	f.Add("*_`<>&\"'")
	f.Fuzz(func(t *testing.T, s string) {
		out := recordings.RenderMarkdown(s)
		// Strip the tags the renderer may emit; any '<' left came from input.
		for _, tag := range []string{"<p>", "</p>", "<br>", "<ul>", "</ul>", "<ol>", "</ol>", "<li>", "</li>", "<hr>",
			"<strong>", "</strong>", "<em>", "</em>", "<code>", "</code>", "<h3>", "</h3>", "<h4>", "</h4>", "<h5>", "</h5>", "<h6>", "</h6>"} {
			out = strings.ReplaceAll(out, tag, "")
		}
		if strings.ContainsAny(out, "<>") {
			t.Fatalf("RenderMarkdown(%q) passed markup through: %q", s, out)
		}
	})
}

func TestSigner(t *testing.T) {
	c := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	oldKey, newKey := []byte("old-session-key-0123456789abcdef"), []byte("new-session-key-0123456789abcdef")
	old, _ := recordings.NewSigner([][]byte{oldKey}, 15*time.Minute, c.Now)
	rotated, _ := recordings.NewSigner([][]byte{newKey, oldKey}, 15*time.Minute, c.Now)
	other, _ := recordings.NewSigner([][]byte{newKey}, 15*time.Minute, c.Now)
	claims := recordings.Claims{OrgID: "00Dxx0000001gEREAY", UserID: "005xx000001Svk1AAC", MeetingID: 7, FileID: "f-1"}
	tok, err := old.Token(claims)
	if err != nil {
		t.Fatal(err)
	}
	claims.Expires = c.Now().Add(15 * time.Minute)
	got, err := rotated.Verify(tok)
	if err != nil || !cmp.Equal(got, claims) {
		t.Fatalf("rotated.Verify = %+v, %v; want %+v (old keys still verify)", got, err, claims)
	}
	if _, err := other.Verify(tok); sfzoom.ErrorCode(err) != sfzoom.EFORBIDDEN {
		t.Errorf("Verify with an unknown key: %v, want EFORBIDDEN", err)
	}
	for _, bad := range []recordings.Claims{{UserID: "u", MeetingID: 1, FileID: "f"}, {OrgID: "o|x", UserID: "u", MeetingID: 1, FileID: "f"}, {OrgID: "o", UserID: "u", FileID: "f"}} {
		if _, err := old.Token(bad); sfzoom.ErrorCode(err) != sfzoom.EINVALID {
			t.Errorf("Token(%+v) = %v, want EINVALID", bad, err)
		}
	}
	c.Add(15 * time.Minute)
	if _, err := old.Verify(tok); err == nil || !strings.Contains(sfzoom.ErrorMessage(err), "expired") {
		t.Errorf("Verify after expiry = %v, want an expired error", err)
	}
}

func TestAccessCache(t *testing.T) {
	c := &clock{t: time.Now()}
	var calls atomic.Int32
	var mu sync.Mutex
	allow, fail := true, false
	cache := recordings.NewAccessCache(func(ctx context.Context, org, user, rec string) (bool, error) {
		calls.Add(1)
		time.Sleep(20 * time.Millisecond)
		mu.Lock()
		defer mu.Unlock()
		if fail {
			return false, sfzoom.Errorf(sfzoom.EUNAVAILABLE, "down")
		}
		return allow, nil
	}, time.Minute, c.Now)
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if ok, err := cache.CanRead(ctx, "o", "u", "r"); !ok || err != nil {
				t.Errorf("CanRead = %v, %v", ok, err)
			}
		}()
	}
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Errorf("10 concurrent checks made %d calls, want 1", n)
	}
	mu.Lock()
	allow = false
	mu.Unlock()
	if ok, _ := cache.CanRead(ctx, "o", "u", "r"); !ok {
		t.Error("grant not cached within the TTL")
	}
	c.Add(time.Minute)
	if ok, _ := cache.CanRead(ctx, "o", "u", "r"); ok {
		t.Error("revocation not seen after the TTL")
	}
	mu.Lock()
	fail = true
	mu.Unlock()
	c.Add(time.Minute)
	before := calls.Load()
	for range 2 {
		if _, err := cache.CanRead(ctx, "o", "u", "r"); sfzoom.ErrorCode(err) != sfzoom.EUNAVAILABLE || !errors.As(err, new(*sfzoom.Error)) {
			t.Errorf("CanRead while down = %v, want EUNAVAILABLE", err)
		}
	}
	if calls.Load()-before != 2 {
		t.Errorf("errors were cached: %d calls for 2 checks", calls.Load()-before)
	}
}

package recordings_test

import (
	"bytes"
	"encoding/base64"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

func TestServeRanges(t *testing.T) {
	const size = 100_000
	e := setup(t, size)
	url := e.url(t, e.demo.RepID, e.video.ID)
	tests := []struct {
		name         string
		rng          string
		wantStatus   int
		from, to     int64 // expected body bytes [from, to)
		contentRange string
	}{
		{"Whole", "", http.StatusOK, 0, size, ""},
		{"First", "bytes=0-1023", http.StatusPartialContent, 0, 1024, "bytes 0-1023/100000"},
		{"Middle", "bytes=40000-49999", http.StatusPartialContent, 40000, 50000, "bytes 40000-49999/100000"},
		{"Last", "bytes=99000-", http.StatusPartialContent, 99000, size, "bytes 99000-99999/100000"},
		{"LastByte", "bytes=99999-99999", http.StatusPartialContent, 99999, size, "bytes 99999-99999/100000"},
		{"Suffix", "bytes=-500", http.StatusPartialContent, 99500, size, "bytes 99500-99999/100000"},
		{"SuffixLargerThanFile", "bytes=-200000", http.StatusPartialContent, 0, size, "bytes 0-99999/100000"},
		{"EndClamped", "bytes=99990-200000", http.StatusPartialContent, 99990, size, "bytes 99990-99999/100000"},
		{"StartPastEnd", "bytes=100000-", http.StatusRequestedRangeNotSatisfiable, 0, 0, "bytes */100000"},
		{"Reversed", "bytes=500-100", http.StatusRequestedRangeNotSatisfiable, 0, 0, "bytes */100000"},
		{"Malformed", "bytes=abc", http.StatusRequestedRangeNotSatisfiable, 0, 0, "bytes */100000"},
		{"WrongUnit", "items=0-5", http.StatusRequestedRangeNotSatisfiable, 0, 0, "bytes */100000"},
		{"MultiRangeRefused", "bytes=0-99,200-299", http.StatusRequestedRangeNotSatisfiable, 0, 0, "bytes */100000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := map[string]string{}
			if tt.rng != "" {
				h["Range"] = tt.rng
			}
			n := e.audit.len()
			resp := get(t, url, h)
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("GET Range %q: status = %d (%s), want %d", tt.rng, resp.StatusCode, body, tt.wantStatus)
			}
			if got := resp.Header.Get("Content-Range"); got != tt.contentRange {
				t.Errorf("Content-Range = %q, want %q", got, tt.contentRange)
			}
			a := e.audit.after(t, n)
			if a.Status != tt.wantStatus || a.Range != tt.rng || a.SFUserID != e.demo.RepID || a.ZoomFileID != e.video.ID {
				t.Errorf("audit = %+v, want status %d, range %q, user %s, file %s", a, tt.wantStatus, tt.rng, e.demo.RepID, e.video.ID)
			}
			if tt.wantStatus >= 400 {
				if a.Result != sfzoom.MediaBadRange {
					t.Errorf("audit result = %q, want %q", a.Result, sfzoom.MediaBadRange)
				}
				return
			}
			want, _ := e.zoom.MediaBytes(e.video.ID, tt.from, tt.to)
			if !bytes.Equal(body, want) {
				t.Errorf("body: got %d bytes, want %d bytes [%d,%d) (first difference at %d)", len(body), len(want), tt.from, tt.to, firstDiff(body, want))
			}
			if got := resp.Header.Get("Content-Type"); got != "video/mp4" {
				t.Errorf("Content-Type = %q, want video/mp4", got)
			}
			if a.Bytes != tt.to-tt.from || a.Result != sfzoom.MediaServed {
				t.Errorf("audit bytes/result = %d/%q, want %d/%q", a.Bytes, a.Result, tt.to-tt.from, sfzoom.MediaServed)
			}
		})
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func TestServeIfRange(t *testing.T) {
	e := setup(t, 10_000)
	url := e.url(t, e.demo.RepID, e.video.ID)
	resp := get(t, url, map[string]string{"Range": "bytes=0-9"})
	resp.Body.Close()
	etag := resp.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag passed through; If-Range cannot work")
	}
	tests := []struct {
		name       string
		ifRange    string
		wantStatus int
		wantLen    int
	}{
		{"Matches", etag, http.StatusPartialContent, 10},
		{"Changed", `"something-else"`, http.StatusOK, 10_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := get(t, url, map[string]string{"Range": "bytes=100-109", "If-Range": tt.ifRange})
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus || len(body) != tt.wantLen {
				t.Errorf("If-Range %s: status %d with %d bytes, want %d with %d", tt.ifRange, resp.StatusCode, len(body), tt.wantStatus, tt.wantLen)
			}
		})
	}
}

func TestServeAccessRevoked(t *testing.T) {
	e := setup(t, 10_000)
	url := e.url(t, e.demo.RepID, e.video.ID)
	before := e.sf.APICalls()
	for i := range 10 {
		resp := get(t, url, map[string]string{"Range": "bytes=0-99"})
		resp.Body.Close()
		if resp.StatusCode != http.StatusPartialContent {
			t.Fatalf("request %d: status %d, want 206", i, resp.StatusCode)
		}
	}
	if got := e.sf.APICalls() - before; got != 1 {
		t.Errorf("10 range requests cost %d Salesforce calls, want 1 (cached access check)", got)
	}

	e.sf.SetRecordAccess(e.demo.RepID, e.meeting.RecordID, false)
	resp := get(t, url, nil)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("inside the cache window: status %d, want 200 (the cached grant)", resp.StatusCode)
	}

	e.clock.Add(accessTTL + time.Second)
	resp = get(t, url, nil)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("after the cache window: status %d, want 403", resp.StatusCode)
	}
	if !strings.Contains(string(body), "no longer have access") {
		t.Errorf("403 body = %q, want it to say why", body)
	}
	if a := e.audit.last(t); a.Result != sfzoom.MediaDenied || a.Status != http.StatusForbidden || a.Bytes != 0 {
		t.Errorf("audit = %+v, want denied/403/0 bytes", a)
	}
}

func TestServeBadURLs(t *testing.T) {
	e := setup(t, 10_000)
	good := e.url(t, e.demo.RepID, e.video.ID)
	token := strings.TrimPrefix(good, e.srv.URL+"/media/")
	payload, sig, _ := strings.Cut(token, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(payload)
	forUser := func(user string) string {
		p := strings.Replace(string(raw), e.demo.RepID, user, 1)
		return e.srv.URL + "/media/" + base64.RawURLEncoding.EncodeToString([]byte(p)) + "." + sig
	}
	flip := []byte(sig)
	if flip[3] == 'A' {
		flip[3] = 'B'
	} else {
		flip[3] = 'A'
	}
	tests := []struct {
		name     string
		url      string
		advance  time.Duration
		wantBody string
		audited  string // expected audit result, "" when nothing may be audited
	}{
		{"TamperedSignature", e.srv.URL + "/media/" + payload + "." + string(flip), 0, "not valid", ""},
		{"OtherUserSameSignature", forUser(e.demo.OverrideRepID), 0, "not valid", ""},
		{"Malformed", e.srv.URL + "/media/nonsense", 0, "malformed", ""},
		{"SignedForUserWithoutAccess", e.url(t, e.demo.OverrideRepID, e.video.ID), 0, "no longer have access", sfzoom.MediaDenied},
		{"Expired", good, urlTTL + time.Second, "expired", sfzoom.MediaBadURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.clock.Add(tt.advance)
			n := e.audit.len()
			resp := get(t, tt.url, nil)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), tt.wantBody) {
				t.Fatalf("status %d body %q, want 403 saying %q", resp.StatusCode, body, tt.wantBody)
			}
			if tt.audited == "" {
				if e.audit.len() != n {
					t.Errorf("an untrusted URL was audited: %+v", e.audit.last(t))
				}
				return
			}
			if a := e.audit.last(t); a.Result != tt.audited {
				t.Errorf("audit result = %q, want %q", a.Result, tt.audited)
			}
		})
	}
}

func TestServeHTMLInsteadOfMedia(t *testing.T) {
	e := setup(t, 10_000)
	e.zoom.SetDownloadHTML(true)
	resp := get(t, e.url(t, e.demo.RepID, e.video.ID), nil)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "refused") {
		t.Fatalf("status %d body %q, want 403 explaining Zoom refused", resp.StatusCode, body)
	}
	if strings.Contains(strings.ToLower(string(body)), "<html") || resp.Header.Get("Content-Type") == "video/mp4" {
		t.Errorf("the HTML page was streamed as media: %q", resp.Header.Get("Content-Type"))
	}
	if a := e.audit.last(t); a.Result != sfzoom.MediaZoomRefused {
		t.Errorf("audit result = %q, want %q", a.Result, sfzoom.MediaZoomRefused)
	}
}

func TestServeClientGoneCancelsUpstream(t *testing.T) {
	e := setup(t, 512<<20)
	resp := get(t, e.url(t, e.demo.RepID, e.video.ID), nil)
	if _, err := io.CopyN(io.Discard, resp.Body, 1<<20); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	select {
	case sent := <-e.storageDone:
		if sent >= 512<<20 {
			t.Errorf("upstream sent the whole file (%d bytes) although the client left after 1 MiB", sent)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("upstream storage request still running 5s after the client left (%d in flight)", e.storage.Load())
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		// The audit row is written when the handler returns, just after the
		// client went away: wait for it rather than race it.
		if e.audit.len() == 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		if a := e.audit.last(t); a.Result == sfzoom.MediaPartial {
			if a.Bytes < 1<<20 || a.Bytes >= 512<<20 {
				t.Errorf("audit bytes = %d, want between 1 MiB and the file size", a.Bytes)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("audit = %+v, want a partial entry", e.audit.last(t))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestServeLargeFileFlatMemory streams a file of hundreds of MB generated on
// the fly by zoomtest and samples the heap while it flows.
func TestServeLargeFileFlatMemory(t *testing.T) {
	size := int64(300 << 20)
	if testing.Short() || raceEnabled {
		size = 64 << 20
	}
	e := setup(t, size)
	peak, n := streamAndSampleHeap(t, e.url(t, e.demo.RepID, e.video.ID), nil)
	if n != size {
		t.Fatalf("streamed %d bytes, want %d", n, size)
	}
	t.Logf("streamed %d MiB; heap in use grew by at most %.1f MiB", size>>20, float64(peak)/(1<<20))
	if peak > 24<<20 {
		t.Errorf("heap in use grew by %d MiB while streaming %d MiB; want flat memory (< 24 MiB)", peak>>20, size>>20)
	}
}

// streamAndSampleHeap downloads url to io.Discard and returns the largest
// growth of HeapInuse over the baseline seen while streaming, and the
// byte count.
func streamAndSampleHeap(t testing.TB, url string, header map[string]string) (peak uint64, n int64) {
	t.Helper()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var max atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > base && ms.HeapInuse-base > max.Load() {
					max.Store(ms.HeapInuse - base)
				}
			}
		}
	}()
	resp := get(t, url, header)
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	close(stop)
	<-done
	if err != nil {
		t.Fatal(err)
	}
	return max.Load(), n
}

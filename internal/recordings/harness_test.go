package recordings_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/sfzoom/sfzoom/internal/httperr"
	"github.com/sfzoom/sfzoom/internal/recordings"
	"github.com/sfzoom/sfzoom/internal/salesforce"
	"github.com/sfzoom/sfzoom/internal/salesforce/salesforcetest"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/zoom"
	"github.com/sfzoom/sfzoom/internal/zoom/zoomtest"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// meetings is an in-memory MeetingFinder.
type meetings struct{ m map[int64]*sfzoom.Meeting }

func (f meetings) FindMeetingByID(_ context.Context, orgID string, id int64) (*sfzoom.Meeting, error) {
	if m := f.m[id]; m != nil && m.OrgID == orgID {
		return m, nil
	}
	return nil, sfzoom.Errorf(sfzoom.ENOTFOUND, "Meeting not found.")
}

// auditLog is an in-memory Auditor.
type auditLog struct {
	mu      sync.Mutex
	entries []sfzoom.MediaAudit
}

func (a *auditLog) AppendMediaAudit(_ context.Context, e *sfzoom.MediaAudit) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.entries = append(a.entries, *e)
	return nil
}

func (a *auditLog) last(t *testing.T) sfzoom.MediaAudit {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.entries) == 0 {
		t.Fatal("no audit entry written")
	}
	return a.entries[len(a.entries)-1]
}

// after returns the first entry written after the first n: the proxy audits
// once the response is finished, which can be a moment after the client has
// read the last byte, so it waits for that entry (up to 5 s).
func (a *auditLog) after(t *testing.T, n int) sfzoom.MediaAudit {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		a.mu.Lock()
		if len(a.entries) > n {
			e := a.entries[n]
			a.mu.Unlock()
			return e
		}
		a.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatalf("no audit entry after the first %d", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (a *auditLog) len() int { a.mu.Lock(); defer a.mu.Unlock(); return len(a.entries) }

type bearer struct{ token string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

// env is a proxy wired to zoomtest and salesforcetest through the real
// clients, served by an httptest server at /media/{token}.
type env struct {
	clock   *clock
	zoom    *zoomtest.Server
	zc      *zoom.Client
	sf      *salesforcetest.Server
	demo    salesforcetest.Demo
	audit   *auditLog
	proxy   *recordings.Proxy
	signer  *recordings.Signer
	srv     *httptest.Server
	meeting *sfzoom.Meeting
	video   zoomtest.RecordingFile
	storage atomic.Int64 // storage requests in flight
	// storageDone receives the bytes each finished storage request sent.
	storageDone chan int64
}

type countingWriter struct {
	http.ResponseWriter
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.ResponseWriter.Write(p)
	c.n += int64(n)
	return n, err
}

const (
	accessTTL = time.Minute
	urlTTL    = 15 * time.Minute
)

func setup(t testing.TB, videoSize int64, opts ...func(*recordings.Options)) *env {
	t.Helper()
	e := &env{clock: &clock{t: time.Now().UTC()}, audit: &auditLog{}, storageDone: make(chan int64, 64)}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	e.zoom = zoomtest.NewServer(zoomtest.WithoutListener(base), zoomtest.WithSeed(3))
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/_storage/") {
			e.storage.Add(1)
			cw := &countingWriter{ResponseWriter: w}
			defer func() {
				e.storage.Add(-1)
				select {
				case e.storageDone <- cw.n:
				default:
				}
			}()
			w = cw
		}
		e.zoom.Handler().ServeHTTP(w, r)
	})}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close(); e.zoom.Close() })

	host := e.zoom.AddUser(zoomtest.User{Email: "riley.chen@acme-demo.com", FirstName: "Riley", LastName: "Chen", Type: 2})
	zm, err := e.zoom.AddMeeting(zoomtest.Meeting{HostID: host.ID, Topic: "Renewal call", Duration: 30, StartTime: time.Now().Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	uuid := zm.UUID
	e.video, err = e.zoom.AddRecording(uuid, zoomtest.RecordingFile{FileType: "MP4", Size: videoSize})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.zoom.EndMeeting(context.Background(), zm.ID); err != nil {
		t.Fatal(err)
	}
	conf := clientcredentials.Config{ClientID: zoomtest.DefaultClientID, ClientSecret: zoomtest.DefaultClientSecret,
		TokenURL: e.zoom.TokenURL(), AuthStyle: oauth2.AuthStyleInHeader,
		EndpointParams: map[string][]string{"grant_type": {"account_credentials"}, "account_id": {zoomtest.DefaultAccountID}}}
	e.zc = zoom.NewClient(conf.Client(context.Background()), zoom.WithBaseURL(e.zoom.APIURL()), zoom.WithDemoDownloadOrigin(e.zoom.URL()))

	e.sf = salesforcetest.NewServer()
	t.Cleanup(e.sf.Close)
	e.demo = e.sf.SeedDemo()
	sfc, err := salesforce.NewClient(&http.Client{Transport: bearer{e.sf.IssueToken(e.demo.AdminID)}}, e.sf.URL())
	if err != nil {
		t.Fatal(err)
	}

	e.meeting = &sfzoom.Meeting{ID: 42, OrgID: e.demo.OrgID, ZoomMeetingID: zm.ID, ZoomUUID: uuid, HostSFUserID: e.demo.RepID,
		RecordObject: sfzoom.ObjectOpportunity, RecordID: e.demo.OpportunityIDs[0], Topic: "Renewal call"}
	e.signer, err = recordings.NewSigner([][]byte{[]byte("0123456789abcdef0123456789abcdef")}, urlTTL, e.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	popts := recordings.Options{
		Signer: e.signer,
		Access: recordings.NewAccessCache(func(ctx context.Context, orgID, userID, recordID string) (bool, error) {
			return sfc.CanRead(ctx, userID, recordID)
		}, accessTTL, e.clock.Now),
		Meetings: meetings{m: map[int64]*sfzoom.Meeting{e.meeting.ID: e.meeting}},
		Audit:    e.audit,
		Zoom:     func(context.Context, string, string) (recordings.Zoom, error) { return e.zc, nil },
		Now:      e.clock.Now,
	}
	for _, o := range opts {
		o(&popts)
	}
	e.proxy = recordings.NewProxy(popts)
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, _ := strings.CutPrefix(r.URL.Path, recordings.MediaPathPrefix)
		if err := e.proxy.Serve(w, r, token); err != nil {
			http.Error(w, sfzoom.ErrorMessage(err), httperr.Status(err))
		}
	}))
	t.Cleanup(e.srv.Close)
	return e
}

// url returns a signed media URL for user and file.
func (e *env) url(t testing.TB, userID, fileID string) string {
	t.Helper()
	p, err := e.signer.Path(recordings.Claims{OrgID: e.meeting.OrgID, UserID: userID, MeetingID: e.meeting.ID, FileID: fileID})
	if err != nil {
		t.Fatal(err)
	}
	return e.srv.URL + p
}

func get(t testing.TB, url string, header map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

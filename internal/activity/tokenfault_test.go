package activity_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/sfzoom/sfzoom/internal/activity"
	"github.com/sfzoom/sfzoom/internal/jobs"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/tokens"
	"github.com/sfzoom/sfzoom/internal/zoom"
	"github.com/sfzoom/sfzoom/internal/zoom/zoomtest"
)

// zoomUserConn is the host's per-user Zoom connection on a real token vault
// against the fake Zoom's OAuth endpoints.
type zoomUserConn struct {
	id int64
	zu *tokens.ZoomUser
}

// connectHost stores the host's Zoom connection (Riley, the rep) and wires
// the pipeline's Zoom client to it: a 401 invalidates the token and the call
// is retried once after a refresh. tokenTimeout is the vault's token request
// timeout; holder names the replica.
func connectHost(t *testing.T, e *env, st tokens.Store, holder string, tokenTimeout time.Duration) *zoomUserConn {
	t.Helper()
	ctx := context.Background()
	key, _ := tokens.NewKey("k1", make([]byte, 32))
	v, err := tokens.NewVault(st, []tokens.Key{key}, tokens.WithHolder(holder), tokens.WithHTTPClient(&http.Client{}),
		tokens.WithTokenTimeout(tokenTimeout), tokens.WithLease(4*tokenTimeout, 5*time.Millisecond), tokens.WithFailureBackoff(0))
	if err != nil {
		t.Fatal(err)
	}
	zu := tokens.NewZoomUser(v, tokens.ZoomUserConfig{ClientID: zoomtest.DefaultClientID, ClientSecret: zoomtest.DefaultClientSecret,
		RedirectURL: "https://sfzoom.example.com/oauth/zoom/callback", OAuthURL: e.zoom.URL()})
	c, err := e.be.Store.FindConnection(ctx, e.orgID, sfzoom.ProviderZoomUser, e.seed.RepID)
	if sfzoom.ErrorCode(err) == sfzoom.ENOTFOUND {
		c = &sfzoom.Connection{OrgID: e.orgID, Provider: sfzoom.ProviderZoomUser, Subject: e.seed.RepID, Status: sfzoom.ConnectionActive}
		err = e.be.Store.CreateConnection(ctx, c)
	}
	if err != nil {
		t.Fatal(err)
	}
	return &zoomUserConn{id: c.ID, zu: zu}
}

// authorize runs Zoom's authorization-code flow for the host (the fake
// approves at once) and stores the tokens: a (re)connect.
func (c *zoomUserConn) authorize(t *testing.T, e *env) {
	t.Helper()
	e.zoom.SetAutoApprove(true)
	verifier := tokens.GenerateVerifier()
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(c.zu.AuthCodeURL("state", verifier))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if loc == nil || loc.Query().Get("code") == "" {
		t.Fatalf("no code from the fake Zoom: %s %s", resp.Status, resp.Header.Get("Location"))
	}
	if _, err := c.zu.Exchange(context.Background(), c.id, loc.Query().Get("code"), verifier); err != nil {
		t.Fatalf("Exchange: %v", err)
	}
}

// client is the Zoom client the pipeline uses for the host.
func (c *zoomUserConn) client(e *env) *zoom.Client {
	return zoom.NewClient(c.zu.Client(context.Background(), c.id), zoom.WithBaseURL(e.zoom.APIURL()),
		zoom.WithSleeper(func(context.Context, time.Duration) error { return nil }),
		zoom.WithReauthorizer(zoom.ReauthorizerFunc(func(context.Context) error {
			c.zu.Invalidate(c.id, "")
			return nil
		})))
}

func perUserPipeline(t *testing.T, e *env) *activity.Pipeline {
	t.Helper()
	if err := e.be.Store.UpsertUserMapping(context.Background(), &sfzoom.UserMapping{OrgID: e.orgID, SFUserID: e.seed.RepID,
		SFName: "Riley Rep", ZoomEmail: "riley.chen@acme-demo.com", Status: "matched"}); err != nil {
		t.Fatal(err)
	}
	return activity.New(activity.Options{Store: e.be.Store, Clients: e.cl, PublicURL: publicURL, Holder: "per-user", ZoomPerUser: true})
}

// TestLostTokenResponseDropsNoMeeting: the host's access token expires and
// Zoom's token endpoint rotates the refresh token but answers after the
// vault's token timeout (the lost answer of issue 19). The first attempt is
// retried, not cancelled; the next refresh gets invalid_grant, the vault
// finds nothing newer (Zoom documents no grace period for the previous
// refresh token,
// https://devforum.zoom.us/t/how-to-protect-against-losing-refresh-token-response/10375),
// and the meeting is parked as blocked with the reconnect fix, never
// cancelled; once the host reconnects it is logged.
func TestLostTokenResponseDropsNoMeeting(t *testing.T) {
	e := newEnv(t, sfzoom.ActivityModeDirect, true)
	ctx := context.Background()
	p := perUserPipeline(t, e)
	host := connectHost(t, e, e.be.Store, "replica-a", 200*time.Millisecond)
	host.authorize(t, e)
	e.cl.zc = host.client(e)
	uuid := endQuietly(t, e)

	e.zoom.ExpireTokens()
	e.zoom.DelayTokenResponses(2 * time.Second)
	err := p.LogMeeting(ctx, endedArgs(e, uuid))
	var cancel *river.JobCancelError
	if r := jobs.Result(err); r == nil || errors.As(r, &cancel) {
		t.Fatalf("outcome with a lost token answer = %v, want a retry", r)
	}
	if n := e.zoom.TokenRequests("refresh_token"); n != 1 {
		t.Fatalf("refresh requests = %d, want 1 (Zoom rotated, the answer was lost)", n)
	}

	e.zoom.DelayTokenResponses(0)
	wantParked(t, p.LogMeeting(ctx, endedArgs(e, uuid)))
	b := blockedOnly(t, e, uuid)
	if b.Provider != sfzoom.ProviderZoomUser || !strings.Contains(b.Fix, "Riley Rep must reconnect Zoom") {
		t.Fatalf("blocked = %+v, want Riley Rep's Zoom connection with the reconnect fix", b)
	}
	if c, err := e.be.Store.FindConnection(ctx, e.orgID, sfzoom.ProviderZoomUser, e.seed.RepID); err != nil || c.Status != sfzoom.ConnectionReconnect {
		t.Fatalf("connection = %+v, %v; want reconnect_required", c, err)
	}
	if n := len(e.events(t)); n != 0 {
		t.Fatalf("%d Events written without a token", n)
	}

	host.authorize(t, e) // Riley reconnects Zoom
	if n, err := p.Unblock(ctx, e.orgID, sfzoom.ProviderZoomUser, e.seed.RepID); err != nil || n != 1 {
		t.Fatalf("Unblock = %d, %v; want 1", n, err)
	}
	e.waitLogged(t, uuid)
	e.wantLoggedOnce(t)
}

// pausingStore pauses its replica right after the re-read under the refresh
// lease: the lease is lost (as when a paused process outlives it) and
// meanwhile other runs, then the replica resumes with the refresh token it
// had read.
type pausingStore struct {
	tokens.Store
	holder  string
	armed   atomic.Int32 // LoadToken calls until the pause; 0: off
	pauseFn func()
}

func (s *pausingStore) LoadToken(ctx context.Context, id int64) (*sfzoom.TokenRecord, error) {
	rec, err := s.Store.LoadToken(ctx, id)
	if s.armed.Load() > 0 && s.armed.Add(-1) == 0 {
		// The vault's lease name (internal/tokens leaseName).
		if err := s.Store.ReleaseLease(ctx, "tokens/connection/"+strconv.FormatInt(id, 10), s.holder); err != nil {
			return nil, err
		}
		s.pauseFn()
	}
	return rec, err
}

// TestSpentRefreshTokenRecoversFromVault: replica a pauses between reading
// the refresh token under its lease and sending it; its lease is lost and
// replica b refreshes and stores the rotated token. a's request gets
// invalid_grant; a re-reads the vault, uses b's token, and the meeting is
// logged with the connection still active.
func TestSpentRefreshTokenRecoversFromVault(t *testing.T) {
	e := newEnv(t, sfzoom.ActivityModeDirect, true)
	ctx := context.Background()
	p := perUserPipeline(t, e)
	ps := &pausingStore{Store: e.be.Store, holder: "replica-a"}
	a := connectHost(t, e, ps, "replica-a", time.Second)
	b := connectHost(t, e, e.be.Store, "replica-b", time.Second)
	a.authorize(t, e)
	e.cl.zc = a.client(e)
	uuid := endQuietly(t, e)
	old, err := a.zu.Token(ctx, a.id)
	if err != nil {
		t.Fatal(err)
	}

	var errB error
	ps.pauseFn = func() {
		b.zu.Invalidate(b.id, old.AccessToken) // b, too, has seen Zoom refuse it
		_, errB = b.zu.Token(ctx, b.id)
	}
	e.zoom.ExpireTokens()
	ps.armed.Store(2) // a's token lookup, then its re-read under the lease
	if err := p.LogMeeting(ctx, endedArgs(e, uuid)); err != nil {
		t.Fatalf("LogMeeting after the refresh token was spent elsewhere: %v", err)
	}
	if errB != nil {
		t.Fatalf("replica b's refresh: %v", errB)
	}
	e.wantLoggedOnce(t)
	if n := e.zoom.TokenRequests("refresh_token"); n != 2 {
		t.Errorf("refresh requests = %d, want 2 (b's, and a's refused one)", n)
	}
	if c, err := e.be.Store.FindConnection(ctx, e.orgID, sfzoom.ProviderZoomUser, e.seed.RepID); err != nil || c.Status != sfzoom.ConnectionActive {
		t.Errorf("connection = %+v, %v; want active", c, err)
	}
	if _, total, _ := e.be.Store.FindBlockedMeetings(ctx, sfzoom.BlockedMeetingFilter{OrgID: e.orgID}); total != 0 {
		t.Errorf("%d meetings blocked, want 0", total)
	}
}

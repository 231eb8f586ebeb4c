package loadgen

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"

	"github.com/sfzoom/sfzoom/internal/appsession"
	"github.com/sfzoom/sfzoom/internal/backend"
	"github.com/sfzoom/sfzoom/internal/canvas"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/web"
)

// The org, users and secrets of the servers under load.
const (
	OrgID          = "00Dxx0000001gPFEAY"
	UserID         = "005xx000001SwiUAAS"
	RecordID       = "006xx000004TmiQAAS"
	HostID         = "z8yCxjabcdEFGHfp8uQ"
	AccountID      = "acc-bench"
	InstanceURL    = "https://acme.my.salesforce.com"
	WebhookSecret  = "whsec-bench-secret"
	ConsumerSecret = "bench-consumer-secret"
)

// unlimited lifts the per-IP limits: a load generator is one address
// sending far more than any Zoom sender or office, and the benchmarks
// measure what sfzoom can serve, not what it lets one address send.
var unlimited = web.RateLimit{Rate: math.MaxFloat64, Burst: math.MaxInt32}

// OpenBackend opens an insert-only backend (jobs are stored, not worked) at
// databaseURL, with OrgID's rep mapped to the Zoom host HostID so every
// delivery of a Webhook is routed to the org, as in production.
func OpenBackend(ctx context.Context, databaseURL string) (*backend.Backend, error) {
	be, err := backend.Open(ctx, backend.Options{DatabaseURL: databaseURL})
	if err != nil {
		return nil, fmt.Errorf("loadgen: %w", err)
	}
	if err := be.Store.UpsertOrg(ctx, &sfzoom.Org{ID: OrgID, Name: "Acme"}); err != nil {
		be.Close()
		return nil, fmt.Errorf("loadgen: %w", err)
	}
	if err := be.Store.UpsertUserMapping(ctx, &sfzoom.UserMapping{OrgID: OrgID, SFUserID: UserID, ZoomUserID: HostID,
		ZoomEmail: "sam@example.com", Source: "email", Status: "mapped"}); err != nil {
		be.Close()
		return nil, fmt.Errorf("loadgen: %w", err)
	}
	return be, nil
}

// WebhookServer returns sfzoom's echo server with the Zoom webhook on be's
// store, verifying with WebhookSecret.
func WebhookServer(be *backend.Backend) (http.Handler, error) {
	srv, err := web.NewServer(web.Options{Store: be.Store,
		RateLimits: web.RateLimits{Canvas: unlimited, ZoomWebhook: unlimited},
		Webhook:    &web.ZoomWebhook{Secret: []byte(WebhookSecret), Store: be.Store}})
	if err != nil {
		return nil, fmt.Errorf("loadgen: %w", err)
	}
	return srv.Handler(), nil
}

// CanvasServer returns sfzoom's echo server with the Canvas entry point on
// be's store, verifying with ConsumerSecret. The replay guard answers as
// canvas.TokenChecker does from its cache (every reload within its TTL).
func CanvasServer(be *backend.Backend) (http.Handler, error) {
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i)
	}
	codec, err := appsession.NewCodec([][]byte{key})
	if err != nil {
		return nil, fmt.Errorf("loadgen: %w", err)
	}
	srv, err := web.NewServer(web.Options{
		Store:      be.Store,
		PublicURL:  &url.URL{Scheme: "https", Host: "sfzoom.example.com"},
		RateLimits: web.RateLimits{Canvas: unlimited, ZoomWebhook: unlimited},
		Canvas: &web.CanvasOptions{
			ConsumerSecrets: canvas.UnboundSecrets([]byte(ConsumerSecret)),
			Sessions:        codec,
			TokenChecker:    cachedChecker{canvas.Identity{OrgID: OrgID, UserID: UserID, InstanceURL: InstanceURL}},
			Orgs:            be.Store,
		},
	})
	if err != nil {
		return nil, fmt.Errorf("loadgen: %w", err)
	}
	return srv.Handler(), nil
}

// cachedChecker answers the replay guard as canvas.TokenChecker does from
// its cache: the token is alive and belongs to the user.
type cachedChecker struct{ id canvas.Identity }

func (c cachedChecker) Check(context.Context, *canvas.Request) (canvas.Identity, error) {
	return c.id, nil
}

// Deliveries returns the Webhook load for a server at base (its root URL).
func Deliveries(base, run string) Webhook {
	return Webhook{URL: base + web.ZoomWebhookPath, Secret: []byte(WebhookSecret), HostID: HostID, AccountID: AccountID, Run: run}
}

// Opens returns the Canvas load for a server at base.
func Opens(base string) CanvasOpen {
	return CanvasOpen{URL: base + "/canvas", Secret: []byte(ConsumerSecret), OrgID: OrgID, UserID: UserID, RecordID: RecordID,
		InstanceURL: InstanceURL}
}

package web

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// RateLimit is a per-client-IP token bucket: Rate requests per second on
// average, Burst at once.
type RateLimit struct {
	Rate  float64
	Burst int
}

// RateLimits are the per-client-IP limits of the unauthenticated POST
// routes. A zero value takes the default.
type RateLimits struct {
	// Canvas limits POST /canvas. The signed request is posted by each
	// user's browser, so an office behind one NAT shares a bucket; the
	// default (5/s, burst 60) is far above what reloading record pages
	// needs.
	Canvas RateLimit
	// ZoomWebhook limits POST /webhooks/zoom. Zoom delivers from a few
	// addresses and bursts when many meetings end or recordings complete at
	// once; the default (50/s, burst 1000) absorbs that, while a flood from
	// one address is refused early (Zoom retries deliveries that fail,
	// https://developers.zoom.us/docs/api/webhooks/).
	ZoomWebhook RateLimit
}

var (
	defaultCanvasLimit  = RateLimit{Rate: 5, Burst: 60}
	defaultWebhookLimit = RateLimit{Rate: 50, Burst: 1000}
)

const (
	maxTrackedClients = 100000           // bound on remembered client IPs per route
	clientIdleAfter   = 10 * time.Minute // a bucket unused this long is forgotten
)

// ipLimiter keeps one token bucket per client IP, bounded in size.
type ipLimiter struct {
	limit rate.Limit
	burst int
	now   func() time.Time

	mu      sync.Mutex
	clients map[string]*client
}

type client struct {
	lim  *rate.Limiter
	seen time.Time
}

func newIPLimiter(l RateLimit, def RateLimit, now func() time.Time) *ipLimiter {
	if l.Rate <= 0 {
		l.Rate = def.Rate
	}
	if l.Burst <= 0 {
		l.Burst = def.Burst
	}
	return &ipLimiter{limit: rate.Limit(l.Rate), burst: l.Burst, now: now, clients: map[string]*client{}}
}

// allow takes a token for ip; when refused it says how long to wait.
func (l *ipLimiter) allow(ip string) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.clients[ip]
	if c == nil {
		if len(l.clients) >= maxTrackedClients {
			l.evict(now)
		}
		c = &client{lim: rate.NewLimiter(l.limit, l.burst)}
		l.clients[ip] = c
	}
	c.seen = now
	r := c.lim.ReserveN(now, 1)
	if !r.OK() {
		return false, time.Second
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// evict forgets idle clients, then arbitrary ones if still full.
func (l *ipLimiter) evict(now time.Time) {
	for ip, c := range l.clients {
		if now.Sub(c.seen) > clientIdleAfter {
			delete(l.clients, ip)
		}
	}
	for ip := range l.clients {
		if len(l.clients) < maxTrackedClients {
			return
		}
		delete(l.clients, ip)
	}
}

// rateLimiter applies the per-route limiters.
type rateLimiter struct {
	routes  map[string]*ipLimiter // "METHOD route"
	limited *prometheus.CounterVec
}

func newRateLimiter(opts RateLimits, now func() time.Time, reg prometheus.Registerer) (*rateLimiter, error) {
	rl := &rateLimiter{
		routes: map[string]*ipLimiter{
			http.MethodPost + " /canvas":            newIPLimiter(opts.Canvas, defaultCanvasLimit, now),
			http.MethodPost + " " + ZoomWebhookPath: newIPLimiter(opts.ZoomWebhook, defaultWebhookLimit, now),
		},
		limited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sfzoom_http_rate_limited_total",
			Help: "Requests refused with 429 by the per-client-IP rate limit, by route.",
		}, []string{"route"}),
	}
	if err := reg.Register(rl.limited); err != nil {
		return nil, err
	}
	return rl, nil
}

// middleware refuses a client over its route's limit with 429 and
// Retry-After. Routes without a limit pass through.
func (rl *rateLimiter) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		l := rl.routes[c.Request().Method+" "+c.Path()]
		if l == nil {
			return next(c)
		}
		ok, wait := l.allow(c.RealIP())
		if !ok {
			rl.limited.WithLabelValues(c.Path()).Inc()
			c.Response().Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
			return sfzoom.Errorf(sfzoom.ERATELIMIT, "Too many requests from your network; wait a few seconds and try again.")
		}
		return next(c)
	}
}

// metricMethod bounds the method label of the HTTP metrics: any method
// outside the standard ones is counted as OTHER, so a client cannot create a
// series per made-up method.
func metricMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}

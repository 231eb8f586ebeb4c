package salesforce

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sfzoom/sfzoom/internal/httpretry"
)

// Priority says whether a call serves a person waiting on a page
// (Interactive, the default) or a job (Background). Background calls are
// refused early when the org's API budget runs low, so jobs never starve
// the reps.
type Priority int

// Priorities.
const (
	Interactive Priority = iota
	Background
)

type priorityKey struct{}

// WithPriority returns a copy of ctx carrying p.
func WithPriority(ctx context.Context, p Priority) context.Context {
	return context.WithValue(ctx, priorityKey{}, p)
}

// PriorityFromContext returns the priority carried by ctx (Interactive when none).
func PriorityFromContext(ctx context.Context) Priority {
	p, _ := ctx.Value(priorityKey{}).(Priority)
	return p
}

// Budget is the org's daily API usage as last reported by the
// Sforce-Limit-Info header.
type Budget struct {
	Used      int64
	Max       int64
	UpdatedAt time.Time // zero until a response carried the header
}

// Share returns Used/Max, or 0 when unknown.
func (b Budget) Share() float64 {
	if b.Max <= 0 {
		return 0
	}
	return float64(b.Used) / float64(b.Max)
}

type budget struct {
	mu sync.Mutex
	b  Budget
}

// ParseLimitInfo parses a Sforce-Limit-Info header such as
// "api-usage=18/5000" or "api-usage=10018/100000; api-bursts=1/750"
// (docs/salesforce-api.md §8) and returns the api-usage pair.
func ParseLimitInfo(h string) (used, max int64, ok bool) {
	for part := range strings.SplitSeq(h, ";") {
		k, v, found := strings.Cut(strings.TrimSpace(part), "=")
		if !found || !strings.EqualFold(strings.TrimSpace(k), "api-usage") {
			continue
		}
		v, _, _ = strings.Cut(v, "(")
		us, ms, found := strings.Cut(strings.TrimSpace(v), "/")
		if !found {
			return 0, 0, false
		}
		u, err1 := strconv.ParseInt(strings.TrimSpace(us), 10, 64)
		m, err2 := strconv.ParseInt(strings.TrimSpace(ms), 10, 64)
		if err1 != nil || err2 != nil || u < 0 || m <= 0 {
			return 0, 0, false
		}
		return u, m, true
	}
	return 0, 0, false
}

// Budget returns the latest API usage seen.
func (c *Client) Budget() Budget {
	c.budget.mu.Lock()
	defer c.budget.mu.Unlock()
	return c.budget.b
}

func (c *Client) observe(r *response) {
	if r == nil {
		return
	}
	used, max, ok := ParseLimitInfo(r.Header.Get("Sforce-Limit-Info"))
	if !ok {
		return
	}
	c.budget.mu.Lock()
	c.budget.b = Budget{Used: used, Max: max, UpdatedAt: c.now()}
	c.budget.mu.Unlock()
	c.metrics.used.Set(float64(used))
	c.metrics.max.Set(float64(max))
}

func (c *Client) checkBudget(ctx context.Context) error {
	if PriorityFromContext(ctx) != Background {
		return nil
	}
	b := c.Budget()
	if b.Max > 0 && b.Share() >= c.bgShare {
		return &RateLimitError{
			RetryAfter: 15 * time.Minute,
			Daily:      true,
			Message:    fmt.Sprintf("background call refused: API usage %d/%d is above %.0f%%", b.Used, b.Max, c.bgShare*100),
		}
	}
	return nil
}

type metrics struct {
	used, max, breaker prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		used: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "sfzoom", Subsystem: "salesforce", Name: "api_usage_used",
			Help: "Daily API requests used, from the last Sforce-Limit-Info header.",
		}),
		max: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "sfzoom", Subsystem: "salesforce", Name: "api_usage_max",
			Help: "Daily API request allowance, from the last Sforce-Limit-Info header.",
		}),
		breaker: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "sfzoom", Subsystem: "salesforce", Name: "breaker_state",
			Help: "Circuit breaker state: 0 closed, 1 half-open, 2 open.",
		}),
	}
	if reg != nil {
		m.used = register(reg, m.used)
		m.max = register(reg, m.max)
		m.breaker = register(reg, m.breaker)
	}
	return m
}

// register registers g, or returns the gauge already registered under the
// same name so several clients can share a registry (httpretry.Register).
// Any other registration error leaves g working unregistered.
func register(reg prometheus.Registerer, g prometheus.Gauge) prometheus.Gauge {
	g, _ = httpretry.Register(reg, g)
	return g
}

func (c *Client) newBreaker() *httpretry.Breaker {
	s := c.brkSettings
	if s.Name == "" {
		s.Name = "salesforce"
	}
	s.Now = c.now
	prev := s.OnStateChange
	s.OnStateChange = func(name string, from, to httpretry.State) {
		c.metrics.breaker.Set(float64(to))
		c.logger.Warn("salesforce: circuit breaker state change", "from", from.String(), "to", to.String())
		if prev != nil {
			prev(name, from, to)
		}
	}
	return httpretry.NewBreaker(s)
}

// BreakerState returns the circuit breaker's current state.
func (c *Client) BreakerState() httpretry.State { return c.breaker.State() }

// BreakerRetryAt returns when the open breaker lets a trial request through
// again; zero when it is not open.
func (c *Client) BreakerRetryAt() time.Time { return c.breaker.RetryAt() }

// FailingSince returns when the org's current streak of failed calls
// began; zero while Salesforce answers.
func (c *Client) FailingSince() time.Time { return c.breaker.FailingSince() }

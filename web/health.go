package web

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// handleHealthz is the liveness probe: the process serves HTTP.
func (s *Server) handleHealthz(c echo.Context) error {
	return c.String(http.StatusOK, "ok\n")
}

type readyCheck struct {
	Name  string `json:"name"`
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

// handleReadyz is the readiness probe: the database answers, its migrations
// are applied, a webhook delivery can be stored right now (the write probe:
// a corrupted SQLite file or a full disk answers reads but not writes) and
// every extra check passes. 503 lists what is not ready, so a load balancer
// stops routing here and Zoom's retries reach a healthy replica.
func (s *Server) handleReadyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 3*time.Second)
	defer cancel()
	checks := []ReadinessCheck{
		{Name: "database", Check: s.opts.Store.Ping},
		{Name: "migrations", Check: s.opts.Store.CheckMigrations},
		{Name: "storage", Check: s.storage.Check},
	}
	checks = append(checks, s.opts.Readiness...)
	status, results := http.StatusOK, make([]readyCheck, 0, len(checks))
	for _, ch := range checks {
		r := readyCheck{Name: ch.Name, OK: true}
		if err := ch.Check(ctx); err != nil {
			// /readyz is reachable by anyone who can reach sfzoom: it says
			// which check failed and why in words, while driver errors
			// (hosts, users, database names) go only to the log.
			r.OK, status = false, http.StatusServiceUnavailable
			r.Error = sfzoom.ErrorMessage(err)
			if sfzoom.ErrorCode(err) == sfzoom.EINTERNAL {
				r.Error = "Not ready; the reason is in sfzoom's log."
			}
			s.log.WarnContext(ctx, "readiness check failed", "check", ch.Name, "err", err.Error())
		}
		results = append(results, r)
	}
	return c.JSON(status, map[string]any{"ready": status == http.StatusOK, "checks": results, "version": s.opts.Version})
}

// storageProbeTTL is how long a write probe's result is reused: load
// balancers poll /readyz every few seconds on every replica, and one small
// committed transaction per window is enough to notice a failing disk
// within seconds.
const storageProbeTTL = 2 * time.Second

// CachedCheck returns check run at most once per ttl (for a readiness check
// too costly to run on every probe): callers within the window share the
// last result, and concurrent callers wait for one run.
func CachedCheck(check func(ctx context.Context) error, ttl time.Duration, now func() time.Time) func(ctx context.Context) error {
	return (&cachedCheck{check: check, ttl: ttl, now: now}).Check
}

// cachedCheck runs check at most once per ttl; callers within the window
// share the last result, and concurrent callers wait for one run.
type cachedCheck struct {
	check func(ctx context.Context) error
	ttl   time.Duration
	now   func() time.Time

	mu  sync.Mutex
	at  time.Time
	err error
}

// Check returns the cached result, or runs the check when it is older than ttl.
func (c *cachedCheck) Check(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at.IsZero() && c.now().Sub(c.at) < c.ttl {
		return c.err
	}
	c.err = c.check(ctx)
	c.at = c.now()
	return c.err
}

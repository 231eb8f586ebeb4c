package httpretry

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// Register registers c (a client's usage or breaker-state gauge) with reg.
// When several clients share a registry, the collector registered first under
// the same name is returned instead, so they all update one gauge. Any other
// registration error is returned with c, which then works unregistered.
func Register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	if err == nil {
		return c, nil
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, err
}

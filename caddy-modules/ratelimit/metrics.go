package ratelimit

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the module's Prometheus counters, in Caddy's registry.
type metrics struct {
	requests    *prometheus.CounterVec
	storeErrors *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	req, err := register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "kw_rate_limit_requests_total",
		Help: "Requests counted by a rate-limit zone, by outcome (allowed, limited).",
	}, []string{"zone", "outcome"}))
	if err != nil {
		return nil, err
	}
	se, err := register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "kw_rate_limit_store_errors_total",
		Help: "Requests a rate-limit zone could not count because its store failed, " +
			"by the zone's policy (closed: refused with 503, open: let through).",
	}, []string{"zone", "on_store_error"}))
	if err != nil {
		return nil, err
	}
	return &metrics{requests: req, storeErrors: se}, nil
}

// register registers c, or returns the collector already registered under
// its name (a second handler, or a config reload).
func register(reg prometheus.Registerer, c *prometheus.CounterVec) (*prometheus.CounterVec, error) {
	if reg == nil {
		return c, nil
	}
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(*prometheus.CounterVec); ok {
			return existing, nil
		}
	}
	return c, err
}

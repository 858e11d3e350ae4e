package tokencheck

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics of a revocation set. Names are stable; see the package comment.
type metrics struct {
	stale       prometheus.Gauge
	entries     prometheus.Gauge
	resyncs     prometheus.Counter
	redisErrors prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		stale: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kw_edge_revocations_stale",
			Help: "1 while the revocation set is older than its allowed staleness and credentials are refused",
		}),
		entries: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kw_edge_revocations_entries",
			Help: "revoked sessions, token ids and api keys held after the last resync",
		}),
		resyncs: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kw_edge_revocation_resyncs_total",
			Help: "loads of the revocation sorted sets from redis",
		}),
		redisErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kw_edge_revocation_redis_errors_total",
			Help: "errors of the revocation subscription or resync",
		}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	m.stale, err = register(reg, m.stale)
	if err == nil {
		m.entries, err = register(reg, m.entries)
	}
	if err == nil {
		m.resyncs, err = register(reg, m.resyncs)
	}
	if err == nil {
		m.redisErrors, err = register(reg, m.redisErrors)
	}
	return m, err
}

// register adds c to reg, or returns the collector already registered under
// its name (a second set in the same process shares the metric).
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, err
}

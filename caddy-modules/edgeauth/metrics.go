package edgeauth

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// newRefusals returns the counter of refused requests by reason, registered
// in reg (or the one already registered there by another kw_auth).
func newRefusals(reg prometheus.Registerer) (*prometheus.CounterVec, error) {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "kw_edge_auth_refusals_total",
		Help: "requests kw_auth refused, by reason (missing, expired, revoked, ...)",
	}, []string{"reason"})
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(*prometheus.CounterVec); ok {
			return existing, nil
		}
	}
	return c, err
}

package gateway

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics counts what the gateway does. A nil *Metrics counts nothing.
type Metrics struct {
	conns       prometheus.Gauge
	sockets     prometheus.Gauge
	rooms       prometheus.Gauge
	in          prometheus.Counter
	out         prometheus.Counter
	disconnects *prometheus.CounterVec
	refusals    *prometheus.CounterVec
	HookLatency *prometheus.HistogramVec
}

// NewMetrics creates the gateway's collectors and registers them with reg.
// A collector already registered (a config reload) is reused.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	const ns = "kernelwork_gateway"
	m := &Metrics{
		conns:   prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Name: "connections", Help: "Open Engine.IO connections."}),
		sockets: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Name: "sockets", Help: "Connected Socket.IO sockets."}),
		rooms:   prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Name: "rooms", Help: "Rooms with at least one local socket."}),
		in:      prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Name: "messages_in_total", Help: "Engine.IO messages received from clients."}),
		out:     prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Name: "messages_out_total", Help: "Engine.IO packets queued for clients."}),
		disconnects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Name: "disconnects_total",
			Help: "Closed connections by reason; reason=\"slow client\" counts slow-client disconnects.",
		}, []string{"reason"}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Name: "refusals_total",
			Help: "Refused handshakes and connects by cause.",
		}, []string{"cause"}),
		HookLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: ns, Name: "hook_seconds",
			Help: "Latency of hooks to the core.", Buckets: prometheus.DefBuckets,
		}, []string{"hook", "outcome"}),
	}
	var err error
	m.conns = register(reg, m.conns, &err)
	m.sockets = register(reg, m.sockets, &err)
	m.rooms = register(reg, m.rooms, &err)
	m.in = register(reg, m.in, &err)
	m.out = register(reg, m.out, &err)
	m.disconnects = register(reg, m.disconnects, &err)
	m.refusals = register(reg, m.refusals, &err)
	m.HookLatency = register(reg, m.HookLatency, &err)
	return m, err
}

// register registers c, or returns the collector already registered under
// its name.
func register[T prometheus.Collector](reg prometheus.Registerer, c T, errp *error) T {
	if reg == nil {
		return c
	}
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(T); ok {
			return existing
		}
	}
	if err != nil && *errp == nil {
		*errp = err
	}
	return c
}

func (m *Metrics) connOpened() {
	if m != nil {
		m.conns.Inc()
	}
}

func (m *Metrics) connClosed() {
	if m != nil {
		m.conns.Dec()
	}
}

func (m *Metrics) socketOpened() {
	if m != nil {
		m.sockets.Inc()
	}
}

func (m *Metrics) socketClosed() {
	if m != nil {
		m.sockets.Dec()
	}
}

func (m *Metrics) roomCreated() {
	if m != nil {
		m.rooms.Inc()
	}
}

func (m *Metrics) roomDeleted() {
	if m != nil {
		m.rooms.Dec()
	}
}

func (m *Metrics) received() {
	if m != nil {
		m.in.Inc()
	}
}

func (m *Metrics) sent(n int) {
	if m != nil {
		m.out.Add(float64(n))
	}
}

func (m *Metrics) disconnected(reason string) {
	if m != nil {
		m.disconnects.WithLabelValues(reason).Inc()
	}
}

func (m *Metrics) refused(cause string) {
	if m != nil {
		m.refusals.WithLabelValues(cause).Inc()
	}
}

// Refused counts a refusal decided outside the package (such as a failed
// authentication).
func (m *Metrics) Refused(cause string) { m.refused(cause) }

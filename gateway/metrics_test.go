package gateway_test

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kernelwork/kernelwork/gateway"
)

func TestMetricsCountSocketsRoomsMessagesAndSlowClients(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := gateway.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gateway.NewMetrics(reg); err != nil {
		t.Fatalf("registering again (a config reload): %v", err)
	}
	srv, base := startReference(t, gateway.Options{Metrics: m, SendQueue: 4})
	c := openRaw(t, base)
	_, _ = c.post("40")
	_, _ = c.get()
	_, _ = c.post(`42["message","x"]`)
	want := map[string]float64{
		"kernelwork_gateway_sockets":           1,
		"kernelwork_gateway_connections":       1,
		"kernelwork_gateway_rooms":             1,
		"kernelwork_gateway_messages_in_total": 2,
	}
	for name, v := range want {
		if got := gauge(t, reg, name); got != v {
			t.Errorf("%s = %v, want %v", name, got, v)
		}
	}
	for i := 0; i < 10; i++ {
		_ = srv.Of("/").Broadcast(context.Background(), gateway.Broadcast{Event: "tick"})
	}
	eventually(t, "slow client close", c.gone)
	if n := labelled(t, reg, "kernelwork_gateway_disconnects_total", "reason", "slow client"); n != 1 {
		t.Errorf("slow-client disconnects = %v", n)
	}
	if got := gauge(t, reg, "kernelwork_gateway_sockets"); got != 0 {
		t.Errorf("sockets after the close = %v", got)
	}
}

func gauge(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			m := mf.GetMetric()[0]
			if m.GetGauge() != nil {
				return m.GetGauge().GetValue()
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

// labelled returns the value of the series of name whose label has value.
func labelled(t *testing.T, reg *prometheus.Registry, name, label, value string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == label && l.GetValue() == value {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

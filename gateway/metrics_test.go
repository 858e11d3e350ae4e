package gateway_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/kernelwork/kernelwork/caddy-modules/tokencheck"
	"github.com/kernelwork/kernelwork/gateway"
	"github.com/kernelwork/kernelwork/gateway/edge"
	"github.com/kernelwork/kernelwork/gateway/hooks"
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
	// the CONNECT reply, the handler's greeting and its message-back
	eventually(t, "three packets out", func() bool {
		return gauge(t, reg, "kernelwork_gateway_messages_out_total") == 3
	})
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

// TestMetricsTimeTheHooks runs a socket's connect, event and disconnect
// hooks against a stand-in core, the event's once answered and once failed,
// and reads each call in kernelwork_gateway_hook_seconds.
func TestMetricsTimeTheHooks(t *testing.T) {
	core := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == hooks.PathEvent && strings.Contains(readAll(r), `"fail"`) {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		_, _ = fmt.Fprint(w, `{"accept":true}`)
	}))
	t.Cleanup(core.Close)
	reg := prometheus.NewRegistry()
	m, err := gateway.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	h, err := edge.New(edge.Config{
		Verifier: noTokens{}, Public: true, Metrics: m,
		Hooks: &edge.Hooks{BaseURL: core.URL, Client: core.Client(), Metrics: m},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := gateway.New(gateway.Options{AllowedOrigins: []string{testOrigin}, Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	srv.Handle("/", h)
	c := openRaw(t, serveHTTP(t, srv))
	_, _ = c.post("40")
	_, _ = c.get()
	_, _ = c.post("42[\"ok\"]\x1e42[\"fail\"]\x1e41")
	want := map[[2]string]uint64{
		{"connect", "ok"}: 1, {"event", "ok"}: 1, {"event", "error"}: 1, {"disconnect", "ok"}: 1,
	}
	eventually(t, "every hook timed", func() bool {
		for k, n := range want {
			if histogramCount(t, reg, "kernelwork_gateway_hook_seconds", k[0], k[1]) != n {
				return false
			}
		}
		return true
	})
}

// noTokens refuses every token: the namespace is public.
type noTokens struct{}

func (noTokens) Verify(context.Context, string) (*tokencheck.Claims, error) {
	return nil, errors.New("no tokens here")
}

func readAll(r *http.Request) string {
	b, _ := io.ReadAll(r.Body)
	return string(b)
}

// histogramCount returns the sample count of the hook_seconds series of
// hook and outcome.
func histogramCount(t *testing.T, reg *prometheus.Registry, name, hook, outcome string) uint64 {
	t.Helper()
	return series(t, reg, name, map[string]string{"hook": hook, "outcome": outcome}).GetHistogram().GetSampleCount()
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
	return series(t, reg, name, map[string]string{label: value}).GetCounter().GetValue()
}

// series returns the series of name that carries every label of want, or
// nil.
func series(t *testing.T, reg *prometheus.Registry, name string, want map[string]string) *dto.Metric {
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
			n := 0
			for _, l := range m.GetLabel() {
				if v, ok := want[l.GetName()]; ok && v == l.GetValue() {
					n++
				}
			}
			if n == len(want) {
				return m
			}
		}
	}
	return nil
}

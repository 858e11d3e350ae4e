package socketio

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kernelwork/kernelwork/caddy-modules/internal/redisproxy"
)

// TestStaleRevocationsRefuseSockets: once Redis has not answered for
// revocation_max_stale (1s here, 30s by default), a CONNECT is refused
// with the reason revocations_unavailable, and the set's staleness shows in
// Caddy's metrics.
func TestStaleRevocationsRefuseSockets(t *testing.T) {
	e := newLiveEdge(t)
	proxy, viaProxy := redisproxy.Start(t, e.redis)
	e.redis = viaProxy
	k := newSigner(t, "k1")
	port, metricsPort := freePort(t), freePort(t)
	stopCaddy(t)
	load(t, map[int]string{
		port:        e.directive("key_file k1 EdDSA "+k.pemFile(t), "revocation_max_stale 1s"),
		metricsPort: "metrics",
	})
	if got := eventually(5*time.Second, func() string {
		return connectOnce(t, port, k.token(time.Now(), time.Minute, nil))
	}); got != "" {
		t.Fatalf("while redis answers: %q", got)
	}
	if v := staleGauge(t, metricsPort); v != "0" {
		t.Fatalf("kw_edge_revocations_stale %q while redis answers", v)
	}
	proxy.Cut()
	time.Sleep(2 * time.Second)
	if got := connectOnce(t, port, k.token(time.Now(), time.Minute, nil)); got != "revocations_unavailable" {
		t.Fatalf("2s after redis went away, with revocation_max_stale 1s: %q", got)
	}
	if v := staleGauge(t, metricsPort); v != "1" {
		t.Fatalf("kw_edge_revocations_stale %q after redis went away", v)
	}
}

// staleGauge reads kw_edge_revocations_stale from Caddy's metrics.
func staleGauge(t *testing.T, port int) string {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", port))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, "kw_edge_revocations_stale "); ok {
			return v
		}
	}
	return "absent"
}

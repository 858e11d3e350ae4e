package socketio

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// cuttableProxy forwards TCP connections to a server until cut, which
// closes every connection and refuses new ones, as a Redis that went away.
type cuttableProxy struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func newCuttableProxy(t *testing.T, upstream string) *cuttableProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cuttableProxy{ln: ln}
	go p.serve(upstream)
	t.Cleanup(p.cut)
	return p
}

func (p *cuttableProxy) serve(upstream string) {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		u, err := net.Dial("tcp", upstream)
		if err != nil {
			_ = c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, u)
		p.mu.Unlock()
		go func() { _, _ = io.Copy(u, c); _ = u.Close() }()
		go func() { _, _ = io.Copy(c, u); _ = c.Close() }()
	}
}

// cut closes the listener and every forwarded connection.
func (p *cuttableProxy) cut() {
	_ = p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
}

// through returns redisURL with its host replaced by the proxy's address.
func (p *cuttableProxy) through(t *testing.T, redisURL string) string {
	t.Helper()
	u, err := url.Parse(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = p.ln.Addr().String()
	return u.String()
}

func redisHost(t *testing.T, redisURL string) string {
	t.Helper()
	u, err := url.Parse(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

// TestStaleRevocationsRefuseSockets: once Redis has not answered for
// revocation_max_stale (1s here, 30s by default), a CONNECT is refused
// with the reason revocations_unavailable, and the set's staleness shows in
// Caddy's metrics.
func TestStaleRevocationsRefuseSockets(t *testing.T) {
	e := newLiveEdge(t)
	proxy := newCuttableProxy(t, redisHost(t, e.redis))
	e.redis = proxy.through(t, e.redis)
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
	proxy.cut()
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

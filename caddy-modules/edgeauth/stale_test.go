package edgeauth

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kernelwork/kernelwork/caddy-modules/internal/redisproxy"
	"github.com/kernelwork/kernelwork/core/problem"
)

// staleEdge starts kw_auth with the given Redis and revocation_max_stale in
// front of a fixed answer, and Caddy's metrics on metricsPort; it returns
// the edge's base URL.
func staleEdge(t *testing.T, key *tokenKey, redisURL string, maxStale time.Duration, metricsPort int) string {
	t.Helper()
	port := freePort(t)
	startCaddy(t, fmt.Sprintf(`http://127.0.0.1:%d {
	kw_auth {
		issuer https://edge.test
		audience kernelwork
		key_file k1 EdDSA %s
		redis_url %s
		revocation_max_stale %s
	}
	respond "reached" 200
}

http://127.0.0.1:%d {
	metrics
}
`, port, key.path, redisURL, maxStale, metricsPort))
	return fmt.Sprintf("http://127.0.0.1:%d", port)
}

// TestStaleRevocationsRefuseWith503: with Redis unreachable from the
// start, the set is never loaded, every token is refused with 503 and
// kw_edge_revocations_stale reads 1.
func TestStaleRevocationsRefuseWith503(t *testing.T) {
	key := newTokenKey(t)
	deadRedis := fmt.Sprintf("redis://127.0.0.1:%d", freePort(t))
	metricsPort := freePort(t)
	base := staleEdge(t, key, deadRedis, time.Second, metricsPort)
	status, hdr, _ := call(t, "GET", base+"/", [][2]string{bearer(key.mint(claims(randomUUID())))})
	if status != http.StatusServiceUnavailable || hdr.Get("Retry-After") == "" ||
		!strings.Contains(hdr.Get("WWW-Authenticate"), "revocations_unavailable") {
		t.Fatalf("status %d, headers %v", status, hdr)
	}
	if v := eventuallyGauge(t, metricsPort, "1", time.Second); v != "1" {
		t.Fatalf("kw_edge_revocations_stale %q with redis unreachable", v)
	}
}

// TestStaleRevocationsRefuseWith503AfterRedisGoesAway: the edge reaches
// Redis through a proxy. While Redis answers, tokens pass; once it goes
// away they keep passing on the last known set until revocation_max_stale
// (2s here, 30s by default) has run out, then every token gets 503 with the
// problem type "unavailable" and kw_edge_revocations_stale reads 1.
func TestStaleRevocationsRefuseWith503AfterRedisGoesAway(t *testing.T) {
	const maxStale = 2 * time.Second
	proxy, viaProxy := redisproxy.Start(t, redisURL(t))
	key := newTokenKey(t)
	metricsPort := freePort(t)
	e := &echoEdge{base: staleEdge(t, key, viaProxy, maxStale, metricsPort), key: key}
	e.waitFresh(t)
	if v := staleGauge(t, metricsPort); v != "0" {
		t.Fatalf("kw_edge_revocations_stale %q while redis answers", v)
	}

	proxy.Cut()
	cut := time.Now()
	refusedAt, hdr, body := firstRefusal(t, e, cut.Add(maxStale+2*time.Second))
	// the set was confirmed at most one ping (max_stale/4) before the cut
	if early := maxStale - maxStale/4 - 200*time.Millisecond; refusedAt < early {
		t.Fatalf("refused %v after redis went away, before the stale bound (%v)", refusedAt, maxStale)
	}
	t.Logf("first refusal %v after redis went away", refusedAt)
	var p problemBody
	if err := json.Unmarshal(body, &p); err != nil || p.Type != problem.Unavailable.Type ||
		p.Status != http.StatusServiceUnavailable || hdr.Get("Retry-After") == "" ||
		!strings.Contains(hdr.Get("WWW-Authenticate"), "revocations_unavailable") {
		t.Fatalf("refusal %s, headers %v", body, hdr)
	}
	if v := eventuallyGauge(t, metricsPort, "1", time.Second); v != "1" {
		t.Fatalf("kw_edge_revocations_stale %q after redis went away", v)
	}
}

// firstRefusal sends a fresh token every 50ms until one is not answered
// with 200 or deadline passes, and returns how long after the start the
// refusal came, with its headers and body. Any status but 200 and 503
// fails the test.
func firstRefusal(t *testing.T, e *echoEdge, deadline time.Time) (time.Duration, http.Header, []byte) {
	t.Helper()
	start := time.Now()
	for time.Now().Before(deadline) {
		status, hdr, body := call(t, "GET", e.base+"/", [][2]string{bearer(e.key.mint(claims(randomUUID())))})
		switch status {
		case http.StatusOK:
			time.Sleep(50 * time.Millisecond)
		case http.StatusServiceUnavailable:
			return time.Since(start), hdr, body
		default:
			t.Fatalf("status %d: %s", status, body)
		}
	}
	t.Fatalf("tokens still pass %v after redis went away", time.Since(start))
	return 0, nil, nil
}

// eventuallyGauge reads kw_edge_revocations_stale until it is want or
// within has passed, and returns the last value read.
func eventuallyGauge(t *testing.T, port int, want string, within time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		v := staleGauge(t, port)
		if v == want || time.Now().After(deadline) {
			return v
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// staleGauge reads kw_edge_revocations_stale from Caddy's metrics.
func staleGauge(t *testing.T, port int) string {
	t.Helper()
	status, _, body := call(t, "GET", fmt.Sprintf("http://127.0.0.1:%d/metrics", port), nil)
	if status != http.StatusOK {
		t.Fatalf("metrics: status %d", status)
	}
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, "kw_edge_revocations_stale "); ok {
			return v
		}
	}
	return "absent"
}

package ratelimit

import (
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// testTimeout is the Redis timeout of tests that must not fail over to a
// zone's policy because the shared machine is slow.
const testTimeout = caddy.Duration(5 * time.Second)

// TestTwoEdgesOneRedis runs two independently provisioned handlers, each
// with its own Redis connections, as two edges would: parallel requests
// spread over both pass exactly the one shared limit.
func TestTwoEdgesOneRedis(t *testing.T) {
	url, prefix := redisURL(t), uniquePrefix(t)
	edges := []*Handler{
		provision(t, &Handler{
			RedisURL: url, KeyPrefix: prefix, RedisTimeout: testTimeout,
			Zones: []*Zone{zone("api", 25, time.Minute)},
		}, nil),
		provision(t, &Handler{
			RedisURL: url, KeyPrefix: prefix, RedisTimeout: testTimeout,
			Zones: []*Zone{zone("api", 25, time.Minute)},
		}, nil),
	}
	var ok, limited atomic.Int64
	var wg sync.WaitGroup
	for i := range 80 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch serve(t, edges[i%2], "198.51.100.20", "/", nil).Code {
			case http.StatusOK:
				ok.Add(1)
			case http.StatusTooManyRequests:
				limited.Add(1)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 25 || limited.Load() != 55 {
		t.Fatalf("two edges passed %d and limited %d of 80, want 25 and 55", ok.Load(), limited.Load())
	}
}

// TestBurstAtLimitRedis sends 60 parallel requests through Caddy with the
// Redis store against a limit of 20: exactly 20 pass.
func TestBurstAtLimitRedis(t *testing.T) {
	base := startCaddy(t, "", fmt.Sprintf(`kw_rate_limit {
		redis_url %s
		redis_timeout 5s
		key_prefix %s
		zone ip {
			rate 20 1m
		}
	}
	respond "ok" 200`, redisURL(t), uniquePrefix(t)))
	if ok := burst(t, base+"/", 60); ok != 20 {
		t.Fatalf("%d of 60 parallel requests passed, want exactly 20", ok)
	}
}

// TestRetryAfterRedis checks Retry-After with the Redis store: the window's
// remaining whole seconds, rounded up, never less.
func TestRetryAfterRedis(t *testing.T) {
	h := provision(t, &Handler{
		RedisURL: redisURL(t), KeyPrefix: uniquePrefix(t),
		RedisTimeout: testTimeout, Zones: []*Zone{zone("api", 2, 30*time.Second)},
	}, nil)
	start := time.Now()
	for range 2 {
		serve(t, h, "198.51.100.21", "/", nil)
	}
	rec := serve(t, h, "198.51.100.21", "/", nil)
	// the window ends 30 s after the first request; rounded up to the second
	// and counted from the current second, that is 30 or 31 s, less the whole
	// seconds the three requests took on a loaded machine
	lowest := 30 - int(time.Since(start)/time.Second)
	ra, err := strconv.Atoi(rec.Header().Get("Retry-After"))
	if rec.Code != 429 || err != nil || ra < lowest || ra > 31 {
		t.Fatalf("status %d, Retry-After %q; want 429 and %d to 31", rec.Code,
			rec.Header().Get("Retry-After"), lowest)
	}
}

// TestRedisStoppedDuringTraffic stops a Redis (started by the test on its
// own port) while requests flow: the fail-closed zone answers 503, the
// fail-open zone lets requests through, nothing panics or hangs, the metric
// counts and one error line is logged per zone; once Redis is back, counting
// resumes.
func TestRedisStoppedDuringTraffic(t *testing.T) {
	port := freePort(t)
	stop := startRedis(t, port)
	// exact counting, so that every request meets Redis (leases held when
	// Redis stops: TestLeaseServedWhileRedisDown)
	auth := zone("auth", 1000, time.Minute)
	auth.Paths, auth.Lease = []string{"/api/v1/auth/*"}, LeaseExact
	api := zone("api", 1000, time.Minute)
	api.Paths, api.OnStoreError, api.Lease = []string{"/api/v1/public/*"}, FailOpen, LeaseExact
	h := provision(t, &Handler{
		RedisURL: fmt.Sprintf("redis://127.0.0.1:%d/0", port),
		Zones:    []*Zone{auth, api},
	}, nil)
	core, logs := observer.New(zap.InfoLevel)
	h.log = zap.New(core)

	expect := func(phase string, wantAuth, wantAPI int) {
		t.Helper()
		for range 5 {
			start := time.Now()
			a := serve(t, h, "198.51.100.30", "/api/v1/auth/login", nil).Code
			b := serve(t, h, "198.51.100.30", "/api/v1/public/things", nil).Code
			if a != wantAuth || b != wantAPI {
				t.Fatalf("%s: auth %d, api %d; want %d, %d", phase, a, b, wantAuth, wantAPI)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("%s: two requests took %s", phase, d)
			}
		}
	}
	expect("redis up", 200, 200)
	stop()
	expect("redis stopped", 503, 200)
	if n := counterValue(t, h.metrics.storeErrors.WithLabelValues("auth", FailClosed)); n < 5 {
		t.Fatalf("store errors of auth counted %v times, want at least 5", n)
	}
	if n := counterValue(t, h.metrics.storeErrors.WithLabelValues("api", FailOpen)); n < 5 {
		t.Fatalf("store errors of api counted %v times, want at least 5", n)
	}
	if n := logs.FilterMessage("rate limit store unavailable").Len(); n != 2 {
		t.Fatalf("%d log lines about the store, want one per zone (2)", n)
	}

	startRedis(t, port)
	time.Sleep(1100 * time.Millisecond) // reconnectEvery
	expect("redis back", 200, 200)
	rec := serve(t, h, "198.51.100.30", "/api/v1/auth/login", nil)
	if rec.Header().Get("X-RateLimit-Remaining") == "" {
		t.Fatal("redis back: no X-RateLimit-Remaining, so the request was not counted")
	}
}

// startRedis runs a throwaway redis-server on port until the test ends, and
// returns a func that stops it now.
func startRedis(t *testing.T, port int) func() {
	t.Helper()
	cmd := exec.Command("redis-server", "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--protected-mode", "yes")
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting redis-server: %v", err)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		})
	}
	t.Cleanup(stop)
	for i := 0; i < 100; i++ {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			_ = c.Close()
			return stop
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("redis-server did not start")
	return stop
}

// counterValue reads a Prometheus counter.
func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

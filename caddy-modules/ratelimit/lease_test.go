package ratelimit

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// TestLeaseSizes checks the lease a zone gets: auto is exact below 200
// events (so the auth zones count every request in Redis), one hundredth of
// the events above, at most 100; an explicit lease is kept.
func TestLeaseSizes(t *testing.T) {
	cases := []struct {
		events, lease, want int64
	}{
		{5, LeaseAuto, 1},
		{20, LeaseAuto, 1},
		{199, LeaseAuto, 1},
		{200, LeaseAuto, 2},
		{600, LeaseAuto, 6},
		{1200, LeaseAuto, 12},
		{10_000, LeaseAuto, 100},
		{1_000_000_000, LeaseAuto, 100},
		{1200, LeaseExact, 1},
		{1200, 50, 50},
		{5, 5, 5},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%d events lease %d", tc.events, tc.lease), func(t *testing.T) {
			z := zone("z", tc.events, time.Minute)
			z.Lease = tc.lease
			if err := z.provision(); err != nil {
				t.Fatal(err)
			}
			if z.leaseSize != tc.want {
				t.Fatalf("lease %d, want %d", z.leaseSize, tc.want)
			}
		})
	}
}

// TestLeaseBurstAtLimitRedis sends 450 parallel requests through Caddy to a
// zone of 300 a minute that takes leases of 30: exactly 300 pass, as with
// exact counting.
func TestLeaseBurstAtLimitRedis(t *testing.T) {
	base := startCaddy(t, "", fmt.Sprintf(`kw_rate_limit {
		redis_url %s
		redis_timeout 5s
		key_prefix %s
		zone ip {
			rate 300 1m
			lease 30
		}
	}
	respond "ok" 200`, redisURL(t), uniquePrefix(t)))
	if ok := burst(t, base+"/", 450); ok != 300 {
		t.Fatalf("%d of 450 parallel requests passed, want exactly 300", ok)
	}
}

// TestLeaseTwoEdgesOneRedis runs two handlers on one Redis, as two edges,
// with leases of 20 against a limit of 400. Together they never pass more
// than the limit, and at least the limit less one lease: the most an idle
// edge can hold unused.
func TestLeaseTwoEdgesOneRedis(t *testing.T) {
	const limit, lease = 400, 20
	prefix := uniquePrefix(t)
	a := leaseEdge(t, prefix, 0, leaseZone(limit, time.Minute, lease))
	b := leaseEdge(t, prefix, 0, leaseZone(limit, time.Minute, lease))

	t.Run("parallel on both", func(t *testing.T) {
		ok := parallel(t, 1000, func(i int) *Handler { return []*Handler{a, b}[i%2] }, "198.51.100.40")
		if ok > limit || ok < limit-lease {
			t.Fatalf("two edges passed %d of 1000, want %d to %d", ok, limit-lease, limit)
		}
	})
	t.Run("one edge holds an unused lease", func(t *testing.T) {
		// b serves one request and keeps the other 19 of its lease; a, which
		// gets every later request, can pass only what b did not take
		if code := serve(t, b, "198.51.100.41", "/", nil).Code; code != http.StatusOK {
			t.Fatalf("first request on b: status %d", code)
		}
		ok := 1 + parallel(t, 1000, func(int) *Handler { return a }, "198.51.100.41")
		if ok != limit-lease+1 {
			t.Fatalf("two edges passed %d, want exactly %d: the limit less b's unused %d",
				ok, limit-lease+1, lease-1)
		}
	})
}

// parallel sends n requests from clientIP at once, request i through
// edge(i), and returns how many passed; every other answer must be 429.
func parallel(t *testing.T, n int, edge func(int) *Handler, clientIP string) int {
	t.Helper()
	var ok, other atomic.Int64
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch serve(t, edge(i), clientIP, "/", nil).Code {
			case http.StatusOK:
				ok.Add(1)
			case http.StatusTooManyRequests:
			default:
				other.Add(1)
			}
		}()
	}
	wg.Wait()
	if other.Load() > 0 {
		t.Fatalf("%d answers were neither 200 nor 429", other.Load())
	}
	return int(ok.Load())
}

// TestLeaseEndsWithItsWindow checks, on 2-second windows, that neither an
// unused lease nor a spent budget outlives the window it was taken in: the
// first request of the next window takes a new lease from Redis, and a key
// refused at the end of one window passes in the next.
func TestLeaseEndsWithItsWindow(t *testing.T) {
	z := leaseZone(20, 2*time.Second, 10)
	h := leaseEdge(t, uniquePrefix(t), 0, z)
	rdb := redisClient(t)
	const ip = "198.51.100.42"
	key := counterKey(h, z, ip)

	t.Run("an unused lease", func(t *testing.T) {
		if code := serve(t, h, ip, "/", nil).Code; code != http.StatusOK {
			t.Fatalf("status %d", code)
		}
		waitGone(t, rdb, key) // the window ended with 9 of the lease unused
		if code := serve(t, h, ip, "/", nil).Code; code != http.StatusOK {
			t.Fatalf("next window: status %d", code)
		}
		if n, err := rdb.Get(context.Background(), key).Int64(); err != nil || n != 10 {
			t.Fatalf("next window's counter %d (%v), want a new lease of 10", n, err)
		}
	})
	t.Run("a spent budget", func(t *testing.T) {
		waitGone(t, rdb, key)
		codes := map[int]int{}
		for range 21 {
			codes[serve(t, h, ip, "/", nil).Code]++
		}
		if codes[http.StatusOK] != 20 || codes[http.StatusTooManyRequests] != 1 {
			t.Fatalf("statuses %v, want 20 x 200 and 1 x 429", codes)
		}
		waitGone(t, rdb, key)
		if code := serve(t, h, ip, "/", nil).Code; code != http.StatusOK {
			t.Fatalf("next window: status %d, want 200", code)
		}
	})
}

// TestLeaseRemainingAndRetryAfterRedis spends a zone of 200 with leases of
// 50 on one edge: X-RateLimit-Remaining and RateLimit count down by one per
// request, as with exact counting, never below 0, and Retry-After is the
// window's end.
func TestLeaseRemainingAndRetryAfterRedis(t *testing.T) {
	h := leaseEdge(t, uniquePrefix(t), 0, leaseZone(200, 30*time.Second, 50))
	start := time.Now()
	for i := range 203 {
		rec := serve(t, h, "198.51.100.43", "/", nil)
		want := strconv.Itoa(max(199-i, 0))
		if got := rec.Header().Get("X-RateLimit-Remaining"); got != want {
			t.Fatalf("request %d: X-RateLimit-Remaining %q, want %q", i, got, want)
		}
		if rl := rec.Header().Get("RateLimit"); !strings.HasPrefix(rl, `"api";r=`+want+";") {
			t.Fatalf("request %d: RateLimit %q, want r=%s", i, rl, want)
		}
		if (i < 200) != (rec.Code == http.StatusOK) {
			t.Fatalf("request %d: status %d", i, rec.Code)
		}
	}
	rec := serve(t, h, "198.51.100.43", "/", nil)
	lowest := 30 - int(time.Since(start)/time.Second)
	ra, err := strconv.Atoi(rec.Header().Get("Retry-After"))
	if rec.Code != 429 || err != nil || ra < lowest || ra > 31 {
		t.Fatalf("status %d, Retry-After %q; want 429 and %d to 31", rec.Code,
			rec.Header().Get("Retry-After"), lowest)
	}
}

// TestLeaseServedWhileRedisDown stops Redis while an edge holds leases: the
// rest of each lease is still served, then each zone's failure policy
// applies as without leases (503 for the fail-closed zone, 200 for the
// fail-open one), with the metric and one log line per zone.
func TestLeaseServedWhileRedisDown(t *testing.T) {
	port := freePort(t)
	stop := startRedis(t, port)
	auth := zone("auth", 1000, time.Minute)
	auth.Paths, auth.Lease = []string{"/api/v1/auth/*"}, 10
	api := zone("api", 1000, time.Minute)
	api.Paths, api.OnStoreError, api.Lease = []string{"/api/v1/public/*"}, FailOpen, 10
	h := provision(t, &Handler{
		RedisURL: fmt.Sprintf("redis://127.0.0.1:%d/0", port), Zones: []*Zone{auth, api},
	}, nil)
	core, logs := observer.New(zap.InfoLevel)
	h.log = zap.New(core)
	send := func() (int, int) {
		return serve(t, h, "198.51.100.44", "/api/v1/auth/login", nil).Code,
			serve(t, h, "198.51.100.44", "/api/v1/public/things", nil).Code
	}

	if a, b := send(); a != 200 || b != 200 {
		t.Fatalf("redis up: auth %d, api %d", a, b)
	}
	stop()
	for i := range 9 {
		if a, b := send(); a != 200 || b != 200 {
			t.Fatalf("redis stopped, request %d of the lease: auth %d, api %d", i+2, a, b)
		}
	}
	if n := counterValue(t, h.metrics.storeErrors.WithLabelValues("auth", FailClosed)); n != 0 {
		t.Fatalf("%v store errors while the lease lasted, want 0", n)
	}
	for range 3 {
		if a, b := send(); a != 503 || b != 200 {
			t.Fatalf("lease spent: auth %d, api %d; want 503, 200", a, b)
		}
	}
	if n := counterValue(t, h.metrics.storeErrors.WithLabelValues("auth", FailClosed)); n != 3 {
		t.Fatalf("store errors of auth counted %v times, want 3", n)
	}
	if n := counterValue(t, h.metrics.storeErrors.WithLabelValues("api", FailOpen)); n != 3 {
		t.Fatalf("store errors of api counted %v times, want 3", n)
	}
	if n := logs.FilterMessage("rate limit store unavailable").Len(); n != 2 {
		t.Fatalf("%d log lines about the store, want one per zone (2)", n)
	}
}

// TestLeaseTableBounded floods a handler with new keys: it never holds more
// than max_keys leases, and leases whose window ended are dropped as new keys
// come.
func TestLeaseTableBounded(t *testing.T) {
	h := leaseEdge(t, uniquePrefix(t), 50, leaseZone(1000, 2*time.Second, 10))
	for i := range 500 {
		serve(t, h, fmt.Sprintf("10.9.%d.%d", i>>8, i&255), "/", nil)
		if n := h.leases.Len(); n > 50 {
			t.Fatalf("%d leases held, want at most max_keys (50)", n)
		}
	}
	time.Sleep(2100 * time.Millisecond) // every lease's window ends
	serve(t, h, "10.9.255.1", "/", nil)
	if n := h.leases.Len(); n != 1 {
		t.Fatalf("%d leases held after their windows ended and one new key, want 1", n)
	}
}

// leaseZone returns a zone "api" of events per window with the given lease.
func leaseZone(events int64, window time.Duration, lease int64) *Zone {
	z := zone("api", events, window)
	z.Lease = lease
	return z
}

// leaseEdge provisions a handler, as one edge, with zone z counted in the
// local stack's Redis under prefix, holding at most maxKeys leases (0 for
// the default).
func leaseEdge(t *testing.T, prefix string, maxKeys int, z *Zone) *Handler {
	t.Helper()
	return provision(t, &Handler{
		RedisURL: redisURL(t), KeyPrefix: prefix, RedisTimeout: testTimeout,
		MaxKeys: maxKeys, Zones: []*Zone{z},
	}, nil)
}

// redisClient connects to the local stack's Redis for the test.
func redisClient(t *testing.T) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(redisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// counterKey returns the Redis key of clientIP's counter in zone z of h.
func counterKey(h *Handler, z *Zone, clientIP string) string {
	repl := caddy.NewReplacer()
	repl.Set("http.vars.client_ip", clientIP)
	return h.KeyPrefix + ":" + z.key(repl)
}

// waitGone waits until key has expired in Redis.
func waitGone(t *testing.T, rdb *redis.Client, key string) {
	t.Helper()
	for range 100 {
		n, err := rdb.Exists(context.Background(), key).Result()
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("counter %s did not expire", key)
}

// TestLeaseFetchedAheadOfNeed serves one key's requests one after another
// from a lease of 10: once half of it is left the edge takes the next chunk
// in the background, so the window's counter in Redis reaches 20 while the
// first chunk still has tokens, and the requests that follow are served from
// memory without a round trip; the budget still ends exactly at the rate.
func TestLeaseFetchedAheadOfNeed(t *testing.T) {
	z := leaseZone(30, time.Minute, 10)
	h := leaseEdge(t, uniquePrefix(t), 0, z)
	rdb := redisClient(t)
	const ip = "198.51.100.44"
	key := counterKey(h, z, ip)
	counter := func() int64 {
		n, _ := rdb.Get(context.Background(), key).Int64()
		return n
	}
	for i := range 4 { // 6 tokens left: above half a chunk
		if code := serve(t, h, ip, "/", nil).Code; code != http.StatusOK {
			t.Fatalf("request %d: status %d", i, code)
		}
	}
	if n := counter(); n != 10 {
		t.Fatalf("counter %d after 4 requests, want 10 (one chunk)", n)
	}
	if code := serve(t, h, ip, "/", nil).Code; code != http.StatusOK { // 5 left
		t.Fatalf("request 5: status %d", code)
	}
	deadline := time.Now().Add(2 * time.Second)
	for counter() != 20 {
		if time.Now().After(deadline) {
			t.Fatalf("counter %d with half of the first chunk left, want 20 (the next chunk taken ahead)", counter())
		}
		time.Sleep(10 * time.Millisecond)
	}
	codes := map[int]int{}
	for range 30 {
		codes[serve(t, h, ip, "/", nil).Code]++
	}
	if codes[http.StatusOK] != 25 || codes[http.StatusTooManyRequests] != 5 {
		t.Fatalf("statuses %v after 5 requests, want 25 x 200 and 5 x 429", codes)
	}
	if n := counter(); n < 30 {
		t.Fatalf("counter %d at the end, want at least the rate (30)", n)
	}
}

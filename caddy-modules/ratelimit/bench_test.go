package ratelimit

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// benchRequests is how many requests each side gets per round; benchClients
// is how many clients send them at once.
const (
	benchRequests = 20_000
	benchClients  = 16
	benchRounds   = 5
)

// BenchmarkLimiterOverhead measures, in one run, requests per second through
// an in-process Caddy that answers "ok" directly (the baseline) and through
// the same Caddy with a kw_rate_limit zone counted in the local stack's Redis
// (its rate of 10^9 a minute takes automatic quota leases of 100), and
// reports the ratio. It measures the same pair again
// with Caddy proxying to an upstream HTTP server, as the edge does to the
// core (ratio_proxied), and the proxy behind the root Caddyfile's three API
// zones with their lease sizes (per IP, per Authorization value, and per user
// in a second handler; ratio_api_zones), their rates raised so that the
// limit is never reached. Rounds alternate the two sides
// so that both see the same machine load. Each client has its own forwarded
// address (from a trusted loopback proxy), so counters are spread over 16
// keys. Run it with:
//
//	go test -run '^$' -bench BenchmarkLimiterOverhead -benchtime 1x ./caddy-modules/ratelimit/
func BenchmarkLimiterOverhead(b *testing.B) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok"))
	}))
	defer up.Close()
	base := startCaddy(b, "trusted_proxies static 127.0.0.1/32\n\t\tclient_ip_headers X-Forwarded-For",
		fmt.Sprintf(`route /proxied/* {
		reverse_proxy %[3]s
	}
	route /proxied-limited/* {
		kw_rate_limit {
			redis_url %[1]s
			redis_timeout 2s
			key_prefix %[2]s
			zone api {
				rate 1000000000 1m
			}
		}
		reverse_proxy %[3]s
	}
	route /proxied-api-zones/* {
		kw_rate_limit {
			redis_url %[1]s
			redis_timeout 2s
			key_prefix %[2]s
			zone api_ip {
				rate 1000000000 1m
				lease 12
			}
			zone api_credential {
				key {http.request.header.Authorization}
				rate 1000000000 1m
				lease 6
			}
		}
		kw_rate_limit {
			redis_url %[1]s
			redis_timeout 2s
			key_prefix %[2]s
			zone api_user {
				key {http.request.header.X-Kw-User}
				rate 1000000000 1m
				lease 18
			}
		}
		reverse_proxy %[3]s
	}
	route /limited/* {
		kw_rate_limit {
			redis_url %[1]s
			redis_timeout 2s
			key_prefix %[2]s
			zone api {
				rate 1000000000 1m
			}
		}
		respond "ok" 200
	}
	respond "ok" 200`, redisURL(b), uniquePrefix(b), strings.TrimPrefix(up.URL, "http://")))
	var plain, limited, proxied, proxiedLimited, proxiedZones time.Duration
	for range b.N {
		for range benchRounds {
			plain += load(b, base+"/plain/x")
			limited += load(b, base+"/limited/x")
			proxied += load(b, base+"/proxied/x")
			proxiedLimited += load(b, base+"/proxied-limited/x")
			proxiedZones += load(b, base+"/proxied-api-zones/x")
		}
	}
	n := float64(b.N * benchRounds * benchRequests)
	b.ReportMetric(n/plain.Seconds(), "baseline_req/s")
	b.ReportMetric(n/limited.Seconds(), "redis_limiter_req/s")
	b.ReportMetric(plain.Seconds()/limited.Seconds(), "ratio")
	b.ReportMetric(n/proxied.Seconds(), "proxied_req/s")
	b.ReportMetric(n/proxiedLimited.Seconds(), "proxied_redis_limiter_req/s")
	b.ReportMetric(proxied.Seconds()/proxiedLimited.Seconds(), "ratio_proxied")
	b.ReportMetric(n/proxiedZones.Seconds(), "proxied_api_zones_req/s")
	b.ReportMetric(proxied.Seconds()/proxiedZones.Seconds(), "ratio_api_zones")
}

// load sends benchRequests GETs to url from benchClients clients and
// returns the time taken. Every answer must be 200.
func load(b *testing.B, url string) time.Duration {
	b.Helper()
	tr := &http.Transport{MaxIdleConnsPerHost: benchClients}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	var left atomic.Int64
	left.Store(benchRequests)
	var failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for i := range benchClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			xff := fmt.Sprintf("198.18.0.%d", i+1)
			for left.Add(-1) >= 0 {
				req, _ := http.NewRequest(http.MethodGet, url, nil)
				req.Header.Set("X-Forwarded-For", xff)
				req.Header.Set("Authorization", "Bearer client-"+xff)
				req.Header.Set("X-Kw-User", "user-"+xff)
				resp, err := client.Do(req)
				if err != nil {
					failed.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	d := time.Since(start)
	if f := failed.Load(); f > 0 {
		b.Fatalf("%d of %d requests to %s failed", f, benchRequests, url)
	}
	return d
}

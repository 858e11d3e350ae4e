package edgeauth

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// benchConcurrency is the number of clients sending at once.
const benchConcurrency = 16

// BenchmarkProxyOverhead measures, in one run and against the same upstream,
// requests per second through kw_auth (a token check) plus reverse_proxy and
// through reverse_proxy alone, alternating rounds so that both see the same
// machine load, and reports both rates and their ratio (kw_auth / plain).
// Each client reuses its token, as real clients do for its lifetime, so
// after the first request the check is served by the cache of verified
// tokens (time, key and revocation still checked). Run it with:
//
//	go test ./caddy-modules/edgeauth -run '^$' -bench ProxyOverhead -benchtime 40000x -count 1
func BenchmarkProxyOverhead(b *testing.B) {
	key := newTokenKey(b)
	tokens := make([]string, benchConcurrency)
	for i := range tokens {
		tokens[i] = key.mint(claims(randomUUID()))
	}
	benchOverhead(b, key, func(i int) string { return tokens[i%len(tokens)] })
}

// BenchmarkProxyOverheadFreshTokens is BenchmarkProxyOverhead with a token
// never seen before on every request: each check is a full signature
// verification, the worst case.
func BenchmarkProxyOverheadFreshTokens(b *testing.B) {
	key := newTokenKey(b)
	n := b.N/10 + 1
	tokens := make([]string, n)
	for i := range tokens {
		tokens[i] = key.mint(claims(randomUUID()))
	}
	benchOverhead(b, key, func(i int) string { return tokens[i%n] })
}

// benchOverhead runs the measurement; token(i) is the token of request i of
// a round.
func benchOverhead(b *testing.B, key *tokenKey, token func(i int) string) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	b.Cleanup(up.Close)
	plainPort, authPort := freePort(b), freePort(b)
	startCaddy(b, fmt.Sprintf(`http://127.0.0.1:%d {
	reverse_proxy %s
}

http://127.0.0.1:%d {
	kw_auth {
		issuer https://edge.test
		audience kernelwork
		key_file k1 EdDSA %s
		redis_url %s
	}
	reverse_proxy %s
}
`, plainPort, up.Listener.Addr(), authPort, key.path, redisURL(b), up.Listener.Addr()))
	tok := key.mint(claims(randomUUID()))
	plain := fmt.Sprintf("http://127.0.0.1:%d/api/v1/x", plainPort)
	auth := fmt.Sprintf("http://127.0.0.1:%d/api/v1/x", authPort)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: benchConcurrency}}
	waitStatus(b, client, auth, tok, 200)
	waitStatus(b, client, plain, tok, 200)

	const rounds = 10
	per := b.N/rounds + 1
	b.ResetTimer()
	var plainDur, authDur time.Duration
	for range rounds {
		plainDur += drive(b, client, plain, token, per)
		authDur += drive(b, client, auth, token, per)
	}
	b.StopTimer()
	total := float64(per * rounds)
	plainRPS, authRPS := total/plainDur.Seconds(), total/authDur.Seconds()
	b.ReportMetric(plainRPS, "plain_req/s")
	b.ReportMetric(authRPS, "kw_auth_req/s")
	b.ReportMetric(authRPS/plainRPS, "ratio")
}

// waitStatus waits until url answers want.
func waitStatus(b *testing.B, c *http.Client, url, tok string, want int) {
	b.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if status, err := get(c, url, tok); err == nil && status == want {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%s never answered %d", url, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// drive sends n requests with benchConcurrency clients and returns the time
// they took; request i carries token(i). Every answer must be 200.
func drive(b *testing.B, c *http.Client, url string, token func(int) string, n int) time.Duration {
	b.Helper()
	var wg sync.WaitGroup
	jobs := make(chan int, n)
	for i := range n {
		jobs <- i
	}
	close(jobs)
	start := time.Now()
	for range benchConcurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				if status, err := get(c, url, token(i)); err != nil || status != 200 {
					b.Errorf("%s: %d %v", url, status, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return time.Since(start)
}

func get(c *http.Client, url, tok string) (int, error) {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

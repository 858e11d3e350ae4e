package ratelimit

import (
	"net/http"
	"strings"
	"sync"
	"testing"
)

// TestSpoofedForwardedForDoesNotChangeKey sends a fresh X-Forwarded-For with
// every request from a peer that is not a trusted proxy: Caddy ignores it, so
// the key stays the peer's address and the fourth request is refused. From a
// trusted proxy the same header does change the key, as it should.
func TestSpoofedForwardedForDoesNotChangeKey(t *testing.T) {
	site := `kw_rate_limit {
		zone ip {
			rate 3 1m
		}
	}
	respond "ok" 200`
	spoofs := []string{
		"203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4",
		"203.0.113.5, 127.0.0.1",
	}

	base := startCaddy(t, "trusted_proxies static 10.0.0.0/8\n\t\tclient_ip_headers X-Forwarded-For", site)
	codes := sendWithXFF(t, base+"/", spoofs)
	if want := []int{200, 200, 200, 429, 429}; !equalInts(codes, want) {
		t.Fatalf("untrusted peer: statuses %v, want %v", codes, want)
	}

	base = startCaddy(t, "trusted_proxies static 127.0.0.1/32\n\t\tclient_ip_headers X-Forwarded-For", site)
	codes = sendWithXFF(t, base+"/", spoofs)
	if want := []int{200, 200, 200, 200, 200}; !equalInts(codes, want) {
		t.Fatalf("trusted proxy: statuses %v, want %v", codes, want)
	}
}

// TestIPv6RotationInsideSlash64 rotates the client address inside one /64
// (as Caddy sees it behind a trusted proxy): it stays one client. Another /64
// is another client, and an IPv4-mapped IPv6 address is its IPv4 address.
func TestIPv6RotationInsideSlash64(t *testing.T) {
	base := startCaddy(t, "trusted_proxies static 127.0.0.1/32\n\t\tclient_ip_headers X-Forwarded-For",
		`kw_rate_limit {
		zone ip {
			rate 3 1m
		}
	}
	respond "ok" 200`)
	cases := []struct {
		name string
		xff  []string
		want []int
	}{
		{"rotation inside a /64", []string{
			"2001:db8:1:2::1", "2001:db8:1:2::2",
			"2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2:abcd::9",
		}, []int{200, 200, 200, 429}},
		{"another /64", []string{"2001:db8:1:3::1"}, []int{200}},
		{"ipv4-mapped is ipv4", []string{
			"198.51.100.9", "::ffff:198.51.100.9",
			"::ffff:c633:6409", "198.51.100.9",
		}, []int{200, 200, 200, 429}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := sendWithXFF(t, base+"/", tc.xff); !equalInts(got, tc.want) {
				t.Fatalf("statuses %v, want %v", got, tc.want)
			}
		})
	}
}

// TestPathVariantsCannotEscape spends the login zone's budget, then tries
// variants of the login path that a lenient router could treat as the same:
// every one is counted in the login zone.
func TestPathVariantsCannotEscape(t *testing.T) {
	base := startCaddy(t, "", `kw_rate_limit {
		zone login {
			rate 1 1m
			paths /api/v1/auth/login
		}
	}
	respond "ok" 200`)
	if resp, _ := get(t, base+"/api/v1/auth/login", nil); resp.StatusCode != 200 {
		t.Fatalf("first login: status %d", resp.StatusCode)
	}
	variants := []string{
		"/api/v1/auth/login", "/API/v1/auth/Login", "/api/v1/auth/login/",
		"//api/v1/auth/login", "/api/v1//auth///login", "/api/v1/auth/%6Cogin",
		"/api/v1/auth/%6cOGIN", "/api%2Fv1%2Fauth%2Flogin", "/api/v1/auth/%256Cogin",
		"/api/v1/./auth/login", "/api/v1/x/../auth/login", "/api/v1/auth/login/.",
		"/api/v1/auth\\login",
	}
	for _, v := range variants {
		if resp, _ := get(t, base+v, nil); resp.StatusCode != http.StatusTooManyRequests {
			t.Errorf("%s: status %d, want 429", v, resp.StatusCode)
		}
	}
	if resp, _ := get(t, base+"/api/v1/auth/logout", nil); resp.StatusCode != 200 {
		t.Fatalf("another route: status %d, want 200", resp.StatusCode)
	}
}

// TestHandshakesCount counts Socket.IO long-polling and WebSocket upgrade
// requests in the zone of /socket.io/, and refuses the upgrade over the limit
// before any protocol switch.
func TestHandshakesCount(t *testing.T) {
	base := startCaddy(t, "", `kw_rate_limit {
		zone sockets {
			rate 2 1m
			paths /socket.io/*
		}
	}
	respond "ok" 200`)
	ws := map[string]string{
		"Connection": "Upgrade", "Upgrade": "websocket",
		"Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
	}
	steps := []struct {
		path string
		hdr  map[string]string
		want int
	}{
		{"/socket.io/?EIO=4&transport=polling", nil, 200},
		{"/socket.io/?EIO=4&transport=websocket", ws, 200},
		{"/socket.io/?EIO=4&transport=websocket", ws, 429},
		{"/socket.io/?EIO=4&transport=polling", nil, 429},
	}
	for i, s := range steps {
		if resp, _ := get(t, base+s.path, s.hdr); resp.StatusCode != s.want {
			t.Fatalf("step %d (%s): status %d, want %d", i, s.path, resp.StatusCode, s.want)
		}
	}
}

// TestResponseFieldsOnce checks the 429 answer: Retry-After, the IETF and
// X-RateLimit-* fields each exactly once (even when the next handler sets its
// own copy), remaining never negative, and a problem+json body.
func TestResponseFieldsOnce(t *testing.T) {
	base := startCaddy(t, "", `route {
		kw_rate_limit {
			zone api {
				rate 2 1m
			}
		}
		header X-RateLimit-Limit 999
		header X-RateLimit-Remaining -5
		respond "ok" 200
	}`)
	fields := []string{
		"RateLimit-Policy", "RateLimit", "X-RateLimit-Limit",
		"X-RateLimit-Remaining", "X-RateLimit-Reset",
	}
	for i := range 4 {
		resp, body := get(t, base+"/", nil)
		for _, f := range fields {
			if n := len(resp.Header.Values(f)); n != 1 {
				t.Fatalf("request %d: %s appears %d times: %v", i, f, n, resp.Header.Values(f))
			}
		}
		wantRemaining := []string{"1", "0", "0", "0"}[i]
		if got := resp.Header.Get("X-RateLimit-Remaining"); got != wantRemaining {
			t.Fatalf("request %d: X-RateLimit-Remaining %q, want %q", i, got, wantRemaining)
		}
		if got := resp.Header.Get("X-RateLimit-Limit"); got != "2" {
			t.Fatalf("request %d: X-RateLimit-Limit %q, want 2", i, got)
		}
		if got := resp.Header.Get("RateLimit-Policy"); got != `"api";q=2;w=60` {
			t.Fatalf("request %d: RateLimit-Policy %q", i, got)
		}
		if i < 2 {
			continue
		}
		if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" ||
			len(resp.Header.Values("Retry-After")) != 1 {
			t.Fatalf("request %d: status %d, Retry-After %v", i, resp.StatusCode,
				resp.Header.Values("Retry-After"))
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
			t.Fatalf("request %d: Content-Type %q", i, ct)
		}
		p := problemBody(t, body)
		if p["status"] != float64(429) || p["type"] != ProblemTypeBase+"rate-limited" {
			t.Fatalf("request %d: problem %v", i, p)
		}
	}
}

// TestBurstAtLimitInMemory sends 60 parallel requests against a limit of 20:
// exactly 20 pass.
func TestBurstAtLimitInMemory(t *testing.T) {
	base := startCaddy(t, "", `kw_rate_limit {
		zone ip {
			rate 20 1m
		}
	}
	respond "ok" 200`)
	if ok := burst(t, base+"/", 60); ok != 20 {
		t.Fatalf("%d of 60 parallel requests passed, want exactly 20", ok)
	}
}

// burst sends n requests at once and returns how many got 200; every other
// answer must be 429.
func burst(t testing.TB, url string, n int) int {
	t.Helper()
	var wg sync.WaitGroup
	codes := make([]int, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			resp, err := http.Get(url)
			if err != nil {
				return
			}
			codes[i] = resp.StatusCode
			_ = resp.Body.Close()
		}()
	}
	close(start)
	wg.Wait()
	ok := 0
	for _, c := range codes {
		switch c {
		case 200:
			ok++
		case 429:
		default:
			t.Fatalf("unexpected status %d in burst", c)
		}
	}
	return ok
}

func sendWithXFF(t testing.TB, url string, xffs []string) []int {
	t.Helper()
	var codes []int
	for _, x := range xffs {
		resp, _ := get(t, url, map[string]string{"X-Forwarded-For": x})
		codes = append(codes, resp.StatusCode)
	}
	return codes
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestZonesOfSeveralHandlersInOneResponse runs two kw_rate_limit handlers on
// one route, as the root Caddyfile does (per IP for the site, per user after
// authentication): the response carries the fields of both handlers' zones,
// each once, and the 429 of the inner one names it as the tightest.
func TestZonesOfSeveralHandlersInOneResponse(t *testing.T) {
	base := startCaddy(t, "", `route {
		kw_rate_limit {
			zone site_ip {
				rate 100 1m
			}
		}
		kw_rate_limit {
			zone per_user {
				key {http.request.header.X-User}
				rate 2 1m
			}
		}
		respond "ok" 200
	}`)
	alice := map[string]string{"X-User": "alice"}
	for i := range 3 {
		resp, _ := get(t, base+"/", alice)
		for _, f := range []string{"RateLimit-Policy", "RateLimit", "X-RateLimit-Remaining"} {
			if n := len(resp.Header.Values(f)); n != 1 {
				t.Fatalf("request %d: %s appears %d times", i, f, n)
			}
		}
		policy := resp.Header.Get("RateLimit-Policy")
		if policy != `"site_ip";q=100;w=60, "per_user";q=2;w=60` {
			t.Fatalf("request %d: RateLimit-Policy %q", i, policy)
		}
		if state := resp.Header.Get("RateLimit"); !strings.HasPrefix(state, `"site_ip";r=`) ||
			!strings.Contains(state, `, "per_user";r=`) {
			t.Fatalf("request %d: RateLimit %q", i, state)
		}
		want := []string{"1", "0", "0"}[i]
		if got := resp.Header.Get("X-RateLimit-Remaining"); got != want {
			t.Fatalf("request %d: X-RateLimit-Remaining %q, want %q (the tightest zone)", i, got, want)
		}
		if status := []int{200, 200, 429}[i]; resp.StatusCode != status {
			t.Fatalf("request %d: status %d, want %d", i, resp.StatusCode, status)
		}
	}
	// without the user header only the site's zone counts
	resp, _ := get(t, base+"/", nil)
	if got := resp.Header.Get("RateLimit-Policy"); resp.StatusCode != 200 || got != `"site_ip";q=100;w=60` {
		t.Fatalf("anonymous request: %d, RateLimit-Policy %q", resp.StatusCode, got)
	}
}

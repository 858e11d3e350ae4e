package ratelimit

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	_ "github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	_ "github.com/caddyserver/caddy/v2/modules/standard"

	"github.com/kernelwork/kernelwork/core/coretest"
)

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().(*net.TCPAddr).Port
}

// adapt turns a Caddyfile into Caddy's JSON.
func adapt(t testing.TB, caddyfile string) []byte {
	t.Helper()
	out, warns, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(caddyfile),
		map[string]any{"filename": "Caddyfile"})
	if err != nil {
		t.Fatalf("adapting Caddyfile: %v\n%s", err, caddyfile)
	}
	for _, w := range warns {
		t.Logf("caddyfile warning: %s", w.String())
	}
	return out
}

// startCaddy runs Caddy in this process with the site body served on a
// loopback port, and returns its base URL. globals go in the servers block
// (trusted_proxies and the like).
func startCaddy(t testing.TB, servers, site string) string {
	t.Helper()
	port := freePort(t)
	cf := fmt.Sprintf(`{
	admin off
	persist_config off
	auto_https off
	default_bind 127.0.0.1
	servers {
		%s
	}
}
http://127.0.0.1:%d {
	%s
}
`, servers, port, site)
	if err := caddy.Load(adapt(t, cf), true); err != nil {
		t.Fatalf("loading caddy: %v", err)
	}
	t.Cleanup(func() { _ = caddy.Stop() })
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitUp(t, base)
	return base
}

func waitUp(t testing.TB, base string) {
	t.Helper()
	for i := 0; i < 100; i++ {
		c, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), time.Second)
		if err == nil {
			_ = c.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("caddy did not listen at %s", base)
}

// get sends a GET with extra headers and returns the response with its body.
func get(t testing.TB, url string, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// redisURL returns the local stack's shared Redis.
func redisURL(t testing.TB) string {
	t.Helper()
	u := coretest.StackEnv(t)["KW_REDIS_URL"]
	if u == "" {
		t.Fatal("KW_REDIS_URL is not set and .data/local.env has none; run `make services`")
	}
	return u
}

// uniquePrefix returns a Redis key prefix no other test run shares.
func uniquePrefix(t testing.TB) string {
	return fmt.Sprintf("kw:rltest:%s:%d", t.Name(), time.Now().UnixNano())
}

// problemBody decodes a problem+json body.
func problemBody(t testing.TB, body string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("body is not JSON: %v: %q", err, body)
	}
	return m
}

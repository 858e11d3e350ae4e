package ratelimit_test

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig"
	_ "github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"

	_ "github.com/kernelwork/kernelwork/caddy-modules" // every directive of the root Caddyfile
	"github.com/kernelwork/kernelwork/caddy-modules/ratelimit"
	"github.com/kernelwork/kernelwork/core/coretest"
)

// TestRootCaddyfileLimitsAuthAndAPI adapts the repository's Caddyfile and
// checks that its kw_rate_limit zones cover login, refresh, password
// changes and resets, the embed API, the public API and socket handshakes,
// with auth routes failing closed and counted exactly (no quota lease), and
// that the limiter runs before any proxying.
func TestRootCaddyfileLimitsAuthAndAPI(t *testing.T) {
	cfg := adaptRootCaddyfile(t)
	rl, rp := strings.Index(string(cfg), `"handler":"kw_rate_limit"`),
		strings.Index(string(cfg), `"handler":"reverse_proxy"`)
	if rl < 0 || rp < 0 || rl > rp {
		t.Fatalf("kw_rate_limit (at %d) must come before every reverse_proxy (first at %d)", rl, rp)
	}
	var zones []*ratelimit.Zone
	for _, h := range findRateLimits(t, cfg) {
		if err := h.Prepare(); err != nil {
			t.Fatal(err)
		}
		if err := h.Validate(); err != nil {
			t.Fatalf("root Caddyfile's kw_rate_limit: %v", err)
		}
		zones = append(zones, h.Zones...)
	}
	cases := []struct {
		path, zone string
		failOpen   bool
	}{
		{"/api/v1/auth/login", "auth_login_ip", false},
		{"/API/v1//auth/login/", "auth_login_ip", false},
		{"/api/v1/auth/password", "auth_login_ip", false},
		{"/api/v1/auth/password-reset", "auth_login_ip", false},
		{"/api/v1/auth/refresh", "auth_refresh_ip", false},
		{"/api/v1/embeds/x/token", "embed_ip", false},
		{"/api/v1/conversations", "api_ip", true},
		{"/api/v1/conversations", "api_credential", true},
		{"/socket.io/", "socket_ip", true},
		{"/api/v1/conversations", "api_user", true},
	}
	for _, tc := range cases {
		t.Run(tc.path+" "+tc.zone, func(t *testing.T) {
			r := httptest.NewRequest("GET", "http://edge.test"+tc.path, nil)
			for _, z := range zones {
				if z.Name == tc.zone {
					if !z.Covers(r) || (z.OnStoreError == ratelimit.FailOpen) != tc.failOpen {
						t.Fatalf("zone %s: covers %v, on_store_error %s", z.Name, z.Covers(r),
							z.OnStoreError)
					}
					if !tc.failOpen && z.LeaseSize() != ratelimit.LeaseExact {
						t.Fatalf("zone %s fails closed but takes leases of %d", z.Name, z.LeaseSize())
					}
					return
				}
			}
			t.Fatalf("no zone %s", tc.zone)
		})
	}
}

// TestRootCaddyfileLimitsEachUserAfterAuthentication checks that the
// root Caddyfile's per-user zone sits after kw_auth, which replaces client
// copies of X-Kw-User, and before the proxy to the core.
func TestRootCaddyfileLimitsEachUserAfterAuthentication(t *testing.T) {
	cfg := adaptRootCaddyfile(t)
	doc := string(cfg)
	auth := strings.Index(doc, `"handler":"kw_auth"`)
	user := strings.Index(doc, `"api_user"`)
	if auth < 0 || user < auth {
		t.Fatalf("the api_user zone (at %d) must come after kw_auth (at %d)", user, auth)
	}
	if proxy := strings.Index(doc[user:], `"handler":"reverse_proxy"`); proxy < 0 {
		t.Fatal("no proxy to the core after the api_user zone")
	}
	if between := doc[auth:user]; strings.Contains(between, `"handler":"reverse_proxy"`) {
		t.Fatal("a proxy runs between kw_auth and the api_user zone")
	}
	for _, h := range findRateLimits(t, cfg) {
		for _, z := range h.Zones {
			if z.Name == "api_user" && z.Key != "{http.request.header.X-Kw-User}" {
				t.Fatalf("api_user is keyed by %s", z.Key)
			}
		}
	}
}

// adaptRootCaddyfile adapts the repository's Caddyfile to Caddy JSON, with
// the environment it needs.
func adaptRootCaddyfile(t *testing.T) []byte {
	t.Helper()
	t.Setenv("KW_REDIS_URL", "redis://127.0.0.1:16379/0")
	t.Setenv("KW_PKI_DIR", t.TempDir())
	src, err := os.ReadFile(filepath.Join(coretest.RepoRoot(t), "Caddyfile"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err := caddyconfig.GetAdapter("caddyfile").Adapt(src,
		map[string]any{"filename": "Caddyfile"})
	if err != nil {
		t.Fatalf("adapting the root Caddyfile: %v", err)
	}
	return cfg
}

// findRateLimits returns every kw_rate_limit handler in a Caddy JSON
// config.
func findRateLimits(t *testing.T, cfg []byte) []*ratelimit.Handler {
	t.Helper()
	var doc any
	if err := json.Unmarshal(cfg, &doc); err != nil {
		t.Fatal(err)
	}
	var found []*ratelimit.Handler
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if x["handler"] == "kw_rate_limit" {
				b, _ := json.Marshal(x)
				h := new(ratelimit.Handler)
				if err := json.Unmarshal(b, h); err != nil {
					t.Fatal(err)
				}
				found = append(found, h)
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(doc)
	if len(found) == 0 {
		t.Fatal("the root Caddyfile has no kw_rate_limit handler")
	}
	return found
}

package embed

import (
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	"github.com/kernelwork/kernelwork/caddy-modules/internal/golden"
)

// TestCaddyfileGolden adapts every testdata/*.caddyfile to JSON and compares
// it with the .json file beside it (go test -update rewrites them).
func TestCaddyfileGolden(t *testing.T) {
	golden.AdaptDir(t, "testdata")
}

// TestCaddyfileErrors refuses malformed blocks with a message naming the
// mistake.
func TestCaddyfileErrors(t *testing.T) {
	cases := []struct{ name, block, want string }{
		{"unknown", "kw_embed {\n bogus x\n}", `unknown subdirective "bogus"`},
		{"argument", "kw_embed x {\n}", "wrong argument count"},
		{"two args", "kw_embed {\n core_url a b\n}", "wrong argument count"},
		{"no arg", "kw_embed {\n issuer\n}", "wrong argument count"},
		{"cache_ttl", "kw_embed {\n cache_ttl 10ms\n}", "cache_ttl"},
		{"max_entries", "kw_embed {\n max_entries 0\n}", "max_entries"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := new(Handler).UnmarshalCaddyfile(caddyfile.NewTestDispenser(tc.block))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestValidateRefusesIncompleteConfig refuses a handler without the trusted
// channel, Redis or token settings, so the guard never runs half-configured.
func TestValidateRefusesIncompleteConfig(t *testing.T) {
	full := func() *Handler {
		h := &Handler{
			CoreURL: "https://127.0.0.1:18443", TLSCA: "ca", TLSCert: "c", TLSKey: "k",
			RedisURL: "redis://x:1/0", Issuer: "i", Audience: "a",
		}
		h.applyDefaults()
		return h
	}
	if err := full().Validate(); err != nil {
		t.Fatalf("complete config refused: %v", err)
	}
	cases := map[string]func(*Handler){
		"plain http core": func(h *Handler) { h.CoreURL = "http://127.0.0.1:18443" },
		"no tls files":    func(h *Handler) { h.TLSKey = "" },
		"no redis":        func(h *Handler) { h.RedisURL = "" },
		"no issuer":       func(h *Handler) { h.Issuer = "" },
	}
	for name, breakIt := range cases {
		t.Run(name, func(t *testing.T) {
			h := full()
			breakIt(h)
			if err := h.Validate(); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

// FuzzUnmarshalCaddyfile feeds arbitrary blocks to the parser: it returns
// an error or a handler, never panics.
func FuzzUnmarshalCaddyfile(f *testing.F) {
	f.Add("kw_embed {\n core_url https://a:1\n cache_ttl 5s\n max_entries 3\n}")
	f.Add("kw_embed {\n embed_id {http.request.uri.path.1}\n}")
	f.Fuzz(func(t *testing.T, s string) {
		h := new(Handler)
		if err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser(s)); err != nil {
			return
		}
		if h.MaxEntries < 0 || (h.CacheTTL != 0 && h.CacheTTL < 1e9) {
			t.Fatalf("parser accepted %+v", h)
		}
	})
}

// FuzzClaims checks that claims without a canonical origin, an embed id and
// a tenant, or living over 15 minutes, are refused.
func FuzzClaims(f *testing.F) {
	f.Add("https://example.com", "e", "t", int64(300))
	f.Add("HTTPS://x", "", "t", int64(3000))
	f.Fuzz(func(t *testing.T, o, emb, tid string, life int64) {
		c, err := claimsOf(map[string]any{
			"origin": o, "emb": emb, "tid": tid,
			"iat": float64(1000), "exp": float64(1000 + life),
		})
		if err != nil {
			return
		}
		if c.Origin.String() != o || emb == "" || tid == "" || life > 900 {
			t.Fatalf("accepted origin %q emb %q tid %q life %d", o, emb, tid, life)
		}
	})
}

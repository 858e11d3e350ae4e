package ratelimit

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

// TestCaddyfileErrors refuses each malformed block with a message naming
// the mistake.
func TestCaddyfileErrors(t *testing.T) {
	cases := []struct{ name, block, want string }{
		{"unknown option", "kw_rate_limit {\n bogus 1\n}", `unknown subdirective "bogus"`},
		{"argument on directive", "kw_rate_limit extra {\n}", "wrong argument count"},
		{"rate missing", "kw_rate_limit {\n zone a {\n key {http.vars.client_ip}\n }\n}", "rate is required"},
		{"rate one arg", "kw_rate_limit {\n zone a {\n rate 10\n }\n}", "want <events> <window>"},
		{"rate zero", "kw_rate_limit {\n zone a {\n rate 0 1m\n }\n}", "at least 1"},
		{"rate sub-second", "kw_rate_limit {\n zone a {\n rate 5 500ms\n }\n}", "whole seconds"},
		{"rate fraction", "kw_rate_limit {\n zone a {\n rate 5 1500ms\n }\n}", "whole seconds"},
		{"policy", "kw_rate_limit {\n zone a {\n rate 5 1m\n on_store_error maybe\n }\n}", "want closed or open"},
		{"max_keys", "kw_rate_limit {\n max_keys -3\n}", "max_keys"},
		{"prefix", "kw_rate_limit {\n zone a {\n rate 5 1m\n ipv6_prefix x\n }\n}", "ipv6_prefix"},
		{"timeout", "kw_rate_limit {\n redis_timeout soon\n}", "redis_timeout"},
		{"zone option", "kw_rate_limit {\n zone a {\n rate 5 1m\n paths\n }\n}", "wrong argument count"},
		{"lease zero", "kw_rate_limit {\n zone a {\n rate 500 1m\n lease 0\n }\n}", "want auto or a whole number"},
		{"lease negative", "kw_rate_limit {\n zone a {\n rate 500 1m\n lease -5\n }\n}", "want auto or a whole number"},
		{"lease word", "kw_rate_limit {\n zone a {\n rate 500 1m\n lease lots\n }\n}", "want auto or a whole number"},
		{"lease fraction", "kw_rate_limit {\n zone a {\n rate 500 1m\n lease 2.5\n }\n}", "want auto or a whole number"},
		{"lease missing", "kw_rate_limit {\n zone a {\n rate 500 1m\n lease\n }\n}", "wrong argument count"},
		{"lease two", "kw_rate_limit {\n zone a {\n rate 500 1m\n lease 5 6\n }\n}", "wrong argument count"},
		{"lease over rate", "kw_rate_limit {\n zone a {\n lease 50\n rate 20 1m\n }\n}", "lease 50 is more than the rate's 20 events"},
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

// TestValidate refuses configurations that parse but cannot work.
func TestValidate(t *testing.T) {
	cases := []struct {
		name string
		h    *Handler
		want string
	}{
		{"no zone", &Handler{MaxKeys: 1}, "at least one zone"},
		{"bad name", &Handler{MaxKeys: 1, Zones: []*Zone{{
			Name: "Login!", Events: 1,
			Window: 1e9, OnStoreError: FailClosed, IPv6Prefix: 64, IPv4Prefix: 32,
		}}}, "name must"},
		{"twice", &Handler{MaxKeys: 1, Zones: []*Zone{
			{Name: "a", Events: 1, Window: 1e9, OnStoreError: FailOpen, IPv6Prefix: 64, IPv4Prefix: 32},
			{Name: "a", Events: 1, Window: 1e9, OnStoreError: FailOpen, IPv6Prefix: 64, IPv4Prefix: 32},
		}}, "defined twice"},
		{"relative path", &Handler{MaxKeys: 1, Zones: []*Zone{{
			Name: "a", Events: 1, Window: 1e9,
			OnStoreError: FailOpen, IPv6Prefix: 64, IPv4Prefix: 32, Paths: []string{"api"},
		}}}, "must start with /"},
		{"ipv4 prefix", &Handler{MaxKeys: 1, Zones: []*Zone{{
			Name: "a", Events: 1, Window: 1e9,
			OnStoreError: FailOpen, IPv6Prefix: 64, IPv4Prefix: 40,
		}}}, "ipv4_prefix"},
		{"negative lease", &Handler{MaxKeys: 1, Zones: []*Zone{{
			Name: "a", Events: 500, Window: 1e9,
			OnStoreError: FailOpen, IPv6Prefix: 64, IPv4Prefix: 32, Lease: -1,
		}}}, "lease must be auto (0) or at least 1"},
		{"lease over rate", &Handler{MaxKeys: 1, Zones: []*Zone{{
			Name: "a", Events: 20, Window: 1e9,
			OnStoreError: FailOpen, IPv6Prefix: 64, IPv4Prefix: 32, Lease: 21,
		}}}, "lease 21 is more than the rate's 20 events"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.h.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// FuzzUnmarshalCaddyfile feeds arbitrary blocks to the parser: it returns
// an error or a handler, never panics.
func FuzzUnmarshalCaddyfile(f *testing.F) {
	for _, s := range []string{
		"kw_rate_limit {\n zone a {\n rate 5 1m\n paths /x /y*\n }\n}",
		"kw_rate_limit {\n redis_url redis://h:1/0\n max_keys 9\n redis_timeout 1s\n}",
		"kw_rate_limit {\n zone b {\n rate 1 1h\n ipv6_prefix 48\n ipv4_prefix 24\n on_store_error open\n }\n}",
		"kw_rate_limit {\n zone c {\n rate 900 1m\n lease 9\n }\n zone d {\n rate 900 1m\n lease auto\n }\n}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h := new(Handler)
		if err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser(s)); err != nil {
			return
		}
		for _, z := range h.Zones {
			if z.Events < 1 || z.Window < 1e9 || z.Lease < 0 || z.Lease > z.Events {
				t.Fatalf("parser accepted zone %+v", z)
			}
		}
	})
}

package edgeauth

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	_ "github.com/caddyserver/caddy/v2/modules/standard"

	"github.com/kernelwork/kernelwork/caddy-modules/internal/golden"
	"github.com/kernelwork/kernelwork/caddy-modules/tokencheck"
)

// TestCaddyfileGolden parses testdata/golden/<subdirective>.caddyfile and
// compares the module's JSON with <subdirective>.json: one pair per
// subdirective, and one with a full block.
func TestCaddyfileGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/golden/*.caddyfile")
	if len(files) < len(subdirectives)+1 {
		t.Fatalf("%d golden files for %d subdirectives", len(files), len(subdirectives))
	}
	seen := map[string]bool{}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".caddyfile")
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			h := new(Handler)
			if err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser(string(src))); err != nil {
				t.Fatal(err)
			}
			got, _ := json.MarshalIndent(h, "", "\t")
			golden.Compare(t, strings.TrimSuffix(f, ".caddyfile")+".json", append(got, '\n'))
		})
	}
	for name := range subdirectives {
		if !seen[name] {
			t.Errorf("subdirective %s has no golden file", name)
		}
	}
}

// TestCaddyfileAdaptGolden adapts a whole Caddyfile: the directive is
// registered and ordered before reverse_proxy.
func TestCaddyfileAdaptGolden(t *testing.T) {
	src, err := os.ReadFile("testdata/adapt/site.caddyfile")
	if err != nil {
		t.Fatal(err)
	}
	out, warns, err := caddyconfig.GetAdapter("caddyfile").Adapt(src, map[string]any{"filename": "site.caddyfile"})
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) > 0 {
		t.Fatalf("warnings: %v", warns)
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, out, "", "\t"); err != nil {
		t.Fatal(err)
	}
	golden.Compare(t, "testdata/adapt/site.json", append(pretty.Bytes(), '\n'))
}

func TestCaddyfileErrors(t *testing.T) {
	cases := map[string]string{
		"argument on directive":   "kw_auth extra {\n}",
		"unknown subdirective":    "kw_auth {\n\tjwt_secret x\n}",
		"issuer without value":    "kw_auth {\n\tissuer\n}",
		"issuer two values":       "kw_auth {\n\tissuer a b\n}",
		"bad duration":            "kw_auth {\n\tclock_skew soon\n}",
		"negative duration":       "kw_auth {\n\tclock_skew -5s\n}",
		"key_file two args":       "kw_auth {\n\tkey_file k1 EdDSA\n}",
		"key_file alg none":       "kw_auth {\n\tkey_file k1 none /k.pem\n}",
		"key_file alg HS256":      "kw_auth {\n\tkey_file k1 HS256 /k.pem\n}",
		"core_tls two args":       "kw_auth {\n\tcore_tls ca.pem edge.pem\n}",
		"max_token_bytes small":   "kw_auth {\n\tmax_token_bytes 10\n}",
		"max_token_bytes word":    "kw_auth {\n\tmax_token_bytes big\n}",
		"public empty":            "kw_auth {\n\tpublic\n}",
		"require_scopes empty":    "kw_auth {\n\trequire_scopes\n}",
		"forward_authorization x": "kw_auth {\n\tforward_authorization yes\n}",
	}
	for name, src := range cases {
		t.Run(name, func(t *testing.T) {
			if err := new(Handler).UnmarshalCaddyfile(caddyfile.NewTestDispenser(src)); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestValidateRefusesIncompleteConfig(t *testing.T) {
	ok := Handler{
		Issuer: "i", Audience: "a", RedisURL: "redis://x",
		KeyFiles: []tokencheck.KeyFileSetting{{ID: "k", Alg: "EdDSA", Path: "f"}},
	}
	if err := ok.Validate(); err != nil {
		t.Fatalf("complete config refused: %v", err)
	}
	cases := map[string]func(h *Handler){
		"no issuer":        func(h *Handler) { h.Issuer = "" },
		"no audience":      func(h *Handler) { h.Audience = "" },
		"no keys":          func(h *Handler) { h.KeyFiles = nil },
		"no redis":         func(h *Handler) { h.RedisURL = "" },
		"jwks without tls": func(h *Handler) { h.JWKSURL = "https://core/jwks" },
		"jwks over http": func(h *Handler) {
			h.JWKSURL, h.CoreTLS = "http://core/jwks", &CoreTLS{}
		},
		"api key cache too long": func(h *Handler) { h.APIKeyCacheTTL = caddy.Duration(time.Hour) },
		"api keys over http": func(h *Handler) {
			h.APIKeyURL, h.CoreTLS = "http://core/verify", &CoreTLS{}
		},
		"token bound too small":  func(h *Handler) { h.MaxTokenBytes = 10 },
		"token bound too large":  func(h *Handler) { h.MaxTokenBytes = 1 << 20 },
		"key set algorithm none": func(h *Handler) { h.JWKSAlg = "none" },
		"key set algorithm hmac": func(h *Handler) { h.JWKSAlg = "HS256" },
		"key file algorithm hmac": func(h *Handler) {
			h.KeyFiles = []tokencheck.KeyFileSetting{{ID: "k", Alg: "HS256", Path: "f"}}
		},
	}
	for name, mut := range cases {
		t.Run(name, func(t *testing.T) {
			h := ok
			mut(&h)
			if err := h.Validate(); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

// FuzzUnmarshalCaddyfile: the parser never panics on any block.
func FuzzUnmarshalCaddyfile(f *testing.F) {
	for _, s := range []string{
		"kw_auth {\n\tissuer x\n}", "kw_auth {\n\tkey_file a b c\n\tpublic /x /y\n}",
		"kw_auth {\n\tmax_token_bytes 9000\n\tclock_skew 1s\n}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		tokens, err := caddyfile.Tokenize([]byte(src), "fuzz")
		if err != nil {
			return
		}
		h := new(Handler)
		_ = h.UnmarshalCaddyfile(caddyfile.NewDispenser(tokens))
	})
}

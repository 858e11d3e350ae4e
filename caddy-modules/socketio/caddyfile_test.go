package socketio

import (
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	_ "github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"

	"github.com/kernelwork/kernelwork/caddy-modules/internal/golden"
)

// TestCaddyfileGolden adapts every testdata/*.caddyfile to JSON and compares
// it with the .json file beside it (go test -update rewrites them).
func TestCaddyfileGolden(t *testing.T) {
	golden.AdaptDir(t, "testdata")
}

func TestCaddyfileErrors(t *testing.T) {
	cases := map[string]string{
		"unknown subdirective":   "kw_socketio {\n bogus 1\n}",
		"argument on directive":  "kw_socketio /x",
		"negative duration":      "kw_socketio {\n ping_interval -1s\n}",
		"zero queue":             "kw_socketio {\n send_queue 0\n}",
		"bad rate":               "kw_socketio {\n event_rate fast\n}",
		"two paths":              "kw_socketio {\n path /a/ /b/\n}",
		"hooks maybe":            "kw_socketio {\n namespace / {\n hooks maybe\n }\n}",
		"unknown core option":    "kw_socketio {\n core https://c {\n tls on\n }\n}",
		"unknown token option":   "kw_socketio {\n token {\n alg none\n }\n}",
		"namespace without name": "kw_socketio {\n namespace\n}",
		"flag with argument":     "kw_socketio {\n allow_missing_origin yes\n}",
	}
	for name, src := range cases {
		t.Run(name, func(t *testing.T) {
			h := new(Handler)
			if err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser(src)); err == nil {
				t.Fatalf("accepted:\n%s", src)
			}
		})
	}
}

func TestValidateRefusesIncompleteConfig(t *testing.T) {
	full := func() *Handler {
		return &Handler{
			AllowedOrigins: []string{"https://a.example"}, RedisURL: "redis://x",
			Core:  Core{URL: "https://c", CAFile: "ca", CertFile: "c", KeyFile: "k"},
			Token: Token{Issuer: "i", Audience: "a"},
		}
	}
	if err := full().Validate(); err != nil {
		t.Fatalf("complete config refused: %v", err)
	}
	cases := map[string]func(*Handler){
		"no origins":          func(h *Handler) { h.AllowedOrigins = nil },
		"no redis":            func(h *Handler) { h.RedisURL = "" },
		"no core files":       func(h *Handler) { h.Core.KeyFile = "" },
		"no issuer":           func(h *Handler) { h.Token.Issuer = "" },
		"bad namespace":       func(h *Handler) { h.Namespaces = []Namespace{{Name: "chat"}} },
		"duplicate namespace": func(h *Handler) { h.Namespaces = []Namespace{{Name: "/"}, {Name: "/"}} },
		"origin with path":    func(h *Handler) { h.AllowedOrigins = []string{"https://a.example/x"} },
		"unknown transport":   func(h *Handler) { h.Transports = []string{"flash"} },
	}
	for name, mod := range cases {
		t.Run(name, func(t *testing.T) {
			h := full()
			mod(h)
			if err := h.Validate(); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

// FuzzUnmarshalCaddyfile: the parser never panics on any block.
func FuzzUnmarshalCaddyfile(f *testing.F) {
	for _, s := range []string{
		"kw_socketio {\n path /x/\n}",
		"kw_socketio {\n token {\n key_file k1 EdDSA /k.pem\n max_token_bytes 9000\n clock_skew 1s\n }\n}",
		"kw_socketio {\n core https://c {\n ca_file x\n }\n namespace / {\n hooks off\n }\n}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		tokens, err := caddyfile.Tokenize([]byte(src), "fuzz")
		if err != nil {
			return
		}
		_ = new(Handler).UnmarshalCaddyfile(caddyfile.NewDispenser(tokens))
	})
}

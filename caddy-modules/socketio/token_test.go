package socketio

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	"github.com/kernelwork/kernelwork/caddy-modules/edgeauth"
	"github.com/kernelwork/kernelwork/caddy-modules/tokencheck"
)

// tokenSetting is a setting of the token block with values both modules
// accept and values both refuse.
type tokenSetting struct {
	name string
	good string
	bad  []string
}

var tokenSettings = []tokenSetting{
	{"issuer", "https://edge.example", []string{"", "a b"}},
	{"audience", "kernelwork", []string{"", "a b"}},
	{"token_type", "at+jwt", []string{"", "a b"}},
	{"jwks_url", "https://core.example/.well-known/jwks.json", []string{"", "a b"}},
	{"jwks_alg", "ES256", []string{"", "ES256 EdDSA"}},
	{"jwks_refresh", "10m", []string{"", "soon", "-5s", "0s", "1m 2m"}},
	{"jwks_min_refetch", "1m", []string{"", "soon", "-5s", "0s"}},
	{"key_file", "k1 EdDSA /keys/k1.pem", []string{"", "k1 EdDSA", "k1 EdDSA a b"}},
	{"max_token_bytes", "8192", []string{"", "10", "0", "255", "65537", "big", "4096 4096"}},
	{"clock_skew", "10s", []string{"", "soon", "-5s", "0s"}},
	{"max_lifetime", "20m", []string{"", "soon", "-5s", "0s"}},
}

// notTokenSettings are kw_auth's settings that are not in the token block,
// and why.
var notTokenSettings = map[string]string{
	"core_tls":              "the core block holds the trusted channel's files",
	"api_key_url":           "sockets take access tokens only",
	"api_key_cache_ttl":     "sockets take access tokens only",
	"redis_url":             "a setting of kw_socketio itself",
	"redis_prefix":          "revocation_prefix of kw_socketio",
	"revocation_max_stale":  "a setting of kw_socketio itself",
	"public":                "namespace <name> { public }",
	"require_scopes":        "API key scopes: sockets take access tokens only",
	"forward_authorization": "no request is forwarded",
	"realm":                 "no WWW-Authenticate on sockets",
}

// jsonKey is the JSON name of a setting: key_file is listed as key_files.
func jsonKey(name string) string {
	if name == "key_file" {
		return "key_files"
	}
	return name
}

// TestTokenBlockHasEveryTokenSettingOfKwAuth: every kw_auth field is in the
// token block or has a reason not to be, and kw_socketio lists the rest.
func TestTokenBlockHasEveryTokenSettingOfKwAuth(t *testing.T) {
	tokenFields := jsonFields(reflect.TypeFor[Token]())
	handlerFields := jsonFields(reflect.TypeFor[Handler]())
	for name := range jsonFields(reflect.TypeFor[edgeauth.Handler]()) {
		if _, why := notTokenSettings[name]; !why && !tokenFields[name] {
			t.Errorf("kw_auth's %s is missing from kw_socketio's token block", name)
		}
	}
	for _, name := range []string{"redis_url", "revocation_max_stale"} {
		if !handlerFields[name] {
			t.Errorf("kw_auth's %s is not a setting of kw_socketio", name)
		}
	}
	for _, s := range tokenSettings {
		if !tokenFields[jsonKey(s.name)] {
			t.Errorf("token setting %s has no field", s.name)
		}
		if tokenOptions[s.name] == nil {
			t.Errorf("token setting %s has no parser", s.name)
		}
	}
	if len(tokenSettings) != len(tokenOptions) {
		t.Errorf("%d token settings tested, %d parsed", len(tokenSettings), len(tokenOptions))
	}
}

func jsonFields(typ reflect.Type) map[string]bool {
	out := map[string]bool{}
	for f := range typ.Fields() {
		if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "" && name != "-" {
			out[name] = true
		}
	}
	return out
}

// TestTokenSettingsParseAsKwAuth: each setting is stored as kw_auth stores
// it, and every value kw_auth refuses is refused with an error naming the
// setting.
func TestTokenSettingsParseAsKwAuth(t *testing.T) {
	for _, s := range tokenSettings {
		t.Run(s.name, func(t *testing.T) {
			auth, err := parseKwAuth(s.name + " " + s.good)
			if err != nil {
				t.Fatalf("kw_auth refuses %q: %v", s.good, err)
			}
			sio, err := parseTokenBlock(s.name + " " + s.good)
			if err != nil {
				t.Fatalf("kw_socketio refuses %q: %v", s.good, err)
			}
			if a, b := auth[jsonKey(s.name)], sio[jsonKey(s.name)]; a == nil || !reflect.DeepEqual(a, b) {
				t.Fatalf("kw_auth stores %v, kw_socketio %v", a, b)
			}
			for _, bad := range s.bad {
				if _, err := parseKwAuth(s.name + " " + bad); err == nil {
					t.Fatalf("kw_auth accepts %q: fix the test table", bad)
				}
				_, err := parseTokenBlock(s.name + " " + bad)
				if err == nil || !strings.Contains(err.Error(), s.name) {
					t.Errorf("kw_socketio on %q: %v", bad, err)
				}
			}
		})
	}
}

// parseKwAuth parses a kw_auth block with one line and returns its JSON.
func parseKwAuth(line string) (map[string]any, error) {
	h := new(edgeauth.Handler)
	if err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser("kw_auth {\n" + line + "\n}")); err != nil {
		return nil, err
	}
	return asJSON(h), nil
}

// parseTokenBlock parses a kw_socketio token block with one line and
// returns the token's JSON.
func parseTokenBlock(line string) (map[string]any, error) {
	h := new(Handler)
	src := "kw_socketio {\n token {\n" + line + "\n }\n}"
	if err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser(src)); err != nil {
		return nil, err
	}
	return asJSON(h.Token), nil
}

func asJSON(v any) map[string]any {
	b, _ := json.Marshal(v)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

// TestTokenAlgorithmsRefusedAtParse: an algorithm no key may have is
// refused in the Caddyfile, before any key is read.
func TestTokenAlgorithmsRefusedAtParse(t *testing.T) {
	for _, line := range []string{"jwks_alg HS256", "jwks_alg none", "key_file k1 none /k.pem", "key_file k1 HS256 /k.pem"} {
		if _, err := parseTokenBlock(line); err == nil || !strings.Contains(err.Error(), "is not one of") {
			t.Errorf("%s: %v", line, err)
		}
	}
}

func TestValidateRefusesBadTokenSettings(t *testing.T) {
	cases := map[string]func(*Token){
		"jwks_url over http":    func(tk *Token) { tk.JWKSURL = "http://core.example/jwks" },
		"jwks_url without host": func(tk *Token) { tk.JWKSURL = "https:///jwks" },
		"jwks_alg HS256":        func(tk *Token) { tk.JWKSAlg = "HS256" },
		"key_file alg none": func(tk *Token) {
			tk.KeyFiles = []tokencheck.KeyFileSetting{{ID: "k1", Alg: "none", Path: "/k.pem"}}
		},
		"max_token_bytes 10":     func(tk *Token) { tk.MaxTokenBytes = 10 },
		"max_token_bytes 100000": func(tk *Token) { tk.MaxTokenBytes = 100000 },
	}
	for name, mod := range cases {
		t.Run(name, func(t *testing.T) {
			h := &Handler{
				AllowedOrigins: []string{"https://a.example"}, RedisURL: "redis://x",
				Core:  Core{URL: "https://c", CAFile: "ca", CertFile: "c", KeyFile: "k"},
				Token: Token{Issuer: "i", Audience: "a"},
			}
			mod(&h.Token)
			err := h.Validate()
			if err == nil || !strings.Contains(err.Error(), strings.Fields(name)[0]) {
				t.Fatalf("got %v", err)
			}
		})
	}
}

// TestDefaultKeySetFollowsTheCoreUnlessKeyFiles: the core's key set is
// the default, over https only, and key files alone fetch nothing.
func TestDefaultKeySetFollowsTheCoreUnlessKeyFiles(t *testing.T) {
	tk := Token{Issuer: "i", Audience: "a"}
	if u := tk.jwksURL("https://c:1"); u != "https://c:1/.well-known/jwks.json" {
		t.Fatalf("default key set %q", u)
	}
	if err := tk.validate("http://c:1"); err == nil {
		t.Fatal("a key set over plain http accepted")
	}
	tk.KeyFiles = []tokencheck.KeyFileSetting{{ID: "k1", Alg: "EdDSA", Path: "/k.pem"}}
	if u := tk.jwksURL("https://c:1"); u != "" {
		t.Fatalf("key files and a key set %q", u)
	}
}

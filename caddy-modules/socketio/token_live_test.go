package socketio

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/kernelwork/kernelwork/core/coretest"
	"github.com/kernelwork/kernelwork/core/pki"
	"github.com/kernelwork/kernelwork/gateway/e2e"
)

// These tests run kw_socketio with tokens this test signs, checked by key
// files or by a key set this test serves, on namespaces without hooks: no
// core is asked. Redis is the local stack's.

const (
	liveIssuer   = "https://edge.test"
	liveAudience = "kernelwork"
)

// signer is an Ed25519 key with its kid.
type signer struct {
	kid  string
	priv ed25519.PrivateKey
}

func newSigner(t *testing.T, kid string) *signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &signer{kid: kid, priv: priv}
}

// pemFile writes the public key for key_file and returns its path.
func (s *signer) pemFile(t *testing.T) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(s.priv.Public())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), s.kid+".pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// token signs an access token issued at iat that lives for life; extra
// claims are added as they are.
func (s *signer) token(iat time.Time, life time.Duration, extra map[string]any) string {
	part := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	c := map[string]any{
		"iss": liveIssuer, "aud": liveAudience, "sub": "11111111-1111-4111-8111-111111111111",
		"sid": "22222222-2222-4222-8222-222222222222", "tid": "33333333-3333-4333-8333-333333333333",
		"jti": rand.Text(), "iat": iat.Unix(), "exp": iat.Add(life).Unix(),
	}
	for k, v := range extra {
		c[k] = v
	}
	in := part(map[string]any{"alg": "EdDSA", "typ": "at+jwt", "kid": s.kid}) + "." + part(c)
	return in + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(s.priv, []byte(in)))
}

// liveEdge is the trusted channel's files and the Redis of a test edge.
type liveEdge struct {
	pkiDir string
	redis  string
}

func newLiveEdge(t *testing.T) *liveEdge {
	t.Helper()
	dir := t.TempDir()
	if _, err := pki.Init(dir, []string{"localhost", "127.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	return &liveEdge{pkiDir: dir, redis: coretest.StackEnv(t)["KW_REDIS_URL"]}
}

// directive returns a kw_socketio block whose "/" namespace has no hooks;
// token holds the lines of the token block after issuer and audience, extra
// more lines of the block.
func (e *liveEdge) directive(token, extra string) string {
	return block(blockParts{
		redis: e.redis, prefix: rand.Text(), core: "https://127.0.0.1:1", pkiDir: e.pkiDir,
		issuer: liveIssuer, audience: liveAudience, token: token,
		extra: "namespace / {\n\t\t\thooks off\n\t\t}\n\t\t" + extra,
	})
}

// connectOnce opens one socket with tok and returns "" when it connected,
// or the reason it was refused.
func connectOnce(t *testing.T, port int, tok string) string {
	t.Helper()
	r := e2e.Run(t, "client.mjs", map[string]string{
		"KW_URL": base(port), "KW_ORIGIN": testOrigin, "KW_TOKEN": tok,
	}, "connectOnly")
	if r["connected"] == true {
		return ""
	}
	data, _ := r["data"].(map[string]any)
	if reason, _ := data["reason"].(string); reason != "" {
		return reason
	}
	return fmt.Sprint(r)
}

// TestTokenBoundsReachTheSocketVerifier: clock_skew, max_lifetime and
// max_token_bytes of the token block refuse tokens the defaults (30s, 15m,
// 4096) would accept; a key_file signs the accepted ones.
func TestTokenBoundsReachTheSocketVerifier(t *testing.T) {
	e := newLiveEdge(t)
	k := newSigner(t, "k1")
	port := freePort(t)
	stopCaddy(t)
	load(t, map[int]string{port: e.directive(fmt.Sprintf(`key_file k1 EdDSA %s
			clock_skew 1s
			max_lifetime 5m
			max_token_bytes 800`, k.pemFile(t)), "")})
	now := time.Now()
	cases := []struct {
		name, token, reason string
	}{
		{"valid", k.token(now, 4*time.Minute, nil), ""},
		{"longer than max_lifetime", k.token(now, 10*time.Minute, nil), "lifetime_too_long"},
		{"expired beyond clock_skew", k.token(now.Add(-4*time.Minute-5*time.Second), 4*time.Minute, nil), "expired"},
		{"issued beyond clock_skew", k.token(now.Add(5*time.Second), 4*time.Minute, nil), "issued_in_future"},
		{
			"longer than max_token_bytes",
			k.token(now, 4*time.Minute, map[string]any{"pad": strings.Repeat("x", 300)}), "too_large",
		},
		{"unknown kid", newSigner(t, "k2").token(now, 4*time.Minute, nil), "unknown_key"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := connectOnce(t, port, c.token); got != c.reason {
				t.Fatalf("refusal %q, want %q (token of %d bytes)", got, c.reason, len(c.token))
			}
		})
	}
}

// keySetServer serves a JWKS over TLS with the certificate of dir's PKI and
// counts its fetches.
type keySetServer struct {
	mu      sync.Mutex
	keys    []jose.JSONWebKey
	fetches int
	srv     *httptest.Server
}

func newKeySetServer(t *testing.T, dir string, first *signer) *keySetServer {
	t.Helper()
	ks := &keySetServer{}
	ks.add(first)
	ks.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		ks.mu.Lock()
		defer ks.mu.Unlock()
		ks.fetches++
		w.Header().Set("Content-Type", "application/jwk-set+json")
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: ks.keys})
	}))
	cert, err := tlsPair(dir)
	if err != nil {
		t.Fatal(err)
	}
	ks.srv.TLS = cert
	ks.srv.StartTLS()
	t.Cleanup(ks.srv.Close)
	return ks
}

// tlsPair is the server certificate of dir's PKI (for localhost and
// 127.0.0.1).
func tlsPair(dir string) (*tls.Config, error) {
	c, err := tls.LoadX509KeyPair(filepath.Join(dir, pki.CoreCert), filepath.Join(dir, pki.CoreKey))
	if err != nil {
		return nil, err
	}
	return &tls.Config{Certificates: []tls.Certificate{c}, MinVersion: tls.VersionTLS12}, nil
}

func (ks *keySetServer) add(s *signer) {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	ks.keys = append(ks.keys, jose.JSONWebKey{Key: s.priv.Public(), KeyID: s.kid, Algorithm: "EdDSA", Use: "sig"})
}

func (ks *keySetServer) count() int {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	return ks.fetches
}

func (ks *keySetServer) url() string { return ks.srv.URL + "/.well-known/jwks.json" }

// eventually retries check every 200ms for up to d and returns its last
// answer.
func eventually(d time.Duration, check func() string) string {
	deadline := time.Now().Add(d)
	for {
		got := check()
		if got == "" || time.Now().After(deadline) {
			return got
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// keySetEdge starts an edge whose keys come from a key set this test
// serves, holding k1 and later k2; token holds more lines of the token
// block. It returns once a token of k1 connects.
func keySetEdge(t *testing.T, token string) (port int, ks *keySetServer, k1, k2 *signer) {
	t.Helper()
	e := newLiveEdge(t)
	k1, k2 = newSigner(t, "k1"), newSigner(t, "k2")
	ks = newKeySetServer(t, e.pkiDir, k1)
	port = freePort(t)
	stopCaddy(t)
	load(t, map[int]string{port: e.directive("jwks_url "+ks.url()+"\n\t\t\t"+token, "")})
	if got := eventually(5*time.Second, func() string { return connectOnce(t, port, k1.token(time.Now(), time.Minute, nil)) }); got != "" {
		t.Fatalf("a token of the first key: %q", got)
	}
	return port, ks, k1, k2
}

// TestKeySetRefreshPicksUpANewKey: with jwks_refresh 1s, a key added to the
// key set signs accepted tokens within seconds, and the set is fetched
// about once a second; the default (5m, and an unknown kid fetching at
// most every 30s) would refuse them.
func TestKeySetRefreshPicksUpANewKey(t *testing.T) {
	port, ks, _, k2 := keySetEdge(t, "jwks_refresh 1s")
	if got := connectOnce(t, port, k2.token(time.Now(), time.Minute, nil)); got != "unknown_key" {
		t.Fatalf("a key not yet in the set: %q", got)
	}
	ks.add(k2)
	before := ks.count()
	if got := eventually(4*time.Second, func() string { return connectOnce(t, port, k2.token(time.Now(), time.Minute, nil)) }); got != "" {
		t.Fatalf("a key added to the set, after the refresh: %q", got)
	}
	time.Sleep(2500 * time.Millisecond)
	if n := ks.count() - before; n < 2 {
		t.Fatalf("%d fetches in about 3s with jwks_refresh 1s", n)
	}
}

// TestKeySetMinRefetchBoundsUnknownKidFetches: with jwks_min_refetch 1s and
// no periodic refresh in sight, an unknown kid fetches the set again once
// a second has passed (the default waits 30s).
func TestKeySetMinRefetchBoundsUnknownKidFetches(t *testing.T) {
	port, ks, _, k2 := keySetEdge(t, "jwks_refresh 1h\n\t\t\tjwks_min_refetch 1s")
	ks.add(k2)
	time.Sleep(1100 * time.Millisecond)
	if got := connectOnce(t, port, k2.token(time.Now(), time.Minute, nil)); got != "" {
		t.Fatalf("a new kid after jwks_min_refetch: %q", got)
	}
}

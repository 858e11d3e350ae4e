package edgeauth

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	"github.com/kernelwork/kernelwork/caddy-modules/tokencheck"
	"github.com/kernelwork/kernelwork/core/coretest"
)

// freePort returns a loopback port that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().(*net.TCPAddr).Port
}

// startCaddy runs the Caddyfile in this process until the test ends. The
// global options block is added: no admin endpoint, no automatic HTTPS,
// storage and logs in a temporary directory (logs at debug level, in the
// returned file).
func startCaddy(t testing.TB, sites string) (logFile string) {
	t.Helper()
	dir := t.TempDir()
	logFile = filepath.Join(dir, "caddy.log")
	src := fmt.Sprintf("{\n\tadmin off\n\tauto_https off\n\tdefault_bind 127.0.0.1\n\tpersist_config off\n\tstorage file_system %s\n"+
		"\tlog {\n\t\toutput file %s\n\t\tlevel DEBUG\n\t}\n}\n\n%s", dir, logFile, sites)
	cfg, warns, err := caddyconfig.GetAdapter("caddyfile").Adapt(caddyfile.Format([]byte(src)), nil)
	if err != nil {
		t.Fatalf("adapting the Caddyfile: %v\n%s", err, src)
	}
	for _, w := range warns {
		t.Logf("caddyfile warning: %s", w.Message)
	}
	if err := caddy.Load(cfg, true); err != nil {
		t.Fatalf("loading caddy: %v", err)
	}
	t.Cleanup(func() { _ = caddy.Stop() })
	return logFile
}

// echoUpstream answers every request with the headers it received, as JSON.
func echoUpstream(t testing.TB) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(r.Header)
	}))
	t.Cleanup(s.Close)
	return s
}

// tokenKey is an Ed25519 key written as a PEM file for key_file.
type tokenKey struct {
	priv ed25519.PrivateKey
	path string
}

func newTokenKey(t testing.TB) *tokenKey {
	t.Helper()
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(pub)
	path := filepath.Join(t.TempDir(), "k1.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return &tokenKey{priv: priv, path: path}
}

func seg(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

// mint signs claims with header typ at+jwt, kid k1.
func (k *tokenKey) mint(claims map[string]any) string {
	in := seg(map[string]any{"alg": "EdDSA", "typ": "at+jwt", "kid": "k1"}) + "." + seg(claims)
	return in + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(k.priv, []byte(in)))
}

// claims returns valid claims for a fresh session.
func claims(sid string) map[string]any {
	now := time.Now().Unix()
	return map[string]any{
		"iss": "https://edge.test", "aud": "kernelwork",
		"sub": "11111111-1111-4111-8111-111111111111", "sid": sid,
		"tid": "33333333-3333-4333-8333-333333333333", "jti": randomUUID(),
		"iat": now, "nbf": now, "exp": now + 600,
	}
}

func randomUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// redisURL is the local stack's Redis.
func redisURL(t testing.TB) string { return coretest.StackEnv(t)["KW_REDIS_URL"] }

// call sends a request with the given headers (each value added in order)
// and returns the status, headers and body.
func call(t testing.TB, method, url string, headers [][2]string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range headers {
		req.Header[h[0]] = append(req.Header[h[0]], h[1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, body
}

func bearer(tok string) [2]string { return [2]string{"Authorization", "Bearer " + tok} }

// upstreamSaw decodes the echo upstream's answer.
func upstreamSaw(t testing.TB, body []byte) http.Header {
	t.Helper()
	var h http.Header
	if err := json.Unmarshal(body, &h); err != nil {
		t.Fatalf("upstream answer %q: %v", body, err)
	}
	return h
}

// identityHeaders returns every header of h that looks like an identity
// header, names lowercased.
func identityHeaders(h http.Header) map[string][]string {
	out := map[string][]string{}
	for k, v := range h {
		if tokencheck.IsIdentityHeader(k) {
			out[strings.ToLower(k)] = v
		}
	}
	return out
}

// callBody is call with a JSON body.
func callBody(t testing.TB, method, url, body string, headers [][2]string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for _, h := range headers {
		req.Header[h[0]] = append(req.Header[h[0]], h[1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, out
}

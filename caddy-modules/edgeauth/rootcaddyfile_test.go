package edgeauth

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kernelwork/kernelwork/core/coretest"
	"github.com/kernelwork/kernelwork/core/identity"
	"github.com/kernelwork/kernelwork/core/identity/identitytest"
)

// TestRootCaddyfileChecksTokens runs the edge binary (bin/caddy, made by
// `make build`) with the repository's root Caddyfile in front of a real
// core: a core-minted token reaches /api/v1/me, a request without one is
// refused at the edge, the public probes pass, and spoofed identity headers
// do not change who the core sees.
func TestRootCaddyfileChecksTokens(t *testing.T) {
	root := coretest.RepoRoot(t)
	bin := filepath.Join(root, "bin", "caddy")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("%s is missing: run `make build` (make test does)", bin)
	}
	a := coretest.NewApp(t, nil)
	c := coretest.StartCore(t, a)
	u := identitytest.NewUser(t, a, coretest.RandomSlug("root"), identity.RoleMember)
	other := identitytest.NewUser(t, a, coretest.RandomSlug("root"), identity.RoleMember)
	data := t.TempDir()
	https := freePort(t)
	runEdge(t, bin, root, data, map[string]string{
		"KW_PKI_DIR": c.PKIDir, "KW_CORE_ADDR": strings.TrimPrefix(c.URL, "https://"),
		"KW_REDIS_URL": a.Config.Redis.URL, "KW_TOKEN_ISSUER": a.Config.Tokens.Issuer,
		"KW_TOKEN_AUDIENCE": a.Config.Tokens.Audience, "KW_EDGE_HTTPS_PORT": fmt.Sprint(https),
		"KW_EDGE_HTTP_PORT": fmt.Sprint(freePort(t)), "KW_EDGE_ADMIN_PORT": fmt.Sprint(freePort(t)),
	})
	base := fmt.Sprintf("https://localhost:%d", https)
	get := func(path string, hdr ...[2]string) (int, string, string) {
		req, _ := http.NewRequest("GET", base+path, nil)
		for _, h := range hdr {
			req.Header.Add(h[0], h[1])
		}
		resp, err := edgeHTTPS(data).Do(req)
		if err != nil {
			return 0, "", err.Error()
		}
		defer func() { _ = resp.Body.Close() }()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("WWW-Authenticate"), string(b)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if status, _, _ := get("/healthz"); status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the edge did not serve /healthz")
		}
		time.Sleep(200 * time.Millisecond)
	}
	if status, _, body := get("/api/v1/me", bearer(u.Token),
		[2]string{"X-Kw-User", other.ID}, [2]string{"X_Kw_Tenant", other.TenantID}); status != 200 ||
		!strings.Contains(body, u.ID) || strings.Contains(body, other.ID) {
		t.Fatalf("me with a token: %d %s", status, body)
	}
	if status, challenge, _ := get("/api/v1/me", [2]string{"X-Kw-Auth", "token"},
		[2]string{"X-Kw-User", u.ID}, [2]string{"X-Kw-Tenant", u.TenantID}); status != 401 ||
		!strings.HasPrefix(challenge, "Bearer ") {
		t.Fatalf("me with forged headers only: %d %q", status, challenge)
	}
	if status, _, _ := get("/.well-known/jwks.json"); status != 200 {
		t.Fatalf("jwks: %d", status)
	}
}

// runEdge starts bin/caddy with the root Caddyfile and env until the test
// ends.
func runEdge(t *testing.T, bin, root, data string, env map[string]string) {
	t.Helper()
	cmd := exec.Command(bin, "run", "--config", filepath.Join(root, "Caddyfile"), "--adapter", "caddyfile")
	cmd.Env = append(os.Environ(), "XDG_DATA_HOME="+data, "XDG_CONFIG_HOME="+data)
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	logf, err := os.Create(filepath.Join(data, "caddy.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			t.Logf("caddy log:\n%s", b)
		}
	})
}

// edgeHTTPS trusts the root of Caddy's internal CA in data, once made.
func edgeHTTPS(data string) *http.Client {
	pool := x509.NewCertPool()
	if pem, err := os.ReadFile(filepath.Join(data, "caddy", "pki", "authorities", "local",
		"root.crt")); err == nil {
		pool.AppendCertsFromPEM(pem)
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
	}}
}

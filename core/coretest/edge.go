package coretest

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Edge is the edge binary (bin/caddy) running the root Caddyfile in front of
// a core.
type Edge struct {
	// URL is the edge's base URL (https://localhost:port).
	URL string
	// RootCA is the file of the root certificate of Caddy's internal CA.
	RootCA string
}

// StartEdge runs bin/caddy, built by `make build`, with the repository's root
// Caddyfile in front of c, on free loopback ports, until the test ends, and
// waits until it serves /healthz. env adds or replaces variables of the
// Caddyfile; the local stack's variables come first.
func StartEdge(t testing.TB, c *Core, env map[string]string) *Edge {
	t.Helper()
	root := RepoRoot(t)
	bin := filepath.Join(root, "bin", "caddy")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("%s is missing: run `make build` (make test does)", bin)
	}
	data := t.TempDir()
	https := FreePort(t)
	vars := StackEnv(t)
	for k, v := range map[string]string{
		"XDG_DATA_HOME": data, "XDG_CONFIG_HOME": data,
		"KW_PKI_DIR":         c.PKIDir,
		"KW_CORE_ADDR":       strings.TrimPrefix(c.URL, "https://"),
		"KW_REDIS_URL":       c.App.Config.Redis.URL,
		"KW_TOKEN_ISSUER":    c.App.Config.Tokens.Issuer,
		"KW_TOKEN_AUDIENCE":  c.App.Config.Tokens.Audience,
		"KW_EDGE_HTTPS_PORT": fmt.Sprint(https),
		"KW_EDGE_HTTP_PORT":  fmt.Sprint(FreePort(t)),
		"KW_EDGE_ADMIN_PORT": fmt.Sprint(FreePort(t)),
	} {
		vars[k] = v
	}
	for k, v := range env {
		vars[k] = v
	}
	cmd := exec.Command(bin, "run", "--config", filepath.Join(root, "Caddyfile"),
		"--adapter", "caddyfile")
	cmd.Env = os.Environ()
	for k, v := range vars {
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
			t.Logf("caddy log:\n%.8000s", b)
		}
	})

	e := &Edge{
		URL:    fmt.Sprintf("https://localhost:%d", https),
		RootCA: filepath.Join(data, "caddy", "pki", "authorities", "local", "root.crt"),
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := e.Client().Get(e.URL + "/healthz")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return e
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the edge did not serve /healthz: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Client returns an HTTP client (HTTP/2 when offered) that trusts the root of
// Caddy's internal CA.
func (e *Edge) Client() *http.Client {
	pool := x509.NewCertPool()
	if pem, err := os.ReadFile(e.RootCA); err == nil {
		pool.AppendCertsFromPEM(pem)
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		ForceAttemptHTTP2: true,
	}}
}

// FreePort returns a loopback TCP port nothing listens on now.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().(*net.TCPAddr).Port
}

package server_test

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
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
)

// TestEdgeServesHealthOverTLS runs the edge binary (bin/caddy, built by `make
// build`) with the root Caddyfile in front of a core, and reads /healthz and
// /readyz over HTTPS through it: the Caddyfile's TLS and its mutual-TLS
// transport to the core work together.
func TestEdgeServesHealthOverTLS(t *testing.T) {
	root := coretest.RepoRoot(t)
	caddyBin := filepath.Join(root, "bin", "caddy")
	if _, err := os.Stat(caddyBin); err != nil {
		t.Fatalf("%s is missing: run `make build` (make test does)", caddyBin)
	}
	c := coretest.StartCore(t, coretest.NewApp(t, nil))
	https, http1, admin := freePort(t), freePort(t), freePort(t)
	data := t.TempDir()
	cmd := exec.Command(caddyBin, "run", "--config", filepath.Join(root, "Caddyfile"),
		"--adapter", "caddyfile")
	cmd.Env = append(stackEnviron(t),
		"XDG_DATA_HOME="+data, "XDG_CONFIG_HOME="+data,
		"KW_PKI_DIR="+c.PKIDir,
		"KW_CORE_ADDR="+strings.TrimPrefix(c.URL, "https://"),
		fmt.Sprintf("KW_EDGE_HTTPS_PORT=%d", https),
		fmt.Sprintf("KW_EDGE_HTTP_PORT=%d", http1),
		fmt.Sprintf("KW_EDGE_ADMIN_PORT=%d", admin))
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

	client := edgeClient(t, data)
	base := fmt.Sprintf("https://localhost:%d", https)
	var resp *http.Response
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err = client.Get(base + "/healthz")
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
		client = edgeClient(t, data)
	}
	if err != nil {
		t.Fatalf("the edge did not answer over TLS: %v", err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.TLS == nil {
		t.Fatalf("healthz through the edge = %d", resp.StatusCode)
	}

	resp, err = client.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	var ready struct{ Status string }
	if err := json.Unmarshal(body, &ready); err != nil || resp.StatusCode != http.StatusOK ||
		ready.Status != "ready" {
		t.Fatalf("readyz through the edge = %d %s", resp.StatusCode, body)
	}
}

// edgeClient trusts the root of Caddy's internal CA once Caddy has made it.
func edgeClient(t *testing.T, data string) *http.Client {
	t.Helper()
	pool := x509.NewCertPool()
	if pem, err := os.ReadFile(filepath.Join(data, "caddy", "pki", "authorities", "local",
		"root.crt")); err == nil {
		pool.AppendCertsFromPEM(pem)
	}
	return &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig:   &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
			ForceAttemptHTTP2: true,
		},
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	var p int
	if _, err := fmt.Sscanf(closedPort(t)[len("127.0.0.1:"):], "%d", &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestEdgeBinaryHasModulesAndAcceptsCaddyfile checks the custom build: every
// KernelWork module is compiled in, and the root Caddyfile adapts and validates.
func TestEdgeBinaryHasModulesAndAcceptsCaddyfile(t *testing.T) {
	root := coretest.RepoRoot(t)
	caddyBin := filepath.Join(root, "bin", "caddy")
	out, err := exec.Command(caddyBin, "list-modules").CombinedOutput()
	if err != nil {
		t.Fatalf("list-modules: %v\n%s", err, out)
	}
	for _, id := range []string{
		"http.handlers.kw_auth", "http.handlers.kw_rate_limit",
		"http.handlers.kw_embed", "http.handlers.kw_socketio",
	} {
		if !strings.Contains(string(out), id+"\n") {
			t.Errorf("bin/caddy lacks the module %s", id)
		}
	}
	c := coretest.Config(t, nil)
	env := append(stackEnviron(t), "KW_PKI_DIR="+filepath.Dir(c.Server.EdgeCAFile),
		"XDG_DATA_HOME="+t.TempDir(), "XDG_CONFIG_HOME="+t.TempDir())
	for _, args := range [][]string{
		{"adapt", "--config", filepath.Join(root, "Caddyfile"), "--adapter", "caddyfile"},
		{"validate", "--config", filepath.Join(root, "Caddyfile"), "--adapter", "caddyfile"},
	} {
		cmd := exec.Command(caddyBin, args...)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("caddy %s: %v\n%s", args[0], err, out)
		}
	}
}

// stackEnviron is the process environment plus the local stack's variables
// (the root Caddyfile reads KW_REDIS_URL and others), as `make run` gives them.
func stackEnviron(t *testing.T) []string {
	t.Helper()
	env := os.Environ()
	for k, v := range coretest.StackEnv(t) {
		env = append(env, k+"="+v)
	}
	return env
}

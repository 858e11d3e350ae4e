package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kernelwork/kernelwork/core/coretest"
)

// TestEdgeServesHealthOverTLS runs the edge binary (bin/caddy, built by `make
// build`) with the root Caddyfile in front of a core, and reads /healthz and
// /readyz over HTTPS through it: the Caddyfile's TLS and its mutual-TLS
// transport to the core work together.
func TestEdgeServesHealthOverTLS(t *testing.T) {
	e := coretest.StartEdge(t, coretest.StartCore(t, coretest.NewApp(t, nil)), nil)
	client := e.Client()

	resp, err := client.Get(e.URL + "/healthz")
	if err != nil {
		t.Fatalf("the edge did not answer over TLS: %v", err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.TLS == nil {
		t.Fatalf("healthz through the edge = %d", resp.StatusCode)
	}

	resp, err = client.Get(e.URL + "/readyz")
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

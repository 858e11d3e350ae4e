package media_test

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/kernelwork/kernelwork/config"
	"github.com/kernelwork/kernelwork/core/coretest"
)

// freePort returns a loopback port that was free a moment ago, for network
// ("tcp" or "udp").
func freePort(t *testing.T, network string) int {
	t.Helper()
	if network == "udp" {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = pc.Close() }()
		return pc.LocalAddr().(*net.UDPAddr).Port
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().(*net.TCPAddr).Port
}

// run starts bin with args and env, logging to a file shown if the test
// fails, and stops it when the test ends.
func run(t *testing.T, name, bin string, env []string, args ...string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	logf, err := os.Create(filepath.Join(t.TempDir(), name+".log"))
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
			t.Logf("%s log:\n%.6000s", name, b)
		}
	})
}

// startEdge runs the edge binary with the root Caddyfile in front of core c
// and returns its base URL and the file of Caddy's internal root CA.
func startEdge(t *testing.T, c *coretest.Core) (base, rootCA string) {
	t.Helper()
	e := coretest.StartEdge(t, c, nil)
	return e.URL, e.RootCA
}

// startLiveKit runs the stack's livekit-server binary on port with lk's keys,
// posting its webhooks to webhookURL and trusting the CA in rootCA for them.
func startLiveKit(t *testing.T, lk config.LiveKit, port int, webhookURL, rootCA string) {
	t.Helper()
	tools := os.Getenv("KW_TOOLS_DIR")
	if tools == "" {
		home, _ := os.UserHomeDir()
		tools = filepath.Join(home, ".cache", "kernelwork", "bin")
	}
	bin := filepath.Join(tools, "livekit-server")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("%s is missing: run `make services`", bin)
	}
	cfg := fmt.Sprintf("port: %d\nrtc:\n  tcp_port: %d\n  udp_port: %d\n  use_external_ip: false\n"+
		"turn:\n  enabled: false\nkeys:\n  %s: %s\nroom:\n  auto_create: true\n"+
		"webhook:\n  api_key: %s\n  urls:\n    - %s\nlogging:\n  level: info\n",
		port, freePort(t, "tcp"), freePort(t, "udp"), lk.APIKey, lk.APISecret, lk.APIKey, webhookURL)
	file := filepath.Join(t.TempDir(), "livekit.yaml")
	if err := os.WriteFile(file, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	run(t, "livekit", bin, []string{"SSL_CERT_FILE=" + rootCA},
		"--config", file, "--bind", "127.0.0.1", "--node-ip", "127.0.0.1")
	waitFor(t, "livekit-server", func() bool {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/", port))
		if err == nil {
			_ = resp.Body.Close()
		}
		return err == nil
	})
}

// waitFor polls ok for up to 30 seconds.
func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not come up", what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

package socketio

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/caddyserver/caddy/v2"

	"github.com/kernelwork/kernelwork/caddy-modules/internal/golden"
	"github.com/kernelwork/kernelwork/core/identity"
	"github.com/kernelwork/kernelwork/core/identity/identitytest"
	"github.com/kernelwork/kernelwork/gateway/e2e"
	"github.com/kernelwork/kernelwork/gateway/emitter"
)

// TestBrowserOverHTTPSAndHTTP2 loads a page from the edge over HTTPS with
// HTTP/2 in headless Chromium; the page's socket.io client connects with a
// token, upgrades to WebSocket, exchanges events and receives a broadcast
// from the core's emitter.
func TestBrowserOverHTTPSAndHTTP2(t *testing.T) {
	if _, err := os.Stat("/usr/bin/chromium"); err != nil {
		t.Fatalf("chromium is required (apt-get install chromium): %v", err)
	}
	s := newStack(t)
	port := freePort(t)
	origin := fmt.Sprintf("https://localhost:%d", port)
	root := pageRoot(t)
	site := fmt.Sprintf(`%s {
	bind 127.0.0.1
	tls internal
	%s
	root * %s
	file_server
}`, origin, s.directive("allowed_origins "+origin), root)
	cf := "{\n\tadmin off\n\tpersist_config off\n\tskip_install_trust\n\thttp_port " +
		fmt.Sprint(freePort(t)) + "\n}\n" + site
	cfg, err := golden.Adapt(cf)
	if err != nil {
		t.Fatal(err)
	}
	stopCaddy(t)
	if err := caddy.Load(cfg, true); err != nil {
		t.Fatalf("loading caddy: %v", err)
	}
	waitUp(t, port)
	u := identitytest.NewUser(t, s.a, "sio-browser", identity.RoleMember)
	p := e2e.Start(t, "browser.mjs", map[string]string{"KW_PAGE": origin + "/page.html", "KW_TOKEN": u.Token})
	ready := p.Next(t)
	if ready["ready"] != true {
		t.Fatalf("page: %v", ready)
	}
	em := emitter.New(s.a.Redis).WithPrefix(s.prefix)
	if err := em.To("user:"+u.ID).Emit(context.Background(), "news", "for-the-browser"); err != nil {
		t.Fatal(err)
	}
	r := p.Wait(t)
	checkBrowser(t, r)
}

func checkBrowser(t *testing.T, r e2e.Result) {
	t.Helper()
	if r["error"] != nil {
		t.Fatalf("page: %v", r)
	}
	if r["protocol"] != "h2" {
		t.Errorf("page protocol %v, want h2", r["protocol"])
	}
	if r["firstTransport"] != "polling" || r["transport"] != "websocket" {
		t.Errorf("transports %v then %v, want polling then websocket", r["firstTransport"], r["transport"])
	}
	if auth, _ := r["auth"].(map[string]any); auth["hello"] != "browser" {
		t.Errorf("auth event %v", r["auth"])
	}
	if ack := fmt.Sprint(r["ack"]); ack != "[from-browser [5 6]]" {
		t.Errorf("ack %s", ack)
	}
	if news := fmt.Sprint(r["news"]); news != "[for-the-browser]" {
		t.Errorf("broadcast %s", news)
	}
	if fmt.Sprint(r["messageBack"]) != "[hello]" {
		t.Errorf("message-back %v", r["messageBack"])
	}
}

// pageRoot returns a directory holding the test page and the official
// client's browser bundle.
func pageRoot(t *testing.T) string {
	t.Helper()
	dir := e2e.Dir(t)
	root := t.TempDir()
	for src, dst := range map[string]string{
		filepath.Join(dir, "page.html"): "page.html",
		filepath.Join(dir, "node_modules", "socket.io-client", "dist", "socket.io.min.js"): "socket.io.min.js",
	} {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, dst), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

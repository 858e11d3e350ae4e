package embed

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// hostPage is the page an embedding site serves: it frames the embed, asks
// the edge for a token (or reuses the one it is given), calls the embed's
// session with it and opens a socket with it.
const hostPage = `<!doctype html><html><body>
<iframe src="%[1]s/embed/%[2]s" onload="window.frameLoaded = true"></iframe>
<script>
const edge = %[1]q, id = %[2]q;
window.run = async (reuse) => {
  const out = {};
  let token = reuse;
  if (!token) {
    try {
      const r = await fetch(edge + '/api/v1/embeds/' + id + '/token', { method: 'POST' });
      out.tokenStatus = r.status;
      token = (await r.json()).token;
      out.token = token;
    } catch (e) { out.tokenError = String(e); }
  }
  try {
    const r = await fetch(edge + '/api/v1/embeds/' + id + '/session',
      { headers: { Authorization: 'Bearer ' + token } });
    out.sessionStatus = r.status;
    out.session = await r.json();
  } catch (e) { out.sessionError = String(e); }
  out.socket = await new Promise((resolve) => {
    const ws = new WebSocket(edge.replace('http', 'ws') +
      '/socket.io/?EIO=4&transport=websocket&embed_token=' + token);
    ws.onmessage = (m) => resolve('message:' + m.data);
    ws.onerror = () => resolve('error');
    setTimeout(() => resolve('timeout'), 5000);
  });
  return out;
};
</script></body></html>`

// TestBrowserEmbed runs Debian's Chromium: a page on an allowed origin
// (http://127.0.0.1:A) frames the embed and its token works for the API and
// a socket; a page on another origin (http://localhost:B) is blocked from
// framing the embed, and the allowed page's token that it reuses is refused
// for the API (the CORS preflight of its origin fails) and for the socket
// handshake, which never reaches the socket backend.
func TestBrowserEmbed(t *testing.T) {
	dir, err := filepath.Abs("e2e")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "playwright-core")); err != nil {
		t.Fatalf("playwright-core missing (%v); run `npm ci` in %s", err, dir)
	}
	sock := startSocketBackend(t)
	s := startStackWithSocket(t, sock.addr)
	allowedPort, otherPort := freePort(t), freePort(t)
	allowed := fmt.Sprintf("http://127.0.0.1:%d", allowedPort)
	id := s.createEmbed(t, allowed)
	page := fmt.Sprintf(hostPage, s.edge, id)
	serveHost(t, fmt.Sprintf("127.0.0.1:%d", allowedPort), page)
	serveHost(t, fmt.Sprintf("127.0.0.1:%d", otherPort), page)

	cfg, _ := json.Marshal(map[string]string{
		"allowedPage": allowed + "/",
		"otherPage":   fmt.Sprintf("http://localhost:%d/", otherPort),
	})
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "browser.mjs", string(cfg))
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("browser: %v\n%s", err, exitStderr(err))
	}
	var got struct{ Allowed, Other visitResult }
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &got); err != nil {
		t.Fatalf("browser output %q: %v", out, err)
	}
	checkAllowedPage(t, got.Allowed)
	got.Allowed.Result.Token = "(redacted)"
	t.Logf("allowed page: %+v", got.Allowed)
	t.Logf("other page: %+v", got.Other)
	checkOtherPage(t, got.Other)
	if o := sock.origins(); len(o) != 1 || o[0] != allowed {
		t.Fatalf("socket handshakes reaching the backend came from %v, want only %s", o, allowed)
	}
	sock.mu.Lock()
	defer sock.mu.Unlock()
	if q := sock.queries[0]; strings.Contains(q, "embed_token") {
		t.Fatalf("the edge passed the embed token on in the query: %q", q)
	}
}

type visitResult struct {
	Framed     *string
	CSPRefused bool
	Result     struct {
		TokenStatus   int
		Token         string
		TokenError    string
		SessionStatus int
		SessionError  string
		Session       map[string]any
		Socket        string
	}
}

func checkAllowedPage(t *testing.T, v visitResult) {
	t.Helper()
	r := v.Result
	switch {
	case v.Framed == nil || *v.Framed != "embed room":
		t.Fatalf("allowed page: embed not shown in the frame (%v)", v.Framed)
	case r.TokenStatus != 201 || r.Token == "":
		t.Fatalf("allowed page: token %d %s", r.TokenStatus, r.TokenError)
	case r.SessionStatus != 200 || r.Session["embed_id"] == nil:
		t.Fatalf("allowed page: session %d %v %s", r.SessionStatus, r.Session, r.SessionError)
	case r.Socket != "message:welcome":
		t.Fatalf("allowed page: socket %q", r.Socket)
	}
}

func checkOtherPage(t *testing.T, v visitResult) {
	t.Helper()
	r := v.Result
	switch {
	case v.Framed != nil:
		t.Fatalf("other page: the embed rendered in its frame (%q)", *v.Framed)
	case !v.CSPRefused:
		t.Fatal("other page: Chromium reported no frame-ancestors refusal")
	case r.SessionError == "" || r.SessionStatus != 0:
		t.Fatalf("other page: reused token reached the session (%d)", r.SessionStatus)
	case r.Socket == "message:welcome":
		t.Fatal("other page: socket opened with the reused token")
	}
}

// serveHost serves page at addr until the test ends.
func serveHost(t *testing.T, addr, page string) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(page))
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
}

// socketBackend stands for the socket layer behind the edge: it accepts
// WebSocket handshakes, says "welcome" and records each handshake's Origin.
type socketBackend struct {
	addr    string
	mu      sync.Mutex
	seen    []string
	queries []string
}

func startSocketBackend(t *testing.T) *socketBackend {
	t.Helper()
	b := &socketBackend{}
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b.addr = ln.Addr().String()
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		b.seen = append(b.seen, r.Header.Get("Origin"))
		b.queries = append(b.queries, r.URL.RawQuery)
		b.mu.Unlock()
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		_ = c.WriteMessage(websocket.TextMessage, []byte("welcome"))
		time.Sleep(100 * time.Millisecond)
		_ = c.Close()
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return b
}

func (b *socketBackend) origins() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.seen...)
}

func exitStderr(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}

package socketio

import (
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	_ "github.com/caddyserver/caddy/v2/modules/standard"

	"github.com/kernelwork/kernelwork/caddy-modules/internal/golden"
	"github.com/kernelwork/kernelwork/core/app"
	"github.com/kernelwork/kernelwork/core/coretest"
	"github.com/kernelwork/kernelwork/core/pki"
)

const testOrigin = "https://app.example"

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().(*net.TCPAddr).Port
}

// stack is a real core and the settings an edge needs to reach it.
type stack struct {
	a      *app.App
	core   *coretest.Core
	prefix string
}

func newStack(t *testing.T) *stack {
	t.Helper()
	a := coretest.NewApp(t, nil)
	return &stack{a: a, core: coretest.StartCore(t, a), prefix: coretest.RandomSlug("kwtest")}
}

// directive returns a kw_socketio block for this stack; extra lines go
// inside it.
func (s *stack) directive(extra string) string {
	return block(blockParts{
		redis: s.a.Config.Redis.URL, prefix: s.prefix, core: s.core.URL, pkiDir: s.core.PKIDir,
		issuer: s.a.Config.Tokens.Issuer, audience: s.a.Config.Tokens.Audience, extra: extra,
	})
}

// blockParts are what differs between the kw_socketio blocks of the tests.
type blockParts struct {
	redis, prefix, core, pkiDir string
	issuer, audience            string
	token                       string // more lines of the token block
	extra                       string // more lines of the block
}

// block returns a kw_socketio block reaching the core with the edge files
// of p.pkiDir.
func block(p blockParts) string {
	return fmt.Sprintf(`kw_socketio {
		allowed_origins %s
		redis_url %s
		channel_prefix %s
		core %s {
			ca_file %s
			cert_file %s
			key_file %s
			server_name localhost
		}
		token {
			issuer %s
			audience %s
			%s
		}
		%s
	}`, testOrigin, p.redis, p.prefix, p.core,
		filepath.Join(p.pkiDir, pki.CACert), filepath.Join(p.pkiDir, pki.EdgeCert),
		filepath.Join(p.pkiDir, pki.EdgeKey), p.issuer, p.audience, p.token, p.extra)
}

// load runs Caddy in this process with sites, a map of port to site body.
func load(t *testing.T, sites map[int]string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("{\n\tadmin off\n\tpersist_config off\n\tauto_https off\n}\n")
	for port, body := range sites {
		fmt.Fprintf(&b, "http://127.0.0.1:%d {\n\tbind 127.0.0.1\n\t%s\n}\n", port, body)
	}
	cfg, err := golden.Adapt(b.String())
	if err != nil {
		t.Fatalf("adapting: %v\n%s", err, b.String())
	}
	if err := caddy.Load(cfg, true); err != nil {
		t.Fatalf("loading caddy: %v", err)
	}
	for port := range sites {
		waitUp(t, port)
	}
}

func waitUp(t *testing.T, port int) {
	t.Helper()
	for i := 0; i < 100; i++ {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err == nil {
			_ = c.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("caddy not listening on %d", port)
}

func stopCaddy(t *testing.T) {
	t.Cleanup(func() { _ = caddy.Stop() })
}

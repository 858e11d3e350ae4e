package embed

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	_ "github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	_ "github.com/caddyserver/caddy/v2/modules/standard"

	"github.com/kernelwork/kernelwork/core/caller"
	"github.com/kernelwork/kernelwork/core/coretest"
	"github.com/kernelwork/kernelwork/core/pki"
)

// stack is a real core (over mutual TLS, on a fresh database and the local
// Redis) and an in-process Caddy edge with kw_embed in front of it.
type stack struct {
	core  *coretest.Core
	edge  string // http://127.0.0.1:port
	port  int
	admin *coretest.Identity
	ws    string // workspace id
	conv  string // conversation id
}

// embedPage is what the edge serves as the embed's page in these tests.
const embedPage = `<!doctype html><html><body><p id="embed">embed room</p></body></html>`

func startStack(t *testing.T) *stack {
	t.Helper()
	return startStackWithSocket(t, "")
}

// startStackWithSocket is startStack with the socket route proxied to the
// upstream socketAddr (host:port) instead of a fixed answer.
func startStackWithSocket(t *testing.T, socketAddr string) *stack {
	t.Helper()
	a := coretest.NewApp(t, nil)
	s := &stack{core: coretest.StartCore(t, a), port: freePort(t)}
	s.admin, s.ws, s.conv = newTenant(t, s.core)
	s.edge = fmt.Sprintf("http://127.0.0.1:%d", s.port)
	if err := caddy.Load(adapt(t, s.caddyfile(a.Config.Redis.URL, socketAddr)), true); err != nil {
		t.Fatalf("loading caddy: %v", err)
	}
	t.Cleanup(func() { _ = caddy.Stop() })
	waitUp(t, s.port)
	return s
}

// caddyfile is the edge's configuration: the embed page, the embed API
// routes proxied to the core, and a socket handshake endpoint.
func (s *stack) caddyfile(redisURL, socketAddr string) string {
	dir := s.core.PKIDir
	coreAddr := strings.TrimPrefix(s.core.URL, "https://")
	socket := `respond "handshake ok" 200`
	if socketAddr != "" {
		socket = "reverse_proxy " + socketAddr
	}
	common := fmt.Sprintf(`core_url %s
		tls_ca %s
		tls_cert %s
		tls_key %s
		tls_server_name localhost
		redis_url %s
		issuer %s
		audience %s`, s.core.URL, filepath.Join(dir, pki.CACert), filepath.Join(dir, pki.EdgeCert),
		filepath.Join(dir, pki.EdgeKey), redisURL, s.core.App.Config.Tokens.Issuer,
		s.core.App.Config.Tokens.Audience)
	return fmt.Sprintf(`{
	admin off
	persist_config off
	auto_https off
	default_bind 127.0.0.1
}
http://:%[1]d {
	route /embed/* {
		kw_embed {
			%[2]s
			embed_id {http.request.uri.path.1}
		}
		header Content-Type "text/html; charset=utf-8"
		respond %[3]q 200
	}
	@embedapi path /api/v1/embeds/*/token /api/v1/embeds/*/session
	route @embedapi {
		kw_embed {
			%[2]s
			embed_id {http.request.uri.path.3}
		}
		reverse_proxy %[4]s {
			transport http {
				tls
				tls_server_name localhost
				tls_trust_pool file %[5]s
				tls_client_auth %[6]s %[7]s
			}
		}
	}
	route /socket.io/* {
		kw_embed {
			%[2]s
			embed_id {http.request.uri.query.embed}
		}
		%[8]s
	}
}
`, s.port, common, embedPage, coreAddr, filepath.Join(dir, pki.CACert),
		filepath.Join(dir, pki.EdgeCert), filepath.Join(dir, pki.EdgeKey), socket)
}

// newTenant makes a tenant with an admin, a workspace and a conversation.
func newTenant(t *testing.T, c *coretest.Core) (*coretest.Identity, string, string) {
	t.Helper()
	ctx := context.Background()
	var tenant, user, ws, conv string
	q := func(sql string, dst *string, args ...any) {
		t.Helper()
		if err := c.App.DB.QueryRow(ctx, sql, args...).Scan(dst); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	q(`INSERT INTO tenants (slug, name) VALUES ($1, 'T') RETURNING id`, &tenant,
		coretest.RandomSlug("edge-emb"))
	q(`INSERT INTO users (tenant_id, email, display_name, role) VALUES ($1, 'a@x.test', 'A',
		'admin') RETURNING id`, &user, tenant)
	q(`INSERT INTO workspaces (tenant_id, name) VALUES ($1, 'W') RETURNING id`, &ws, tenant)
	q(`INSERT INTO conversations (tenant_id, workspace_id, title) VALUES ($1, $2, 'Call')
		RETURNING id`, &conv, tenant, ws)
	return &coretest.Identity{Auth: caller.AuthToken, UserID: user, TenantID: tenant}, ws, conv
}

// createEmbed creates an embed listing origins, through the core's admin API.
func (s *stack) createEmbed(t *testing.T, origins ...string) string {
	t.Helper()
	resp, body := s.core.Do(t, "POST", "/api/v1/embeds", s.admin, map[string]any{
		"workspace_id": s.ws, "conversation_id": s.conv, "name": "Lobby", "origins": origins,
	})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("creating embed: %d %s", resp.StatusCode, body)
	}
	var e struct{ ID string }
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatal(err)
	}
	return e.ID
}

// token asks the edge for an embed token as a page on origin o would.
func (s *stack) token(t *testing.T, id, o string) string {
	t.Helper()
	resp, body := send(t, "POST", s.edge+"/api/v1/embeds/"+id+"/token", http.Header{"Origin": {o}})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("token for %s: %d %s", o, resp.StatusCode, body)
	}
	var tok struct{ Token string }
	if err := json.Unmarshal([]byte(body), &tok); err != nil {
		t.Fatal(err)
	}
	return tok.Token
}

// send makes one request with the given header fields and returns the
// response and its body.
func send(t testing.TB, method, url string, hdr http.Header) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().(*net.TCPAddr).Port
}

func adapt(t testing.TB, caddyfile string) []byte {
	t.Helper()
	out, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(caddyfile),
		map[string]any{"filename": "Caddyfile"})
	if err != nil {
		t.Fatalf("adapting Caddyfile: %v\n%s", err, caddyfile)
	}
	return out
}

func waitUp(t testing.TB, port int) {
	t.Helper()
	for i := 0; i < 100; i++ {
		if c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second); err == nil {
			_ = c.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("caddy did not listen on %d", port)
}

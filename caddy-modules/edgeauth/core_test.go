package edgeauth

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kernelwork/kernelwork/core/apikeys/keyformat"
	"github.com/kernelwork/kernelwork/core/app"
	"github.com/kernelwork/kernelwork/core/coretest"
	"github.com/kernelwork/kernelwork/core/identity"
	"github.com/kernelwork/kernelwork/core/identity/identitytest"
	"github.com/kernelwork/kernelwork/core/pki"
)

// coreEdge is kw_auth and reverse_proxy in front of a real core, reached
// over mutual TLS, with keys from the core's JWKS and API keys checked by
// the core. scoped is a second site that requires the scope api_keys:read.
type coreEdge struct {
	a      *app.App
	base   string
	scoped string
	admin  identitytest.User
}

const coreEdgeSite = `http://127.0.0.1:%d {
	route /api/v1/* {
		kw_auth {
			issuer %s
			audience %s
			jwks_url %s/.well-known/jwks.json
			core_tls %s %s %s localhost
			api_key_url %s/internal/apikeys/verify
			api_key_cache_ttl 1m
			redis_url %s
			public /api/v1/auth/login /api/v1/auth/refresh
			%s
		}
		reverse_proxy %s {
			transport http {
				tls
				tls_server_name localhost
				tls_trust_pool file %s
				tls_client_auth %s %s
			}
		}
	}
}
`

func startCoreEdge(t *testing.T) *coreEdge {
	t.Helper()
	a := coretest.NewApp(t, nil)
	c := coretest.StartCore(t, a)
	e := &coreEdge{a: a, admin: identitytest.NewUser(t, a, coretest.RandomSlug("edge"), identity.RoleAdmin)}
	ca, cert, key := filepath.Join(c.PKIDir, pki.CACert), filepath.Join(c.PKIDir, pki.EdgeCert),
		filepath.Join(c.PKIDir, pki.EdgeKey)
	site := func(port int, extra string) string {
		return fmt.Sprintf(coreEdgeSite, port, a.Config.Tokens.Issuer, a.Config.Tokens.Audience,
			c.URL, ca, cert, key, c.URL, a.Config.Redis.URL, extra,
			strings.TrimPrefix(c.URL, "https://"), ca, cert, key)
	}
	p1, p2 := freePort(t), freePort(t)
	startCaddy(t, site(p1, "")+"\n"+site(p2, "require_scopes api_keys:read"))
	e.base, e.scoped = fmt.Sprintf("http://127.0.0.1:%d", p1), fmt.Sprintf("http://127.0.0.1:%d", p2)
	e.waitReady(t)
	return e
}

func (e *coreEdge) waitReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		status, _, body := call(t, "GET", e.base+"/api/v1/me", [][2]string{bearer(e.admin.Token)})
		if status == 200 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("edge to core not ready: %d %s", status, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestCoreMintedTokenThroughTheEdge: a token the core signed, checked with
// the core's JWKS over mutual TLS, reaches the core as the user.
func TestCoreMintedTokenThroughTheEdge(t *testing.T) {
	e := startCoreEdge(t)
	status, _, body := call(t, "GET", e.base+"/api/v1/me", [][2]string{
		bearer(e.admin.Token),
		{"X-Kw-User", "00000000-0000-4000-8000-000000000000"},
	})
	if status != 200 || !strings.Contains(string(body), e.admin.ID) {
		t.Fatalf("me: %d %s", status, body)
	}
	if status, _, _ := call(t, "GET", e.base+"/api/v1/me", nil); status != 401 {
		t.Fatalf("anonymous me: %d", status)
	}
	// the token with one byte of its signature changed
	bad := e.admin.Token[:len(e.admin.Token)-3] + flip(e.admin.Token[len(e.admin.Token)-3:len(e.admin.Token)-2]) +
		e.admin.Token[len(e.admin.Token)-2:]
	if status, _, _ := call(t, "GET", e.base+"/api/v1/me", [][2]string{bearer(bad)}); status != 401 {
		t.Fatalf("tampered core token: %d", status)
	}
}

func flip(c string) string {
	if c == "A" {
		return "B"
	}
	return "A"
}

// TestLogoutRefusedAtTheEdgeWithinOneSecond: the core's logout announces
// the session; the edge itself refuses the token (its challenge says
// revoked) within a second.
func TestLogoutRefusedAtTheEdgeWithinOneSecond(t *testing.T) {
	e := startCoreEdge(t)
	status, _, body := call(t, "POST", e.base+"/api/v1/auth/logout", [][2]string{bearer(e.admin.Token)})
	if status >= 300 {
		t.Fatalf("logout: %d %s", status, body)
	}
	start := time.Now()
	for {
		status, hdr, _ := call(t, "GET", e.base+"/api/v1/me", [][2]string{bearer(e.admin.Token)})
		if status == 401 && strings.Contains(hdr.Get("WWW-Authenticate"), `"revoked"`) {
			return
		}
		if time.Since(start) > time.Second {
			t.Fatalf("edge still answers %d a second after logout", status)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// createKey makes an API key through the edge with the admin's token.
func (e *coreEdge) createKey(t *testing.T, body string) (id, secret string) {
	t.Helper()
	status, _, out := callBody(t, "POST", e.base+"/api/v1/api-keys", body,
		[][2]string{bearer(e.admin.Token)})
	if status != 201 {
		t.Fatalf("create key: %d %s", status, out)
	}
	var k struct{ ID, Key string }
	_ = json.Unmarshal(out, &k)
	return k.ID, k.Key
}

// TestAPIKeysThroughTheEdge: keys pass with their identity and scopes, the
// core enforces scopes, require_scopes answers 403 at the edge, and every
// bad key gets the same answer; a revoked key is refused at once although
// the edge cached it.
func TestAPIKeysThroughTheEdge(t *testing.T) {
	e := startCoreEdge(t)
	readerID, reader := e.createKey(t, `{"name":"reader","scopes":["api_keys:read"]}`)
	_, plain := e.createKey(t, `{"name":"plain","scopes":["messages:read"]}`)

	status, _, body := call(t, "GET", e.base+"/api/v1/api-keys", [][2]string{bearer(reader)})
	if status != 200 || !strings.Contains(string(body), readerID) {
		t.Fatalf("list with reader key: %d %s", status, body)
	}
	if status, _, _ := call(t, "GET", e.base+"/api/v1/api-keys", [][2]string{bearer(plain)}); status != 403 {
		t.Fatalf("core let a key without the scope list keys: %d", status)
	}
	status, hdr, _ := call(t, "GET", e.scoped+"/api/v1/api-keys", [][2]string{bearer(plain)})
	if status != 403 || !strings.Contains(hdr.Get("WWW-Authenticate"), `error="insufficient_scope"`) {
		t.Fatalf("require_scopes: %d %q", status, hdr.Get("WWW-Authenticate"))
	}

	revokedID, revoked := e.createKey(t, `{"name":"revoked","scopes":["api_keys:read"]}`)
	if status, _, _ := call(t, "GET", e.base+"/api/v1/api-keys", [][2]string{bearer(revoked)}); status != 200 {
		t.Fatalf("key before revocation: %d", status)
	}
	if status, _, _ := call(t, "DELETE", e.base+"/api/v1/api-keys/"+revokedID,
		[][2]string{bearer(e.admin.Token)}); status != 204 {
		t.Fatalf("revoke: %d", status)
	}
	time.Sleep(200 * time.Millisecond) // the announcement travels through redis
	unknown, _ := keyformat.New()
	wrong, _ := keyformat.Build(readerID, strings.Repeat("C", 32))
	// the checksum's last character changed, never to itself
	last := "0"
	if strings.HasSuffix(reader, last) {
		last = "1"
	}
	bad := map[string]string{
		"unknown": unknown.Full, "malformed": "kwk_abc",
		"bad checksum": reader[:len(reader)-1] + last, "wrong secret": wrong.Full, "revoked": revoked,
	}
	var first string
	for name, key := range bad {
		status, hdr, body := call(t, "GET", e.base+"/api/v1/api-keys", [][2]string{bearer(key)})
		got := fmt.Sprintf("%d|%s|%s", status, hdr.Get("WWW-Authenticate"), body)
		if status != 401 {
			t.Fatalf("%s key: %s", name, got)
		}
		if first == "" {
			first = got
		} else if got != first {
			t.Fatalf("%s key answered differently:\n%s\n%s", name, got, first)
		}
	}
}

// TestExpiredKeyRefusedAtOnce: a cached key stops working when it expires.
func TestExpiredKeyRefusedAtOnce(t *testing.T) {
	e := startCoreEdge(t)
	expires := time.Now().Add(4 * time.Second)
	exp := expires.UTC().Format(time.RFC3339Nano)
	_, key := e.createKey(t, `{"name":"short","scopes":["api_keys:read"],"expires_at":"`+exp+`"}`)
	if status, _, _ := call(t, "GET", e.base+"/api/v1/api-keys", [][2]string{bearer(key)}); status != 200 {
		t.Fatalf("fresh key: %d", status)
	}
	time.Sleep(time.Until(expires) + 100*time.Millisecond)
	if status, _, _ := call(t, "GET", e.base+"/api/v1/api-keys", [][2]string{bearer(key)}); status != 401 {
		t.Fatalf("expired key: %d", status)
	}
}

package edge_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/kernelwork/kernelwork/caddy-modules/tokencheck"
	"github.com/kernelwork/kernelwork/core/app"
	"github.com/kernelwork/kernelwork/core/coretest"
	"github.com/kernelwork/kernelwork/core/identity"
	"github.com/kernelwork/kernelwork/core/identity/identitytest"
	"github.com/kernelwork/kernelwork/core/pki"
	"github.com/kernelwork/kernelwork/gateway"
	"github.com/kernelwork/kernelwork/gateway/edge"
	"github.com/kernelwork/kernelwork/gateway/emitter"
)

const testOrigin = "https://app.example"

// chain is the whole path: a real core over mutual TLS on a fresh database,
// the token verifier of the HTTP edge, the revocation set on the stack's
// Redis, and a gateway serving edge.Handler.
type chain struct {
	a      *app.App
	core   *coretest.Core
	h      *edge.Handler
	srv    *gateway.Server
	url    string
	prefix string
}

func startChain(t *testing.T, mod func(*edge.Config)) *chain {
	t.Helper()
	a := coretest.NewApp(t, nil)
	core := coretest.StartCore(t, a)
	client, err := tokencheck.NewTLSClient(tokencheck.TLSFiles{
		CAFile: filepath.Join(core.PKIDir, pki.CACert), CertFile: filepath.Join(core.PKIDir, pki.EdgeCert),
		KeyFile: filepath.Join(core.PKIDir, pki.EdgeKey), ServerName: "localhost",
	})
	if err != nil {
		t.Fatal(err)
	}
	v := verifier(t, a, core)
	cfg := edge.Config{
		Verifier: v.v, RelayEvents: []string{"typing"}, Logger: a.Log,
		Hooks: &edge.Hooks{BaseURL: core.URL, Client: client, Timeout: 5 * time.Second},
	}
	if mod != nil {
		mod(&cfg)
	}
	h, err := edge.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cancel := v.revs.Subscribe(h.OnRevocation)
	t.Cleanup(cancel)
	c := &chain{a: a, core: core, h: h, prefix: coretest.RandomSlug("kwtest")}
	c.srv, c.url = serve(t, a, h, c.prefix)
	return c
}

type verifierSet struct {
	v    *tokencheck.Verifier
	revs *tokencheck.Revocations
}

// verifier builds the HTTP edge's verifier against the core's JWKS.
func verifier(t *testing.T, a *app.App, core *coretest.Core) verifierSet {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	keys, err := tokencheck.NewJWKS(tokencheck.JWKSOptions{
		URL: core.URL + "/.well-known/jwks.json",
		Alg: tokencheck.AlgEdDSA, Client: core.Edge,
	})
	if err != nil {
		t.Fatal(err)
	}
	go keys.Run(ctx)
	revs, err := tokencheck.NewRevocations(tokencheck.RevocationOptions{Redis: a.Redis})
	if err != nil {
		t.Fatal(err)
	}
	go revs.Run(ctx)
	select {
	case <-revs.Synced():
	case <-time.After(5 * time.Second):
		t.Fatal("revocation set not synced")
	}
	v, err := tokencheck.New(tokencheck.Config{
		Issuer:   a.Config.Tokens.Issuer,
		Audience: a.Config.Tokens.Audience, Keys: keys, Revocations: revs,
	})
	if err != nil {
		t.Fatal(err)
	}
	return verifierSet{v: v, revs: revs}
}

func serve(t *testing.T, a *app.App, h gateway.Handler, prefix string) (*gateway.Server, string) {
	t.Helper()
	srv, err := gateway.New(gateway.Options{AllowedOrigins: []string{testOrigin}})
	if err != nil {
		t.Fatal(err)
	}
	srv.Handle("/", h)
	ad := gateway.NewRedisAdapter(srv, a.Redis, prefix)
	if err := ad.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		_ = ad.Close()
		_ = srv.Close()
		hs.Close()
	})
	return srv, hs.URL
}

// user creates a member of a fresh tenant.
func (c *chain) user(t *testing.T, tenant string) identitytest.User {
	t.Helper()
	return identitytest.NewUser(t, c.a, tenant, identity.RoleMember)
}

// conversation creates a conversation with members and returns its id.
func (c *chain) conversation(t *testing.T, members ...identitytest.User) string {
	t.Helper()
	ctx := context.Background()
	var ws, conv string
	ten := members[0].Tenant.ID
	if err := c.a.DB.QueryRow(ctx, `INSERT INTO workspaces (tenant_id, name) VALUES ($1, 'w')
		RETURNING id`, ten).Scan(&ws); err != nil {
		t.Fatal(err)
	}
	if err := c.a.DB.QueryRow(ctx, `INSERT INTO conversations (tenant_id, workspace_id, title)
		VALUES ($1, $2, 'c') RETURNING id`, ten, ws).Scan(&conv); err != nil {
		t.Fatal(err)
	}
	for _, m := range members {
		if _, err := c.a.DB.Exec(ctx, `INSERT INTO conversation_members (conversation_id,
			user_id, tenant_id) VALUES ($1, $2, $3)`, conv, m.ID, ten); err != nil {
			t.Fatal(err)
		}
	}
	return conv
}

// emit broadcasts event with arg to room through Redis, as the core does.
func (c *chain) emit(t *testing.T, room, event string, arg any) {
	t.Helper()
	if err := emitter.New(c.a.Redis).WithPrefix(c.prefix).To(room).Emit(context.Background(), event, arg); err != nil {
		t.Fatal(err)
	}
}

func (c *chain) env(token string) map[string]string {
	return map[string]string{"KW_URL": c.url, "KW_ORIGIN": testOrigin, "KW_TOKEN": token}
}

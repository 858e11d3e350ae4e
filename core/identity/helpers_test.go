package identity_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kernelwork/kernelwork/core/app"
	"github.com/kernelwork/kernelwork/core/coretest"
	"github.com/kernelwork/kernelwork/core/identity"
	"github.com/kernelwork/kernelwork/core/identity/identitytest"
)

// clock is the injected clock of a test App.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// env is a running core with an injected clock and an owner of tenant "acme".
type env struct {
	a     *app.App
	c     *coretest.Core
	clk   *clock
	owner identitytest.User
	// slug is the tenant of owner, unique to the test (the login throttle
	// lives in the shared Redis).
	slug string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	a := coretest.NewApp(t, nil)
	clk := &clock{t: time.Now()}
	a.Now = clk.Now
	e := &env{a: a, c: coretest.StartCore(t, a), clk: clk, slug: coretest.RandomSlug("acme")}
	e.owner = identitytest.NewUser(t, a, e.slug, identity.RoleOwner)
	return e
}

// req is one request to the core, as the edge forwards it.
type req struct {
	method, path string
	id           *coretest.Identity
	body         any
	header       map[string]string
	cookie       *http.Cookie
}

type answer struct {
	status int
	header http.Header
	body   []byte
	json   map[string]any
}

func (a answer) str(k string) string { s, _ := a.json[k].(string); return s }

func (e *env) do(t *testing.T, r req) answer {
	t.Helper()
	var rd io.Reader
	if r.body != nil {
		b, _ := json.Marshal(r.body)
		rd = bytes.NewReader(b)
	}
	hr, err := http.NewRequestWithContext(context.Background(), r.method, e.c.URL+r.path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	coretest.SetIdentity(hr.Header, r.id)
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	if r.cookie != nil {
		hr.AddCookie(r.cookie)
	}
	resp, err := e.c.Edge.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	out := answer{status: resp.StatusCode, header: resp.Header}
	out.body, _ = io.ReadAll(resp.Body)
	_ = json.Unmarshal(out.body, &out.json)
	return out
}

// expect fails unless the answer has status and, for errors, the problem
// type slug.
func expect(t *testing.T, got answer, status int, problemSlug string) {
	t.Helper()
	if got.status != status {
		t.Fatalf("status %d, want %d: %s", got.status, status, got.body)
	}
	if problemSlug != "" {
		if ct := got.header.Get("Content-Type"); ct != "application/problem+json" {
			t.Fatalf("content type %q, want problem+json", ct)
		}
		if !strings.HasSuffix(got.str("type"), "/"+problemSlug) {
			t.Fatalf("problem type %q, want %s", got.str("type"), problemSlug)
		}
	}
}

func (e *env) login(t *testing.T, tenant, email, pw, client string) answer {
	t.Helper()
	return e.do(t, req{method: "POST", path: "/api/v1/auth/login", body: map[string]string{
		"tenant": tenant, "email": email, "password": pw, "client": client,
	}})
}

// nativeLogin logs u in as a native client and returns the answer.
func (e *env) nativeLogin(t *testing.T, u identitytest.User) answer {
	t.Helper()
	got := e.login(t, u.Tenant.Slug, u.Email, u.Password, identity.ClientNative)
	expect(t, got, 200, "")
	return got
}

func (e *env) refresh(t *testing.T, token string) answer {
	t.Helper()
	return e.do(t, req{
		method: "POST", path: "/api/v1/auth/refresh",
		body: map[string]string{"refresh_token": token},
	})
}

// idOf returns the identity headers the edge would set for a login answer.
func idOf(u identitytest.User, login answer) *coretest.Identity {
	id := u.Identity()
	id.SessionID = login.str("session_id")
	return id
}

func refreshCookie(resp answer) *http.Cookie {
	for _, c := range (&http.Response{Header: resp.header}).Cookies() {
		if c.Name == identity.RefreshCookie {
			return c
		}
	}
	return nil
}

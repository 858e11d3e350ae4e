package edgeauth

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/kernelwork/kernelwork/core/coretest"
	"github.com/kernelwork/kernelwork/core/identity"
	"github.com/kernelwork/kernelwork/core/identity/identitytest"
)

// TestRootCaddyfileChecksTokens runs the edge binary (bin/caddy, made by
// `make build`) with the repository's root Caddyfile in front of a real
// core: a core-minted token reaches /api/v1/me, a request without one is
// refused at the edge, the public probes pass, and spoofed identity headers
// do not change who the core sees.
func TestRootCaddyfileChecksTokens(t *testing.T) {
	a := coretest.NewApp(t, nil)
	c := coretest.StartCore(t, a)
	u := identitytest.NewUser(t, a, coretest.RandomSlug("root"), identity.RoleMember)
	other := identitytest.NewUser(t, a, coretest.RandomSlug("root"), identity.RoleMember)
	e := coretest.StartEdge(t, c, nil)
	client := e.Client()
	get := func(path string, hdr ...[2]string) (int, string, string) {
		req, _ := http.NewRequest("GET", e.URL+path, nil)
		for _, h := range hdr {
			req.Header.Add(h[0], h[1])
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, "", err.Error()
		}
		defer func() { _ = resp.Body.Close() }()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("WWW-Authenticate"), string(b)
	}
	if status, _, body := get("/api/v1/me", bearer(u.Token),
		[2]string{"X-Kw-User", other.ID}, [2]string{"X_Kw_Tenant", other.TenantID}); status != 200 ||
		!strings.Contains(body, u.ID) || strings.Contains(body, other.ID) {
		t.Fatalf("me with a token: %d %s", status, body)
	}
	if status, challenge, _ := get("/api/v1/me", [2]string{"X-Kw-Auth", "token"},
		[2]string{"X-Kw-User", u.ID}, [2]string{"X-Kw-Tenant", u.TenantID}); status != 401 ||
		!strings.HasPrefix(challenge, "Bearer ") {
		t.Fatalf("me with forged headers only: %d %q", status, challenge)
	}
	if status, _, _ := get("/.well-known/jwks.json"); status != 200 {
		t.Fatalf("jwks: %d", status)
	}
}

// TestRootCaddyfileLimitsEachUser runs the edge binary with the root
// Caddyfile: an authenticated request is counted in the per-user zone
// (api_user) as well as the site's zones, and a forged X-Kw-User on an
// anonymous request is not counted there, since kw_auth removes it first.
func TestRootCaddyfileLimitsEachUser(t *testing.T) {
	a := coretest.NewApp(t, nil)
	c := coretest.StartCore(t, a)
	u := identitytest.NewUser(t, a, coretest.RandomSlug("rl"), identity.RoleMember)
	e := coretest.StartEdge(t, c, nil)
	policy := func(path string, hdr ...[2]string) (int, string) {
		req, _ := http.NewRequest("GET", e.URL+path, nil)
		for _, h := range hdr {
			req.Header.Add(h[0], h[1])
		}
		resp, err := e.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, resp.Header.Get("RateLimit-Policy")
	}
	status, got := policy("/api/v1/me", bearer(u.Token))
	if status != 200 || !strings.Contains(got, `"api_user";q=1800;w=60`) ||
		!strings.Contains(got, `"api_ip";`) || strings.Count(got, `"api_user"`) != 1 {
		t.Fatalf("authenticated request: %d, RateLimit-Policy %q", status, got)
	}
	status, got = policy("/api/v1/auth/refresh", [2]string{"X-Kw-User", u.ID})
	if status == 0 || strings.Contains(got, `"api_user"`) {
		t.Fatalf("anonymous request with a forged X-Kw-User: %d, RateLimit-Policy %q", status, got)
	}
}

// TestRootCaddyfilePasswordReset runs the edge binary with the root
// Caddyfile: the public password reset route reaches the core without a
// token (a wrong code gets the core's invalid-reset-code, not the edge's
// 401), and it is counted in the exact login zone.
func TestRootCaddyfilePasswordReset(t *testing.T) {
	a := coretest.NewApp(t, nil)
	c := coretest.StartCore(t, a)
	u := identitytest.NewUser(t, a, coretest.RandomSlug("reset"), identity.RoleMember)
	e := coretest.StartEdge(t, c, nil)
	body := `{"tenant":"` + u.Tenant.Slug + `","email":"` + u.Email +
		`","reset_code":"kwpr_wrong","new_password":"a long new passphrase 42"}`
	resp, err := e.Client().Post(e.URL+"/api/v1/auth/password/reset", "application/json",
		strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "invalid-reset-code") {
		t.Fatalf("reset with a wrong code through the edge: %d %s", resp.StatusCode, b)
	}
	if policy := resp.Header.Get("RateLimit-Policy"); !strings.Contains(policy, `"auth_login_ip";q=20;w=60`) {
		t.Fatalf("reset not counted in the login zone: RateLimit-Policy %q", policy)
	}
}

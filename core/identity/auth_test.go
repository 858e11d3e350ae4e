package identity_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/kernelwork/kernelwork/core/identity"
	"github.com/kernelwork/kernelwork/core/identity/identitytest"
	"github.com/kernelwork/kernelwork/core/tokens"
)

func TestLoginGivesNativeClientsTheRefreshTokenInTheBody(t *testing.T) {
	e := newEnv(t)
	got := e.nativeLogin(t, e.owner)
	if !strings.HasPrefix(got.str("refresh_token"), identity.RefreshPrefix) ||
		len(got.str("refresh_token")) != len(identity.RefreshPrefix)+43 {
		t.Fatalf("refresh token %q is not 256 random bits", got.str("refresh_token"))
	}
	if refreshCookie(got) != nil {
		t.Fatal("a native login set the refresh cookie")
	}
	c, err := tokens.New(e.a).VerifyAccess(context.Background(), got.str("access_token"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Subject != e.owner.ID || c.TenantID != e.owner.TenantID || c.SessionID != got.str("session_id") {
		t.Fatalf("claims %+v", c)
	}
	// Only the hash is stored.
	var n int
	_ = e.a.DB.QueryRow(context.Background(), `SELECT count(*) FROM refresh_tokens
		WHERE token_hash = convert_to($1, 'UTF8')`, got.str("refresh_token")).Scan(&n)
	if n != 0 {
		t.Fatal("the refresh token is stored in clear")
	}
}

func TestLoginGivesBrowsersAStrictCookie(t *testing.T) {
	e := newEnv(t)
	got := e.login(t, e.slug, e.owner.Email, e.owner.Password, identity.ClientBrowser)
	expect(t, got, 200, "")
	if got.str("refresh_token") != "" {
		t.Fatal("a browser login put the refresh token in the body")
	}
	raw := got.header.Get("Set-Cookie")
	for _, attr := range []string{
		"HttpOnly", "Secure", "SameSite=Strict",
		"Path=" + identity.RefreshPath, identity.RefreshCookie + "=kwrt_",
	} {
		if !strings.Contains(raw, attr) {
			t.Errorf("Set-Cookie %q lacks %s", raw, attr)
		}
	}
}

func TestBrowserRefreshRefusesCrossSiteRequests(t *testing.T) {
	e := newEnv(t)
	ck := refreshCookie(e.login(t, e.slug, e.owner.Email, e.owner.Password, identity.ClientBrowser))
	send := func(h map[string]string) answer {
		return e.do(t, req{method: "POST", path: identity.RefreshPath, cookie: ck, header: h})
	}
	cases := map[string]map[string]string{
		"no header":          {"Origin": "https://localhost:8443"},
		"foreign origin":     {"Origin": "https://evil.example", identity.CSRFHeader: identity.CSRFValue},
		"no origin, no site": {identity.CSRFHeader: identity.CSRFValue},
		"cross-site fetch":   {identity.CSRFHeader: identity.CSRFValue, "Sec-Fetch-Site": "cross-site"},
		"other scheme":       {"Origin": "http://localhost:8443", identity.CSRFHeader: identity.CSRFValue},
	}
	for name, h := range cases {
		t.Run(name, func(t *testing.T) { expect(t, send(h), 403, "cross-site-refresh") })
	}
	got := send(map[string]string{"Origin": "https://localhost:8443", identity.CSRFHeader: identity.CSRFValue})
	expect(t, got, 200, "")
	next := refreshCookie(got)
	if next == nil || next.Value == ck.Value || got.str("access_token") == "" {
		t.Fatalf("browser refresh did not rotate the cookie: %v", got.header)
	}
	got = e.do(t, req{
		method: "POST", path: identity.RefreshPath, cookie: next,
		header: map[string]string{"Sec-Fetch-Site": "same-origin", identity.CSRFHeader: identity.CSRFValue},
	})
	expect(t, got, 200, "")
}

func TestAccessTokenIsNotARefreshTokenNorTheReverse(t *testing.T) {
	e := newEnv(t)
	login := e.nativeLogin(t, e.owner)
	expect(t, e.refresh(t, login.str("access_token")), 401, "invalid-refresh-token")
	ck := &http.Cookie{Name: identity.RefreshCookie, Value: login.str("access_token")}
	got := e.do(t, req{
		method: "POST", path: identity.RefreshPath, cookie: ck,
		header: map[string]string{"Sec-Fetch-Site": "same-origin", identity.CSRFHeader: identity.CSRFValue},
	})
	expect(t, got, 401, "invalid-refresh-token")
	if _, err := tokens.New(e.a).VerifyAccess(context.Background(), login.str("refresh_token")); err == nil {
		t.Fatal("a refresh token was accepted as an access token")
	}
}

func TestLoginValidatesInput(t *testing.T) {
	e := newEnv(t)
	cases := map[string]any{
		"missing password": map[string]string{"tenant": e.slug, "email": e.owner.Email},
		"unknown field":    map[string]string{"tenant": e.slug, "email": "a@b", "password": "x", "admin": "1"},
		"bad client": map[string]string{
			"tenant": e.slug, "email": "a@b", "password": "x",
			"client": "robot",
		},
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			expect(t, e.do(t, req{method: "POST", path: "/api/v1/auth/login", body: body}), 400, "bad-request")
		})
	}
	long := e.login(t, e.slug, e.owner.Email, strings.Repeat("x", 257), identity.ClientNative)
	expect(t, long, 422, "password-policy")
}

func TestMeNeedsALiveSession(t *testing.T) {
	e := newEnv(t)
	expect(t, e.do(t, req{method: "GET", path: "/api/v1/me"}), 401, "unauthenticated")
	got := e.do(t, req{method: "GET", path: "/api/v1/me", id: e.owner.Identity()})
	expect(t, got, 200, "")
	if got.str("id") != e.owner.ID || got.str("tenant_slug") != e.slug || got.json["password_hash"] != nil {
		t.Fatalf("me: %s", got.body)
	}
	forged := e.owner.Identity()
	forged.SessionID = identitytest.NewUser(t, e.a, e.slug, identity.RoleMember).SessionID
	expect(t, e.do(t, req{method: "GET", path: "/api/v1/me", id: forged}), 401, "session-ended")
}

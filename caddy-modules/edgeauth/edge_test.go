package edgeauth

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kernelwork/kernelwork/core/revocation"
)

// echoEdge is kw_auth with a key file in front of an echo upstream.
type echoEdge struct {
	base string
	key  *tokenKey
	log  string
}

func startEchoEdge(t *testing.T, extra string) *echoEdge {
	t.Helper()
	up := echoUpstream(t)
	e := &echoEdge{key: newTokenKey(t)}
	port := freePort(t)
	e.base = fmt.Sprintf("http://127.0.0.1:%d", port)
	e.log = startCaddy(t, fmt.Sprintf(`http://127.0.0.1:%d {
	route /api/v1/* {
		kw_auth {
			issuer https://edge.test
			audience kernelwork
			key_file k1 EdDSA %s
			redis_url %s
			public /api/v1/auth/login /api/v1/public/*
			%s
		}
		reverse_proxy %s
	}
}
`, port, e.key.path, redisURL(t), extra, up.Listener.Addr()))
	e.waitFresh(t)
	return e
}

// waitFresh waits until the edge has loaded the revocation set.
func (e *echoEdge) waitFresh(t *testing.T) {
	t.Helper()
	tok := e.key.mint(claims(randomUUID()))
	deadline := time.Now().Add(5 * time.Second)
	for {
		status, _, _ := call(t, "GET", e.base+"/api/v1/x", [][2]string{bearer(tok)})
		if status == 200 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("edge not ready: status %d", status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSpoofedIdentityHeadersAreReplaced sends every spelling of the
// identity headers; the upstream sees only the edge's own.
func TestSpoofedIdentityHeadersAreReplaced(t *testing.T) {
	e := startEchoEdge(t, "")
	sid := randomUUID()
	tok := e.key.mint(claims(sid))
	spoofs := [][2]string{
		{"X-Kw-User", "evil"},
		{"X-Kw-User", "evil2"},
		{"x-kw-tenant", "evil"},
		{"X_Kw_Session", "evil"},
		{"x_kw_auth", "api_key"},
		{"X-KW-SCOPES", "admin"},
		{"X-Kw-Key-Id", "evil"},
		{"X-kW_eMbEd", "evil"},
		{"X-Kw-Origin", "https://evil.test"},
		{"X-Kw-Future", "evil"},
		{"Connection", "X-Kw-User, x_kw_tenant"},
	}
	for _, public := range []bool{false, true} {
		t.Run(fmt.Sprintf("public=%v", public), func(t *testing.T) {
			path, hdrs := "/api/v1/things", append([][2]string{bearer(tok)}, spoofs...)
			want := map[string][]string{
				"x-kw-auth": {"token"}, "x-kw-user": {claims(sid)["sub"].(string)},
				"x-kw-tenant": {claims(sid)["tid"].(string)}, "x-kw-session": {sid},
			}
			if public {
				path, want = "/api/v1/auth/login", map[string][]string{"x-kw-auth": {"anonymous"}}
			}
			status, _, body := call(t, "GET", e.base+path, hdrs)
			if status != 200 {
				t.Fatalf("status %d: %s", status, body)
			}
			saw := upstreamSaw(t, body)
			got := identityHeaders(saw)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("upstream saw identity %v, want %v", got, want)
			}
			if saw.Get("Authorization") != "" {
				t.Fatal("Authorization forwarded without forward_authorization")
			}
		})
	}
}

func TestSpoofedHeadersOnRefusedRequestNeverReachUpstream(t *testing.T) {
	e := startEchoEdge(t, "")
	status, _, body := call(t, "GET", e.base+"/api/v1/things",
		[][2]string{{"X-Kw-Auth", "token"}, {"X-Kw-User", "11111111-1111-4111-8111-111111111111"}})
	if status != 401 || strings.Contains(string(body), "X-Kw") {
		t.Fatalf("status %d: %s", status, body)
	}
}

func TestForwardAuthorizationWhenAsked(t *testing.T) {
	e := startEchoEdge(t, "forward_authorization")
	tok := e.key.mint(claims(randomUUID()))
	_, _, body := call(t, "GET", e.base+"/api/v1/x", [][2]string{bearer(tok)})
	if upstreamSaw(t, body).Get("Authorization") != "Bearer "+tok {
		t.Fatal("Authorization not forwarded with forward_authorization")
	}
}

// problemBody is the problem+json of a refusal.
type problemBody struct {
	Status int    `json:"status"`
	Type   string `json:"type"`
	Detail string `json:"detail"`
}

// TestRefusalsOverHTTP checks status, WWW-Authenticate and problem+json of
// each kind of refusal.
func TestRefusalsOverHTTP(t *testing.T) {
	e := startEchoEdge(t, "")
	expired := claims(randomUUID())
	expired["iat"], expired["exp"] = time.Now().Add(-time.Hour).Unix(), time.Now().Add(-50*time.Minute).Unix()
	tok := e.key.mint(claims(randomUUID()))
	cases := []struct {
		name      string
		target    string
		headers   [][2]string
		status    int
		challenge string
	}{
		{"no credential", "/api/v1/x", nil, 401, `Bearer realm="kernelwork"`},
		{
			"expired", "/api/v1/x",
			[][2]string{bearer(e.key.mint(expired))},
			401,
			`Bearer realm="kernelwork", error="invalid_token", error_description="expired"`,
		},
		{
			"garbage", "/api/v1/x",
			[][2]string{bearer("abc.def.ghi")},
			401,
			`Bearer realm="kernelwork", error="invalid_token", error_description="malformed"`,
		},
		{
			"two tokens", "/api/v1/x",
			[][2]string{bearer(tok), bearer(tok)},
			400,
			`Bearer realm="kernelwork", error="invalid_request", error_description="multiple_credentials"`,
		},
		{
			"token in query", "/api/v1/x?access_token=" + tok, nil, 400,
			`Bearer realm="kernelwork", error="invalid_request", error_description="credential_in_query"`,
		},
		{
			"basic auth", "/api/v1/x",
			[][2]string{{"Authorization", "Basic dTpw"}},
			400,
			`Bearer realm="kernelwork", error="invalid_request", error_description="bad_authorization_header"`,
		},
		{
			"api key without api_key_url", "/api/v1/x",
			[][2]string{bearer("kwk_0123456789abcdef_" + strings.Repeat("A", 38))},
			401,
			`Bearer realm="kernelwork", error="invalid_token", error_description="invalid_api_key"`,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, hdr, body := call(t, "GET", e.base+c.target, c.headers)
			if status != c.status || hdr.Get("WWW-Authenticate") != c.challenge {
				t.Fatalf("status %d, WWW-Authenticate %q", status, hdr.Get("WWW-Authenticate"))
			}
			var p problemBody
			if hdr.Get("Content-Type") != "application/problem+json" ||
				json.Unmarshal(body, &p) != nil || p.Status != c.status || p.Type == "" {
				t.Fatalf("body %s (%s)", body, hdr.Get("Content-Type"))
			}
		})
	}
}

// TestRevokedSessionRefusedAtTheEdgeWithinOneSecond revokes with the
// core's own publisher.
func TestRevokedSessionRefusedAtTheEdgeWithinOneSecond(t *testing.T) {
	e := startEchoEdge(t, "")
	sid := randomUUID()
	tok := e.key.mint(claims(sid))
	if status, _, _ := call(t, "GET", e.base+"/api/v1/x", [][2]string{bearer(tok)}); status != 200 {
		t.Fatalf("valid token: %d", status)
	}
	opts, _ := redis.ParseURL(redisURL(t))
	rdb := redis.NewClient(opts)
	defer func() { _ = rdb.Close() }()
	start := time.Now()
	if err := revocation.Publish(context.Background(), rdb, revocation.KindSession, sid,
		"https://edge.test", time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	for {
		status, hdr, _ := call(t, "GET", e.base+"/api/v1/x", [][2]string{bearer(tok)})
		if status == 401 && strings.Contains(hdr.Get("WWW-Authenticate"), "revoked") {
			t.Logf("refused %v after the announcement", time.Since(start))
			return
		}
		if time.Since(start) > time.Second {
			t.Fatalf("still %d one second after the revocation", status)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestRefusalsLoggedAtDebugWithoutCredentials reads the edge's log: each
// refusal is a debug entry and no credential appears.
func TestRefusalsLoggedAtDebugWithoutCredentials(t *testing.T) {
	e := startEchoEdge(t, "")
	bad := claims(randomUUID())
	bad["aud"] = "other"
	tok := e.key.mint(bad)
	key := "kwk_0123456789abcdef_" + strings.Repeat("B", 38)
	for _, h := range [][2]string{bearer(tok), bearer(key), {"Authorization", "Basic c2VjcmV0"}} {
		call(t, "GET", e.base+"/api/v1/x", [][2]string{h})
	}
	time.Sleep(100 * time.Millisecond)
	logs, err := os.ReadFile(e.log)
	if err != nil {
		t.Fatal(err)
	}
	refusals := 0
	for _, line := range strings.Split(string(logs), "\n") {
		if strings.Contains(line, tok[20:60]) || strings.Contains(line, key) || strings.Contains(line, "c2VjcmV0") {
			t.Fatalf("a credential is in the log: %s", line)
		}
		var entry struct{ Level, Msg string }
		if json.Unmarshal([]byte(line), &entry) != nil {
			continue
		}
		if entry.Msg == "request refused" {
			refusals++
			if entry.Level != "debug" {
				t.Fatalf("refusal logged at %s: %s", entry.Level, line)
			}
		}
		if entry.Level == "error" || entry.Level == "warn" {
			if strings.Contains(line, "/api/v1/x") {
				t.Fatalf("client mistake logged at %s: %s", entry.Level, line)
			}
		}
	}
	if refusals < 3 {
		t.Fatalf("%d refusals logged at debug, want 3", refusals)
	}
}

package edge_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kernelwork/kernelwork/core/revocation"
	"github.com/kernelwork/kernelwork/core/tokens"
	"github.com/kernelwork/kernelwork/gateway/e2e"
	"github.com/kernelwork/kernelwork/gateway/edge"
)

func TestTokenConnectAndReferenceBehaviour(t *testing.T) {
	c := startChain(t, nil)
	u := c.user(t, "rt-ref")
	r := e2e.Run(t, "client.mjs", c.env(u.Token), "exchange")
	if r["error"] != nil {
		t.Fatalf("exchange: %v", r)
	}
	auth, _ := r["auth"].(map[string]any)
	if auth["hello"] != "world" || auth["token"] != nil {
		t.Errorf("auth emitted by the core = %v; want the payload without the token", auth)
	}
	ack, _ := r["ack"].([]any)
	if len(ack) != 2 || ack[1].(map[string]any)["binary"] != "010203" {
		t.Errorf("ack with the same arguments, binary included: %v", r["ack"])
	}
	bin, _ := r["binaryBack"].([]any)
	if len(bin) != 2 || bin[0].(map[string]any)["binary"] != "090807" {
		t.Errorf("message-back with binary: %v", r["binaryBack"])
	}
	if r["transport"] != "websocket" {
		t.Errorf("transport %v, want websocket after the upgrade", r["transport"])
	}
}

func TestConnectRefusedWithoutValidToken(t *testing.T) {
	c := startChain(t, nil)
	cases := []struct{ name, token, reason string }{
		{"no token", "", "token_required"},
		{"garbage", "not-a-jwt", "malformed"},
		{"forged signature", forged(c.user(t, "rt-forge").Token), "bad_signature"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e2e.Run(t, "client.mjs", c.env(tc.token), "connectOnly")
			data, _ := r["data"].(map[string]any)
			if r["connected"] != false || r["message"] != "unauthorized" || data["reason"] == nil {
				t.Fatalf("connect: %v", r)
			}
			t.Logf("refused with reason %v", data["reason"])
		})
	}
}

// forged flips a byte of the token's signature.
func forged(tok string) string {
	b := []byte(tok)
	i := strings.LastIndexByte(tok, '.') + 2
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

func TestConversationRoomsAndEmitter(t *testing.T) {
	c := startChain(t, nil)
	u := c.user(t, "rt-rooms")
	conv := c.conversation(t, u)
	env := c.env(u.Token)
	env["KW_EXPECT"] = "2"
	l := e2e.Start(t, "client.mjs", env, "listen")
	l.Next(t)
	c.emit(t, "conversation:"+conv, "message:new", map[string]any{"id": 1})
	c.emit(t, "user:"+u.ID, "notice", []byte{7})
	events, _ := l.Wait(t)["events"].([]any)
	if len(events) != 2 || events[0].(map[string]any)["event"] != "message:new" ||
		events[1].(map[string]any)["event"] != "notice" {
		t.Fatalf("events %v", events)
	}
}

func TestRelayToARoomOfTheSender(t *testing.T) {
	c := startChain(t, nil)
	alice, bob, eve := c.user(t, "rt-relay"), c.user(t, "rt-relay"), c.user(t, "rt-relay")
	conv := c.conversation(t, alice, bob)
	env := c.env(bob.Token)
	env["KW_EXPECT"] = "1"
	l := e2e.Start(t, "client.mjs", env, "listen")
	l.Next(t)

	// eve is not in the conversation: refused, and bob sees nothing of it.
	envEve := c.env(eve.Token)
	envEve["KW_ROOM"] = "conversation:" + conv
	r := e2e.Run(t, "client.mjs", envEve, "relay")
	if ack := r["ack"].([]any)[0].(map[string]any); ack["ok"] != false || ack["reason"] != "not_in_room" {
		t.Fatalf("relay by a non-member: %v", r)
	}
	envAlice := c.env(alice.Token)
	envAlice["KW_ROOM"] = "conversation:" + conv
	r = e2e.Run(t, "client.mjs", envAlice, "relay")
	if ack := r["ack"].([]any)[0].(map[string]any); ack["ok"] != true {
		t.Fatalf("relay by a member: %v", r)
	}
	events, _ := l.Wait(t)["events"].([]any)
	ev := events[0].(map[string]any)
	from := ev["args"].([]any)[0].(map[string]any)
	if ev["event"] != "typing" || from["user"] != alice.ID || from["room"] != "conversation:"+conv {
		t.Fatalf("relayed event %v", ev)
	}
}

func TestRevocationKicksLiveSocketWithinOneSecond(t *testing.T) {
	c := startChain(t, nil)
	// a long-polling client is mostly between two polls when its connection
	// closes: the closed connection keeps its last packets for its next poll
	for _, transports := range []string{"websocket", "polling", "polling,websocket"} {
		t.Run(transports, func(t *testing.T) {
			u := c.user(t, "rt-revoke-"+strings.ReplaceAll(transports, ",", "-"))
			env := c.env(u.Token)
			env["KW_EXPECT"] = "100"
			env["KW_TRANSPORTS"] = transports
			l := e2e.Start(t, "client.mjs", env, "listen")
			l.Next(t)
			if n := c.srv.Of("/").SocketCount(); n != 1 {
				t.Fatalf("%d sockets before the revocation", n)
			}
			start := time.Now()
			if err := revocation.Publish(context.Background(), c.a.Redis, revocation.KindSession,
				u.SessionID, "", time.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			for c.srv.Of("/").SocketCount() > 0 {
				if time.Since(start) > time.Second {
					t.Fatal("socket of the revoked session still open after 1s")
				}
				time.Sleep(10 * time.Millisecond)
			}
			r := l.Wait(t)
			if r["disconnect"] != "io server disconnect" {
				t.Fatalf("client saw %v, want an io server disconnect", r)
			}
			// the revoked token no longer connects
			again := e2e.Run(t, "client.mjs", c.env(u.Token), "connectOnly")
			if again["connected"] != false {
				t.Fatalf("revoked token connected again: %v", again)
			}
		})
	}
}

func TestTokenExpiryEndsTheSocket(t *testing.T) {
	var ttl time.Duration
	c := startChain(t, func(cfg *edge.Config) {
		cfg.Now = func() time.Time { return time.Now().Add(ttl - 5*time.Second) }
	})
	ttl = c.a.Config.Tokens.AccessTTL
	for _, transports := range []string{"websocket", "polling"} {
		t.Run(transports, func(t *testing.T) {
			u := c.user(t, "rt-expiry-"+transports)
			env := c.env(u.Token)
			env["KW_EXPECT"] = "100"
			env["KW_TRANSPORTS"] = transports
			r := e2e.Run(t, "client.mjs", env, "listen")
			events, _ := r["events"].([]any)
			if len(events) == 0 || events[len(events)-1].(map[string]any)["event"] != edge.EventExpired ||
				r["disconnect"] != "transport close" {
				t.Fatalf("expiry: %v; want %s then a transport close (the client reconnects)",
					r, edge.EventExpired)
			}
		})
	}
}

func TestReauthKeepsTheSocket(t *testing.T) {
	var ttl time.Duration
	c := startChain(t, func(cfg *edge.Config) {
		cfg.Now = func() time.Time { return time.Now().Add(ttl - 6*time.Second) }
	})
	ttl = c.a.Config.Tokens.AccessTTL
	u := c.user(t, "rt-reauth")
	// a fresh token for the same session, issued 20 s later
	c.a.Now = func() time.Time { return time.Now().Add(20 * time.Second) }
	fresh, _, err := tokens.New(c.a).Access(context.Background(), u.ID, u.Tenant.ID, u.SessionID)
	if err != nil {
		t.Fatal(err)
	}
	env := c.env(u.Token)
	env["KW_TOKEN2"] = fresh
	env["KW_WAIT_MS"] = "7000"
	env["KW_TIMEOUT_MS"] = "25000"
	r := e2e.Run(t, "client.mjs", env, "reauth")
	if a := r["answer"].(map[string]any); a["ok"] != true || r["connected"] != true {
		t.Fatalf("re-auth with a fresh token: %v", r)
	}
	// a token of another user is refused
	victim, other := c.user(t, "rt-reauth"), c.user(t, "rt-reauth")
	env = c.env(victim.Token)
	env["KW_TOKEN2"] = other.Token
	env["KW_WAIT_MS"] = "100"
	r = e2e.Run(t, "client.mjs", env, "reauth")
	if a := r["answer"].(map[string]any); a["ok"] != false || a["reason"] != "identity_mismatch" {
		t.Fatalf("re-auth with another user's token: %v", r)
	}
}

func TestPublicNamespaceOnlyByConfig(t *testing.T) {
	public := startChain(t, func(cfg *edge.Config) { cfg.Public = true })
	r := e2e.Run(t, "client.mjs", public.env(""), "connectOnly")
	if r["connected"] != true {
		t.Fatalf("anonymous socket on a public namespace: %v", r)
	}
	private := startChain(t, nil)
	r = e2e.Run(t, "client.mjs", private.env(""), "connectOnly")
	if r["connected"] != false {
		t.Fatalf("anonymous socket on a namespace not marked public: %v", r)
	}
}

func TestTokenInAuthorizationHeader(t *testing.T) {
	c := startChain(t, nil)
	u := c.user(t, "rt-header")
	env := c.env("")
	env["KW_AUTHORIZATION"] = "Bearer " + u.Token
	if r := e2e.Run(t, "client.mjs", env, "connectOnly"); r["connected"] != true {
		t.Fatalf("token in the Authorization header: %v", r)
	}
	env["KW_TOKEN"] = u.Token
	r := e2e.Run(t, "client.mjs", env, "connectOnly")
	if data, _ := r["data"].(map[string]any); r["connected"] != false || data["reason"] != "multiple_credentials" {
		t.Fatalf("token in both places: %v", r)
	}
}

func TestCoreUnavailableRefusesSocket(t *testing.T) {
	c := startChain(t, func(cfg *edge.Config) {
		dead := *cfg.Hooks
		dead.BaseURL = "https://127.0.0.1:1"
		cfg.Hooks = &dead
	})
	u := c.user(t, "rt-down")
	r := e2e.Run(t, "client.mjs", c.env(u.Token), "connectOnly")
	if data, _ := r["data"].(map[string]any); r["connected"] != false || r["message"] != "unavailable" ||
		data["reason"] != "core_unavailable" {
		t.Fatalf("connect while the core is down: %v", r)
	}
}

func TestRevokedTokenKicksItsSockets(t *testing.T) {
	c := startChain(t, nil)
	for _, transports := range []string{"websocket", "polling"} {
		t.Run(transports, func(t *testing.T) {
			u := c.user(t, "rt-jti-"+transports)
			env := c.env(u.Token)
			env["KW_EXPECT"] = "100"
			env["KW_TRANSPORTS"] = transports
			l := e2e.Start(t, "client.mjs", env, "listen")
			l.Next(t)
			claims := tokenClaims(t, u.Token)
			if err := revocation.Publish(context.Background(), c.a.Redis, revocation.KindJTI,
				claims["jti"].(string), claims["iss"].(string), time.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			r := l.Wait(t)
			events, _ := r["events"].([]any)
			if r["disconnect"] != "io server disconnect" || len(events) == 0 ||
				events[0].(map[string]any)["event"] != edge.EventRevoked {
				t.Fatalf("after the token's revocation: %v", r)
			}
		})
	}
}

// tokenClaims reads a JWT's claims without checking it.
func tokenClaims(t *testing.T, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(b, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

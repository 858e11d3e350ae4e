package socketio

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kernelwork/kernelwork/core/identity"
	"github.com/kernelwork/kernelwork/core/identity/identitytest"
	"github.com/kernelwork/kernelwork/core/revocation"
	"github.com/kernelwork/kernelwork/gateway/e2e"
)

// TestTwoEdgesBehindAReverseProxy runs two edges (two kw_socketio handlers
// on their own ports, sharing Redis) and two Caddy reverse proxies in front
// of them: one with cookie affinity, one round robin.
func TestTwoEdgesBehindAReverseProxy(t *testing.T) {
	s := newStack(t)
	a, b, sticky, rr := freePort(t), freePort(t), freePort(t), freePort(t)
	edge := s.directive("namespace / {\n\t\t\trelay typing\n\t\t}")
	stopCaddy(t)
	load(t, map[int]string{
		a: edge, b: edge,
		sticky: fmt.Sprintf("reverse_proxy 127.0.0.1:%d 127.0.0.1:%d {\n\t\tlb_policy cookie kw_edge\n\t}", a, b),
		rr:     fmt.Sprintf("reverse_proxy 127.0.0.1:%d 127.0.0.1:%d {\n\t\tlb_policy round_robin\n\t}", a, b),
	})
	alice := identitytest.NewUser(t, s.a, "sio-multi", identity.RoleMember)
	bob := identitytest.NewUser(t, s.a, "sio-multi", identity.RoleMember)
	conv := conversation(t, s, alice, bob)

	t.Run("relay from one edge reaches the other", func(t *testing.T) {
		l := e2e.Start(t, "client.mjs", map[string]string{
			"KW_URL": base(b), "KW_ORIGIN": testOrigin,
			"KW_TOKEN": bob.Token, "KW_EXPECT": "1",
		}, "listen")
		l.Next(t)
		r := e2e.Run(t, "client.mjs", map[string]string{
			"KW_URL": base(a), "KW_ORIGIN": testOrigin,
			"KW_TOKEN": alice.Token, "KW_ROOM": "conversation:" + conv,
		}, "relay")
		if ack := r["ack"].([]any)[0].(map[string]any); ack["ok"] != true {
			t.Fatalf("relay: %v", r)
		}
		ev := l.Wait(t)["events"].([]any)[0].(map[string]any)
		if ev["event"] != "typing" {
			t.Fatalf("bob on the other edge got %v", ev)
		}
	})
	t.Run("a revocation closes the session's sockets on every edge", func(t *testing.T) {
		victim := identitytest.NewUser(t, s.a, "sio-multi", identity.RoleMember)
		var ls []*e2e.Process
		// one socket over WebSocket on the first edge, one over long-polling
		// on the second
		transports := map[int]string{a: "websocket", b: "polling"}
		for _, port := range []int{a, b} {
			l := e2e.Start(t, "client.mjs", map[string]string{
				"KW_URL": base(port), "KW_ORIGIN": testOrigin,
				"KW_TOKEN": victim.Token, "KW_EXPECT": "100",
				"KW_TRANSPORTS": transports[port],
			}, "listen")
			l.Next(t)
			ls = append(ls, l)
		}
		published := time.Now()
		if err := revocation.Publish(context.Background(), s.a.Redis, revocation.KindSession,
			victim.SessionID, "", time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		for i, l := range ls {
			r := l.Wait(t)
			if r["disconnect"] != "io server disconnect" {
				t.Errorf("edge %d: %v", i, r)
				continue
			}
			// the client's clock is the test's: it runs on the same host
			at, _ := r["disconnectAt"].(float64)
			if d := time.UnixMilli(int64(at)).Sub(published); d > time.Second {
				t.Errorf("edge %d: disconnected %v after the revocation, want within 1s", i, d)
			}
		}
	})
	t.Run("long-polling through a sticky balancer", func(t *testing.T) {
		for _, transports := range []string{"polling", "polling,websocket"} {
			r := e2e.Run(t, "client.mjs", map[string]string{
				"KW_URL": base(sticky), "KW_ORIGIN": testOrigin,
				"KW_TOKEN": alice.Token, "KW_TRANSPORTS": transports, "KW_COUNT": "30",
			}, "many")
			if r["answered"] != float64(30) {
				t.Fatalf("%s through the sticky balancer: %v", transports, r)
			}
		}
	})
	t.Run("long-polling through a round-robin balancer fails", func(t *testing.T) {
		p := e2e.Start(t, "client.mjs", map[string]string{
			"KW_URL": base(rr), "KW_ORIGIN": testOrigin,
			"KW_TOKEN": alice.Token, "KW_TRANSPORTS": "polling", "KW_COUNT": "30",
			"KW_TIMEOUT_MS": "8000",
		}, "many")
		r, err := p.Outcome(t)
		if err == nil {
			t.Fatalf("polling without affinity worked: %v", r)
		}
		// a request reaching the edge that did not make the session
		body, _ := r["body"].(string)
		if r["status"] != float64(400) || !strings.Contains(body, `"code":1`) ||
			!strings.Contains(body, "Session ID unknown") {
			t.Fatalf("polling without affinity failed otherwise: %v", r)
		}
	})
}

func base(port int) string { return fmt.Sprintf("http://127.0.0.1:%d", port) }

// conversation creates a conversation with members and returns its id.
func conversation(t *testing.T, s *stack, members ...identitytest.User) string {
	t.Helper()
	ctx := context.Background()
	ten := members[0].Tenant.ID
	var ws, conv string
	if err := s.a.DB.QueryRow(ctx, `INSERT INTO workspaces (tenant_id, name) VALUES ($1, 'w')
		RETURNING id`, ten).Scan(&ws); err != nil {
		t.Fatal(err)
	}
	if err := s.a.DB.QueryRow(ctx, `INSERT INTO conversations (tenant_id, workspace_id, title)
		VALUES ($1, $2, 'c') RETURNING id`, ten, ws).Scan(&conv); err != nil {
		t.Fatal(err)
	}
	for _, m := range members {
		if _, err := s.a.DB.Exec(ctx, `INSERT INTO conversation_members (conversation_id, user_id,
			tenant_id) VALUES ($1, $2, $3)`, conv, m.ID, ten); err != nil {
			t.Fatal(err)
		}
	}
	return conv
}

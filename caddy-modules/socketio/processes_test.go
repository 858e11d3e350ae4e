package socketio

import (
	"testing"
	"time"

	"github.com/kernelwork/kernelwork/core/coretest"
	"github.com/kernelwork/kernelwork/core/identity"
	"github.com/kernelwork/kernelwork/core/identity/identitytest"
	"github.com/kernelwork/kernelwork/core/revocation"
	"github.com/kernelwork/kernelwork/gateway/e2e"
)

// TestTwoEdgeProcessesWithTheRootCaddyfile runs two edge binaries (bin/caddy)
// with the repository's root Caddyfile in front of one core, sharing the
// local Redis, as two edge hosts would: a typing event relayed by a member
// on one edge reaches the other member on the other edge, through the core's
// connect hook (which names the conversation's room) and the Redis adapter;
// and revoking the second member's session closes that socket within one
// second.
func TestTwoEdgeProcessesWithTheRootCaddyfile(t *testing.T) {
	s := newStack(t)
	env := map[string]string{"KW_SOCKET_EXTRA_ORIGINS": testOrigin}
	edgeA, edgeB := coretest.StartEdge(t, s.core, env), coretest.StartEdge(t, s.core, env)
	alice := identitytest.NewUser(t, s.a, "sio-procs", identity.RoleMember)
	bob := identitytest.NewUser(t, s.a, "sio-procs", identity.RoleMember)
	conv := conversation(t, s, alice, bob)

	l := e2e.Start(t, "client.mjs", map[string]string{
		"KW_URL": edgeB.URL, "KW_ORIGIN": testOrigin, "KW_TOKEN": bob.Token, "KW_EXPECT": "100",
	}, "listen")
	l.Next(t)
	r := e2e.Run(t, "client.mjs", map[string]string{
		"KW_URL": edgeA.URL, "KW_ORIGIN": testOrigin, "KW_TOKEN": alice.Token,
		"KW_ROOM": "conversation:" + conv,
	}, "relay")
	if ack := r["ack"].([]any)[0].(map[string]any); ack["ok"] != true {
		t.Fatalf("relay on edge A: %v", r)
	}
	time.Sleep(200 * time.Millisecond) // the relayed event is delivered first
	revoked := time.Now()
	if err := revocation.Publish(t.Context(), s.a.Redis, revocation.KindSession, bob.SessionID, "",
		time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	got := l.Wait(t)
	events, _ := got["events"].([]any)
	if len(events) < 1 || events[0].(map[string]any)["event"] != "typing" {
		t.Fatalf("bob on edge B got %v, want alice's typing event first", got)
	}
	if got["disconnect"] != "io server disconnect" {
		t.Fatalf("bob's socket after the revocation: %v", got)
	}
	if at, ok := got["disconnectAt"].(float64); !ok ||
		time.UnixMilli(int64(at)).Sub(revoked) > time.Second {
		t.Fatalf("bob's socket closed at %v, more than 1s after the revocation at %v", got["disconnectAt"], revoked)
	}
}

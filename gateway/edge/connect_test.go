package edge_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kernelwork/kernelwork/core/revocation"
	"github.com/kernelwork/kernelwork/gateway/e2e"
	"github.com/kernelwork/kernelwork/gateway/edge"
	"github.com/kernelwork/kernelwork/gateway/hooks"
)

// TestRevocationDuringTheConnectHook revokes a session while the core takes
// its time over the connect hook of one of its sockets: the socket is
// refused as revoked within a second of the announcement, not let in once
// the core answers.
func TestRevocationDuringTheConnectHook(t *testing.T) {
	entered := make(chan struct{}, 1)
	slow := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == hooks.PathConnect {
			entered <- struct{}{}
			select {
			case <-time.After(3 * time.Second):
			case <-r.Context().Done():
			}
			_, _ = fmt.Fprint(w, `{"accept":true}`)
			return
		}
		_, _ = fmt.Fprint(w, `{}`)
	}))
	t.Cleanup(slow.Close)
	c := startChain(t, func(cfg *edge.Config) {
		cfg.Hooks = &edge.Hooks{BaseURL: slow.URL, Client: slow.Client(), Timeout: 5 * time.Second}
	})
	for _, transports := range []string{"websocket", "polling"} {
		t.Run(transports, func(t *testing.T) {
			u := c.user(t, "rt-connect-race-"+transports)
			env := c.env(u.Token)
			env["KW_TRANSPORTS"] = transports
			p := e2e.Start(t, "client.mjs", env, "connectOnly")
			select {
			case <-entered:
			case <-time.After(10 * time.Second):
				t.Fatal("the connect hook was not called")
			}
			published := time.Now()
			if err := revocation.Publish(context.Background(), c.a.Redis, revocation.KindSession,
				u.SessionID, "", time.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			r := p.Wait(t)
			data, _ := r["data"].(map[string]any)
			if r["connected"] != false || data["reason"] != "revoked" {
				t.Fatalf("socket whose session was revoked during the connect hook: %v", r)
			}
			if at, _ := r["at"].(float64); time.UnixMilli(int64(at)).Sub(published) > time.Second {
				t.Fatalf("refused %v after the revocation, want within 1s",
					time.UnixMilli(int64(at)).Sub(published))
			}
			if n := c.srv.Of("/").SocketCount(); n != 0 {
				t.Fatalf("%d sockets after the refusal", n)
			}
		})
	}
}

// TestNoClientEventJoinsARoom has a user who is not in a conversation send
// every event a client might try for joining its room: a broadcast to the
// conversation does not reach them, one to their own room does.
func TestNoClientEventJoinsARoom(t *testing.T) {
	c := startChain(t, nil)
	member, outsider := c.user(t, "rt-join"), c.user(t, "rt-join")
	conv := c.conversation(t, member)
	env := c.env(outsider.Token)
	env["KW_ROOM"] = "conversation:" + conv
	env["KW_EXPECT"] = "1"
	l := e2e.Start(t, "client.mjs", env, "tryJoin")
	l.Next(t)
	c.emit(t, "conversation:"+conv, "message:new", map[string]any{"id": 1})
	c.emit(t, "user:"+outsider.ID, "notice", "own room")
	events, _ := l.Wait(t)["events"].([]any)
	if len(events) != 1 || events[0].(map[string]any)["event"] != "notice" {
		t.Fatalf("the outsider got %v; want only the notice to their own room", events)
	}
}

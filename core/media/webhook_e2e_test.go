package media_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	lksdk "github.com/livekit/server-sdk-go/v2"

	"github.com/kernelwork/kernelwork/core/calls"
	"github.com/kernelwork/kernelwork/core/conversations/convtest"
	"github.com/kernelwork/kernelwork/core/coretest"
)

// TestLiveKitWebhooksThroughTheEdge runs livekit-server with its webhooks
// pointed at the real edge (bin/caddy with the root Caddyfile), which forwards
// them to the core over mutual TLS. Alice's join is recorded as a call with
// its participant; Bob, removed from the conversation but still holding a
// valid token, is disconnected as soon as his join's webhook arrives.
func TestLiveKitWebhooksThroughTheEdge(t *testing.T) {
	lkPort := freePort(t, "tcp")
	a := coretest.NewApp(t, map[string]string{
		"KW_LIVEKIT_URL": fmt.Sprintf("ws://127.0.0.1:%d", lkPort),
	})
	c := coretest.StartCore(t, a)
	w := convtest.New(t, a)
	edge, rootCA := startEdge(t, c)
	startLiveKit(t, a.Config.LiveKit, lkPort, edge+calls.WebhookPath, rootCA)

	bob := askJoin(t, c, w.Bob, w.Conversation)
	resp, _ := c.Do(t, "DELETE", "/api/v1/conversations/"+w.Conversation+"/members/"+w.Bob.ID,
		w.Alice.Identity(""), nil)
	if resp.StatusCode != 204 {
		t.Fatalf("remove bob: %d", resp.StatusCode)
	}
	alice := askJoin(t, c, w.Alice, w.Conversation)
	if _, err := lksdk.ConnectToRoomWithToken(alice.URL, alice.Token, &lksdk.RoomCallback{},
		lksdk.WithAutoSubscribe(false)); err != nil {
		t.Fatalf("alice cannot join: %v", err)
	}
	waitFor(t, "alice's call record", func() bool {
		var n int
		_ = a.DB.QueryRow(context.Background(), `SELECT count(*) FROM calls c
			JOIN call_participants p ON p.call_id = c.id
			WHERE c.conversation_id = $1 AND p.identity = $2`, w.Conversation, w.Alice.ID).Scan(&n)
		return n == 1
	})

	gone := make(chan struct{})
	room, err := lksdk.ConnectToRoomWithToken(bob.URL, bob.Token,
		&lksdk.RoomCallback{OnDisconnected: func() { close(gone) }}, lksdk.WithAutoSubscribe(false))
	if err != nil {
		t.Fatalf("livekit-server refused bob's still valid token: %v", err)
	}
	defer room.Disconnect()
	select {
	case <-gone:
	case <-time.After(20 * time.Second):
		t.Fatal("bob, no longer a member, stayed in the call")
	}
}

// askJoin asks the core for u's call token.
func askJoin(t *testing.T, c *coretest.Core, u convtest.User, conv string) calls.Join {
	t.Helper()
	resp, body := c.Do(t, "POST", "/api/v1/conversations/"+conv+"/call/token", u.Identity(""), nil)
	if resp.StatusCode != 200 {
		t.Fatalf("call token for %s: %d", u.Name, resp.StatusCode)
	}
	return decodeJoin(t, body)
}

// decodeJoin reads the core's answer to a call token request.
func decodeJoin(t *testing.T, body []byte) calls.Join {
	t.Helper()
	var j calls.Join
	if err := json.Unmarshal(body, &j); err != nil {
		t.Fatal(err)
	}
	return j
}

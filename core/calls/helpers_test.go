package calls_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/livekit/protocol/livekit"
	lksdk "github.com/livekit/server-sdk-go/v2"

	"github.com/kernelwork/kernelwork/core/app"
	"github.com/kernelwork/kernelwork/core/calls"
	"github.com/kernelwork/kernelwork/core/conversations/convtest"
	"github.com/kernelwork/kernelwork/core/coretest"
)

// askToken asks the core for a call token as u in session.
func askToken(t *testing.T, c *coretest.Core, u convtest.User, session, conv string) (int, calls.Join) {
	t.Helper()
	resp, body := c.Do(t, "POST", "/api/v1/conversations/"+conv+"/call/token",
		u.Identity(session), nil)
	var j calls.Join
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(body, &j); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode, j
}

// joined is a participant connected to the running livekit-server with
// LiveKit's Go SDK; gone is closed when the server disconnects it.
type joined struct {
	room *lksdk.Room
	gone chan struct{}
}

// connect joins the room with token, or returns the server's refusal.
func connect(t *testing.T, a *app.App, token string) (*joined, error) {
	t.Helper()
	j := &joined{gone: make(chan struct{})}
	cb := &lksdk.RoomCallback{OnDisconnected: func() { close(j.gone) }}
	room, err := lksdk.ConnectToRoomWithToken(a.Config.LiveKit.URL.String(), token, cb,
		lksdk.WithAutoSubscribe(false))
	if err != nil {
		return nil, err
	}
	j.room = room
	t.Cleanup(room.Disconnect)
	return j, nil
}

// waitGone fails the test unless j is disconnected within 15 seconds.
func (j *joined) waitGone(t *testing.T) {
	t.Helper()
	select {
	case <-j.gone:
	case <-time.After(15 * time.Second):
		t.Fatal("the participant was not removed from the room")
	}
}

// participants lists the identities in room through LiveKit's room service.
func participants(t *testing.T, a *app.App, room string) map[string]bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := app.NewRoomService(a.Config.LiveKit).ListParticipants(ctx,
		&livekit.ListParticipantsRequest{Room: room})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, p := range res.Participants {
		out[p.Identity] = true
	}
	return out
}

package media_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"testing"
	"time"

	"github.com/livekit/protocol/auth"
	"github.com/livekit/protocol/livekit"
	"github.com/livekit/protocol/webhook"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/kernelwork/kernelwork/core/calls"
	"github.com/kernelwork/kernelwork/core/conversations/convtest"
	"github.com/kernelwork/kernelwork/core/coretest"
	"github.com/kernelwork/kernelwork/gateway/emitter"
)

// TestCallEventsReachTheConversationRoom: a signed participant_joined
// webhook sent to the running core is published in the Redis adapter's wire
// format to the room conversation:<id>, where every edge picks it up.
func TestCallEventsReachTheConversationRoom(t *testing.T) {
	a := coretest.NewApp(t, nil)
	c := coretest.StartCore(t, a)
	w := convtest.New(t, a)
	room := "conversation:" + w.Conversation
	sub := a.Redis.Subscribe(context.Background(),
		emitter.BroadcastChannel(emitter.DefaultPrefix, "/", []string{room}))
	defer func() { _ = sub.Close() }()
	if _, err := sub.Receive(context.Background()); err != nil {
		t.Fatal(err)
	}
	ev := &livekit.WebhookEvent{
		Event: webhook.EventParticipantJoined, Id: "EV_announce",
		Room:        &livekit.Room{Sid: "RM_announce", Name: w.Conversation},
		Participant: &livekit.ParticipantInfo{Sid: "PA_1", Identity: w.Alice.ID, Name: "Alice"},
		CreatedAt:   time.Now().Unix(),
	}
	body, _ := protojson.Marshal(ev)
	sum := sha256.Sum256(body)
	lk := a.Config.LiveKit
	tok, _ := auth.NewAccessToken(lk.APIKey, lk.APISecret).SetValidFor(time.Minute).
		SetSha256(base64.StdEncoding.EncodeToString(sum[:])).ToJWT()
	req, _ := http.NewRequest("POST", c.URL+calls.WebhookPath, bytes.NewReader(body))
	req.Header.Set("Authorization", tok)
	req.Header.Set("Content-Type", "application/webhook+json")
	resp, err := c.Edge.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("webhook: %d", resp.StatusCode)
	}
	select {
	case msg := <-sub.Channel():
		m, err := emitter.Decode([]byte(msg.Payload))
		if err != nil {
			t.Fatal(err)
		}
		args, _ := m.Args[0].(map[string]any)
		if m.Event != "call.participant_joined" || args["identity"] != w.Alice.ID ||
			args["conversation_id"] != w.Conversation {
			t.Fatalf("broadcast %+v", m)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no broadcast to the conversation's room")
	}
}

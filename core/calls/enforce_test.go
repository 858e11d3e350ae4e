package calls_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/livekit/protocol/livekit"
	"github.com/livekit/protocol/webhook"

	"github.com/kernelwork/kernelwork/core/calls"
	"github.com/kernelwork/kernelwork/core/conversations/convtest"
	"github.com/kernelwork/kernelwork/core/coretest"
	"github.com/kernelwork/kernelwork/core/revocation"
)

// announceJoin sends the signed participant_joined webhook livekit-server
// sends when identity joins the conversation's room.
func announceJoin(t *testing.T, c *coretest.Core, conv, identity string) {
	t.Helper()
	lk := c.App.Config.LiveKit
	ev := &livekit.WebhookEvent{
		Event: webhook.EventParticipantJoined, Id: "EV_" + uuid.NewString(),
		Room:        &livekit.Room{Sid: "RM_" + conv, Name: conv},
		Participant: &livekit.ParticipantInfo{Sid: "PA_" + uuid.NewString(), Identity: identity},
		CreatedAt:   time.Now().Unix(),
	}
	resp, err := c.Edge.Do(signedWebhook(t, c.URL+calls.WebhookPath, lk.APIKey, lk.APISecret, ev))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("webhook: %d", resp.StatusCode)
	}
}

// TestStillValidTokenCannotRejoin: a token outlives the removal of its
// member and the revocation of its session, and livekit-server still accepts
// it; when its participant_joined webhook arrives the core removes that
// participant, while a member in good standing stays.
func TestStillValidTokenCannotRejoin(t *testing.T) {
	a := coretest.NewApp(t, nil)
	c := coretest.StartCore(t, a)
	w := convtest.New(t, a)
	carolConv := convtest.Conversation(t, a, w.Workspace, w.Alice, w.Bob, w.Carol)
	_, bobToken := askToken(t, c, w.Bob, "", w.Conversation)
	carolSession := uuid.NewString()
	_, carolToken := askToken(t, c, w.Carol, carolSession, carolConv)
	_, aliceToken := askToken(t, c, w.Alice, "", w.Conversation)

	resp, _ := c.Do(t, "DELETE", "/api/v1/conversations/"+w.Conversation+"/members/"+w.Bob.ID,
		w.Alice.Identity(""), nil)
	if resp.StatusCode != 204 {
		t.Fatalf("remove bob: %d", resp.StatusCode)
	}
	err := revocation.Publish(context.Background(), a.Redis, revocation.KindSession,
		carolSession, "", time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	alice, err := connect(t, a, aliceToken.Token)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, conv, identity, token string
	}{
		{"removed member", w.Conversation, w.Bob.ID, bobToken.Token},
		{"revoked session", carolConv, w.Carol.ID, carolToken.Token},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := connect(t, a, tc.token)
			if err != nil {
				t.Fatalf("livekit-server refused the still valid token: %v", err)
			}
			announceJoin(t, c, tc.conv, tc.identity)
			p.waitGone(t)
		})
	}
	announceJoin(t, c, w.Conversation, w.Alice.ID)
	select {
	case <-alice.gone:
		t.Fatal("alice, a member in good standing, was removed")
	case <-time.After(2 * time.Second):
	}
}

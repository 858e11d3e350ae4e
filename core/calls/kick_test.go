package calls_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kernelwork/kernelwork/core/calls"
	"github.com/kernelwork/kernelwork/core/conversations/convtest"
	"github.com/kernelwork/kernelwork/core/coretest"
	"github.com/kernelwork/kernelwork/core/revocation"
)

// TestRemovedMemberIsKicked: Bob is in the call when Alice (the
// conversation's creator) removes him; livekit-server disconnects him.
func TestRemovedMemberIsKicked(t *testing.T) {
	a := coretest.NewApp(t, nil)
	c := coretest.StartCore(t, a)
	w := convtest.New(t, a)
	_, j := askToken(t, c, w.Bob, "", w.Conversation)
	bob, err := connect(t, a, j.Token)
	if err != nil {
		t.Fatal(err)
	}
	resp, _ := c.Do(t, "DELETE", "/api/v1/conversations/"+w.Conversation+"/members/"+w.Bob.ID,
		w.Alice.Identity(""), nil)
	if resp.StatusCode != 204 {
		t.Fatalf("remove bob: %d", resp.StatusCode)
	}
	bob.waitGone(t)
	if participants(t, a, w.Conversation)[w.Bob.ID] {
		t.Fatal("bob is still listed in the room")
	}
}

// TestRevokedSessionIsKicked: when Bob's session is revoked (announced on
// kw:revocations, as core/revocation does), the core removes him from the
// call he joined with that session; Alice stays.
func TestRevokedSessionIsKicked(t *testing.T) {
	a := coretest.NewApp(t, nil)
	c := coretest.StartCore(t, a)
	w := convtest.New(t, a)
	s := calls.New(a, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan struct{})
	go func() { _ = s.WatchRevocations(ctx, ready) }()
	<-ready

	session := uuid.NewString()
	_, jb := askToken(t, c, w.Bob, session, w.Conversation)
	_, ja := askToken(t, c, w.Alice, "", w.Conversation)
	bob, err := connect(t, a, jb.Token)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := connect(t, a, ja.Token); err != nil {
		t.Fatal(err)
	}
	err = revocation.Publish(ctx, a.Redis, revocation.KindSession, session, "",
		time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	bob.waitGone(t)
	if in := participants(t, a, w.Conversation); in[w.Bob.ID] || !in[w.Alice.ID] {
		t.Fatalf("participants after revocation: %v", in)
	}
}

// TestRevocationMissedWhileUnsubscribedIsApplied: a session revoked while the
// core was not listening (the message on kw:revocations is lost) is applied
// from the revocation set when the subscription starts.
func TestRevocationMissedWhileUnsubscribedIsApplied(t *testing.T) {
	a := coretest.NewApp(t, nil)
	c := coretest.StartCore(t, a)
	w := convtest.New(t, a)
	session := uuid.NewString()
	_, jb := askToken(t, c, w.Bob, session, w.Conversation)
	bob, err := connect(t, a, jb.Token)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	err = revocation.Publish(ctx, a.Redis, revocation.KindSession, session, "",
		time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	go func() { _ = calls.New(a, nil).WatchRevocations(ctx, ready) }()
	<-ready
	bob.waitGone(t)
}

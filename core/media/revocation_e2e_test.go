package media_test

import (
	"testing"
	"time"

	lksdk "github.com/livekit/server-sdk-go/v2"

	"github.com/kernelwork/kernelwork/core/conversations/convtest"
	"github.com/kernelwork/kernelwork/core/coretest"
	"github.com/kernelwork/kernelwork/core/identity"
	"github.com/kernelwork/kernelwork/core/identity/identitytest"
	"github.com/kernelwork/kernelwork/core/media"
)

// TestLogoutRemovesFromCall: with the planes started as `kwcore serve` starts
// them, a real user who logs out (the identity feature revokes the session
// and announces it on kw:revocations) is disconnected from the call he
// joined with that session.
func TestLogoutRemovesFromCall(t *testing.T) {
	a := coretest.NewApp(t, nil)
	c := coretest.StartCore(t, a)
	if err := media.Start(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	slug := coretest.RandomSlug("media")
	owner := identitytest.NewUser(t, a, slug, identity.RoleOwner)
	member := identitytest.NewUser(t, a, slug, identity.RoleMember)
	o := convtest.User{ID: owner.ID, TenantID: owner.TenantID, Name: "owner"}
	m := convtest.User{ID: member.ID, TenantID: member.TenantID, Name: "member"}
	ws := convtest.Workspace(t, a, owner.TenantID, o, m)
	conv := convtest.Conversation(t, a, ws, o, m)

	resp, body := c.Do(t, "POST", "/api/v1/conversations/"+conv+"/call/token", member.Identity(), nil)
	if resp.StatusCode != 200 {
		t.Fatalf("call token: %d %s", resp.StatusCode, body)
	}
	j := decodeJoin(t, body)
	gone := make(chan struct{})
	room, err := lksdk.ConnectToRoomWithToken(j.URL, j.Token,
		&lksdk.RoomCallback{OnDisconnected: func() { close(gone) }}, lksdk.WithAutoSubscribe(false))
	if err != nil {
		t.Fatal(err)
	}
	defer room.Disconnect()

	if resp, body := c.Do(t, "POST", "/api/v1/auth/logout", member.Identity(), nil); resp.StatusCode != 204 {
		t.Fatalf("logout: %d %s", resp.StatusCode, body)
	}
	select {
	case <-gone:
	case <-time.After(15 * time.Second):
		t.Fatal("the logged-out member is still in the call")
	}
}

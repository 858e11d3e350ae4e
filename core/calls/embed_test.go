package calls_test

import (
	"context"
	"testing"

	"github.com/livekit/protocol/auth"

	"github.com/kernelwork/kernelwork/core/caller"
	"github.com/kernelwork/kernelwork/core/calls"
	"github.com/kernelwork/kernelwork/core/conversations/convtest"
	"github.com/kernelwork/kernelwork/core/coretest"
)

// TestEmbedJoin: an embed caller bound to an origin gets a token that the
// running livekit-server accepts, naming the embed and its origin; callers
// that are not embeds, malformed origins and conversations of another tenant
// get nothing.
func TestEmbedJoin(t *testing.T) {
	a := coretest.NewApp(t, nil)
	w := convtest.New(t, a)
	s := calls.New(a, nil)
	ctx := context.Background()
	emb := &caller.Caller{
		Auth: caller.AuthEmbed, TenantID: w.Alice.TenantID, EmbedID: "emb1",
		Origin: "https://shop.example.com",
	}
	j, err := s.EmbedJoin(ctx, emb, w.Conversation, "Visitor")
	if err != nil {
		t.Fatal(err)
	}
	v, _ := auth.ParseAPIToken(j.Token)
	_, grants, err := v.Verify(a.Config.LiveKit.APISecret)
	if err != nil {
		t.Fatal(err)
	}
	if grants.Attributes[calls.AttrOrigin] != emb.Origin || grants.Attributes[calls.AttrEmbed] != "emb1" ||
		grants.Video.Room != w.Conversation || grants.Video.RoomAdmin {
		t.Fatalf("grants %+v", grants)
	}
	if _, err := connect(t, a, j.Token); err != nil {
		t.Fatalf("livekit-server refused the embed's token: %v", err)
	}

	user := &caller.Caller{
		Auth: caller.AuthToken, UserID: w.Alice.ID, TenantID: w.Alice.TenantID,
		Origin: emb.Origin, EmbedID: "emb1",
	}
	badOrigin := *emb
	badOrigin.Origin = "https://shop.example.com/path"
	otherTenant := *emb
	otherTenant.TenantID = w.Mallory.TenantID
	for name, c := range map[string]*caller.Caller{
		"user token": user, "origin with a path": &badOrigin, "other tenant": &otherTenant,
	} {
		if _, err := s.EmbedJoin(ctx, c, w.Conversation, "x"); err == nil {
			t.Errorf("%s: got a token", name)
		}
	}
}

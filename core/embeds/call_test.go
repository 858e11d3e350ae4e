package embeds_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/livekit/protocol/auth"

	"github.com/kernelwork/kernelwork/core/caller"
	"github.com/kernelwork/kernelwork/core/coretest"
)

// TestEmbedCallTokenBoundToItsOrigin checks that an embed's visitor gets a
// LiveKit token for the embed's conversation only, with the members' grants,
// recording the embed and its origin, and only while that origin is listed.
func TestEmbedCallTokenBoundToItsOrigin(t *testing.T) {
	a := coretest.NewApp(t, nil)
	c := coretest.StartCore(t, a)
	w := newWorld(t, a)
	id := createEmbed(t, c, w, "https://example.com", "https://other.example")
	visitor := &coretest.Identity{
		Auth: caller.AuthEmbed, EmbedID: id, TenantID: w.tenant,
		Origin: "https://example.com", Scopes: []string{"embed"},
	}

	resp, body := c.Do(t, "POST", "/api/v1/embeds/"+id+"/call", visitor,
		map[string]any{"display_name": "Visitor"})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("call token: %d %s", resp.StatusCode, body)
	}
	var j struct{ Token, Room, Identity string }
	mustJSON(t, body, &j)
	v, err := auth.ParseAPIToken(j.Token)
	if err != nil {
		t.Fatal(err)
	}
	_, grants, err := v.Verify(a.Config.LiveKit.APISecret)
	if err != nil {
		t.Fatal(err)
	}
	g := grants.Video
	if j.Room != w.conversation || g.Room != w.conversation || !g.RoomJoin || g.RoomAdmin ||
		g.RoomCreate || g.RoomList || !strings.HasPrefix(grants.Identity, "embed:"+id+":") ||
		grants.Attributes["kw.origin"] != "https://example.com" {
		t.Fatalf("grants = %+v, video %+v", grants, g)
	}

	otherID := createEmbed(t, c, w, "https://example.com")
	refused := []struct {
		name   string
		path   string
		id     *coretest.Identity
		status int
	}{
		{"another embed's path", "/api/v1/embeds/" + otherID + "/call", visitor, 401},
		{"a member's access token", "/api/v1/embeds/" + id + "/call", w.member, 401},
		{"anonymous", "/api/v1/embeds/" + id + "/call", nil, 401},
		{"an origin not listed", "/api/v1/embeds/" + id + "/call", &coretest.Identity{
			Auth: caller.AuthEmbed, EmbedID: id, TenantID: w.tenant, Origin: "https://evil.net",
		}, 403},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			if resp, body := c.Do(t, "POST", tc.path, tc.id, nil); resp.StatusCode != tc.status {
				t.Fatalf("%d %s, want %d", resp.StatusCode, body, tc.status)
			}
		})
	}

	// removing the origin ends its visitors' access to the call at once
	if resp, body := c.Do(t, "PATCH", "/api/v1/embeds/"+id, w.admin,
		map[string]any{"origins": []string{"https://other.example"}}); resp.StatusCode != 200 {
		t.Fatalf("update: %d %s", resp.StatusCode, body)
	}
	if resp, _ := c.Do(t, "POST", "/api/v1/embeds/"+id+"/call", visitor, nil); resp.StatusCode != 403 {
		t.Fatalf("removed origin got %d, want 403", resp.StatusCode)
	}
}

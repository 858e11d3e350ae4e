package realtime_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/kernelwork/kernelwork/core/coretest"
	"github.com/kernelwork/kernelwork/core/identity"
	"github.com/kernelwork/kernelwork/core/identity/identitytest"
)

func TestConnectNamesTheMembersRooms(t *testing.T) {
	a := coretest.NewApp(t, nil)
	c := coretest.StartCore(t, a)
	u := identitytest.NewUser(t, a, "rt-core", identity.RoleMember)
	other := identitytest.NewUser(t, a, "rt-core", identity.RoleMember)
	ctx := context.Background()
	var ws, mine, theirs string
	if err := a.DB.QueryRow(ctx, `INSERT INTO workspaces (tenant_id, name) VALUES ($1, 'w') RETURNING id`,
		u.Tenant.ID).Scan(&ws); err != nil {
		t.Fatal(err)
	}
	for _, conv := range []*string{&mine, &theirs} {
		if err := a.DB.QueryRow(ctx, `INSERT INTO conversations (tenant_id, workspace_id, title)
			VALUES ($1, $2, 'c') RETURNING id`, u.Tenant.ID, ws).Scan(conv); err != nil {
			t.Fatal(err)
		}
	}
	for conv, who := range map[string]string{mine: u.ID, theirs: other.ID} {
		if _, err := a.DB.Exec(ctx, `INSERT INTO conversation_members (conversation_id, user_id, tenant_id)
			VALUES ($1, $2, $3)`, conv, who, u.Tenant.ID); err != nil {
			t.Fatal(err)
		}
	}
	resp, body := c.Do(t, "POST", "/internal/realtime/connect", u.Identity(),
		map[string]any{"socket_id": "s1", "namespace": "/", "auth": map[string]any{"x": 1}})
	var got struct {
		Accept bool
		Rooms  []string
		Emits  []struct {
			Event string
			Args  []map[string]any
		}
	}
	if resp.StatusCode != 200 || json.Unmarshal(body, &got) != nil {
		t.Fatalf("connect hook: %d %s", resp.StatusCode, body)
	}
	want := []string{"user:" + u.ID, "conversation:" + mine}
	if !got.Accept || len(got.Rooms) != 2 || got.Rooms[0] != want[0] || got.Rooms[1] != want[1] {
		t.Errorf("rooms %v, want %v (not the conversation the user is not in)", got.Rooms, want)
	}
	if len(got.Emits) != 1 || got.Emits[0].Event != "auth" || got.Emits[0].Args[0]["x"] != float64(1) {
		t.Errorf("emits %+v, want auth with the payload", got.Emits)
	}
	resp, _ = c.Do(t, "POST", "/internal/realtime/connect", nil, map[string]any{"socket_id": "s2"})
	if resp.StatusCode != 200 {
		t.Errorf("anonymous connect (public namespace): %d", resp.StatusCode)
	}
}

func TestEventAnswersAsTheReferenceServer(t *testing.T) {
	a := coretest.NewApp(t, nil)
	c := coretest.StartCore(t, a)
	u := identitytest.NewUser(t, a, "rt-core-ev", identity.RoleMember)
	args := []any{"x", map[string]any{"$binary": "AQID"}}
	cases := []struct{ event, want string }{
		{"message", `{"ack":null,"emits":[{"event":"message-back","args":["x",{"$binary":"AQID"}]}]}`},
		{"message-with-ack", `{"ack":["x",{"$binary":"AQID"}]}`},
		{"other", `{"ack":null}`},
	}
	for _, tc := range cases {
		resp, body := c.Do(t, "POST", "/internal/realtime/event", u.Identity(),
			map[string]any{"socket_id": "s", "namespace": "/", "event": tc.event, "args": args, "wants_ack": true})
		if resp.StatusCode != 200 || string(body) != tc.want+"\n" {
			t.Errorf("%s: %d %s, want %s", tc.event, resp.StatusCode, body, tc.want)
		}
	}
	resp, _ := c.Do(t, "POST", "/internal/realtime/event", u.Identity(), []byte("{not json"))
	if resp.StatusCode != 400 {
		t.Errorf("malformed hook body: %d, want 400", resp.StatusCode)
	}
	resp, _ = c.Do(t, "POST", "/internal/realtime/disconnect", u.Identity(),
		map[string]any{"socket_id": "s", "reason": "transport close"})
	if resp.StatusCode != 200 {
		t.Errorf("disconnect hook: %d", resp.StatusCode)
	}
}

package embeds_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/kernelwork/kernelwork/core/app"
	"github.com/kernelwork/kernelwork/core/caller"
	"github.com/kernelwork/kernelwork/core/coretest"
)

// world is a tenant with an admin, a member, a workspace and a conversation.
type world struct {
	tenant, workspace, conversation string
	admin, member                   *coretest.Identity
}

func newWorld(t *testing.T, a *app.App) world {
	t.Helper()
	ctx := context.Background()
	var w world
	q := func(sql string, dst *string, args ...any) {
		t.Helper()
		if err := a.DB.QueryRow(ctx, sql, args...).Scan(dst); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	q(`INSERT INTO tenants (slug, name) VALUES ($1, 'T') RETURNING id`, &w.tenant,
		coretest.RandomSlug("emb"))
	var adminID, memberID string
	q(`INSERT INTO users (tenant_id, email, display_name, role) VALUES ($1, 'a@x.test', 'A',
		'admin') RETURNING id`, &adminID, w.tenant)
	q(`INSERT INTO users (tenant_id, email, display_name, role) VALUES ($1, 'm@x.test', 'M',
		'member') RETURNING id`, &memberID, w.tenant)
	q(`INSERT INTO workspaces (tenant_id, name) VALUES ($1, 'W') RETURNING id`, &w.workspace,
		w.tenant)
	q(`INSERT INTO conversations (tenant_id, workspace_id, title) VALUES ($1, $2, 'Call')
		RETURNING id`, &w.conversation, w.tenant, w.workspace)
	w.admin = &coretest.Identity{Auth: caller.AuthToken, UserID: adminID, TenantID: w.tenant}
	w.member = &coretest.Identity{Auth: caller.AuthToken, UserID: memberID, TenantID: w.tenant}
	return w
}

// createEmbed creates an embed as w's admin and returns its id.
func createEmbed(t *testing.T, c *coretest.Core, w world, origins ...string) string {
	t.Helper()
	resp, body := c.Do(t, "POST", "/api/v1/embeds", w.admin, map[string]any{
		"workspace_id": w.workspace, "conversation_id": w.conversation,
		"name": "Lobby", "origins": origins,
	})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("creating embed: %d %s", resp.StatusCode, body)
	}
	var e struct{ ID string }
	mustJSON(t, body, &e)
	return e.ID
}

// requestToken asks for an embed token with the given Origin header values.
func requestToken(t *testing.T, c *coretest.Core, id string, origins []string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest("POST", c.URL+"/api/v1/embeds/"+id+"/token", nil)
	if err != nil {
		t.Fatal(err)
	}
	coretest.SetIdentity(req.Header, nil)
	for _, o := range origins {
		req.Header.Add("Origin", o)
	}
	resp, err := c.Edge.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func mustJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
}

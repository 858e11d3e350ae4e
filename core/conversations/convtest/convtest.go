// Package convtest builds tenants, users, workspaces and conversations
// directly in a test database, for the tests of the storage and media planes.
package convtest

import (
	"context"
	"testing"

	"github.com/kernelwork/kernelwork/core/app"
	"github.com/kernelwork/kernelwork/core/caller"
	"github.com/kernelwork/kernelwork/core/coretest"
)

// User is a test user and the identity the edge would assert for it.
type User struct {
	ID, TenantID string
	Name         string
}

// Identity returns the edge's identity headers for u with a fresh session id
// from sessionID (empty for a random one).
func (u User) Identity(sessionID string) *coretest.Identity {
	if sessionID == "" {
		sessionID = newID()
	}
	return &coretest.Identity{
		Auth: caller.AuthToken, UserID: u.ID, TenantID: u.TenantID,
		SessionID: sessionID,
	}
}

// World is two tenants: in the first, a workspace whose members are Alice,
// Bob and Carol, and a conversation of Alice and Bob; in the second, Mallory,
// a member of her own workspace.
type World struct {
	Alice, Bob, Carol, Mallory User
	Workspace, Conversation    string
	MalloryWorkspace           string
}

// New builds a World in a's database.
func New(t testing.TB, a *app.App) *World {
	t.Helper()
	w := &World{}
	t1, t2 := tenant(t, a, "alpha"), tenant(t, a, "beta")
	w.Alice = user(t, a, t1, "Alice", "owner")
	w.Bob = user(t, a, t1, "Bob", "member")
	w.Carol = user(t, a, t1, "Carol", "member")
	w.Mallory = user(t, a, t2, "Mallory", "owner")
	w.Workspace = Workspace(t, a, t1, w.Alice, w.Bob, w.Carol)
	w.MalloryWorkspace = Workspace(t, a, t2, w.Mallory)
	w.Conversation = Conversation(t, a, w.Workspace, w.Alice, w.Bob)
	return w
}

// Conversation inserts a conversation of workspace whose members are
// members[0] (its creator) and the others.
func Conversation(t testing.TB, a *app.App, workspace string, members ...User) string {
	t.Helper()
	var id string
	must(t, a.DB.QueryRow(context.Background(), `INSERT INTO conversations
		(tenant_id, workspace_id, title, created_by) VALUES ($1, $2, 'test', $3) RETURNING id`,
		members[0].TenantID, workspace, members[0].ID).Scan(&id))
	for _, m := range members {
		exec(t, a, `INSERT INTO conversation_members (conversation_id, user_id, tenant_id)
			VALUES ($1, $2, $3)`, id, m.ID, m.TenantID)
	}
	return id
}

func tenant(t testing.TB, a *app.App, prefix string) string {
	t.Helper()
	var id string
	slug := coretest.RandomSlug(prefix)
	must(t, a.DB.QueryRow(context.Background(),
		`INSERT INTO tenants (slug, name) VALUES ($1, $1) RETURNING id`, slug).Scan(&id))
	return id
}

func user(t testing.TB, a *app.App, tenantID, name, role string) User {
	t.Helper()
	u := User{TenantID: tenantID, Name: name}
	must(t, a.DB.QueryRow(context.Background(), `INSERT INTO users
		(tenant_id, email, display_name, role) VALUES ($1, $2, $3, $4) RETURNING id`,
		tenantID, name+"@example.test", name, role).Scan(&u.ID))
	return u
}

// Workspace inserts a workspace of tenantID whose owner is members[0] and
// whose other members have the role member.
func Workspace(t testing.TB, a *app.App, tenantID string, members ...User) string {
	t.Helper()
	var id string
	must(t, a.DB.QueryRow(context.Background(),
		`INSERT INTO workspaces (tenant_id, name) VALUES ($1, 'ws') RETURNING id`,
		tenantID).Scan(&id))
	for i, m := range members {
		role := "member"
		if i == 0 {
			role = "owner"
		}
		exec(t, a, `INSERT INTO workspace_members (workspace_id, user_id, tenant_id, role)
			VALUES ($1, $2, $3, $4)`, id, m.ID, tenantID, role)
	}
	return id
}

func exec(t testing.TB, a *app.App, sql string, args ...any) {
	t.Helper()
	if _, err := a.DB.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("convtest: %v", err)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("convtest: %v", err)
	}
}

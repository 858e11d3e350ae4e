package identity_test

import (
	"testing"

	"github.com/kernelwork/kernelwork/core/coretest"
	"github.com/kernelwork/kernelwork/core/identity"
	"github.com/kernelwork/kernelwork/core/identity/identitytest"
)

func TestWorkspacesAndMemberships(t *testing.T) {
	e := newEnv(t)
	admin := identitytest.NewUser(t, e.a, e.slug, identity.RoleAdmin)
	alice := identitytest.NewUser(t, e.a, e.slug, identity.RoleMember)
	bob := identitytest.NewUser(t, e.a, e.slug, identity.RoleMember)

	expect(t, e.do(t, req{
		method: "POST", path: "/api/v1/workspaces", id: alice.Identity(),
		body: map[string]string{"name": "Design"},
	}), 403, "not-tenant-admin")
	got := e.do(t, req{
		method: "POST", path: "/api/v1/workspaces", id: admin.Identity(),
		body: map[string]string{"name": "Design"},
	})
	expect(t, got, 201, "")
	ws := "/api/v1/workspaces/" + got.str("id")
	if got.str("role") != identity.RoleOwner {
		t.Fatalf("the creator is not the workspace's owner: %s", got.body)
	}
	put := func(as identitytest.User, who, role string) answer {
		return e.do(t, req{
			method: "PUT", path: ws + "/members/" + who, id: as.Identity(),
			body: map[string]string{"role": role},
		})
	}
	// A non-member does not see the workspace at all.
	expect(t, e.do(t, req{method: "GET", path: ws + "/members", id: alice.Identity()}), 404,
		"not-found")
	list := e.do(t, req{method: "GET", path: "/api/v1/workspaces", id: alice.Identity()})
	if n := len(list.json["workspaces"].([]any)); n != 0 {
		t.Fatalf("alice sees %d workspaces", n)
	}
	expect(t, put(admin, alice.ID, identity.RoleAdmin), 204, "")
	list = e.do(t, req{method: "GET", path: "/api/v1/workspaces", id: alice.Identity()})
	if ws0 := list.json["workspaces"].([]any); len(ws0) != 1 ||
		ws0[0].(map[string]any)["role"] != identity.RoleAdmin {
		t.Fatalf("alice's workspaces: %s", list.body)
	}
	// A workspace admin adds members but cannot make owners.
	expect(t, put(alice, bob.ID, identity.RoleGuest), 204, "")
	expect(t, put(alice, bob.ID, identity.RoleOwner), 403, "owner-only")
	expect(t, put(bob, alice.ID, identity.RoleGuest), 403, "not-workspace-admin")
	expect(t, put(alice, bob.ID, "root"), 400, "bad-request")
	got = e.do(t, req{method: "GET", path: ws + "/members", id: bob.Identity()})
	expect(t, got, 200, "")
	if n := len(got.json["members"].([]any)); n != 3 {
		t.Fatalf("%d members, want 3: %s", n, got.body)
	}
	expect(t, e.do(t, req{method: "DELETE", path: ws + "/members/" + bob.ID, id: alice.Identity()}),
		204, "")
	expect(t, e.do(t, req{method: "DELETE", path: ws + "/members/" + bob.ID, id: alice.Identity()}),
		404, "not-found")

	// Another tenant's admin, and users of another tenant, get 404.
	outsider := identitytest.NewUser(t, e.a, coretest.RandomSlug("globex"), identity.RoleOwner)
	expect(t, e.do(t, req{method: "GET", path: ws + "/members", id: outsider.Identity()}), 404,
		"not-found")
	expect(t, put(outsider, outsider.ID, identity.RoleOwner), 404, "not-found")
	expect(t, put(admin, outsider.ID, identity.RoleMember), 404, "not-found")

	got = e.do(t, req{method: "GET", path: "/api/v1/audit?action=membership.set", id: admin.Identity()})
	if n := len(got.json["entries"].([]any)); n != 2 {
		t.Fatalf("%d membership changes audited, want 2", n)
	}
}

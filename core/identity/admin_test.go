package identity_test

import (
	"testing"

	"github.com/kernelwork/kernelwork/core/coretest"
	"github.com/kernelwork/kernelwork/core/identity"
	"github.com/kernelwork/kernelwork/core/identity/identitytest"
)

func TestTenantAdminCannotReachAnotherTenant(t *testing.T) {
	e := newEnv(t)
	admin := identitytest.NewUser(t, e.a, e.slug, identity.RoleAdmin)
	other := coretest.RandomSlug("globex")
	victim := identitytest.NewUser(t, e.a, other, identity.RoleOwner)
	// Tenant B has a log of its own.
	expect(t, e.login(t, other, victim.Email, victim.Password, identity.ClientNative), 200, "")

	as := admin.Identity()
	for _, r := range []req{
		{method: "GET", path: "/api/v1/users/" + victim.ID},
		{method: "GET", path: "/api/v1/users/" + victim.ID + "/sessions"},
		{method: "PATCH", path: "/api/v1/users/" + victim.ID, body: map[string]string{"role": "guest"}},
		{method: "POST", path: "/api/v1/users/" + victim.ID + "/revoke-sessions"},
		{method: "DELETE", path: "/api/v1/me/sessions/" + victim.SessionID},
		{method: "GET", path: "/api/v1/users/not-a-uuid"},
	} {
		t.Run(r.method+" "+r.path, func(t *testing.T) {
			r.id = as
			expect(t, e.do(t, r), 404, "not-found")
		})
	}
	if e.announced(t, victim.SessionID) {
		t.Fatal("tenant B's session was revoked by tenant A's admin")
	}
	// Lists show only tenant A.
	got := e.do(t, req{method: "GET", path: "/api/v1/users", id: as})
	expect(t, got, 200, "")
	for _, u := range got.json["users"].([]any) {
		if u.(map[string]any)["tenant_id"] != admin.TenantID {
			t.Fatalf("listed a user of another tenant: %v", u)
		}
	}
	got = e.do(t, req{method: "GET", path: "/api/v1/audit?limit=200", id: as})
	expect(t, got, 200, "")
	for _, en := range got.json["entries"].([]any) {
		if en.(map[string]any)["tenant_id"] != admin.TenantID {
			t.Fatalf("audit shows an entry of another tenant: %v", en)
		}
	}
	// An identity claiming tenant B for A's user is not a session of B.
	forged := admin.Identity()
	forged.TenantID = victim.TenantID
	expect(t, e.do(t, req{method: "GET", path: "/api/v1/users", id: forged}), 401, "session-ended")
}

func TestOnlyAdminsAdminister(t *testing.T) {
	e := newEnv(t)
	member := identitytest.NewUser(t, e.a, e.slug, identity.RoleMember)
	for _, r := range []req{
		{method: "GET", path: "/api/v1/users"},
		{method: "POST", path: "/api/v1/users", body: map[string]string{"email": "x@y.z", "role": "member"}},
		{method: "GET", path: "/api/v1/audit"},
		{method: "POST", path: "/api/v1/users/" + e.owner.ID + "/revoke-sessions"},
	} {
		r.id = member.Identity()
		expect(t, e.do(t, r), 403, "not-tenant-admin")
	}
}

func TestAdminCreatesUsersAndChangesRoles(t *testing.T) {
	e := newEnv(t)
	admin := identitytest.NewUser(t, e.a, e.slug, identity.RoleAdmin)
	create := func(as *coretest.Identity, body map[string]string) answer {
		return e.do(t, req{method: "POST", path: "/api/v1/users", id: as, body: body})
	}
	got := create(admin.Identity(), map[string]string{"email": "new@" + e.slug, "role": "member"})
	expect(t, got, 201, "")
	pw, _ := got.json["password"].(string)
	if len(pw) < 20 {
		t.Fatalf("no generated password shown: %s", got.body)
	}
	newID := got.json["user"].(map[string]any)["id"].(string)
	expect(t, e.login(t, e.slug, "NEW@"+e.slug, pw, identity.ClientNative), 200, "")
	expect(t, create(admin.Identity(), map[string]string{"email": "new@" + e.slug, "role": "member"}),
		409, "user-exists")
	expect(t, create(admin.Identity(), map[string]string{"email": "o@" + e.slug, "role": "owner"}),
		403, "owner-only")
	expect(t, create(admin.Identity(), map[string]string{
		"email": "w@" + e.slug, "role": "member",
		"password": "short",
	}), 422, "password-policy")
	expect(t, create(admin.Identity(), map[string]string{"email": "nope", "role": "member"}),
		400, "bad-request")
	withPw := create(admin.Identity(), map[string]string{
		"email": "given@" + e.slug, "role": "guest",
		"password": "a long enough passphrase",
	})
	expect(t, withPw, 201, "")
	if _, shown := withPw.json["password"]; shown {
		t.Fatal("a given password was echoed")
	}

	setRole := func(as *coretest.Identity, id, role string) answer {
		return e.do(t, req{
			method: "PATCH", path: "/api/v1/users/" + id, id: as,
			body: map[string]string{"role": role},
		})
	}
	expect(t, setRole(admin.Identity(), newID, "admin"), 200, "")
	expect(t, setRole(admin.Identity(), newID, "owner"), 403, "owner-only")
	expect(t, setRole(admin.Identity(), e.owner.ID, "member"), 403, "owner-only")
	expect(t, setRole(e.owner.Identity(), e.owner.ID, "member"), 409, "last-owner")
	expect(t, setRole(e.owner.Identity(), newID, "owner"), 200, "")
	expect(t, setRole(e.owner.Identity(), e.owner.ID, "member"), 200, "")
	expect(t, setRole(admin.Identity(), newID, "superuser"), 400, "bad-request")

	got = e.do(t, req{method: "GET", path: "/api/v1/audit?action=user.role_changed", id: admin.Identity()})
	expect(t, got, 200, "")
	if n := len(got.json["entries"].([]any)); n != 3 {
		t.Fatalf("%d role changes in the audit log, want 3: %s", n, got.body)
	}
}

func TestAdminRevokesAUsersSessions(t *testing.T) {
	e := newEnv(t)
	member := identitytest.NewUser(t, e.a, e.slug, identity.RoleMember)
	login := e.nativeLogin(t, member)
	got := e.do(t, req{
		method: "POST", path: "/api/v1/users/" + member.ID + "/revoke-sessions",
		id: e.owner.Identity(),
	})
	expect(t, got, 200, "")
	if got.json["revoked"] != float64(2) {
		t.Fatalf("revoked: %s", got.body)
	}
	expect(t, e.refresh(t, login.str("refresh_token")), 401, "invalid-refresh-token")
	if e.sessionRevoked(t, member.SessionID) != identity.ReasonAdmin || !e.announced(t, member.SessionID) {
		t.Fatal("admin revocation not recorded and announced")
	}
}

func TestUsersListPages(t *testing.T) {
	e := newEnv(t)
	for range 4 {
		identitytest.NewUser(t, e.a, e.slug, identity.RoleGuest)
	}
	seen := map[string]bool{}
	path := "/api/v1/users?limit=2"
	for page := 0; ; page++ {
		got := e.do(t, req{method: "GET", path: path, id: e.owner.Identity()})
		expect(t, got, 200, "")
		for _, u := range got.json["users"].([]any) {
			seen[u.(map[string]any)["id"].(string)] = true
		}
		next, _ := got.json["next_after"].(string)
		if next == "" {
			break
		}
		path = "/api/v1/users?limit=2&after=" + next
		if page > 5 {
			t.Fatal("pagination does not end")
		}
	}
	if len(seen) != 5 {
		t.Fatalf("saw %d users over the pages, want 5", len(seen))
	}
	expect(t, e.do(t, req{method: "GET", path: "/api/v1/users?limit=0", id: e.owner.Identity()}),
		400, "bad-request")
}

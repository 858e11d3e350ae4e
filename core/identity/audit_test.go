package identity_test

import (
	"fmt"
	"testing"

	"github.com/kernelwork/kernelwork/core/identity"
	"github.com/kernelwork/kernelwork/core/identity/identitytest"
)

func TestAuditRecordsWhoWhatWhenAndWhere(t *testing.T) {
	e := newEnv(t)
	member := identitytest.NewUser(t, e.a, e.slug, identity.RoleMember)
	h := map[string]string{"X-Forwarded-For": "203.0.113.7", "User-Agent": "audit-test/1.0"}
	body := func(pw string) map[string]string {
		return map[string]string{
			"tenant": e.slug, "email": member.Email, "password": pw,
			"client": identity.ClientNative,
		}
	}
	expect(t, e.do(t, req{
		method: "POST", path: "/api/v1/auth/login", header: h,
		body: body("wrong password"),
	}), 401, "invalid-credentials")
	login := e.do(t, req{
		method: "POST", path: "/api/v1/auth/login", header: h,
		body: body(member.Password),
	})
	expect(t, login, 200, "")
	expect(t, e.do(t, req{
		method: "POST", path: "/api/v1/auth/logout", header: h,
		id: idOf(member, login),
	}), 204, "")
	expect(t, e.do(t, req{
		method: "POST", path: "/api/v1/users/" + member.ID + "/revoke-sessions",
		id: e.owner.Identity(), header: h,
	}), 200, "")

	got := e.do(t, req{method: "GET", path: "/api/v1/audit", id: e.owner.Identity()})
	expect(t, got, 200, "")
	want := map[string]string{ // action -> actor
		"login.failed":     "",
		"login.succeeded":  member.ID,
		"session.revoked":  e.owner.ID, // the newest: the admin's revocation
		"sessions.revoked": e.owner.ID,
	}
	found := map[string]bool{}
	for _, raw := range got.json["entries"].([]any) {
		en := raw.(map[string]any)
		actor, ok := want[en["action"].(string)]
		if !ok || found[en["action"].(string)] {
			continue
		}
		found[en["action"].(string)] = true
		if en["ip"] != "203.0.113.7" || en["user_agent"] != "audit-test/1.0" ||
			en["created_at"] == nil {
			t.Errorf("entry %v lacks ip, user agent or time", en)
		}
		if a, _ := en["actor_id"].(string); a != actor {
			t.Errorf("%s: actor %q, want %q", en["action"], a, actor)
		}
	}
	if len(found) != len(want) {
		t.Fatalf("found %v of %v in %s", found, want, got.body)
	}
}

func TestAuditPages(t *testing.T) {
	e := newEnv(t)
	for range 5 {
		e.login(t, e.slug, e.owner.Email, "wrong password", identity.ClientNative)
	}
	var ids []float64
	path := "/api/v1/audit?action=login.failed&limit=2"
	for range 5 {
		got := e.do(t, req{method: "GET", path: path, id: e.owner.Identity()})
		expect(t, got, 200, "")
		for _, en := range got.json["entries"].([]any) {
			ids = append(ids, en.(map[string]any)["id"].(float64))
		}
		next, ok := got.json["next_before"].(float64)
		if !ok {
			break
		}
		path = fmt.Sprintf("/api/v1/audit?action=login.failed&limit=2&before=%d", int64(next))
	}
	if len(ids) != 5 {
		t.Fatalf("%d entries over the pages, want 5", len(ids))
	}
	for i := 1; i < len(ids); i++ {
		if ids[i] >= ids[i-1] {
			t.Fatalf("entries not newest first: %v", ids)
		}
	}
	expect(t, e.do(t, req{method: "GET", path: "/api/v1/audit?before=x", id: e.owner.Identity()}),
		400, "bad-request")
}

func TestUsersListAndEndTheirOwnSessions(t *testing.T) {
	e := newEnv(t)
	here, there := e.nativeLogin(t, e.owner), e.nativeLogin(t, e.owner)
	got := e.do(t, req{method: "GET", path: "/api/v1/me/sessions", id: idOf(e.owner, here)})
	expect(t, got, 200, "")
	list := got.json["sessions"].([]any)
	if len(list) != 3 {
		t.Fatalf("%d sessions, want 3", len(list))
	}
	current := 0
	for _, s := range list {
		if s.(map[string]any)["current"] == true {
			current++
			if s.(map[string]any)["id"] != here.str("session_id") {
				t.Fatal("the wrong session is marked current")
			}
		}
	}
	if current != 1 {
		t.Fatalf("%d current sessions", current)
	}
	expect(t, e.do(t, req{
		method: "DELETE", path: "/api/v1/me/sessions/" + there.str("session_id"),
		id: idOf(e.owner, here),
	}), 204, "")
	expect(t, e.refresh(t, there.str("refresh_token")), 401, "invalid-refresh-token")
	if !e.announced(t, there.str("session_id")) {
		t.Fatal("not announced")
	}
	// Another user's session of the same tenant is not the caller's to end.
	peer := identitytest.NewUser(t, e.a, e.slug, identity.RoleMember)
	expect(t, e.do(t, req{
		method: "DELETE", path: "/api/v1/me/sessions/" + peer.SessionID,
		id: idOf(e.owner, here),
	}), 404, "not-found")
	got = e.do(t, req{method: "GET", path: "/api/v1/me/sessions", id: idOf(e.owner, here)})
	if n := len(got.json["sessions"].([]any)); n != 2 {
		t.Fatalf("%d sessions after the delete, want 2", n)
	}
}

package identity_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kernelwork/kernelwork/core/coretest"
	"github.com/kernelwork/kernelwork/core/identity"
	"github.com/kernelwork/kernelwork/core/identity/identitytest"
)

const newPassword = "a brand new passphrase"

// issueReset asks for a reset code of the user id as the caller as.
func (e *env) issueReset(t *testing.T, as *coretest.Identity, id string) answer {
	t.Helper()
	return e.do(t, req{method: "POST", path: "/api/v1/users/" + id + "/password-reset", id: as})
}

// resetCode issues a reset code of u as the tenant's owner and returns it.
func (e *env) resetCode(t *testing.T, u identitytest.User) string {
	t.Helper()
	got := e.issueReset(t, e.owner.Identity(), u.ID)
	expect(t, got, 201, "")
	return got.str("reset_code")
}

// reset exchanges a code for newPassword.
func (e *env) reset(t *testing.T, tenant, email, code string) answer {
	t.Helper()
	return e.do(t, req{method: "POST", path: "/api/v1/auth/password/reset", body: map[string]string{
		"tenant": tenant, "email": email, "reset_code": code, "new_password": newPassword,
	}})
}

// expectAudit fails unless the tenant of e.owner has want entries of action.
func (e *env) expectAudit(t *testing.T, action string, want int) {
	t.Helper()
	got := e.do(t, req{
		method: "GET", path: "/api/v1/audit?action=" + action,
		id: e.owner.Identity(),
	})
	expect(t, got, 200, "")
	if n := len(got.json["entries"].([]any)); n != want {
		t.Fatalf("%d %s entries in the audit log, want %d", n, action, want)
	}
}

func TestPasswordResetSetsThePasswordAndEndsEverySession(t *testing.T) {
	e := newEnv(t)
	member := identitytest.NewUser(t, e.a, e.slug, identity.RoleMember)
	login := e.nativeLogin(t, member)

	got := e.issueReset(t, e.owner.Identity(), member.ID)
	expect(t, got, 201, "")
	code := got.str("reset_code")
	if !strings.HasPrefix(code, identity.ResetPrefix) || len(code) != len(identity.ResetPrefix)+43 {
		t.Fatalf("reset code %q is not kwpr_ and 256 bits", code)
	}
	expires, err := time.Parse(time.RFC3339Nano, got.str("expires_at"))
	if err != nil || !expires.Equal(e.clk.Now().Add(time.Hour)) {
		t.Fatalf("expires_at %q, want the clock plus KW_PASSWORD_RESET_TTL (1h)", got.str("expires_at"))
	}

	expect(t, e.reset(t, e.slug, strings.ToUpper(member.Email), code), 204, "")
	expect(t, e.login(t, e.slug, member.Email, member.Password, identity.ClientNative),
		401, "invalid-credentials")
	expect(t, e.login(t, e.slug, member.Email, newPassword, identity.ClientNative), 200, "")
	expect(t, e.refresh(t, login.str("refresh_token")), 401, "invalid-refresh-token")
	expect(t, e.refresh(t, member.RefreshToken), 401, "invalid-refresh-token")
	for _, sid := range []string{member.SessionID, login.str("session_id")} {
		if e.sessionRevoked(t, sid) != identity.ReasonPasswordReset || !e.announced(t, sid) {
			t.Fatalf("session %s not revoked for the reset and announced", sid)
		}
	}
	expect(t, e.do(t, req{method: "GET", path: "/api/v1/me", id: idOf(member, login)}),
		401, "session-ended")

	// single use
	expect(t, e.reset(t, e.slug, member.Email, code), 400, "invalid-reset-code")
	e.expectAudit(t, identity.AuditResetIssued, 1)
	e.expectAudit(t, identity.AuditResetUsed, 1)
}

func TestPasswordResetCodeIsStoredOnlyAsAHash(t *testing.T) {
	e := newEnv(t)
	member := identitytest.NewUser(t, e.a, e.slug, identity.RoleMember)
	code := e.resetCode(t, member)
	var hash []byte
	var row string
	if err := e.a.DB.QueryRow(context.Background(), `SELECT code_hash, row_to_json(r)::text
		FROM password_resets r WHERE user_id = $1`, member.ID).Scan(&hash, &row); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(code))
	if !bytes.Equal(hash, sum[:]) {
		t.Fatal("the stored hash is not the SHA-256 of the code")
	}
	secret := strings.TrimPrefix(code, identity.ResetPrefix)
	if strings.Contains(row, secret) || strings.Contains(row, secret[:16]) {
		t.Fatalf("the code is stored in clear: %s", row)
	}
}

// TestPasswordResetFailuresLookAlike: every failed exchange gets the same
// status and body, so the route cannot tell which accounts exist.
func TestPasswordResetFailuresLookAlike(t *testing.T) {
	e := newEnv(t)
	member := identitytest.NewUser(t, e.a, e.slug, identity.RoleMember)
	disabled := identitytest.NewUser(t, e.a, e.slug, identity.RoleMember)
	expiring := identitytest.NewUser(t, e.a, e.slug, identity.RoleMember)
	used := identitytest.NewUser(t, e.a, e.slug, identity.RoleMember)
	other := identitytest.NewUser(t, e.a, coretest.RandomSlug("globex"), identity.RoleOwner)
	code := e.resetCode(t, member)
	disabledCode := e.resetCode(t, disabled)
	expiringCode := e.resetCode(t, expiring)
	usedCode := e.resetCode(t, used)
	expect(t, e.reset(t, e.slug, used.Email, usedCode), 204, "")
	if _, err := e.a.DB.Exec(context.Background(), `UPDATE users SET disabled_at = now()
		WHERE id = $1`, disabled.ID); err != nil {
		t.Fatal(err)
	}
	wrong := e.resetCode(t, e.owner) // a real code, of another user

	first := e.reset(t, e.slug, member.Email, wrong)
	expect(t, first, 400, "invalid-reset-code")
	cases := map[string][3]string{ // tenant, email, code
		"random code":      {e.slug, member.Email, identity.ResetPrefix + strings.Repeat("A", 43)},
		"malformed code":   {e.slug, member.Email, "not-a-code"},
		"other tenant":     {other.Tenant.Slug, member.Email, code},
		"unknown tenant":   {coretest.RandomSlug("nobody"), member.Email, code},
		"other email":      {e.slug, e.owner.Email, code},
		"unknown email":    {e.slug, "nobody@" + e.slug + ".test", code},
		"disabled account": {e.slug, disabled.Email, disabledCode},
		"used code":        {e.slug, used.Email, usedCode},
	}
	check := func(t *testing.T, c [3]string) {
		t.Helper()
		got := e.reset(t, c[0], c[1], c[2])
		if got.status != first.status || !bytes.Equal(got.body, first.body) {
			t.Fatalf("answered %d %s, unlike a wrong code: %d %s", got.status, got.body,
				first.status, first.body)
		}
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) { check(t, c) })
	}
	t.Run("expired code", func(t *testing.T) {
		e.clk.Add(time.Hour + time.Second)
		check(t, [3]string{e.slug, expiring.Email, expiringCode})
	})
	// none of the failures used the codes they named
	var unused int
	if err := e.a.DB.QueryRow(context.Background(), `SELECT count(*) FROM password_resets
		WHERE used_at IS NULL`).Scan(&unused); err != nil {
		t.Fatal(err)
	}
	if unused != 4 {
		t.Fatalf("%d unused codes, want 4 (member, disabled, expiring, owner)", unused)
	}
	expect(t, e.login(t, e.slug, member.Email, member.Password, identity.ClientNative), 200, "")
}

func TestPasswordResetIssuedOnlyByAdminsOfTheTenant(t *testing.T) {
	e := newEnv(t)
	admin := identitytest.NewUser(t, e.a, e.slug, identity.RoleAdmin)
	member := identitytest.NewUser(t, e.a, e.slug, identity.RoleMember)
	other := identitytest.NewUser(t, e.a, coretest.RandomSlug("globex"), identity.RoleAdmin)

	expect(t, e.issueReset(t, member.Identity(), admin.ID), 403, "not-tenant-admin")
	expect(t, e.issueReset(t, member.Identity(), member.ID), 403, "not-tenant-admin")
	expect(t, e.issueReset(t, other.Identity(), member.ID), 404, "not-found")
	expect(t, e.issueReset(t, admin.Identity(), "not-a-uuid"), 404, "not-found")
	// an admin taking over an owner's account
	expect(t, e.issueReset(t, admin.Identity(), e.owner.ID), 403, "owner-only")
	expect(t, e.issueReset(t, admin.Identity(), member.ID), 201, "")
	expect(t, e.issueReset(t, e.owner.Identity(), e.owner.ID), 201, "")

	if _, err := e.a.DB.Exec(context.Background(), `UPDATE users SET disabled_at = now()
		WHERE id = $1`, member.ID); err != nil {
		t.Fatal(err)
	}
	expect(t, e.issueReset(t, admin.Identity(), member.ID), 409, "user-disabled")
}

func TestPasswordResetNewCodeReplacesTheUnusedOne(t *testing.T) {
	e := newEnv(t)
	member := identitytest.NewUser(t, e.a, e.slug, identity.RoleMember)
	old := e.resetCode(t, member)
	code := e.resetCode(t, member)
	expect(t, e.reset(t, e.slug, member.Email, old), 400, "invalid-reset-code")
	expect(t, e.reset(t, e.slug, member.Email, code), 204, "")
	// after a use, a new code works again
	expect(t, e.reset(t, e.slug, member.Email, e.resetCode(t, member)), 204, "")
}

func TestPasswordResetConcurrentUsesSucceedOnce(t *testing.T) {
	e := newEnv(t)
	member := identitytest.NewUser(t, e.a, e.slug, identity.RoleMember)
	code := e.resetCode(t, member)
	const n = 8
	answers := make([]answer, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() { defer wg.Done(); answers[i] = e.reset(t, e.slug, member.Email, code) }()
	}
	wg.Wait()
	ok := 0
	for _, got := range answers {
		switch got.status {
		case 204:
			ok++
		case 400:
			expect(t, got, 400, "invalid-reset-code")
		default:
			t.Fatalf("answered %d: %s", got.status, got.body)
		}
	}
	if ok != 1 {
		t.Fatalf("%d of %d concurrent uses of one code succeeded, want 1", ok, n)
	}
	e.expectAudit(t, identity.AuditResetUsed, 1)
}

func TestPasswordResetChecksTheRequest(t *testing.T) {
	e := newEnv(t)
	member := identitytest.NewUser(t, e.a, e.slug, identity.RoleMember)
	code := e.resetCode(t, member)
	post := func(body map[string]string) answer {
		return e.do(t, req{method: "POST", path: "/api/v1/auth/password/reset", body: body})
	}
	expect(t, post(map[string]string{
		"tenant": e.slug, "email": member.Email, "reset_code": code, "new_password": "short",
	}), 422, "password-policy")
	expect(t, post(map[string]string{"tenant": e.slug, "email": member.Email}), 400, "bad-request")
	// a refused password leaves the code usable
	expect(t, e.reset(t, e.slug, member.Email, code), 204, "")
}

package identity_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kernelwork/kernelwork/core/coretest"
	"github.com/kernelwork/kernelwork/core/identity"
	"github.com/kernelwork/kernelwork/core/revocation"
)

func TestRefreshRotatesEveryUse(t *testing.T) {
	e := newEnv(t)
	login := e.nativeLogin(t, e.owner)
	seen := map[string]bool{login.str("refresh_token"): true}
	tok := login.str("refresh_token")
	for i := 0; i < 3; i++ {
		e.clk.Add(time.Minute)
		got := e.refresh(t, tok)
		expect(t, got, 200, "")
		if got.str("session_id") != login.str("session_id") || seen[got.str("refresh_token")] {
			t.Fatalf("refresh %d: session %s, token reused %v", i, got.str("session_id"),
				seen[got.str("refresh_token")])
		}
		if got.str("access_token") == login.str("access_token") {
			t.Fatal("no new access token")
		}
		tok = got.str("refresh_token")
		seen[tok] = true
	}
}

// sessionRevoked returns the revoke reason of a session ("" if live).
func (e *env) sessionRevoked(t *testing.T, id string) string {
	t.Helper()
	var reason *string
	if err := e.a.DB.QueryRow(context.Background(), `SELECT revoke_reason FROM sessions
		WHERE id = $1`, id).Scan(&reason); err != nil {
		t.Fatal(err)
	}
	if reason == nil {
		return ""
	}
	return *reason
}

// announced reports whether the session is in the edge's revocation set.
func (e *env) announced(t *testing.T, sid string) bool {
	t.Helper()
	ok, err := revocation.Revoked(context.Background(), e.a.Redis, revocation.KindSession, sid, "",
		time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func TestRefreshReuseRevokesTheFamily(t *testing.T) {
	e := newEnv(t)
	sub := e.a.Redis.Subscribe(context.Background(), revocation.Channel)
	defer func() { _ = sub.Close() }()
	if _, err := sub.Receive(context.Background()); err != nil {
		t.Fatal(err)
	}
	login := e.nativeLogin(t, e.owner)
	first := login.str("refresh_token")
	second := e.refresh(t, first)
	expect(t, second, 200, "")
	e.clk.Add(e.a.Config.Tokens.RefreshReuseGrace + time.Second)

	// The stolen first token comes back after the grace window.
	expect(t, e.refresh(t, first), 401, "invalid-refresh-token")
	sid := login.str("session_id")
	if r := e.sessionRevoked(t, sid); r != identity.ReasonRefreshReuse {
		t.Fatalf("session revoke reason %q", r)
	}
	// The legitimate holder's newer token dies with the family.
	expect(t, e.refresh(t, second.str("refresh_token")), 401, "invalid-refresh-token")
	// The edges are told, keyed by session id.
	if !e.announced(t, sid) {
		t.Fatal("the revoked session is not in kw:revoked:sessions")
	}
	msg, err := sub.ReceiveMessage(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var m revocation.Message
	_ = json.Unmarshal([]byte(msg.Payload), &m)
	if m.Kind != "session" || m.ID != sid ||
		m.Until < e.clk.Now().Add(e.a.Config.Tokens.AccessTTL).Unix() {
		t.Fatalf("announcement %+v", m)
	}
	// And the audit log says so.
	got := e.do(t, req{
		method: "GET", path: "/api/v1/audit?action=refresh.reuse_detected",
		id: identityFor(e, e.nativeLogin(t, e.owner)),
	})
	expect(t, got, 200, "")
	entries, _ := got.json["entries"].([]any)
	if len(entries) != 1 || entries[0].(map[string]any)["target_id"] != sid {
		t.Fatalf("audit: %s", got.body)
	}
}

func identityFor(e *env, login answer) *coretest.Identity { return idOf(e.owner, login) }

func TestConcurrentRefreshInsideTheGraceWindow(t *testing.T) {
	e := newEnv(t)
	login := e.nativeLogin(t, e.owner)
	tok := login.str("refresh_token")
	const n = 4
	answers := make([]answer, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() { defer wg.Done(); answers[i] = e.refresh(t, tok) }()
	}
	wg.Wait()
	next := map[string]bool{}
	for i, got := range answers {
		expect(t, got, 200, "")
		next[got.str("refresh_token")] = true
		_ = i
	}
	if len(next) != n {
		t.Fatalf("%d distinct successors for %d concurrent refreshes", len(next), n)
	}
	if r := e.sessionRevoked(t, login.str("session_id")); r != "" {
		t.Fatalf("concurrent refresh revoked the session (%s)", r)
	}
	// Every successor goes on working.
	for tok := range next {
		expect(t, e.refresh(t, tok), 200, "")
	}
}

func TestRefreshAfterLogoutFails(t *testing.T) {
	e := newEnv(t)
	login := e.nativeLogin(t, e.owner)
	got := e.do(t, req{method: "POST", path: "/api/v1/auth/logout", id: idOf(e.owner, login)})
	expect(t, got, 204, "")
	expect(t, e.refresh(t, login.str("refresh_token")), 401, "invalid-refresh-token")
	if e.sessionRevoked(t, login.str("session_id")) != identity.ReasonLogout ||
		!e.announced(t, login.str("session_id")) {
		t.Fatal("logout was not recorded and announced")
	}
	// The access token's session is refused by the core too.
	expect(t, e.do(t, req{method: "GET", path: "/api/v1/me", id: idOf(e.owner, login)}), 401,
		"session-ended")
}

func TestLogoutAllEndsEverySession(t *testing.T) {
	e := newEnv(t)
	a, b := e.nativeLogin(t, e.owner), e.nativeLogin(t, e.owner)
	expect(t, e.do(t, req{method: "POST", path: "/api/v1/auth/logout-all", id: idOf(e.owner, a)}),
		204, "")
	for _, l := range []answer{a, b} {
		expect(t, e.refresh(t, l.str("refresh_token")), 401, "invalid-refresh-token")
		if !e.announced(t, l.str("session_id")) {
			t.Fatal("session not announced")
		}
	}
	if !e.announced(t, e.owner.SessionID) {
		t.Fatal("the helper's session survived logout-all")
	}
}

func TestRefreshAfterPasswordChangeFails(t *testing.T) {
	e := newEnv(t)
	here, other := e.nativeLogin(t, e.owner), e.nativeLogin(t, e.owner)
	change := func(cur, next string) answer {
		return e.do(t, req{
			method: "POST", path: "/api/v1/auth/password", id: idOf(e.owner, here),
			body: map[string]string{"current_password": cur, "new_password": next},
		})
	}
	expect(t, change("wrong password!", "a brand new passphrase"), 401, "invalid-credentials")
	expect(t, change(e.owner.Password, "short"), 422, "password-policy")
	expect(t, change(e.owner.Password, "a brand new passphrase"), 204, "")

	expect(t, e.refresh(t, other.str("refresh_token")), 401, "invalid-refresh-token")
	if e.sessionRevoked(t, other.str("session_id")) != identity.ReasonPasswordChange {
		t.Fatal("the other session was not revoked for the password change")
	}
	// The session that changed the password goes on.
	expect(t, e.refresh(t, here.str("refresh_token")), 200, "")
	expect(t, e.login(t, e.slug, e.owner.Email, e.owner.Password, identity.ClientNative), 401,
		"invalid-credentials")
	expect(t, e.login(t, e.slug, e.owner.Email, "a brand new passphrase", identity.ClientNative),
		200, "")
}

func TestSessionLifetimes(t *testing.T) {
	e := newEnv(t)
	cfg := e.a.Config.Tokens
	login := e.nativeLogin(t, e.owner)
	e.clk.Add(cfg.RefreshIdleTTL + time.Second)
	expect(t, e.refresh(t, login.str("refresh_token")), 401, "invalid-refresh-token")

	// Refreshing inside the idle window keeps a session only up to its
	// absolute lifetime.
	login = e.nativeLogin(t, e.owner)
	tok := login.str("refresh_token")
	for elapsed := time.Duration(0); elapsed+cfg.RefreshIdleTTL/2 < cfg.RefreshAbsoluteTTL; {
		e.clk.Add(cfg.RefreshIdleTTL / 2)
		elapsed += cfg.RefreshIdleTTL / 2
		got := e.refresh(t, tok)
		expect(t, got, 200, "")
		tok = got.str("refresh_token")
	}
	e.clk.Add(cfg.RefreshIdleTTL / 2)
	expect(t, e.refresh(t, tok), 401, "invalid-refresh-token")
}

func TestFailedAnnouncementIsRetried(t *testing.T) {
	e := newEnv(t)
	login := e.nativeLogin(t, e.owner)
	up := e.a.Redis
	// Redis stops answering: the logout is recorded but cannot be announced.
	e.a.Redis = redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	expect(t, e.do(t, req{method: "POST", path: "/api/v1/auth/logout", id: idOf(e.owner, login)}),
		204, "")
	e.a.Redis = up
	sid := login.str("session_id")
	if e.sessionRevoked(t, sid) != identity.ReasonLogout || e.announced(t, sid) {
		t.Fatal("want the logout recorded and not yet announced")
	}
	// The next login announces it.
	e.nativeLogin(t, e.owner)
	if !e.announced(t, sid) {
		t.Fatal("the failed announcement was not retried")
	}
	score, _ := e.a.Redis.ZScore(context.Background(), revocation.SetSessions, sid).Result()
	var revokedAt time.Time
	_ = e.a.DB.QueryRow(context.Background(), `SELECT revoked_at FROM sessions WHERE id = $1`,
		sid).Scan(&revokedAt)
	if int64(score) < revokedAt.Add(e.a.Config.Tokens.AccessTTL).Unix() {
		t.Fatalf("entry kept until %v, not past the longest access token", score)
	}
}

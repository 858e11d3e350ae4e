package identity_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kernelwork/kernelwork/core/coretest"
	"github.com/kernelwork/kernelwork/core/identity"
	"github.com/kernelwork/kernelwork/core/identity/identitytest"
)

func TestLoginIsEnumerationSafe(t *testing.T) {
	e := newEnv(t)
	disabled := identitytest.NewUser(t, e.a, e.slug, identity.RoleMember)
	if _, err := e.a.DB.Exec(context.Background(), `UPDATE users SET disabled_at = now()
		WHERE id = $1`, disabled.ID); err != nil {
		t.Fatal(err)
	}
	other := identitytest.NewUser(t, e.a, coretest.RandomSlug("globex"), identity.RoleMember)
	const runs = 4 // under the throttle's free attempts
	cases := []struct {
		name                  string
		tenant, email, passwd string
	}{
		{"wrong password", e.slug, e.owner.Email, "not the password"},
		{"unknown email", e.slug, "nobody@" + e.slug, "not the password"},
		{"unknown tenant", "no-such-tenant", e.owner.Email, "not the password"},
		{"user of another tenant", e.slug, other.Email, other.Password},
		{"disabled user, right password", e.slug, disabled.Email, disabled.Password},
	}
	// The cases take turns, so that the load of the machine weighs on each
	// alike; the quickest run of each is compared.
	var bodies []string
	quickest := map[string]time.Duration{}
	for range runs {
		for _, tc := range cases {
			start := time.Now()
			got := e.login(t, tc.tenant, tc.email, tc.passwd, identity.ClientNative)
			took := time.Since(start)
			expect(t, got, 401, "invalid-credentials")
			bodies = append(bodies, string(got.body))
			if q, ok := quickest[tc.name]; !ok || took < q {
				quickest[tc.name] = took
			}
		}
	}
	for _, b := range bodies {
		if b != bodies[0] {
			t.Fatalf("bodies differ:\n%s\n%s", bodies[0], b)
		}
	}
	// Every case runs argon2id once: none is far quicker than a wrong password.
	t.Logf("quickest runs: %v", quickest)
	base := quickest["wrong password"]
	for name, d := range quickest {
		if d < base/3 {
			t.Errorf("%s took %v, a wrong password %v: the difference tells accounts apart", name,
				d, base)
		}
	}
}

func TestLoginThrottlePerAccount(t *testing.T) {
	e := newEnv(t)
	u := identitytest.NewUser(t, e.a, e.slug, identity.RoleMember)
	fromIP := func(i int, pw string) answer {
		return e.do(t, req{
			method: "POST", path: "/api/v1/auth/login",
			header: map[string]string{"X-Forwarded-For": fmt.Sprintf("198.51.100.%d", i)},
			body: map[string]string{
				"tenant": e.slug, "email": u.Email, "password": pw,
				"client": identity.ClientNative,
			},
		})
	}
	for i := range identity.ThrottleFree {
		expect(t, fromIP(i, "wrong guess"), 401, "invalid-credentials")
	}
	expect(t, fromIP(10, "wrong guess"), 401, "invalid-credentials") // starts the delay
	// Any IP, even with the right password, waits.
	got := fromIP(11, u.Password)
	expect(t, got, 429, "login-throttled")
	if ra, _ := strconv.Atoi(got.header.Get("Retry-After")); ra < 1 {
		t.Fatalf("Retry-After %q", got.header.Get("Retry-After"))
	}
	// An unknown account is throttled the same way, so 429 reveals nothing.
	for i := 0; i <= identity.ThrottleFree; i++ {
		expect(t, e.login(t, e.slug, "ghost@"+e.slug, "x-guess", identity.ClientNative), 401,
			"invalid-credentials")
	}
	expect(t, e.login(t, e.slug, "ghost@"+e.slug, "x-guess", identity.ClientNative), 429,
		"login-throttled")

	// The delay doubles but never exceeds the cap, so a real user is never
	// locked out for long.
	for range 12 {
		e.clk.Add(identity.ThrottleMaxDelay)
		expect(t, fromIP(1, "wrong guess"), 401, "invalid-credentials")
	}
	got = fromIP(1, u.Password)
	expect(t, got, 429, "login-throttled")
	if ra, _ := strconv.Atoi(got.header.Get("Retry-After")); ra > int(identity.ThrottleMaxDelay.Seconds()) {
		t.Fatalf("Retry-After %d over the cap", ra)
	}
	e.clk.Add(identity.ThrottleMaxDelay)
	expect(t, fromIP(1, u.Password), 200, "")
	// Success clears the count.
	expect(t, fromIP(1, "wrong guess"), 401, "invalid-credentials")
	expect(t, fromIP(1, u.Password), 200, "")
}

func TestLoginFailsClosedWithoutRedis(t *testing.T) {
	a := coretest.NewApp(t, nil)
	u := identitytest.NewUser(t, a, coretest.RandomSlug("acme"), identity.RoleMember)
	// A Redis that does not answer: the throttle cannot be read.
	a.Redis = redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	e := &env{a: a, c: coretest.StartCore(t, a), slug: u.Tenant.Slug}
	got := e.login(t, e.slug, u.Email, u.Password, identity.ClientNative)
	expect(t, got, 503, "unavailable")
	if got.str("access_token") != "" || got.str("detail") != "" {
		t.Fatalf("answer: %s", got.body)
	}
}

package main

import (
	"context"
	"encoding/base64"
	"log/slog"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/kernelwork/kernelwork/core/app"
	"github.com/kernelwork/kernelwork/core/coretest"
	"github.com/kernelwork/kernelwork/core/identity"
	"github.com/kernelwork/kernelwork/core/identity/password"
	"github.com/kernelwork/kernelwork/core/tokens"
)

// identityEnv returns the environment of a core on a fresh migrated database,
// and an App on the same database.
func identityEnv(t *testing.T) map[string]string {
	t.Helper()
	env := coretest.StackEnv(t)
	cfg := coretest.Config(t, nil)
	env["KW_TLS_CERT_FILE"], env["KW_TLS_KEY_FILE"] = cfg.Server.CertFile, cfg.Server.KeyFile
	env["KW_EDGE_CA_FILE"] = cfg.Server.EdgeCAFile
	env["KW_DATABASE_URL"] = coretest.NewDatabase(t, cfg.Postgres.URL)
	return env
}

func TestBootstrapCreatesTenantAndOwner(t *testing.T) {
	bin := build(t)
	env := identityEnv(t)
	slug := coretest.RandomSlug("acme")
	out, code := run(t, bin, env, "bootstrap", "--tenant", slug, "--email", "you@example.com")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	m := regexp.MustCompile(`(?m)^password (\S+)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no generated password shown:\n%s", out)
	}
	pool := appOn(t, env["KW_DATABASE_URL"]).DB
	u, err := identity.UserByEmail(context.Background(), pool, slug, "you@example.com")
	if err != nil || u.Role != identity.RoleOwner {
		t.Fatalf("owner: %+v, %v", u, err)
	}
	var hash string
	_ = pool.QueryRow(context.Background(), `SELECT password_hash FROM users WHERE id = $1`,
		u.ID).Scan(&hash)
	if ok, _ := password.Verify(m[1], hash); !ok || strings.Contains(hash, m[1]) {
		t.Fatal("the shown password does not match the stored hash")
	}
	// A second bootstrap of the same tenant fails clearly.
	out, code = run(t, bin, env, "bootstrap", "--tenant", slug, "--email", "x@example.com")
	if code != 1 || !strings.Contains(out, "already exists") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	out, code = run(t, bin, env, "bootstrap", "--tenant", slug)
	if code != 2 || !strings.Contains(out, "bootstrap needs") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	out, code = run(t, bin, env, "bootstrap", "--tenant", "Bad Slug", "--email", "x@example.com")
	if code != 1 || !strings.Contains(out, "lowercase letters") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

func TestBootstrapReadsAGivenPasswordFromStdin(t *testing.T) {
	bin := build(t)
	env := identityEnv(t)
	slug := coretest.RandomSlug("acme")
	boot := func(pw string) (string, error) {
		cmd := exec.Command(bin, "bootstrap", "--tenant", slug, "--email", "o@example.com",
			"--password-stdin")
		for k, v := range env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		cmd.Stdin = strings.NewReader(pw + "\n")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := boot("short")
	if err == nil || !strings.Contains(out, "at least 12 characters") {
		t.Fatalf("a short password was accepted: %v\n%s", err, out)
	}
	out, err = boot("a passphrase of my own")
	if err != nil || strings.Contains(out, "password ") {
		t.Fatalf("%v\n%s", err, out)
	}
	var hash string
	err = appOn(t, env["KW_DATABASE_URL"]).DB.QueryRow(context.Background(), `SELECT password_hash
		FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE t.slug = $1`, slug).Scan(&hash)
	if ok, _ := password.Verify("a passphrase of my own", hash); err != nil || !ok {
		t.Fatalf("the given password was not stored: %v", err)
	}
}

func TestKeysRotate(t *testing.T) {
	bin := build(t)
	env := identityEnv(t)
	kid := regexp.MustCompile(`new signing key (\S+) signs`)
	out1, code := run(t, bin, env, "keys", "rotate")
	out2, code2 := run(t, bin, env, "keys", "rotate")
	if code != 0 || code2 != 0 {
		t.Fatalf("exit %d, %d:\n%s\n%s", code, code2, out1, out2)
	}
	k1, k2 := kid.FindStringSubmatch(out1), kid.FindStringSubmatch(out2)
	if k1 == nil || k2 == nil || k1[1] == k2[1] {
		t.Fatalf("kids:\n%s\n%s", out1, out2)
	}
	list, _ := run(t, bin, env, "keys", "list")
	if !strings.Contains(list, k1[1]) || !strings.Contains(list, k2[1]) ||
		strings.Contains(list, "private") {
		t.Fatalf("keys list:\n%s", list)
	}
	// The new key signs; both are published; each rotation is audited.
	a := appOn(t, env["KW_DATABASE_URL"])
	ctx := context.Background()
	set, err := tokens.New(a).PublicKeys(ctx)
	if err != nil || len(set.Keys) != 2 || set.Keys[0].Kid != k2[1] || set.Keys[1].Kid != k1[1] {
		t.Fatalf("published %+v, %v", set, err)
	}
	raw, _, err := tokens.New(a).Access(ctx, "u", "t", "s")
	if err != nil || !strings.Contains(string(mustHeader(t, raw)), k2[1]) {
		t.Fatalf("the new key does not sign: %v", err)
	}
	var n int
	_ = a.DB.QueryRow(ctx, `SELECT count(*) FROM audit_log
		WHERE action = 'signing_key.rotated' AND tenant_id IS NULL`).Scan(&n)
	if n != 2 {
		t.Fatalf("%d rotations audited, want 2", n)
	}
}

// appOn returns an App on the database at url, closed when the test ends.
func appOn(t *testing.T, url string) *app.App {
	t.Helper()
	cfg := coretest.Config(t, map[string]string{"KW_DATABASE_URL": url})
	a, err := app.Open(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	return a
}

func mustHeader(t *testing.T, raw string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(strings.Split(raw, ".")[0])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

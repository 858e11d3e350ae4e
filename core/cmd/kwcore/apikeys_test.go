package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/kernelwork/kernelwork/core/apikeys/keyformat"
	"github.com/kernelwork/kernelwork/core/coretest"
)

// TestAPIKeyCreateListRevoke makes a key with the subcommand, lists it
// without its secret and revokes it.
func TestAPIKeyCreateListRevoke(t *testing.T) {
	bin := build(t)
	env := identityEnv(t)
	slug := coretest.RandomSlug("keys")
	if out, code := run(t, bin, env, "bootstrap", "--tenant", slug, "--email", "own@example.com"); code != 0 {
		t.Fatalf("bootstrap: exit %d:\n%s", code, out)
	}
	out, code := run(t, bin, env, "apikey", "create", "--tenant", slug, "--creator",
		"own@example.com", "--name", "ci", "--scopes", "messages:read, files:read", "--expires", "720h")
	if code != 0 {
		t.Fatalf("create: exit %d:\n%s", code, out)
	}
	m := regexp.MustCompile(`(?m)^key +(\S+)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no key printed:\n%s", out)
	}
	k, err := keyformat.Parse(m[1])
	if err != nil {
		t.Fatalf("printed key is malformed: %v", err)
	}
	out, code = run(t, bin, env, "apikey", "list", "--tenant", slug)
	if code != 0 || !strings.Contains(out, k.ID) || strings.Contains(out, k.Full) ||
		!strings.Contains(out, "files:read") {
		t.Fatalf("list: exit %d:\n%s", code, out)
	}
	if out, code = run(t, bin, env, "apikey", "revoke", "--tenant", slug, "--id", k.ID); code != 0 {
		t.Fatalf("revoke: exit %d:\n%s", code, out)
	}
	if out, code = run(t, bin, env, "apikey", "create", "--tenant", slug); code != 2 {
		t.Fatalf("create without creator: exit %d, want 2:\n%s", code, out)
	}
}

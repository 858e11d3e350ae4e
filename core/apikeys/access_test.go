package apikeys_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kernelwork/kernelwork/core/apikeys"
	"github.com/kernelwork/kernelwork/core/coretest"
	"github.com/kernelwork/kernelwork/core/identity"
	"github.com/kernelwork/kernelwork/core/identity/identitytest"
	"github.com/kernelwork/kernelwork/core/revocation"
)

// TestScopesAreEnforcedByTheCore: a key lists keys only with api_keys:read,
// and can never create or revoke keys; a member cannot either.
func TestScopesAreEnforcedByTheCore(t *testing.T) {
	e := newEnv(t)
	reader := e.create(t, map[string]any{"name": "reader", "scopes": []string{apikeys.ScopeRead}})
	plain := e.create(t, map[string]any{"name": "plain", "scopes": []string{"messages:read"}})
	member := identitytest.NewUser(t, e.a, e.admin.Tenant.Slug, identity.RoleMember)
	cases := []struct {
		name, method, path string
		id                 *coretest.Identity
		want               int
	}{
		{"key with scope lists", "GET", "/api/v1/api-keys", keyCaller(reader), 200},
		{"key without scope cannot list", "GET", "/api/v1/api-keys", keyCaller(plain), 403},
		{"key cannot create", "POST", "/api/v1/api-keys", keyCaller(reader), 403},
		{"key cannot revoke", "DELETE", "/api/v1/api-keys/" + plain.ID, keyCaller(reader), 403},
		{"member cannot list", "GET", "/api/v1/api-keys", member.Identity(), 403},
		{"member cannot create", "POST", "/api/v1/api-keys", member.Identity(), 403},
		{"anonymous cannot list", "GET", "/api/v1/api-keys", nil, 401},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var body any
			if c.method == "POST" {
				body = map[string]any{"name": "x"}
			}
			resp, out := e.c.Do(t, c.method, c.path, c.id, body)
			if resp.StatusCode != c.want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, c.want, out)
			}
		})
	}
}

func TestCreateRefusesBadInput(t *testing.T) {
	e := newEnv(t)
	past := e.a.Now().Add(-time.Hour)
	far := e.a.Now().Add(6 * 365 * 24 * time.Hour)
	cases := map[string]any{
		"no name":         map[string]any{"scopes": []string{}},
		"long name":       map[string]any{"name": strings.Repeat("n", 101)},
		"bad scope":       map[string]any{"name": "x", "scopes": []string{"Admin!"}},
		"too many":        map[string]any{"name": "x", "scopes": strings.Split(strings.Repeat("a,", 33)+"a", ",")},
		"expired":         map[string]any{"name": "x", "expires_at": past},
		"too far":         map[string]any{"name": "x", "expires_at": far},
		"unknown field":   map[string]any{"name": "x", "secret": "mine"},
		"scopes not list": map[string]any{"name": "x", "scopes": "a"},
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			resp, out := e.c.Do(t, "POST", "/api/v1/api-keys", e.admin.Identity(), body)
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("status %d: %s", resp.StatusCode, out)
			}
		})
	}
}

// TestRevokeAnnouncesThroughRedis: the sorted set holds the key id and a
// message of kind api_key is published.
func TestRevokeAnnouncesThroughRedis(t *testing.T) {
	e := newEnv(t)
	k := e.create(t, map[string]any{"name": "doomed"})
	ctx := context.Background()
	sub := e.a.Redis.Subscribe(ctx, revocation.Channel)
	defer func() { _ = sub.Close() }()
	if _, err := sub.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	resp, out := e.c.Do(t, "DELETE", "/api/v1/api-keys/"+k.ID, e.admin.Identity(), nil)
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", resp.StatusCode, out)
	}
	deadline := time.After(2 * time.Second)
	for {
		select {
		case m := <-sub.Channel():
			var msg revocation.Message
			if json.Unmarshal([]byte(m.Payload), &msg) == nil && msg.Kind == "api_key" && msg.ID == k.ID {
				ok, err := revocation.Revoked(ctx, e.a.Redis, "api_key", k.ID, "", time.Now())
				if err != nil || !ok {
					t.Fatalf("sorted set lacks the key: %v", err)
				}
				return
			}
		case <-deadline:
			t.Fatal("no api_key revocation published")
		}
	}
}

func TestRevokeUnknownOrOtherTenantsKey(t *testing.T) {
	e := newEnv(t)
	k := e.create(t, map[string]any{"name": "mine"})
	other := identitytest.NewUser(t, e.a, e.admin.Tenant.Slug+"-other", identity.RoleOwner)
	if resp, _ := e.c.Do(t, "DELETE", "/api/v1/api-keys/"+k.ID, other.Identity(), nil); resp.StatusCode != 404 {
		t.Fatalf("another tenant's admin revoked the key: %d", resp.StatusCode)
	}
	if resp, _ := e.c.Do(t, "DELETE", "/api/v1/api-keys/nope", e.admin.Identity(), nil); resp.StatusCode != 404 {
		t.Fatalf("unknown id: %d", resp.StatusCode)
	}
}

// TestKeysNeverLogged: creating, verifying and revoking a key logs its id
// and never its secret.
func TestKeysNeverLogged(t *testing.T) {
	e := newEnv(t)
	k := e.create(t, map[string]any{"name": "ci"})
	verify(t, e, k.Secret)
	verify(t, e, k.Secret[:20]+"broken")
	e.c.Do(t, "DELETE", "/api/v1/api-keys/"+k.ID, e.admin.Identity(), nil)
	logs := e.log.String()
	if !strings.Contains(logs, k.ID) {
		t.Fatal("the key id is not logged")
	}
	if strings.Contains(logs, k.Secret[21:]) || strings.Contains(logs, "kwk_") {
		t.Fatalf("a key is in the log:\n%s", logs)
	}
}

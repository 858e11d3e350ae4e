package identity_test

import (
	"strings"
	"testing"

	"github.com/kernelwork/kernelwork/core/caller"
	"github.com/kernelwork/kernelwork/core/coretest"
)

// TestOpenAPIAPIKeysOnlyWhereDocumented calls every operation that needs a
// credential as an API key of a tenant owner would reach the core: where the
// document lists the apiKey scheme, a key with the listed scopes is served
// (2xx) and a key without them is refused (403); everywhere else any key is
// refused with 401 or 403 before the route does anything.
func TestOpenAPIAPIKeysOnlyWhereDocumented(t *testing.T) {
	doc := loadOpenAPI(t)
	e := newEnv(t)
	key := func(scopes ...string) *coretest.Identity {
		return &coretest.Identity{
			Auth: caller.AuthAPIKey, UserID: e.owner.ID, TenantID: e.owner.TenantID,
			KeyID: "0123456789abcdef", Scopes: scopes,
		}
	}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			if op.Security != nil && len(*op.Security) == 0 {
				continue // anonymous
			}
			scopes, accepted := apiKeyScopes(op)
			r := req{method: strings.ToUpper(method), path: strings.NewReplacer(
				"{", "", "}", "").Replace(path)}
			if r.method == "POST" || r.method == "PATCH" {
				r.body = map[string]any{}
			}
			t.Run(r.method+" "+path, func(t *testing.T) {
				if accepted {
					r.id = key(scopes...)
					if got := e.do(t, r); got.status < 200 || got.status > 299 {
						t.Errorf("a key with %v answered %d: %s", scopes, got.status, got.body)
					}
					r.id = key()
					if got := e.do(t, r); got.status != 403 {
						t.Errorf("a key without scopes answered %d, want 403", got.status)
					}
					return
				}
				r.id = key("api_keys:read", "admin")
				if got := e.do(t, r); got.status != 401 && got.status != 403 {
					t.Errorf("an API key answered %d, want 401 or 403: %s", got.status, got.body)
				}
			})
		}
	}
}

// apiKeyScopes returns the scopes the apiKey scheme of op requires, and
// whether op lists that scheme at all.
func apiKeyScopes(op openAPIOperation) ([]string, bool) {
	if op.Security == nil {
		return nil, false
	}
	for _, req := range *op.Security {
		if scopes, ok := req["apiKey"]; ok {
			return scopes, true
		}
	}
	return nil, false
}

// TestOpenAPIEmbedTokensOnlyWhereDocumented calls every operation that needs
// a credential as the holder of a real embed's token would reach the core
// (the embed's id in {id}): operations that list the embedToken scheme serve
// it (2xx); every other one refuses it with 401 or 403.
func TestOpenAPIEmbedTokensOnlyWhereDocumented(t *testing.T) {
	doc := loadOpenAPI(t)
	e := newEnv(t)
	owner := e.owner.Identity()
	create := func(path string, body map[string]any) string {
		got := e.do(t, req{method: "POST", path: path, id: owner, body: body})
		if got.status != 201 || got.str("id") == "" {
			t.Fatalf("POST %s answered %d: %s", path, got.status, got.body)
		}
		return got.str("id")
	}
	ws := create("/api/v1/workspaces", map[string]any{"name": "embeds"})
	conv := create("/api/v1/workspaces/"+ws+"/conversations", map[string]any{"title": "lobby"})
	embed := create("/api/v1/embeds", map[string]any{
		"workspace_id": ws, "conversation_id": conv, "name": "site",
		"origins": []string{"https://site.example"},
	})
	holder := &coretest.Identity{
		Auth: caller.AuthEmbed, TenantID: e.owner.TenantID,
		EmbedID: embed, Origin: "https://site.example",
	}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			if op.Security != nil && len(*op.Security) == 0 {
				continue // anonymous
			}
			r := req{
				method: strings.ToUpper(method), id: holder,
				path: strings.NewReplacer("{id}", embed, "{", "", "}", "").Replace(path),
			}
			if r.method == "POST" || r.method == "PATCH" {
				r.body = map[string]any{}
			}
			t.Run(r.method+" "+path, func(t *testing.T) {
				got := e.do(t, r)
				if lists(op, "embedToken") {
					if got.status < 200 || got.status > 299 {
						t.Errorf("the embed's holder answered %d: %s", got.status, got.body)
					}
				} else if got.status != 401 && got.status != 403 {
					t.Errorf("an embed token answered %d, want 401 or 403: %s", got.status, got.body)
				}
			})
		}
	}
}

// lists reports whether op's own security requirements name scheme.
func lists(op openAPIOperation, scheme string) bool {
	if op.Security == nil {
		return false
	}
	for _, req := range *op.Security {
		if _, ok := req[scheme]; ok {
			return true
		}
	}
	return false
}

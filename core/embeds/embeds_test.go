package embeds_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kernelwork/kernelwork/core/caller"
	"github.com/kernelwork/kernelwork/core/coretest"
	"github.com/kernelwork/kernelwork/core/embeds"
	"github.com/kernelwork/kernelwork/core/tokens"
)

// TestAdminManagesEmbeds walks an embed through create, list, get, update
// and delete as a tenant admin, and refuses members, anonymous callers and
// other tenants.
func TestAdminManagesEmbeds(t *testing.T) {
	a := coretest.NewApp(t, nil)
	c := coretest.StartCore(t, a)
	w, other := newWorld(t, a), newWorld(t, a)

	id := createEmbed(t, c, w, "HTTPS://Example.COM:443", "https://*.partner.example",
		"https://example.com")
	resp, body := c.Do(t, "GET", "/api/v1/embeds/"+id, w.admin, nil)
	var e embeds.Embed
	mustJSON(t, body, &e)
	if resp.StatusCode != 200 || strings.Join(e.Origins, " ") !=
		"https://example.com https://*.partner.example" || e.ConversationID != w.conversation {
		t.Fatalf("get: %d %s", resp.StatusCode, body)
	}
	if resp, body = c.Do(t, "GET", "/api/v1/embeds?workspace_id="+w.workspace, w.admin, nil); resp.StatusCode != 200 ||
		!strings.Contains(string(body), id) {
		t.Fatalf("list: %d %s", resp.StatusCode, body)
	}
	resp, body = c.Do(t, "PATCH", "/api/v1/embeds/"+id, w.admin,
		map[string]any{"origins": []string{"http://127.0.0.1:8081"}})
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"origins":["http://127.0.0.1:8081"]`) {
		t.Fatalf("update: %d %s", resp.StatusCode, body)
	}

	refusals := []struct {
		name         string
		method, path string
		who          *coretest.Identity
		body         any
		status       int
	}{
		{"member creates", "POST", "/api/v1/embeds", w.member, map[string]any{}, 403},
		{"anonymous lists", "GET", "/api/v1/embeds", nil, nil, 401},
		{"api key lists", "GET", "/api/v1/embeds", &coretest.Identity{
			Auth:   caller.AuthAPIKey,
			UserID: w.admin.UserID, TenantID: w.tenant,
		}, nil, 401},
		{"other tenant reads", "GET", "/api/v1/embeds/" + id, other.admin, nil, 404},
		{"other tenant deletes", "DELETE", "/api/v1/embeds/" + id, other.admin, nil, 404},
		{
			"bad origin", "PATCH", "/api/v1/embeds/" + id, w.admin,
			map[string]any{"origins": []string{"https://example.com/path"}},
			400,
		},
		{
			"wildcard mid-name", "PATCH", "/api/v1/embeds/" + id, w.admin,
			map[string]any{"origins": []string{"https://a.*.example.com"}},
			400,
		},
		{
			"no origins", "PATCH", "/api/v1/embeds/" + id, w.admin,
			map[string]any{"origins": []string{}},
			400,
		},
		{"foreign conversation", "POST", "/api/v1/embeds", w.admin, map[string]any{
			"workspace_id": w.workspace, "conversation_id": other.conversation,
			"name": "x", "origins": []string{"https://example.com"},
		}, 400},
	}
	for _, r := range refusals {
		t.Run(r.name, func(t *testing.T) {
			if resp, body := c.Do(t, r.method, r.path, r.who, r.body); resp.StatusCode != r.status ||
				resp.Header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("status %d %s, want %d problem", resp.StatusCode, body, r.status)
			}
		})
	}

	if resp, body = c.Do(t, "DELETE", "/api/v1/embeds/"+id, w.admin, nil); resp.StatusCode != 204 {
		t.Fatalf("delete: %d %s", resp.StatusCode, body)
	}
	if resp, _ = c.Do(t, "GET", "/api/v1/embeds/"+id, w.admin, nil); resp.StatusCode != 404 {
		t.Fatalf("get after delete: %d", resp.StatusCode)
	}
}

// TestTokenOnlyForListedOrigin issues a token to a listed origin, bound to
// it, short-lived and of its own typ, and refuses every look-alike.
func TestTokenOnlyForListedOrigin(t *testing.T) {
	a := coretest.NewApp(t, nil)
	c := coretest.StartCore(t, a)
	w := newWorld(t, a)
	id := createEmbed(t, c, w, "https://example.com", "https://*.partner.example")

	status, body := requestToken(t, c, id, []string{"https://app.partner.example"})
	if status != http.StatusCreated {
		t.Fatalf("listed origin: %d %s", status, body)
	}
	var tok struct{ Token, Origin, Room string }
	mustJSON(t, body, &tok)
	claims, err := tokens.New(a).Verify(context.Background(), tok.Token, tokens.TypeEmbed)
	if err != nil {
		t.Fatalf("verifying embed token: %v", err)
	}
	if claims["origin"] != "https://app.partner.example" || claims["emb"] != id ||
		claims["room"] != w.conversation || claims["tid"] != w.tenant || claims["sid"] != nil {
		t.Fatalf("claims %v", claims)
	}
	life := time.Duration(claims["exp"].(float64)-claims["iat"].(float64)) * time.Second
	if life != a.Config.Embeds.TokenTTL {
		t.Fatalf("token lives %s, want %s", life, a.Config.Embeds.TokenTTL)
	}
	if _, err := tokens.New(a).Verify(context.Background(), tok.Token, tokens.TypeAccess); err == nil {
		t.Fatal("embed token accepted as an access token")
	}

	refused := map[string][]string{
		"null": {"null"}, "suffix look-alike": {"https://evil-example.com"},
		"prefix look-alike": {"https://example.com.evil.net"},
		"other scheme":      {"http://example.com"}, "other port": {"https://example.com:8443"},
		"upper case": {"https://EXAMPLE.com"}, "trailing dot": {"https://example.com."},
		"userinfo":           {"https://user@example.com"},
		"unicode look-alike": {"https://exаmple.com"},
		"two origins":        {"https://example.com", "https://evil.net"},
		"same origin twice":  {"https://example.com", "https://example.com"},
		"no origin":          nil, "wildcard apex": {"https://partner.example"},
		"wildcard depth": {"https://a.b.partner.example"},
	}
	for name, origins := range refused {
		t.Run(name, func(t *testing.T) {
			if status, body := requestToken(t, c, id, origins); status != http.StatusForbidden ||
				!strings.Contains(string(body), "origin-not-allowed") {
				t.Fatalf("status %d %s, want 403 origin-not-allowed", status, body)
			}
		})
	}
}

// TestChangesAnnouncedAndServedToEdge checks that an update is announced on
// kw:embeds and that the edge reads the new list from /internal/embeds/{id}.
func TestChangesAnnouncedAndServedToEdge(t *testing.T) {
	a := coretest.NewApp(t, nil)
	c := coretest.StartCore(t, a)
	w := newWorld(t, a)
	id := createEmbed(t, c, w, "https://example.com")

	sub := a.Redis.Subscribe(context.Background(), embeds.Channel)
	defer func() { _ = sub.Close() }()
	if _, err := sub.Receive(context.Background()); err != nil {
		t.Fatal(err)
	}
	c.Do(t, "PATCH", "/api/v1/embeds/"+id, w.admin, map[string]any{"origins": []string{"https://b.example"}})
	select {
	case m := <-sub.Channel():
		var ann embeds.Announcement
		if err := json.Unmarshal([]byte(m.Payload), &ann); err != nil || ann.ID != id || ann.Kind != "changed" {
			t.Fatalf("announcement %q", m.Payload)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no announcement within 5s")
	}
	resp, body := c.Do(t, "GET", "/internal/embeds/"+id, nil, nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"origins":["https://b.example"]`) {
		t.Fatalf("internal allowlist: %d %s", resp.StatusCode, body)
	}
}

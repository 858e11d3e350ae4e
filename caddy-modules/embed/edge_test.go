package embed

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// attackOrigins are Origin values that must never pass for an embed listing
// https://example.com and http://127.0.0.1:8081.
var attackOrigins = map[string][]string{
	"null":               {"null"},
	"suffix look-alike":  {"https://evil-example.com"},
	"prefix look-alike":  {"https://example.com.evil.net"},
	"other scheme":       {"http://example.com"},
	"other port":         {"https://example.com:8443"},
	"ip other port":      {"http://127.0.0.1:8082"},
	"upper case":         {"https://EXAMPLE.com"},
	"trailing dot":       {"https://example.com."},
	"userinfo":           {"https://user@example.com"},
	"unicode look-alike": {"https://exаmple.com"}, // Cyrillic а
	"two origin headers": {"https://example.com", "https://evil.net"},
}

// TestEmbedPageFrameAncestors serves the embed page with a frame-ancestors
// policy of exactly the embed's origins.
func TestEmbedPageFrameAncestors(t *testing.T) {
	s := startStack(t)
	id := s.createEmbed(t, "https://example.com", "http://127.0.0.1:8081")
	resp, body := send(t, "GET", s.edge+"/embed/"+id, nil)
	want := "frame-ancestors https://example.com http://127.0.0.1:8081"
	if resp.StatusCode != 200 || body != embedPage || resp.Header.Get("Content-Security-Policy") != want {
		t.Fatalf("embed page: %d, CSP %q, body %q", resp.StatusCode,
			resp.Header.Get("Content-Security-Policy"), body)
	}
	if resp, _ := send(t, "GET", s.edge+"/embed/00000000-0000-4000-8000-000000000000", nil); resp.StatusCode != 404 {
		t.Fatalf("unknown embed: %d, want 404", resp.StatusCode)
	}
}

// TestEdgeRefusesUnlistedOrigins presents each attack origin to the token
// endpoint, its CORS preflight and the embed page: all are refused without
// any Access-Control-Allow-Origin. The listed origin gets exactly itself back
// and never credentials.
func TestEdgeRefusesUnlistedOrigins(t *testing.T) {
	s := startStack(t)
	id := s.createEmbed(t, "https://example.com", "http://127.0.0.1:8081")
	tokenURL := s.edge + "/api/v1/embeds/" + id + "/token"
	for name, values := range attackOrigins {
		t.Run(name, func(t *testing.T) {
			for _, method := range []string{"POST", "OPTIONS"} {
				hdr := http.Header{"Origin": values, "Access-Control-Request-Method": {"POST"}}
				resp, body := send(t, method, tokenURL, hdr)
				if resp.StatusCode != 403 || !strings.Contains(body, "origin-not-allowed") {
					t.Fatalf("%s: %d %s, want 403 origin-not-allowed", method, resp.StatusCode, body)
				}
				if acao := resp.Header.Values("Access-Control-Allow-Origin"); len(acao) != 0 {
					t.Fatalf("%s: refused origin got Access-Control-Allow-Origin %q", method, acao)
				}
			}
			if resp, _ := send(t, "GET", s.edge+"/embed/"+id, http.Header{"Origin": values}); resp.StatusCode != 403 {
				t.Fatalf("embed page with Origin %q: %d, want 403", values, resp.StatusCode)
			}
		})
	}

	resp, body := send(t, "POST", tokenURL, http.Header{"Origin": {"https://example.com"}})
	if resp.StatusCode != 201 || resp.Header.Get("Access-Control-Allow-Origin") != "https://example.com" ||
		resp.Header.Get("Access-Control-Allow-Credentials") != "" {
		t.Fatalf("listed origin: %d %s, ACAO %q, ACAC %q", resp.StatusCode, body,
			resp.Header.Get("Access-Control-Allow-Origin"), resp.Header.Get("Access-Control-Allow-Credentials"))
	}
	resp, _ = send(t, "OPTIONS", tokenURL, http.Header{
		"Origin":                        {"https://example.com"},
		"Access-Control-Request-Method": {"POST"},
	})
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "https://example.com" {
		t.Fatalf("preflight of listed origin: %d, ACAO %q", resp.StatusCode,
			resp.Header.Get("Access-Control-Allow-Origin"))
	}
}

// TestTokenBoundToItsOrigin uses a token issued to one listed origin with
// its own origin (works), another listed origin, an unlisted one, none, a
// tampered signature and another embed's id: all refused.
func TestTokenBoundToItsOrigin(t *testing.T) {
	s := startStack(t)
	id := s.createEmbed(t, "https://example.com", "https://other.example")
	otherID := s.createEmbed(t, "https://example.com")
	tok := s.token(t, id, "https://example.com")
	session := s.edge + "/api/v1/embeds/" + id + "/session"

	resp, body := send(t, "GET", session, http.Header{
		"Origin":        {"https://example.com"},
		"Authorization": {"Bearer " + tok},
	})
	if resp.StatusCode != 200 || !strings.Contains(body, `"room":"`+s.conv+`"`) {
		t.Fatalf("token with its origin: %d %s", resp.StatusCode, body)
	}
	cases := []struct {
		name   string
		url    string
		hdr    http.Header
		status int
		reason string
	}{
		{"another listed origin", session, http.Header{
			"Origin":        {"https://other.example"},
			"Authorization": {"Bearer " + tok},
		}, 403, "origin-mismatch"},
		{"unlisted origin", session, http.Header{
			"Origin":        {"https://evil.net"},
			"Authorization": {"Bearer " + tok},
		}, 403, "origin-not-allowed"},
		{"no origin", session, http.Header{"Authorization": {"Bearer " + tok}}, 403, "origin-required"},
		{"tampered", session, http.Header{
			"Origin":        {"https://example.com"},
			"Authorization": {"Bearer " + tok[:len(tok)-4] + "AAAA"},
		}, 401, "invalid-embed-token"},
		{
			"other embed's path", s.edge + "/api/v1/embeds/" + otherID + "/session",
			http.Header{"Origin": {"https://example.com"}, "Authorization": {"Bearer " + tok}},
			401, "invalid-embed-token",
		},
		{"forged identity, no token", session, http.Header{
			"Origin":    {"https://example.com"},
			"X-Kw-Auth": {"embed"}, "X-Kw-Embed": {id},
		}, 401, "unauthenticated"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := send(t, "GET", tc.url, tc.hdr)
			if resp.StatusCode != tc.status || !strings.Contains(body, tc.reason) {
				t.Fatalf("%d %s, want %d %s", resp.StatusCode, body, tc.status, tc.reason)
			}
		})
	}
}

// TestSocketHandshakeChecksOrigin sends WebSocket and long-polling
// handshakes for an embed: an unlisted Origin, and a token bound to another
// origin, are refused before the socket layer sees them.
func TestSocketHandshakeChecksOrigin(t *testing.T) {
	s := startStack(t)
	id := s.createEmbed(t, "https://example.com", "https://other.example")
	tok := s.token(t, id, "https://other.example")
	ws := http.Header{
		"Connection": {"Upgrade"}, "Upgrade": {"websocket"},
		"Sec-WebSocket-Version": {"13"}, "Sec-WebSocket-Key": {"dGhlIHNhbXBsZSBub25jZQ=="},
	}
	with := func(o ...string) http.Header {
		h := ws.Clone()
		h["Origin"] = o
		return h
	}
	cases := []struct {
		name, query string
		hdr         http.Header
		status      int
	}{
		{"listed origin", "transport=websocket&embed=" + id, with("https://example.com"), 200},
		{"polling, listed origin", "transport=polling&embed=" + id, http.Header{"Origin": {"https://example.com"}}, 200},
		{"unlisted origin", "transport=websocket&embed=" + id, with("https://evil.net"), 403},
		{"polling, null origin", "transport=polling&embed=" + id, http.Header{"Origin": {"null"}}, 403},
		{"token of another origin", "transport=websocket&embed_token=" + tok, with("https://example.com"), 403},
		{"token with its origin", "transport=websocket&embed_token=" + tok, with("https://other.example"), 200},
		{"no embed", "transport=websocket", with("https://example.com"), 401},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := send(t, "GET", s.edge+"/socket.io/?EIO=4&"+tc.query, tc.hdr)
			if resp.StatusCode != tc.status {
				t.Fatalf("%d %s, want %d", resp.StatusCode, body, tc.status)
			}
		})
	}
}

// TestAllowlistChangeReachesEdge removes an origin through the core's admin
// API after the edge cached the list: within seconds the edge refuses
// that origin, and the token issued to it stops working.
func TestAllowlistChangeReachesEdge(t *testing.T) {
	s := startStack(t)
	id := s.createEmbed(t, "https://example.com", "https://other.example")
	tok := s.token(t, id, "https://example.com") // caches the list at the edge
	page := func() string {
		resp, _ := send(t, "GET", s.edge+"/embed/"+id, nil)
		return resp.Header.Get("Content-Security-Policy")
	}
	if got := page(); got != "frame-ancestors https://example.com https://other.example" {
		t.Fatalf("before the change: CSP %q", got)
	}
	resp, body := s.core.Do(t, "PATCH", "/api/v1/embeds/"+id, s.admin,
		map[string]any{"origins": []string{"https://other.example"}})
	if resp.StatusCode != 200 {
		t.Fatalf("update: %d %s", resp.StatusCode, body)
	}
	// the page's CSP and the CORS preflight are the edge's own answers (the
	// core is not asked), so they show the edge's list; its cache_ttl (1m)
	// is far longer than the wait, so only the announcement can change it
	deadline := time.Now().Add(5 * time.Second)
	for page() != "frame-ancestors https://other.example" {
		if time.Now().After(deadline) {
			t.Fatalf("the edge still sends CSP %q 5s after the change", page())
		}
		time.Sleep(50 * time.Millisecond)
	}
	resp, _ = send(t, "OPTIONS", s.edge+"/api/v1/embeds/"+id+"/token", http.Header{
		"Origin": {"https://example.com"}, "Access-Control-Request-Method": {"POST"},
	})
	if resp.StatusCode != 403 || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("preflight from a removed origin: %d, ACAO %q", resp.StatusCode,
			resp.Header.Get("Access-Control-Allow-Origin"))
	}
	resp, _ = send(t, "GET", s.edge+"/api/v1/embeds/"+id+"/session",
		http.Header{"Origin": {"https://example.com"}, "Authorization": {"Bearer " + tok}})
	if resp.StatusCode != 403 {
		t.Fatalf("token of a removed origin: %d, want 403", resp.StatusCode)
	}
	if got := s.token(t, id, "https://other.example"); got == "" {
		t.Fatal("listed origin got no token")
	}
}

package embed

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/kernelwork/kernelwork/core/coretest"
)

// TestRootCaddyfileGuardsTheEmbedAPI runs the edge binary with the
// repository's root Caddyfile in front of a real core: its embed API routes
// (token, session, call) go through kw_embed, so an unlisted origin gets no
// token and no CORS answer, a listed origin gets exactly itself back, and a
// token bound to one origin is refused with another on the session and call
// routes, while it works with its own.
func TestRootCaddyfileGuardsTheEmbedAPI(t *testing.T) {
	c := coretest.StartCore(t, coretest.NewApp(t, nil))
	e := coretest.StartEdge(t, c, nil)
	s := &stack{core: c, edge: e.URL}
	s.admin, s.ws, s.conv = newTenant(t, c)
	id := s.createEmbed(t, "https://example.com", "https://other.example")
	client := e.Client()
	// do returns the status, header fields and body of one request
	do := func(method, path, origin, token string) (int, http.Header, string) {
		t.Helper()
		req, _ := http.NewRequest(method, e.URL+"/api/v1/embeds/"+id+path, nil)
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if method == http.MethodOptions {
			req.Header.Set("Access-Control-Request-Method", "POST")
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(b)
	}

	status, hdr, _ := do(http.MethodOptions, "/token", "https://evil-example.com", "")
	if status != 403 || hdr.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("preflight from an unlisted origin: %d, ACAO %q", status,
			hdr.Get("Access-Control-Allow-Origin"))
	}
	if status, _, body := do(http.MethodPost, "/token", "https://evil-example.com", ""); status != 403 ||
		!strings.Contains(body, "origin-not-allowed") {
		t.Fatalf("token for an unlisted origin: %d %s", status, body)
	}
	status, hdr, body := do(http.MethodPost, "/token", "https://example.com", "")
	if status != 201 || hdr.Get("Access-Control-Allow-Origin") != "https://example.com" ||
		hdr.Get("Access-Control-Allow-Credentials") != "" {
		t.Fatalf("token for a listed origin: %d, ACAO %q, ACAC %q: %s", status,
			hdr.Get("Access-Control-Allow-Origin"), hdr.Get("Access-Control-Allow-Credentials"), body)
	}
	var tok struct{ Token string }
	if err := json.Unmarshal([]byte(body), &tok); err != nil || tok.Token == "" {
		t.Fatalf("token body %s: %v", body, err)
	}
	for _, path := range []string{"/session", "/call"} {
		method := http.MethodGet
		if path == "/call" {
			method = http.MethodPost
		}
		if status, _, body := do(method, path, "https://other.example", tok.Token); status != 403 ||
			!strings.Contains(body, "origin-mismatch") {
			t.Fatalf("%s with another listed origin: %d %s", path, status, body)
		}
		if status, _, body := do(method, path, "", tok.Token); status != 403 {
			t.Fatalf("%s without an origin: %d %s", path, status, body)
		}
	}
	if status, _, body := do(http.MethodGet, "/session", "https://example.com", tok.Token); status != 200 ||
		!strings.Contains(body, s.conv) {
		t.Fatalf("session with the token's own origin: %d %s", status, body)
	}
}

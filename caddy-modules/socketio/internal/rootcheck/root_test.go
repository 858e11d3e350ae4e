package rootcheck_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig"
	_ "github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"

	_ "github.com/kernelwork/kernelwork/caddy-modules" // every directive of the root Caddyfile
	"github.com/kernelwork/kernelwork/caddy-modules/socketio"
	"github.com/kernelwork/kernelwork/core/coretest"
)

// TestRootCaddyfileMountsTheGateway adapts the repository's Caddyfile and
// checks that its kw_socketio handler is complete.
func TestRootCaddyfileMountsTheGateway(t *testing.T) {
	t.Setenv("KW_REDIS_URL", "redis://127.0.0.1:16379/0")
	t.Setenv("KW_PKI_DIR", "/etc/kernelwork/pki")
	src, err := os.ReadFile(filepath.Join(coretest.RepoRoot(t), "Caddyfile"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err := caddyconfig.GetAdapter("caddyfile").Adapt(src, map[string]any{"filename": "Caddyfile"})
	if err != nil {
		t.Fatalf("adapting the root Caddyfile: %v", err)
	}
	i := strings.Index(string(cfg), `{"allowed_origins"`)
	if i < 0 || !strings.Contains(string(cfg), `"handler":"kw_socketio"`) {
		t.Fatal("the root Caddyfile has no kw_socketio handler")
	}
	var h socketio.Handler
	if err := json.NewDecoder(strings.NewReader(string(cfg[i:]))).Decode(&h); err != nil {
		t.Fatal(err)
	}
	if err := h.Validate(); err != nil {
		t.Fatalf("root kw_socketio: %v", err)
	}
	if h.AllowedOrigins[0] != "https://localhost:8443" {
		t.Errorf("allowed origins %v", h.AllowedOrigins)
	}
}

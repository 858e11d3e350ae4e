package socketio

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	"github.com/kernelwork/kernelwork/core/coretest"
)

// TestRealtimeDocBlockParses: the kw_socketio block of docs/realtime.md
// parses and validates, and lists every subdirective the parser knows.
func TestRealtimeDocBlockParses(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(coretest.RepoRoot(t), "docs", "realtime.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(doc), "## Configuration (`kw_socketio`)")
	if !ok {
		t.Fatal("docs/realtime.md has no kw_socketio configuration section")
	}
	_, block, _ := strings.Cut(section, "```caddyfile\n")
	block, _, _ = strings.Cut(block, "```")
	h := new(Handler)
	if err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser(block)); err != nil {
		t.Fatalf("the documented block: %v", err)
	}
	if err := h.Validate(); err != nil {
		t.Fatalf("the documented block: %v", err)
	}
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\s*([a-z_]+)`).FindAllStringSubmatch(block, -1) {
		documented[m[1]] = true
	}
	for _, names := range [][]string{
		keysOf(handlerOptions), keysOf(coreOptions), keysOf(tokenOptions), keysOf(namespaceOptions),
	} {
		for _, n := range names {
			if !documented[n] {
				t.Errorf("subdirective %s is not in docs/realtime.md", n)
			}
		}
	}
}

func keysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

package config

import (
	"os"
	"strings"
	"testing"
)

// TestEveryVariableIsDocumented keeps docs/configuration.md and the loader in
// step: every variable the core reads has a row with its name and default, and
// the document names no variable the core does not read.
func TestEveryVariableIsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for _, line := range strings.Split(string(doc), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 4 {
			continue
		}
		name := strings.Trim(strings.TrimSpace(cells[1]), "`")
		if strings.HasPrefix(name, "KW_") {
			rows[name] = strings.TrimSpace(cells[2])
		}
	}
	l := NewLoader(func(string) (string, bool) { return "", false })
	LoadCore(l)
	known := map[string]bool{}
	for _, v := range l.Vars() {
		known[v.Name] = true
		def, ok := rows[v.Name]
		if !ok {
			t.Errorf("%s is not documented in docs/configuration.md", v.Name)
			continue
		}
		want := "`" + v.Default + "`"
		if v.Default == "" {
			want = "(required)"
			if !v.Required {
				want = "(none)"
			}
		}
		if def != want {
			t.Errorf("%s: the document gives the default %s, the code %s", v.Name, def, want)
		}
	}
	for name := range rows {
		if !known[name] && !strings.HasPrefix(name, "KW_EDGE_") && !edgeOnly[name] {
			t.Errorf("docs/configuration.md documents %s, which the core does not read", name)
		}
	}
}

// edgeOnly lists variables read by the Caddyfile or the scripts, not the core.
var edgeOnly = map[string]bool{
	"KW_PKI_DIR":               true,
	"KW_CORE_ADDR":             true,
	"KW_DATA_DIR":              true,
	"KW_TOOLS_DIR":             true,
	"KW_EXTERNAL_DATABASE_URL": true,
}

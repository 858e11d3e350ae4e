package config

import (
	"os"
	"strings"
	"testing"
)

// TestEveryVariableIsDocumented keeps docs/configuration.md and the loader in
// step: every variable the core reads has a row with its name and default, and
// the document's "Core" section names no variable the core does not read. The
// other sections (the edge's Caddyfile placeholders, the scripts) are free.
func TestEveryVariableIsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	coreRows := map[string]bool{}
	section := ""
	for _, line := range strings.Split(string(doc), "\n") {
		if strings.HasPrefix(line, "## ") {
			section = strings.TrimPrefix(line, "## ")
		}
		cells := strings.Split(line, "|")
		if len(cells) < 4 {
			continue
		}
		name := strings.Trim(strings.TrimSpace(cells[1]), "`")
		if strings.HasPrefix(name, "KW_") {
			rows[name] = strings.TrimSpace(cells[2])
			coreRows[name] = strings.HasPrefix(section, "Core")
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
	for name, isCore := range coreRows {
		if isCore && !known[name] {
			t.Errorf("docs/configuration.md documents %s under Core, which the core does not read", name)
		}
	}
}

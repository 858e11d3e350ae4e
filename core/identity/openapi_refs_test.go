package identity_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/kernelwork/kernelwork/core/coretest"
)

// TestOpenAPIReferencesResolve checks the document's own consistency: every
// $ref points at something in it, and every operation declares exactly the
// path parameters its path names.
func TestOpenAPIReferencesResolve(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(coretest.RepoRoot(t), "docs", "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	refs := 0
	walkRefs(doc, func(ref string) {
		refs++
		if _, ok := resolve(doc, ref); !ok {
			t.Errorf("$ref %q points at nothing", ref)
		}
	})
	if refs == 0 {
		t.Fatal("no $ref found: the walk is broken")
	}
	paths, _ := doc["paths"].(map[string]any)
	param := regexp.MustCompile(`\{([^}]+)\}`)
	for path, ops := range paths {
		want := map[string]bool{}
		for _, m := range param.FindAllStringSubmatch(path, -1) {
			want[m[1]] = true
		}
		for method, op := range ops.(map[string]any) {
			got := map[string]bool{}
			list, _ := op.(map[string]any)["parameters"].([]any)
			for _, p := range list {
				p := p.(map[string]any)
				if ref, ok := p["$ref"].(string); ok {
					r, _ := resolve(doc, ref)
					p, _ = r.(map[string]any)
				}
				if p["in"] == "path" {
					got[p["name"].(string)] = true
				}
			}
			if len(got) != len(want) {
				t.Errorf("%s %s declares path parameters %v, its path names %v", method, path, got, want)
			}
			for name := range want {
				if !got[name] {
					t.Errorf("%s %s does not declare the path parameter %q", method, path, name)
				}
			}
		}
	}
}

// walkRefs calls fn with every $ref string under n.
func walkRefs(n any, fn func(string)) {
	switch n := n.(type) {
	case map[string]any:
		for k, v := range n {
			if s, ok := v.(string); ok && k == "$ref" {
				fn(s)
				continue
			}
			walkRefs(v, fn)
		}
	case []any:
		for _, v := range n {
			walkRefs(v, fn)
		}
	}
}

// resolve follows a local reference "#/a/b/c" in doc.
func resolve(doc map[string]any, ref string) (any, bool) {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, false
	}
	var n any = doc
	for _, key := range strings.Split(rest, "/") {
		m, ok := n.(map[string]any)
		if !ok {
			return nil, false
		}
		if n, ok = m[key]; !ok {
			return nil, false
		}
	}
	return n, true
}

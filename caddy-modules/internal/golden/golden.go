// Package golden holds the golden-file checks the KernelWork Caddy modules
// share in their tests: a Caddyfile adapted to Caddy's JSON, compared with a
// JSON file kept beside it in testdata. `go test -update` rewrites the files.
package golden

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// Adapt turns a Caddyfile into Caddy's JSON.
func Adapt(caddyfile string) ([]byte, error) {
	out, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(caddyfile),
		map[string]any{"filename": "Caddyfile"})
	return out, err
}

// Compare checks got against the file at path, ignoring surrounding white
// space, or rewrites the file with -update.
func Compare(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		out := append(bytes.TrimSpace(got), '\n')
		if err := os.WriteFile(path, out, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if !bytes.Equal(bytes.TrimSpace(got), bytes.TrimSpace(want)) {
		t.Fatalf("%s differs:\n got: %s\nwant: %s", path, got, want)
	}
}

// AdaptDir adapts every dir/*.caddyfile and compares its indented JSON with
// the .json file beside it, one subtest per file.
func AdaptDir(t *testing.T, dir string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.caddyfile"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden Caddyfiles in %s: %v", dir, err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			in, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := Adapt(string(in))
			if err != nil {
				t.Fatalf("adapting %s: %v", f, err)
			}
			var out bytes.Buffer
			if err := json.Indent(&out, raw, "", "\t"); err != nil {
				t.Fatal(err)
			}
			Compare(t, strings.TrimSuffix(f, ".caddyfile")+".json", out.Bytes())
		})
	}
}

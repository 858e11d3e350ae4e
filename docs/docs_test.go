// Package docs holds the operator and security documentation. Its test keeps
// the documents honest: every control in SECURITY.md names a test that exists,
// and every relative link points at a file of the repository.
package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var (
	testName = regexp.MustCompile("`((?:Test|Fuzz|Benchmark)[A-Za-z0-9_]+)`")
	goFile   = regexp.MustCompile("`([A-Za-z0-9_./-]+_test\\.go)`")
	mdLink   = regexp.MustCompile(`\]\(([^)#:]+)(#[^)]*)?\)`)
)

// TestEveryControlNamesAnExistingTest reads each table row of SECURITY.md
// whose last cell is the proving test: every test it names must be defined in
// the file it names, and no row may lack one.
func TestEveryControlNamesAnExistingTest(t *testing.T) {
	doc, err := os.ReadFile("SECURITY.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := 0
	for i, line := range strings.Split(string(doc), "\n") {
		cells := strings.Split(strings.TrimSpace(line), "|")
		if len(cells) < 5 || !strings.HasPrefix(strings.TrimSpace(line), "|") {
			continue
		}
		proof := cells[len(cells)-2]
		if strings.TrimSpace(proof) == "proving test" || strings.HasPrefix(strings.TrimSpace(proof), "---") {
			continue
		}
		rows++
		// a proof cell is one or more "`TestA`, `TestB` in `file`" groups split by ";"
		found := 0
		for _, group := range strings.Split(proof, ";") {
			files := goFile.FindAllStringSubmatch(group, -1)
			names := testName.FindAllStringSubmatch(group, -1)
			if len(names) == 0 {
				continue
			}
			if len(files) == 0 {
				t.Errorf("SECURITY.md:%d names %s without its file", i+1, names[0][1])
				continue
			}
			src := readAll(t, files)
			for _, n := range names {
				found++
				if !strings.Contains(src, "func "+n[1]+"(") {
					t.Errorf("SECURITY.md:%d: %s is not defined in %s", i+1, n[1], files[0][1])
				}
			}
		}
		if found == 0 {
			t.Errorf("SECURITY.md:%d: a control without a proving test: %s", i+1, strings.TrimSpace(cells[1]))
		}
	}
	if rows < 10 {
		t.Fatalf("SECURITY.md lists %d controls; the table format may have changed", rows)
	}
}

func readAll(t *testing.T, files [][]string) string {
	t.Helper()
	var b strings.Builder
	for _, f := range files {
		src, err := os.ReadFile(filepath.Join("..", f[1]))
		if err != nil {
			t.Errorf("%s: %v", f[1], err)
			continue
		}
		b.Write(src)
	}
	return b.String()
}

// TestRelativeLinksResolve checks every relative link of the documents in this
// folder and of the README.
func TestRelativeLinksResolve(t *testing.T) {
	docs, _ := filepath.Glob("*.md")
	docs = append(docs, "../README.md")
	for _, d := range docs {
		src, err := os.ReadFile(d)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range mdLink.FindAllStringSubmatch(string(src), -1) {
			target := filepath.Join(filepath.Dir(d), m[1])
			if _, err := os.Stat(target); err != nil {
				t.Errorf("%s links to %s, which does not exist", d, m[1])
			}
		}
	}
}

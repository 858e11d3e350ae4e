package identity_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kernelwork/kernelwork/core/coretest"
	"github.com/kernelwork/kernelwork/core/identity"
)

// coreRoute is one mux.Handle or mux.HandleFunc call in the core's source.
type coreRoute struct {
	pkg, pos string
	// pattern is the ServeMux pattern, "" when it is not a constant.
	pattern string
}

// computedRoutes are the files allowed to mount routes whose patterns are not
// constants, with the test that covers them.
var computedRoutes = map[string]string{
	"identity": "TestOpenAPIDocumentsEveryIdentityRoute (identity.Routes)",
}

// catchAllRoutes are method-less patterns that are no operation of their own.
var catchAllRoutes = map[string]string{
	// media.Register, when the store is misconfigured: every conversation,
	// attachment and call route then answers 503, documented on each.
	"/api/v1/conversations/": "media",
}

// scanCoreRoutes parses every non-test Go file under core/ and returns the
// pattern of each Handle or HandleFunc call, evaluating the string constants
// of the call's package. The features expose no route list of their own
// (identity aside), so their source is the list.
func scanCoreRoutes(t *testing.T) []coreRoute {
	t.Helper()
	root := filepath.Join(coretest.RepoRoot(t), "core")
	fset := token.NewFileSet()
	byDir := map[string][]*ast.File{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") ||
			strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		byDir[filepath.Dir(path)] = append(byDir[filepath.Dir(path)], f)
		return nil
	})
	if err != nil {
		t.Fatalf("scanning core/: %v", err)
	}
	var out []coreRoute
	for dir, files := range byDir {
		pkg, _ := filepath.Rel(root, dir)
		consts := stringConsts(files)
		for _, f := range files {
			ast.Inspect(f, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok || len(call.Args) != 2 {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok || sel.Sel.Name != "Handle" && sel.Sel.Name != "HandleFunc" {
					return true
				}
				p, ok := evalString(call.Args[0], consts)
				if !ok {
					p = ""
				}
				out = append(out, coreRoute{pkg: pkg, pos: fset.Position(call.Pos()).String(), pattern: p})
				return true
			})
		}
	}
	return out
}

// stringConsts returns the string constants declared as literals in files.
func stringConsts(files []*ast.File) map[string]string {
	consts := map[string]string{}
	for _, f := range files {
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, spec := range g.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if i < len(vs.Values) {
						if v, ok := evalString(vs.Values[i], nil); ok {
							consts[name.Name] = v
						}
					}
				}
			}
		}
	}
	return consts
}

// evalString evaluates a constant string expression: literals, constants of
// consts and their concatenations.
func evalString(e ast.Expr, consts map[string]string) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(e.Value)
		return s, err == nil
	case *ast.Ident:
		s, ok := consts[e.Name]
		return s, ok
	case *ast.ParenExpr:
		return evalString(e.X, consts)
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return "", false
		}
		x, okx := evalString(e.X, consts)
		y, oky := evalString(e.Y, consts)
		return x + y, okx && oky
	}
	return "", false
}

// TestOpenAPIDocumentsEveryFeatureRoute checks that every route a feature of
// the core mounts, found in the core's source, is in docs/openapi.yaml, except
// the edge-only /internal/* routes; and that every documented operation is
// mounted by some feature.
func TestOpenAPIDocumentsEveryFeatureRoute(t *testing.T) {
	doc := loadOpenAPI(t)
	served := map[string]bool{}
	for _, rt := range identity.Routes {
		served[rt.Method+" "+rt.Path] = true
	}
	perPkg := map[string]int{}
	for _, rt := range scanCoreRoutes(t) {
		method, path, hasMethod := strings.Cut(rt.pattern, " ")
		switch {
		case rt.pattern == "":
			if _, ok := computedRoutes[rt.pkg]; !ok {
				t.Errorf("%s: a route whose pattern is not a constant; make it one, "+
					"or list it in computedRoutes with the test that covers it", rt.pos)
			}
		case !hasMethod:
			if catchAllRoutes[rt.pattern] != rt.pkg {
				t.Errorf("%s: method-less pattern %q is not documented", rt.pos, rt.pattern)
			}
		case strings.HasPrefix(path, "/internal/"):
			perPkg[rt.pkg]++
		default:
			perPkg[rt.pkg]++
			served[method+" "+path] = true
			if _, ok := doc.Paths[path][strings.ToLower(method)]; !ok {
				t.Errorf("%s: %s %s is served but not documented", rt.pos, method, path)
			}
		}
	}
	// the scan must see the features that have no route list of their own
	features := []string{
		"apikeys", "attachments", "calls", "conversations", "embeds", "health", "realtime",
	}
	for _, pkg := range features {
		if perPkg[pkg] == 0 {
			t.Errorf("no route found in core/%s: the scan is broken", pkg)
		}
	}
	for path, ops := range doc.Paths {
		for method := range ops {
			if key := strings.ToUpper(method) + " " + path; !served[key] {
				t.Errorf("%s is documented but no feature mounts it", key)
			}
		}
	}
}

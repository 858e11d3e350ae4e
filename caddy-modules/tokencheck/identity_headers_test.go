package tokencheck

import (
	"net/http"
	"strings"
	"testing"
)

func TestStripIdentity(t *testing.T) {
	h := http.Header{}
	for _, name := range []string{"X-Kw-User", "x-kw-user", "X_KW_TENANT", "x_Kw-session", "X-Kw-Anything"} {
		h[name] = []string{"evil", "evil2"}
	}
	h["Connection"] = []string{"keep-alive, X-Kw-User", "x_kw_scopes"}
	h.Set("X-Other", "kept")
	StripIdentity(h)
	for name := range h {
		if IsIdentityHeader(name) {
			t.Fatalf("%s survived", name)
		}
	}
	if h.Get("Connection") != "keep-alive" || h.Get("X-Other") != "kept" {
		t.Fatalf("other headers changed: %v", h)
	}
}

// FuzzStripIdentity: whatever the header names, none that normalises to
// x-kw-... survives, in the map or in Connection.
func FuzzStripIdentity(f *testing.F) {
	f.Add("X-Kw-User", "X_kw_tenant, close")
	f.Add("x-kW_auth", "X-KW-SCOPES")
	f.Fuzz(func(t *testing.T, name, conn string) {
		h := http.Header{name: {"v"}, "Connection": {conn}}
		StripIdentity(h)
		for k := range h {
			if IsIdentityHeader(k) {
				t.Fatalf("%q survived", k)
			}
		}
		for _, tok := range strings.Split(h.Get("Connection"), ",") {
			if IsIdentityHeader(strings.TrimSpace(tok)) {
				t.Fatalf("Connection still names %q", tok)
			}
		}
	})
}

package identity

import (
	"net"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestClientIPTakesTheEdgesEntry(t *testing.T) {
	cases := []struct {
		name string
		xff  []string
		want string
	}{
		{"none", nil, "192.0.2.1"},
		{"one", []string{"203.0.113.7"}, "203.0.113.7"},
		{"client-sent first, edge last", []string{"10.0.0.1, 198.51.100.2"}, "198.51.100.2"},
		{"two headers", []string{"10.0.0.1", "2001:db8::1"}, "2001:db8::1"},
		{"garbage", []string{"not an ip"}, "192.0.2.1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := clientIP(r); got != tc.want {
				t.Fatalf("clientIP = %q, want %q", got, tc.want)
			}
		})
	}
}

func FuzzClientIP(f *testing.F) {
	f.Add("203.0.113.7")
	f.Add("a, b, ::1")
	f.Add(",,,")
	f.Fuzz(func(t *testing.T, xff string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("X-Forwarded-For", xff)
		got := clientIP(r)
		if net.ParseIP(got) == nil {
			t.Fatalf("clientIP(%q) = %q, not an address", xff, got)
		}
	})
}

func FuzzValidEmail(f *testing.F) {
	f.Add("you@example.com")
	f.Add("@")
	f.Add("a@")
	f.Add("a b@c")
	f.Fuzz(func(t *testing.T, s string) {
		if !validEmail(s) {
			return
		}
		at := strings.LastIndex(s, "@")
		if at < 1 || at == len(s)-1 || len(s) > 320 || strings.ContainsAny(s, " \t\r\n") {
			t.Fatalf("accepted %q", s)
		}
	})
}

func FuzzLooksLikeRefresh(f *testing.F) {
	raw, _, _ := newSecret(RefreshPrefix)
	f.Add(raw)
	f.Add("kwrt_")
	f.Add("eyJhbGciOiJFZERTQSJ9.e30.sig")
	f.Fuzz(func(t *testing.T, s string) {
		if looksLikeSecret(s, RefreshPrefix) &&
			(!strings.HasPrefix(s, RefreshPrefix) || len(s) != len(raw)) {
			t.Fatalf("accepted %q", s)
		}
	})
}

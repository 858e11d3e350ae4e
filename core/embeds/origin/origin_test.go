package origin

import (
	"errors"
	"testing"
)

// TestAttackOrigins presents look-alike and malformed Origin values to an
// allowlist of https://example.com and https://*.partner.example: none is
// allowed.
func TestAttackOrigins(t *testing.T) {
	list, err := ParseList([]string{
		"https://example.com", "https://*.partner.example",
		"http://127.0.0.1:8081",
	})
	if err != nil {
		t.Fatal(err)
	}
	refused := map[string][]string{
		"null":                {"null"},
		"suffix look-alike":   {"https://evil-example.com"},
		"prefix look-alike":   {"https://example.com.evil.net"},
		"other scheme":        {"http://example.com"},
		"other port":          {"https://example.com:8443"},
		"default port spelt":  {"https://example.com:443"},
		"upper case":          {"https://EXAMPLE.com"},
		"upper scheme":        {"HTTPS://example.com"},
		"trailing dot":        {"https://example.com."},
		"userinfo":            {"https://user@example.com", "https://example.com@evil.net"},
		"unicode look-alike":  {"https://exаmple.com"}, // Cyrillic а
		"punycode look-alike": {"https://xn--exmple-4nf.com"},
		"two origin headers":  {"https://example.com", "https://example.com"},
		"path":                {"https://example.com/"},
		"wildcard as origin":  {"https://*.partner.example"},
		"wildcard apex":       {"https://partner.example"},
		"wildcard two labels": {"https://a.b.partner.example"},
		"ip other port":       {"http://127.0.0.1:8082"},
		"empty":               {""},
		"no origin":           {},
		"backslash":           {"https://example.com\\@evil.net"},
		"space":               {"https://example.com "},
	}
	for name, values := range refused {
		t.Run(name, func(t *testing.T) {
			o, err := FromHeader(values)
			if err == nil && list.Allows(o) {
				t.Fatalf("%q allowed", values)
			}
		})
	}
	for _, ok := range []string{
		"https://example.com", "https://a.partner.example",
		"http://127.0.0.1:8081",
	} {
		o, err := FromHeader([]string{ok})
		if err != nil || !list.Allows(o) {
			t.Fatalf("%q refused: %v", ok, err)
		}
	}
}

// TestParseEntries canonicalises what an admin writes and refuses what is
// not an origin, naming the problem.
func TestParseEntries(t *testing.T) {
	good := map[string]string{
		"HTTPS://Example.COM":      "https://example.com",
		"https://example.com:443":  "https://example.com",
		"http://example.com:80":    "http://example.com",
		"https://example.com:8443": "https://example.com:8443",
		"https://*.example.com":    "https://*.example.com",
		"http://[::1]:3000":        "http://[::1]:3000",
		"https://xn--bcher-kva.de": "https://xn--bcher-kva.de",
	}
	for in, want := range good {
		o, err := Parse(in)
		if err != nil || o.String() != want {
			t.Errorf("Parse(%q) = %q, %v; want %q", in, o.String(), err, want)
		}
	}
	bad := []string{
		"null", "example.com", "ftp://example.com", "https://example.com/",
		"https://a@example.com", "https://example.com.", "https://*.com", "https://a.*.example.com",
		"https://*example.com", "https://bücher.de", "https://example.com:0",
		"https://example.com:65536", "https://example.com:08443", "https://*.1.2.3.4",
		"https://exa_mple.com", "https://-a.com", "https://", "https://[::1", "https://1.2.3.4.5",
	}
	for _, in := range bad {
		if _, err := Parse(in); !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrNull) {
			t.Errorf("Parse(%q) = %v, want a malformed-origin error", in, err)
		}
	}
}

// FuzzParse checks that every accepted entry prints in a form that parses
// to itself, and that a request origin accepted is exactly its input.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"https://example.com", "https://*.a.b", "http://[::1]:80",
		"HTTP://X.Y:443", "null", "https://a@b",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if o, err := Parse(s); err == nil {
			o2, err := Parse(o.String())
			if err != nil || o2 != o {
				t.Fatalf("%q -> %q does not round-trip: %v", s, o.String(), err)
			}
		}
		if o, err := ParseRequest(s); err == nil && (o.String() != s || o.Wildcard) {
			t.Fatalf("request origin %q accepted as %q", s, o.String())
		}
	})
}

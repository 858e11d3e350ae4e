package calls

import (
	"net/url"
	"strings"
	"testing"
)

func TestValidOrigin(t *testing.T) {
	cases := map[string]bool{
		"https://shop.example.com":       true,
		"http://localhost:8080":          true,
		"https://shop.example.com/":      false,
		"https://shop.example.com/x":     false,
		"https://user@shop.example.com":  false,
		"https://shop.example.com?q=1":   false,
		"https://shop.example.com#f":     false,
		"javascript://shop.example.com":  false,
		"null":                           false,
		"":                               false,
		"HTTPS://SHOP.EXAMPLE.COM":       false,
		"https://shop.example.com:443:1": false,
	}
	for in, want := range cases {
		if got := validOrigin(in); got != want {
			t.Errorf("validOrigin(%q) = %v, want %v", in, got, want)
		}
	}
}

func FuzzValidOrigin(f *testing.F) {
	f.Add("https://shop.example.com")
	f.Add("https://a.example/../b")
	f.Fuzz(func(t *testing.T, o string) {
		if !validOrigin(o) {
			return
		}
		u, err := url.Parse(o)
		if err != nil || u.Path != "" || u.User != nil || u.RawQuery != "" ||
			o != u.Scheme+"://"+u.Host || strings.ContainsAny(u.Host, "/?#@ ") {
			t.Fatalf("validOrigin accepted %q", o)
		}
	})
}

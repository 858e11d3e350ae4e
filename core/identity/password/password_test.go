package password

import (
	"strings"
	"testing"
)

func TestHashAndVerify(t *testing.T) {
	h, err := Hash("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q does not carry the OWASP parameters", h)
	}
	cases := []struct {
		name string
		pw   string
		want bool
	}{
		{"right", "correct horse battery staple", true},
		{"wrong", "correct horse battery stapler", false},
		{"empty", "", false},
		{"over max", strings.Repeat("x", MaxBytes+1), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ok, err := Verify(tc.pw, h)
			if err != nil || ok != tc.want {
				t.Fatalf("Verify = %v, %v; want %v", ok, err, tc.want)
			}
		})
	}
	if NeedsRehash(h) {
		t.Fatal("a fresh hash needs no rehash")
	}
	weak := strings.Replace(h, "m=19456,t=2", "m=4096,t=1", 1)
	if !NeedsRehash(weak) {
		t.Fatal("a weaker hash must need a rehash")
	}
}

func TestPolicy(t *testing.T) {
	if err := Check("short"); err != ErrTooShort {
		t.Fatalf("short: %v", err)
	}
	if err := Check(strings.Repeat("é", 129)); err != ErrTooLong {
		t.Fatalf("long: %v", err)
	}
	if err := Check("twelve chars"); err != nil {
		t.Fatalf("twelve: %v", err)
	}
	g, err := Generate()
	if err != nil || Check(g) != nil {
		t.Fatalf("generated %q: %v", g, err)
	}
}

func FuzzVerifyMalformed(f *testing.F) {
	f.Add("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5")
	f.Add("$argon2id$v=19$m=99999999,t=2,p=1$c2FsdA$a2V5")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		// Must never panic nor accept, and never run argon2 with absurd costs.
		if ok, _ := Verify("pw", s); ok {
			t.Fatalf("accepted %q", s)
		}
	})
}

package keyformat

import (
	"strings"
	"testing"
)

func TestNewParses(t *testing.T) {
	k, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if len(k.Full) != Len || !strings.HasPrefix(k.Full, Prefix) {
		t.Fatalf("bad key shape %d", len(k.Full))
	}
	got, err := Parse(k.Full)
	if err != nil || got.ID != k.ID {
		t.Fatalf("Parse(New()) = %v, %v", got.ID, err)
	}
	if !ValidID(k.ID) {
		t.Fatal("ValidID refuses a fresh id")
	}
}

func TestParseRefuses(t *testing.T) {
	k, err := New()
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) string {
		b := []byte(k.Full)
		if b[i] == 'a' {
			b[i] = 'b'
		} else {
			b[i] = 'a'
		}
		return string(b)
	}
	cases := map[string]string{
		"empty":            "",
		"prefix only":      Prefix,
		"wrong prefix":     "kwx_" + k.Full[4:],
		"upper prefix":     "KWK_" + k.Full[4:],
		"truncated":        k.Full[:Len-1],
		"extra char":       k.Full + "a",
		"id changed":       flip(6),
		"secret changed":   flip(30),
		"checksum changed": flip(Len - 1),
		"separator":        k.Full[:20] + "-" + k.Full[21:],
		"non base62":       k.Full[:25] + "+" + k.Full[26:],
		"unicode":          k.Full[:25] + "é" + k.Full[27:],
	}
	for name, s := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse(s); err != ErrMalformed {
				t.Fatalf("Parse(%q) = %v, want ErrMalformed", s, err)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	k, _ := New()
	f.Add(k.Full)
	f.Add("kwk_")
	f.Add("kwk_0000000000000000_00000000000000000000000000000000000000")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := Parse(s)
		if err != nil {
			return
		}
		if got.Full != s || len(s) != Len || !ValidID(got.ID) {
			t.Fatalf("Parse accepted %q as %+v", s, got)
		}
		if checksum(s[:Len-checksumLen]) != s[Len-checksumLen:] {
			t.Fatalf("Parse accepted a bad checksum: %q", s)
		}
	})
}

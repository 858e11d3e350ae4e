package tokencheck

import (
	"context"
	"errors"
	"testing"
)

func TestParseMaxTokenBytes(t *testing.T) {
	for s, want := range map[string]int{"256": 256, "4096": 4096, "65536": 65536} {
		if got, err := ParseMaxTokenBytes(s); err != nil || got != want {
			t.Errorf("%s: %d, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "0", "255", "65537", "-1", "4k", "4096.0"} {
		if _, err := ParseMaxTokenBytes(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
	if CheckMaxTokenBytes(0) != nil || CheckMaxTokenBytes(100) == nil {
		t.Error("0 is the default and 100 is too small")
	}
}

func TestCheckKeySetURL(t *testing.T) {
	if err := CheckKeySetURL("https://core:18443/.well-known/jwks.json"); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"", "http://core/jwks", "https:///jwks", "core/jwks", "://x"} {
		if CheckKeySetURL(u) == nil {
			t.Errorf("%q accepted", u)
		}
	}
}

func TestParseKeyFileSetting(t *testing.T) {
	kf, err := ParseKeyFileSetting([]string{"k1", AlgES256, "/k.pem"})
	if err != nil || kf != (KeyFileSetting{ID: "k1", Alg: AlgES256, Path: "/k.pem"}) {
		t.Fatalf("%+v, %v", kf, err)
	}
	for _, args := range [][]string{nil, {"k1", "EdDSA"}, {"k1", "none", "/k.pem"}, {"k1", "HS256", "/k.pem"}} {
		if _, err := ParseKeyFileSetting(args); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
}

func TestKeyChainLooksUpInOrder(t *testing.T) {
	a := StaticKeys{"k1": {ID: "k1", Alg: AlgEdDSA}}
	b := StaticKeys{"k1": {ID: "k1", Alg: AlgES256}, "k2": {ID: "k2", Alg: AlgES256}}
	c := KeyChain{a, b}
	if k, err := c.Key(context.Background(), "k1"); err != nil || k.Alg != AlgEdDSA {
		t.Fatalf("k1: %+v, %v", k, err)
	}
	if k, err := c.Key(context.Background(), "k2"); err != nil || k.Alg != AlgES256 {
		t.Fatalf("k2: %+v, %v", k, err)
	}
	if _, err := c.Key(context.Background(), "k3"); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("k3: %v", err)
	}
	if _, err := (KeyChain{}).Key(context.Background(), "k1"); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("empty chain: %v", err)
	}
}

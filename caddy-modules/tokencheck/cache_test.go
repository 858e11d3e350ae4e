package tokencheck

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestCachedTokenStillChecked: a token served from the cache of verified
// tokens still expires, and is refused once its key is withdrawn.
func TestCachedTokenStillChecked(t *testing.T) {
	f := newFixture(t)
	tok := f.valid()
	ctx := context.Background()
	if _, err := f.v.Verify(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.v.cache.get(tok); !ok {
		t.Fatal("verified token not cached")
	}
	keys := f.v.cfg.Keys.(StaticKeys)
	k1 := keys["k1"]
	delete(keys, "k1")
	if _, err := f.v.Verify(ctx, tok); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("cached token with its key withdrawn: %v", err)
	}
	keys["k1"] = k1
	f.clk.Add(11 * time.Minute)
	if _, err := f.v.Verify(ctx, tok); !errors.Is(err, ErrExpired) {
		t.Fatalf("cached token after exp: %v", err)
	}
}

// TestRefusedTokensAreNotCached: a refused token is verified in full on
// every attempt.
func TestRefusedTokensAreNotCached(t *testing.T) {
	f := newFixture(t)
	h := f.s.header()
	h["kid"] = "nope"
	tok := f.s.mint(h, claimsAt(f.clk.Now()))
	_, _ = f.v.Verify(context.Background(), tok)
	if _, ok := f.v.cache.get(tok); ok {
		t.Fatal("refused token cached")
	}
}

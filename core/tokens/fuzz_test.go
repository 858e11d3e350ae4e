package tokens_test

import (
	"context"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/kernelwork/kernelwork/core/tokens"
)

// FuzzVerifyAccess feeds Verify arbitrary input, seeded with real tokens and
// mangled copies: nothing but the untouched access token may pass, and
// nothing may panic. Each fuzz worker makes its own database; run it as
// `go test -run X -fuzz FuzzVerifyAccess -parallel 1 ./core/tokens`.
func FuzzVerifyAccess(f *testing.F) {
	a, clk := newAppF(f)
	iss := tokens.New(a)
	ctx := context.Background()
	good, _, err := iss.Access(ctx, "u", "t", "s")
	if err != nil {
		f.Fatal(err)
	}
	embed, err := iss.Sign(ctx, tokens.TypeEmbed, jwt.MapClaims{"exp": clk.Now().Add(time.Minute).Unix()})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{good, embed, good + ".", "a.b.c", "..", "kwrt_x", good[:len(good)-1] + "A"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := iss.VerifyAccess(ctx, raw)
		if err == nil && raw != good {
			t.Fatalf("accepted %q as %+v", raw, c)
		}
	})
}

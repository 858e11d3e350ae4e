package tokens_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/kernelwork/kernelwork/core/app"
	"github.com/kernelwork/kernelwork/core/coretest"
	"github.com/kernelwork/kernelwork/core/tokens"
)

// clock is an injected clock for App.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func newAppF(f *testing.F) (*app.App, *clock) {
	f.Helper()
	a := coretest.NewApp(f, nil)
	c := &clock{t: time.Now()}
	a.Now = c.Now
	return a, c
}

func newApp(t *testing.T, overrides map[string]string) (*app.App, *clock) {
	t.Helper()
	a := coretest.NewApp(t, overrides)
	c := &clock{t: time.Now()}
	a.Now = c.Now
	return a, c
}

func header(t *testing.T, raw string) map[string]any {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(strings.Split(raw, ".")[0])
	if err != nil {
		t.Fatal(err)
	}
	h := map[string]any{}
	if err := json.Unmarshal(b, &h); err != nil {
		t.Fatal(err)
	}
	return h
}

func TestAccessTokenShape(t *testing.T) {
	a, _ := newApp(t, nil)
	iss := tokens.New(a)
	ctx := context.Background()
	raw, c, err := iss.Access(ctx, "u1", "t1", "s1")
	if err != nil {
		t.Fatal(err)
	}
	h := header(t, raw)
	if h["alg"] != "EdDSA" || h["typ"] != "at+jwt" || h["kid"] == "" {
		t.Fatalf("header %v", h)
	}
	if c.ExpiresAt-c.IssuedAt != int64(a.Config.Tokens.AccessTTL.Seconds()) || c.NotBefore != c.IssuedAt {
		t.Fatalf("lifetime: %+v", c)
	}
	got, err := iss.VerifyAccess(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	if *got != *c {
		t.Fatalf("claims %+v, want %+v", got, c)
	}
	// aud is a single string, as docs/interfaces.md says.
	payload, _ := base64.RawURLEncoding.DecodeString(strings.Split(raw, ".")[1])
	if !strings.Contains(string(payload), `"aud":"`+a.Config.Tokens.Audience+`"`) {
		t.Fatalf("aud is not a string: %s", payload)
	}
}

func TestJWKSPublishesOnlyPublicKeys(t *testing.T) {
	a, _ := newApp(t, nil)
	iss := tokens.New(a)
	rec := httptest.NewRecorder()
	iss.JWKSHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/.well-known/jwks.json", nil))
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/jwk-set+json" {
		t.Fatalf("status %d, type %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	var set map[string][]map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &set); err != nil {
		t.Fatal(err)
	}
	if len(set["keys"]) != 1 {
		t.Fatalf("keys: %v", set)
	}
	k := set["keys"][0]
	for _, private := range []string{"d", "p", "q", "dp", "dq", "qi", "k"} {
		if _, ok := k[private]; ok {
			t.Fatalf("jwks carries private member %q", private)
		}
	}
	if k["kty"] != "OKP" || k["crv"] != "Ed25519" || k["alg"] != "EdDSA" || k["use"] != "sig" {
		t.Fatalf("key %v", k)
	}
}

func TestRotationKeepsOldKeyUntilItsTokensExpire(t *testing.T) {
	a, clk := newApp(t, nil)
	iss := tokens.New(a)
	ctx := context.Background()
	old, _, err := iss.Access(ctx, "u", "t", "s")
	if err != nil {
		t.Fatal(err)
	}
	kid, err := iss.Rotate(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	fresh, _, err := iss.Access(ctx, "u", "t", "s")
	if err != nil {
		t.Fatal(err)
	}
	if header(t, fresh)["kid"] != kid || header(t, old)["kid"] == kid {
		t.Fatal("the new key must sign from the rotation on")
	}
	// Another process sees the rotation through the database.
	other := tokens.New(a)
	if _, err := other.VerifyAccess(ctx, old); err != nil {
		t.Fatalf("old token after rotation: %v", err)
	}
	set, _ := other.PublicKeys(ctx)
	if len(set.Keys) != 2 {
		t.Fatalf("published %d keys, want 2", len(set.Keys))
	}
	// Past the longest token lifetime, the retired key is gone.
	clk.Add(a.Config.Tokens.SignedMaxTTL + time.Second)
	set, _ = tokens.New(a).PublicKeys(ctx)
	if len(set.Keys) != 1 || set.Keys[0].Kid != kid {
		t.Fatalf("published %v, want only %s", set.Keys, kid)
	}
}

func TestSealedKeys(t *testing.T) {
	secret := base64.StdEncoding.EncodeToString(make([]byte, 32))
	a, _ := newApp(t, map[string]string{"KW_SIGNING_KEY_SECRET": secret})
	ctx := context.Background()
	raw, _, err := tokens.New(a).Access(ctx, "u", "t", "s")
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := tokens.New(a).Keys(ctx)
	if len(keys) != 1 || !keys[0].Sealed {
		t.Fatalf("keys %+v, want one sealed", keys)
	}
	var stored []byte
	_ = a.DB.QueryRow(ctx, `SELECT private_key FROM signing_keys`).Scan(&stored)
	if len(stored) == ed25519.PrivateKeySize {
		t.Fatal("the stored private key has the size of a raw key")
	}
	// Without the secret, or with another one, the key cannot sign.
	a.Config.Tokens.SigningKeySecret = ""
	if _, _, err := tokens.New(a).Access(ctx, "u", "t", "s"); !errors.Is(err, tokens.ErrSecretMissing) {
		t.Fatalf("no secret: %v", err)
	}
	other := make([]byte, 32)
	other[0] = 1
	a.Config.Tokens.SigningKeySecret = base64.StdEncoding.EncodeToString(other)
	if _, _, err := tokens.New(a).Access(ctx, "u", "t", "s"); err == nil {
		t.Fatal("a wrong secret unsealed the key")
	}
	a.Config.Tokens.SigningKeySecret = secret
	if _, err := tokens.New(a).VerifyAccess(ctx, raw); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyRefusesBadTokens(t *testing.T) {
	a, clk := newApp(t, nil)
	iss := tokens.New(a)
	ctx := context.Background()
	good, _, err := iss.Access(ctx, "u", "t", "s")
	if err != nil {
		t.Fatal(err)
	}
	embed, err := iss.Sign(ctx, tokens.TypeEmbed, jwt.MapClaims{
		"emb": "e", "tid": "t",
		"exp": clk.Now().Add(time.Minute).Unix(),
	})
	if err != nil {
		t.Fatal(err)
	}
	_, foreign, _ := ed25519.GenerateKey(rand.Reader)
	forge := func(typ string, claims jwt.MapClaims, key any, m jwt.SigningMethod) string {
		tok := jwt.NewWithClaims(m, claims)
		tok.Header["typ"] = typ
		tok.Header["kid"] = header(t, good)["kid"]
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	parts := strings.Split(good, ".")
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(
		[]byte(`{"sub":"admin","sid":"s","tid":"t","iss":"`+a.Config.Tokens.Issuer+`"}`)) + "." + parts[2]
	now := clk.Now().Unix()
	claims := jwt.MapClaims{
		"iss": a.Config.Tokens.Issuer, "aud": a.Config.Tokens.Audience,
		"sub": "u", "sid": "s", "tid": "t", "iat": now, "exp": now + 60, "jti": "j",
	}
	cases := map[string]string{
		"tampered payload":       tampered,
		"foreign key":            forge("at+jwt", claims, foreign, jwt.SigningMethodEdDSA),
		"alg none":               forge("at+jwt", claims, jwt.UnsafeAllowNoneSignatureType, jwt.SigningMethodNone),
		"hs256 with public key":  forge("at+jwt", claims, []byte("x"), jwt.SigningMethodHS256),
		"embed token as access":  embed,
		"refresh token as jwt":   "kwrt_" + strings.Repeat("A", 43),
		"empty":                  "",
		"oversized":              strings.Repeat("a", tokens.MaxTokenBytes+1),
		"truncated signature":    good[:len(good)-4],
		"signature of other jwt": parts[0] + "." + parts[1] + "." + strings.Split(embed, ".")[2],
	}
	for name, raw := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := iss.VerifyAccess(ctx, raw); !errors.Is(err, tokens.ErrInvalid) {
				t.Fatalf("accepted or wrong error: %v", err)
			}
		})
	}
	t.Run("expired", func(t *testing.T) {
		clk.Add(a.Config.Tokens.AccessTTL + time.Second)
		if _, err := iss.VerifyAccess(ctx, good); !errors.Is(err, tokens.ErrInvalid) {
			t.Fatalf("expired token accepted: %v", err)
		}
	})
	if _, err := iss.Verify(ctx, embed, tokens.TypeEmbed); err == nil {
		t.Fatal("expired embed token accepted")
	}
}

func TestSignBoundsLifetimeAndType(t *testing.T) {
	a, clk := newApp(t, nil)
	iss := tokens.New(a)
	ctx := context.Background()
	long := jwt.MapClaims{"exp": clk.Now().Add(a.Config.Tokens.SignedMaxTTL + time.Minute).Unix()}
	if _, err := iss.Sign(ctx, tokens.TypeEmbed, long); err == nil {
		t.Fatal("a lifetime over KW_SIGNED_TOKEN_MAX_TTL was signed")
	}
	if _, err := iss.Sign(ctx, tokens.TypeEmbed, jwt.MapClaims{}); err == nil {
		t.Fatal("a token without exp was signed")
	}
	ok := jwt.MapClaims{"exp": clk.Now().Add(time.Minute).Unix()}
	if _, err := iss.Sign(ctx, tokens.TypeAccess, ok); err == nil {
		t.Fatal("Sign made an access token")
	}
	raw, err := iss.Sign(ctx, tokens.TypeEmbed, ok)
	if err != nil {
		t.Fatal(err)
	}
	c, err := iss.Verify(ctx, raw, tokens.TypeEmbed)
	if err != nil || c["iss"] != a.Config.Tokens.Issuer || c["jti"] == "" {
		t.Fatalf("embed claims %v, %v", c, err)
	}
}

func TestAnotherProcessRotationIsPublishedBeforeItSigns(t *testing.T) {
	a, clk := newApp(t, nil)
	ctx := context.Background()
	here := tokens.New(a)
	if _, _, err := here.Access(ctx, "u", "t", "s"); err != nil { // loads and caches
		t.Fatal(err)
	}
	kid, err := tokens.New(a).Rotate(ctx, false) // another core process
	if err != nil {
		t.Fatal(err)
	}
	clk.Add(tokens.JWKSCacheTTL)
	set, err := here.PublicKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Keys) != 2 || set.Keys[0].Kid != kid {
		t.Fatalf("after %s this process publishes %+v, want %s first", tokens.JWKSCacheTTL,
			set.Keys, kid)
	}
	// A token of the new key verifies here at once, even before the cache ends.
	raw, _, err := tokens.New(a).Access(ctx, "u", "t", "s")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := here.VerifyAccess(ctx, raw); err != nil {
		t.Fatal(err)
	}
}

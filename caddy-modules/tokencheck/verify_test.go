package tokencheck

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestVerifyAcceptsValidToken(t *testing.T) {
	f := newFixture(t)
	c, err := f.v.Verify(context.Background(), f.valid())
	if err != nil {
		t.Fatalf("valid token refused: %v", err)
	}
	if c.Subject != "11111111-1111-4111-8111-111111111111" || c.SessionID == "" ||
		c.TenantID == "" || c.TokenID == "" || c.KeyID != "k1" {
		t.Fatalf("claims = %+v", c)
	}
}

func TestVerifyToleratesSkew(t *testing.T) {
	f := newFixture(t)
	tok := f.valid()
	f.clk.Add(10*time.Minute + 20*time.Second)
	if _, err := f.v.Verify(context.Background(), tok); err != nil {
		t.Fatalf("token 20s past exp refused within 30s skew: %v", err)
	}
}

// attack is a token an attacker could present, and the refusal expected.
type attack struct {
	name  string
	token func(f *fixture) string
	want  *Error
}

func mutateClaims(fn func(c map[string]any)) func(f *fixture) string {
	return func(f *fixture) string {
		c := claimsAt(f.clk.Now())
		fn(c)
		return f.s.mint(f.s.header(), c)
	}
}

func mutateHeader(fn func(h map[string]any)) func(f *fixture) string {
	return func(f *fixture) string {
		h := f.s.header()
		fn(h)
		return f.s.mint(h, claimsAt(f.clk.Now()))
	}
}

func unsigned(alg string) func(f *fixture) string {
	return func(f *fixture) string {
		h := f.s.header()
		h["alg"] = alg
		return b64(h) + "." + b64(claimsAt(f.clk.Now())) + "."
	}
}

// hmacWith signs with HS256 using secret, as an attacker holding the public
// key would.
func hmacWith(secret func(f *fixture) []byte) func(f *fixture) string {
	return func(f *fixture) string {
		h := f.s.header()
		h["alg"] = "HS256"
		in := b64(h) + "." + b64(claimsAt(f.clk.Now()))
		m := hmac.New(sha256.New, secret(f))
		m.Write([]byte(in))
		return in + "." + b64(m.Sum(nil))
	}
}

func pemPublic(f *fixture) []byte {
	der, _ := x509.MarshalPKIXPublicKey(f.s.pub)
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

func tamper(part int) func(f *fixture) string {
	return func(f *fixture) string {
		parts := strings.Split(f.valid(), ".")
		b := []byte(parts[part])
		i := len(b) / 2
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		parts[part] = string(b)
		return strings.Join(parts, ".")
	}
}

func attacks() []attack {
	return []attack{
		{"alg none", unsigned("none"), ErrAlgorithm},
		{"alg None", unsigned("None"), ErrAlgorithm},
		{"alg NONE", unsigned("NONE"), ErrAlgorithm},
		{"alg nOnE", unsigned("nOnE"), ErrAlgorithm},
		{"hmac with raw public key", hmacWith(func(f *fixture) []byte { return f.s.pub }), ErrAlgorithm},
		{"hmac with pem public key", hmacWith(pemPublic), ErrAlgorithm},
		{"alg EdDSA header says ES256", mutateHeader(func(h map[string]any) { h["alg"] = "ES256" }), ErrAlgorithm},
		{"unknown kid", mutateHeader(func(h map[string]any) { h["kid"] = "k2" }), ErrUnknownKey},
		{"missing kid", mutateHeader(func(h map[string]any) { delete(h, "kid") }), ErrUnknownKey},
		{"kid path traversal", mutateHeader(func(h map[string]any) { h["kid"] = "../../../../etc/passwd" }), ErrUnknownKey},
		{"kid sql", mutateHeader(func(h map[string]any) { h["kid"] = "k1' OR '1'='1" }), ErrUnknownKey},
		{"kid url", mutateHeader(func(h map[string]any) { h["kid"] = "https://attacker.test/key" }), ErrUnknownKey},
		{"kid very long", mutateHeader(func(h map[string]any) { h["kid"] = strings.Repeat("k", 300) }), ErrUnknownKey},
		{"kid number", mutateHeader(func(h map[string]any) { h["kid"] = 1 }), ErrUnknownKey},
		{"kid object", mutateHeader(func(h map[string]any) { h["kid"] = map[string]any{"k1": true} }), ErrUnknownKey},
		{"crit", mutateHeader(func(h map[string]any) { h["crit"] = []string{"exp"} }), ErrCritical},
		{"crit empty", mutateHeader(func(h map[string]any) { h["crit"] = []string{} }), ErrCritical},
		{"tampered header", tamper(0), nil},
		{"tampered payload", tamper(1), nil},
		{"tampered signature", tamper(2), ErrSignature},
		{"payload swapped, signature kept", func(f *fixture) string {
			parts := strings.Split(f.valid(), ".")
			c := claimsAt(f.clk.Now())
			c["sub"] = "99999999-9999-4999-8999-999999999999"
			return parts[0] + "." + b64(c) + "." + parts[2]
		}, ErrSignature},
		{"signature removed", func(f *fixture) string {
			return strings.TrimRight(f.valid(), "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
		}, nil},
		{"expired", mutateClaims(func(c map[string]any) {
			c["iat"], c["exp"] = c["iat"].(int64)-900, c["iat"].(int64)-60
		}), ErrExpired},
		{"not yet valid", mutateClaims(func(c map[string]any) { c["nbf"] = c["iat"].(int64) + 120 }), ErrNotYetValid},
		{"issued in the future", mutateClaims(func(c map[string]any) {
			c["iat"], c["nbf"], c["exp"] = c["iat"].(int64)+120, c["iat"].(int64)+120, c["iat"].(int64)+600
		}), ErrIssuedInFuture},
		{"too long-lived", mutateClaims(func(c map[string]any) { c["exp"] = c["iat"].(int64) + 3600 }), ErrLifetime},
		{"exp before iat", mutateClaims(func(c map[string]any) { c["exp"] = c["iat"].(int64) - 1 }), ErrClaims},
		{"wrong aud", mutateClaims(func(c map[string]any) { c["aud"] = "other-app" }), ErrAudience},
		{"wrong aud list", mutateClaims(func(c map[string]any) { c["aud"] = []string{"a", "b"} }), ErrAudience},
		{"wrong iss", mutateClaims(func(c map[string]any) { c["iss"] = "https://attacker.test" }), ErrIssuer},
		{"typ refresh", mutateHeader(func(h map[string]any) { h["typ"] = "refresh+jwt" }), ErrType},
		{"typ livekit JWT", mutateHeader(func(h map[string]any) { h["typ"] = "JWT" }), ErrType},
		{"typ embed", mutateHeader(func(h map[string]any) { h["typ"] = "embed+jwt" }), ErrType},
		{"typ missing", mutateHeader(func(h map[string]any) { delete(h, "typ") }), ErrType},
		{"typ number", mutateHeader(func(h map[string]any) { h["typ"] = 1 }), ErrType},
		{"opaque refresh token", func(*fixture) string { return "rt_3q2+7w==" }, ErrMalformed},
		{"many dots", func(f *fixture) string { return f.valid() + strings.Repeat(".", 1000) }, nil},
		{"only dots", func(*fixture) string { return strings.Repeat(".", 4000) }, ErrMalformed},
		{"oversized header", mutateHeader(func(h map[string]any) { h["pad"] = strings.Repeat("x", 8000) }), ErrTooLarge},
		{"oversized token", func(*fixture) string { return strings.Repeat("A", 1<<20) }, ErrTooLarge},
		{"iss missing", mutateClaims(func(c map[string]any) { delete(c, "iss") }), ErrClaims},
		{"aud missing", mutateClaims(func(c map[string]any) { delete(c, "aud") }), ErrClaims},
		{"sub missing", mutateClaims(func(c map[string]any) { delete(c, "sub") }), ErrClaims},
		{"sid missing", mutateClaims(func(c map[string]any) { delete(c, "sid") }), ErrClaims},
		{"tid missing", mutateClaims(func(c map[string]any) { delete(c, "tid") }), ErrClaims},
		{"jti missing", mutateClaims(func(c map[string]any) { delete(c, "jti") }), ErrClaims},
		{"exp missing", mutateClaims(func(c map[string]any) { delete(c, "exp") }), ErrClaims},
		{"iat missing", mutateClaims(func(c map[string]any) { delete(c, "iat") }), ErrClaims},
		{"exp string", mutateClaims(func(c map[string]any) { c["exp"] = "9999999999" }), ErrClaims},
		{"exp float", mutateClaims(func(c map[string]any) { c["exp"] = float64(c["exp"].(int64)) + 0.5 }), ErrClaims},
		{"exp negative", mutateClaims(func(c map[string]any) { c["exp"] = -1 }), ErrClaims},
		{"exp bool", mutateClaims(func(c map[string]any) { c["exp"] = true }), ErrClaims},
		{"nbf string", mutateClaims(func(c map[string]any) { c["nbf"] = "0" }), ErrClaims},
		{"sub number", mutateClaims(func(c map[string]any) { c["sub"] = 42 }), ErrClaims},
		{"sid object", mutateClaims(func(c map[string]any) { c["sid"] = map[string]any{} }), ErrClaims},
		{"sub empty", mutateClaims(func(c map[string]any) { c["sub"] = "" }), ErrClaims},
		{"aud number", mutateClaims(func(c map[string]any) { c["aud"] = 7 }), ErrClaims},
		{"aud list of numbers", mutateClaims(func(c map[string]any) { c["aud"] = []int{1} }), ErrClaims},
		{"iss null", mutateClaims(func(c map[string]any) { c["iss"] = nil }), ErrClaims},
		{"claims not an object", func(f *fixture) string {
			in := b64(f.s.header()) + "." + b64([]any{"kernelwork"})
			return in + "." + strings.Split(f.valid(), ".")[2]
		}, nil},
		{"empty", func(*fixture) string { return "" }, ErrMissing},
	}
}

// TestVerifyRefusesAttacks runs every attack the token check exists for;
// a nil want accepts any refusal.
func TestVerifyRefusesAttacks(t *testing.T) {
	f := newFixture(t)
	for _, a := range attacks() {
		t.Run(a.name, func(t *testing.T) {
			_, err := f.v.Verify(context.Background(), a.token(f))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("want a refusal, got %v", err)
			}
			if a.want != nil && !errors.Is(err, a.want) {
				t.Fatalf("refused with %q, want %q", e.Reason, a.want.Reason)
			}
			if e.Status != 401 || e.Code != CodeInvalidToken {
				t.Fatalf("status %d code %s, want 401 invalid_token", e.Status, e.Code)
			}
		})
	}
}

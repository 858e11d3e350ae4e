package tokens

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// MaxTokenBytes bounds the size of a token Verify looks at.
const MaxTokenBytes = 8 << 10

// ErrInvalid is wrapped by every verification failure.
var ErrInvalid = errors.New("invalid token")

// Verify checks raw as a token of type typ signed by a published key of the
// set: algorithm EdDSA only, a known kid, no crit header, iss and (for access
// tokens) aud as configured, exp required and not passed, nbf and iat not in
// the future. It returns the claims. The edge verifies tokens on its own; the
// core uses Verify where it must check a token itself, and in tests.
func (i *Issuer) Verify(ctx context.Context, raw, typ string) (jwt.MapClaims, error) {
	if len(raw) > MaxTokenBytes {
		return nil, fmt.Errorf("%w: too large", ErrInvalid)
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
		jwt.WithIssuer(i.a.Config.Tokens.Issuer),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(i.a.Now),
	}
	if typ == TypeAccess {
		opts = append(opts, jwt.WithAudience(i.a.Config.Tokens.Audience))
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		if got, _ := t.Header["typ"].(string); got != typ {
			return nil, fmt.Errorf("typ %q is not %q", got, typ)
		}
		if _, ok := t.Header["crit"]; ok {
			return nil, errors.New("crit header is not supported")
		}
		kid, _ := t.Header["kid"].(string)
		return i.publicKey(ctx, kid)
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return claims, nil
}

// VerifyAccess checks raw as an access token and returns its claims; the
// lifetime must not exceed KW_ACCESS_TOKEN_TTL.
func (i *Issuer) VerifyAccess(ctx context.Context, raw string) (*AccessClaims, error) {
	m, err := i.Verify(ctx, raw, TypeAccess)
	if err != nil {
		return nil, err
	}
	str := func(k string) string { s, _ := m[k].(string); return s }
	num := func(k string) int64 { f, _ := m[k].(float64); return int64(f) }
	c := &AccessClaims{
		Issuer: str("iss"), Audience: str("aud"), Subject: str("sub"), SessionID: str("sid"),
		TenantID: str("tid"), IssuedAt: num("iat"), NotBefore: num("nbf"), ExpiresAt: num("exp"),
		ID: str("jti"),
	}
	life := time.Duration(c.ExpiresAt-c.IssuedAt) * time.Second
	if c.Subject == "" || c.SessionID == "" || c.TenantID == "" || c.ID == "" ||
		life > i.a.Config.Tokens.AccessTTL {
		return nil, fmt.Errorf("%w: claims incomplete or lifetime too long", ErrInvalid)
	}
	return c, nil
}

// publicKey returns the published key kid, reloading the set once when the
// kid is unknown (a rotation by another process).
func (i *Issuer) publicKey(ctx context.Context, kid string) (ed25519.PublicKey, error) {
	find := func(keys []signingKey) ed25519.PublicKey {
		idx := slices.IndexFunc(keys, func(k signingKey) bool { return k.Kid == kid })
		if idx < 0 {
			return nil
		}
		return keys[idx].Public
	}
	keys, err := i.keySet(ctx, KeyCacheTTL)
	if err != nil {
		return nil, err
	}
	if pub := find(keys); pub != nil {
		return pub, nil
	}
	if keys, err = i.keySet(ctx, 0); err != nil {
		return nil, err
	}
	if pub := find(keys); pub != nil {
		return pub, nil
	}
	return nil, fmt.Errorf("unknown kid %q", kid)
}

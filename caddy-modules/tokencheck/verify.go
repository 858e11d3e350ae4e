package tokencheck

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// DefaultType is the typ of access tokens (RFC 9068).
const DefaultType = "at+jwt"

// Config configures a Verifier.
type Config struct {
	// Issuer is the exact iss of accepted tokens. Required.
	Issuer string
	// Audience must appear in aud. Required.
	Audience string
	// Type is the typ header accepted (case-insensitive, with or without
	// "application/"). Default: at+jwt.
	Type string
	// Keys finds the key of each kid. Required.
	Keys KeySource
	// Revocations is the local revocation set. Required: a verifier that
	// cannot check revocation refuses to start.
	Revocations *Revocations
	// MaxTokenBytes bounds the token length, checked before any decoding.
	// Default: 4096.
	MaxTokenBytes int
	// ClockSkew is the tolerance applied to exp, nbf and iat. Default: 30s.
	ClockSkew time.Duration
	// MaxLifetime bounds exp - iat. Default: 15m.
	MaxLifetime time.Duration
	// CacheEntries bounds the cache of verified tokens (see Verify); a
	// negative value turns it off. Default: 10000.
	CacheEntries int
	// Now is the clock. Default: time.Now.
	Now func() time.Time
}

// Verifier checks access tokens. It is safe for concurrent use.
type Verifier struct {
	cfg    Config
	parser *jwt.Parser
	cache  *verifiedCache
}

// New checks cfg, fills its defaults and returns a Verifier.
func New(cfg Config) (*Verifier, error) {
	if cfg.Issuer == "" || cfg.Audience == "" {
		return nil, errors.New("tokencheck: issuer and audience are required")
	}
	if cfg.Keys == nil || cfg.Revocations == nil {
		return nil, errors.New("tokencheck: a key source and a revocation set are required")
	}
	if cfg.Type == "" {
		cfg.Type = DefaultType
	}
	if cfg.MaxTokenBytes <= 0 {
		cfg.MaxTokenBytes = 4096
	}
	if cfg.ClockSkew <= 0 {
		cfg.ClockSkew = 30 * time.Second
	}
	if cfg.MaxLifetime <= 0 {
		cfg.MaxLifetime = 15 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.CacheEntries == 0 {
		cfg.CacheEntries = 10000
	}
	p := jwt.NewParser(jwt.WithStrictDecoding(), jwt.WithoutClaimsValidation(), jwt.WithJSONNumber())
	return &Verifier{cfg: cfg, parser: p, cache: newVerifiedCache(cfg.CacheEntries)}, nil
}

// Verify checks raw (a compact JWS, without "Bearer ") and returns its
// claims. Every refusal is an *Error; compare with errors.Is against the
// Err* values.
//
// A token whose exact text was verified before is not verified again
// cryptographically: its claims come from a bounded cache, and only the
// time rules, the presence of its key and revocation are checked.
func (v *Verifier) Verify(ctx context.Context, raw string) (*Claims, error) {
	if len(raw) > v.cfg.MaxTokenBytes {
		return nil, ErrTooLarge
	}
	if raw == "" {
		return nil, ErrMissing
	}
	if c, ok := v.cache.get(raw); ok {
		return v.recheck(ctx, c)
	}
	c, err := v.verifyFull(ctx, raw)
	if err != nil {
		return nil, err
	}
	v.cache.put(raw, c)
	return v.unrevoked(c)
}

// recheck applies to cached claims every rule that can change over time.
func (v *Verifier) recheck(ctx context.Context, c *Claims) (*Claims, error) {
	if _, err := v.cfg.Keys.Key(ctx, c.KeyID); err != nil {
		return nil, err
	}
	if err := v.checkClaims(c); err != nil {
		return nil, err
	}
	return v.unrevoked(c)
}

// unrevoked returns a copy of c unless its session or token id is revoked
// or the revocation set is stale.
func (v *Verifier) unrevoked(c *Claims) (*Claims, error) {
	if err := v.cfg.Revocations.CheckToken(c.Issuer, c.TokenID, c.SessionID); err != nil {
		return nil, err
	}
	cp := *c
	return &cp, nil
}

// verifyFull decodes raw, checks its header and signature and its claims.
func (v *Verifier) verifyFull(ctx context.Context, raw string) (*Claims, error) {
	if strings.Count(raw, ".") != 2 {
		return nil, ErrMalformed
	}
	var rc rawClaims
	var kid string
	tok, err := v.parser.ParseWithClaims(raw, &rc, func(t *jwt.Token) (any, error) {
		k, err := v.headerKey(ctx, t)
		kid = k.ID
		return k.Public, err
	})
	if err != nil {
		return nil, mapParseError(err)
	}
	if !tok.Valid {
		return nil, ErrSignature
	}
	c, err := rc.decode()
	if err != nil {
		return nil, ErrClaims.with(err)
	}
	c.KeyID = kid
	if err := v.checkClaims(c); err != nil {
		return nil, err
	}
	return c, nil
}

// headerKey checks the protected header and returns the configured key of
// its kid. Embedded keys and key URLs (jwk, jku, x5u, x5c) are never read.
func (v *Verifier) headerKey(ctx context.Context, t *jwt.Token) (Key, error) {
	if _, ok := t.Header["crit"]; ok {
		return Key{}, ErrCritical
	}
	typ, _ := t.Header["typ"].(string)
	if !sameType(typ, v.cfg.Type) {
		return Key{}, ErrType
	}
	kid, _ := t.Header["kid"].(string)
	if kid == "" || len(kid) > 256 {
		return Key{}, ErrUnknownKey
	}
	k, err := v.cfg.Keys.Key(ctx, kid)
	if err != nil {
		return Key{}, err
	}
	if t.Method == nil || t.Method.Alg() != k.Alg {
		return Key{}, ErrAlgorithm
	}
	return k, nil
}

func sameType(got, want string) bool {
	got = strings.ToLower(got)
	return got == want || got == "application/"+want
}

// mapParseError turns a golang-jwt error into one of ours.
func mapParseError(err error) *Error {
	var e *Error
	switch {
	case errors.As(err, &e):
		return e
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return ErrSignature.with(err)
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return ErrAlgorithm.with(err)
	}
	return ErrMalformed.with(err)
}

// checkClaims applies the issuer, audience and time rules.
func (v *Verifier) checkClaims(c *Claims) error {
	if c.Issuer != v.cfg.Issuer {
		return ErrIssuer
	}
	if !contains(c.Audience, v.cfg.Audience) {
		return ErrAudience
	}
	now, skew := v.cfg.Now(), v.cfg.ClockSkew
	switch {
	case !c.ExpiresAt.After(c.IssuedAt):
		return ErrClaims.with(fmt.Errorf("exp is not after iat"))
	case c.ExpiresAt.Sub(c.IssuedAt) > v.cfg.MaxLifetime:
		return ErrLifetime
	case now.After(c.ExpiresAt.Add(skew)):
		return ErrExpired
	case c.IssuedAt.After(now.Add(skew)):
		return ErrIssuedInFuture
	case !c.NotBefore.IsZero() && c.NotBefore.After(now.Add(skew)):
		return ErrNotYetValid
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

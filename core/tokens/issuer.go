// Package tokens signs and verifies the JWTs of the core, and keeps their
// Ed25519 signing keys.
//
// The key set lives in PostgreSQL (table signing_keys), so that every core
// process signs with the same active key and publishes the same public keys.
// One key is active and signs; `kwcore keys rotate` adds a new active key and
// retires the old one, which stays published at /.well-known/jwks.json for
// KW_SIGNED_TOKEN_MAX_TTL, the longest lifetime of any token it can have
// signed. A process signs with the key set it read at most KeyCacheTTL ago,
// so a rotation reaches every process within that time; it serves the JWKS
// as read at most JWKSCacheTTL ago, so a new key is published before the
// other processes sign with it. Private keys are sealed with
// KW_SIGNING_KEY_SECRET (AES-256-GCM) when it is set.
//
// Use:
//
//	iss := tokens.New(a)
//	raw, claims, err := iss.Access(ctx, userID, tenantID, sessionID) // typ at+jwt
//	raw, err := iss.Sign(ctx, tokens.TypeEmbed, jwt.MapClaims{"exp": ..., ...})
//	mux.Handle("GET /.well-known/jwks.json", iss.JWKSHandler())
//
// Claims and header names follow docs/interfaces.md.
package tokens

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kernelwork/kernelwork/core/app"
)

// Token types, the JWT header typ.
const (
	TypeAccess = "at+jwt"
	TypeEmbed  = "embed+jwt"
)

// KeyCacheTTL is how long a process signs with the key set it loaded before
// it reads it again. The JWKS is read again after JWKSCacheTTL, so that a key
// another process has started signing with is published at once.
const (
	KeyCacheTTL  = 10 * time.Second
	JWKSCacheTTL = time.Second
)

// Issuer signs tokens with the active key of the key set.
type Issuer struct {
	a      *app.App
	secret []byte
	errSec error

	mu       sync.Mutex
	keys     []signingKey // the active key first, then the published retired ones
	loadedAt time.Time
}

// New returns an Issuer over a's database and configuration. Keys are read
// (and the first key made) on first use.
func New(a *app.App) *Issuer {
	secret, err := parseSecret(a.Config.Tokens.SigningKeySecret)
	return &Issuer{a: a, secret: secret, errSec: err}
}

// AccessClaims are the claims of an access token (docs/interfaces.md).
type AccessClaims struct {
	Issuer    string `json:"iss"`
	Audience  string `json:"aud"`
	Subject   string `json:"sub"`
	SessionID string `json:"sid"`
	TenantID  string `json:"tid"`
	IssuedAt  int64  `json:"iat"`
	NotBefore int64  `json:"nbf"`
	ExpiresAt int64  `json:"exp"`
	ID        string `json:"jti"`
}

// Access signs an access token for a user's session.
func (i *Issuer) Access(ctx context.Context, userID, tenantID, sessionID string) (
	string, *AccessClaims, error,
) {
	now := i.a.Now().Truncate(time.Second)
	c := &AccessClaims{
		Issuer:    i.a.Config.Tokens.Issuer,
		Audience:  i.a.Config.Tokens.Audience,
		Subject:   userID,
		SessionID: sessionID,
		TenantID:  tenantID,
		IssuedAt:  now.Unix(),
		NotBefore: now.Unix(),
		ExpiresAt: now.Add(i.a.Config.Tokens.AccessTTL).Unix(),
		ID:        uuid.NewString(),
	}
	raw, err := i.sign(ctx, TypeAccess, jwt.MapClaims{
		"iss": c.Issuer, "aud": c.Audience, "sub": c.Subject, "sid": c.SessionID,
		"tid": c.TenantID, "iat": c.IssuedAt, "nbf": c.NotBefore, "exp": c.ExpiresAt, "jti": c.ID,
	})
	if err != nil {
		return "", nil, err
	}
	return raw, c, nil
}

// Sign signs claims as a token of type typ (for example TypeEmbed) with the
// active key. It adds iss, iat, nbf and jti when claims lacks them. It refuses
// typ at+jwt (use Access), claims without exp, and a lifetime over
// KW_SIGNED_TOKEN_MAX_TTL, so that a retired key never outlives its tokens.
func (i *Issuer) Sign(ctx context.Context, typ string, claims jwt.MapClaims) (string, error) {
	if typ == "" || typ == TypeAccess {
		return "", fmt.Errorf("signing a %q token: use Access for access tokens", typ)
	}
	now := i.a.Now().Truncate(time.Second)
	exp, ok := unixTime(claims["exp"])
	if !ok {
		return "", errors.New("signing a token: claims need a numeric exp")
	}
	if exp.Sub(now) > i.a.Config.Tokens.SignedMaxTTL {
		return "", fmt.Errorf("signing a token: lifetime over KW_SIGNED_TOKEN_MAX_TTL (%s)",
			i.a.Config.Tokens.SignedMaxTTL)
	}
	c := jwt.MapClaims{
		"iss": i.a.Config.Tokens.Issuer, "iat": now.Unix(), "nbf": now.Unix(),
		"jti": uuid.NewString(),
	}
	for k, v := range claims {
		c[k] = v
	}
	return i.sign(ctx, typ, c)
}

func (i *Issuer) sign(ctx context.Context, typ string, claims jwt.MapClaims) (string, error) {
	keys, err := i.keySet(ctx, KeyCacheTTL)
	if err != nil {
		return "", err
	}
	active := keys[0]
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
	t.Header["kid"] = active.Kid
	t.Header["typ"] = typ
	raw, err := t.SignedString(active.Private)
	if err != nil {
		return "", fmt.Errorf("signing token: %w", err)
	}
	return raw, nil
}

// keySet returns the cached key set, reloading it when older than maxAge.
func (i *Issuer) keySet(ctx context.Context, maxAge time.Duration) ([]signingKey, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.keys != nil && i.a.Now().Sub(i.loadedAt) < maxAge {
		return i.keys, nil
	}
	return i.reloadLocked(ctx)
}

func (i *Issuer) reloadLocked(ctx context.Context) ([]signingKey, error) {
	if i.errSec != nil {
		return nil, i.errSec
	}
	keys, err := i.load(ctx)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 || keys[0].RetiredAt != nil {
		if _, err := i.rotate(ctx, true); err != nil {
			return nil, err
		}
		if keys, err = i.load(ctx); err != nil {
			return nil, err
		}
	}
	i.keys, i.loadedAt = keys, i.a.Now()
	return keys, nil
}

// load reads the active key and the retired keys still published.
func (i *Issuer) load(ctx context.Context) ([]signingKey, error) {
	rows, err := i.a.DB.Query(ctx, `SELECT kid, public_key, private_key, sealed, created_at,
		retired_at, publish_until FROM signing_keys
		WHERE retired_at IS NULL OR publish_until > $1
		ORDER BY retired_at IS NULL DESC, created_at DESC`, i.a.Now())
	if err != nil {
		return nil, fmt.Errorf("loading signing keys: %w", err)
	}
	defer rows.Close()
	var keys []signingKey
	for rows.Next() {
		var k signingKey
		var pub, priv []byte
		var sealed bool
		if err := rows.Scan(&k.Kid, &pub, &priv, &sealed, &k.CreatedAt, &k.RetiredAt,
			&k.PublishUntil); err != nil {
			return nil, fmt.Errorf("loading signing keys: %w", err)
		}
		k.Public = pub
		if k.RetiredAt == nil {
			if k.Private, err = openPrivate(i.secret, k.Kid, priv, sealed); err != nil {
				return nil, err
			}
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

// Rotate makes a new active key and retires the current one, which stays
// published for KW_SIGNED_TOKEN_MAX_TTL. With onlyIfNone it makes a key only
// when no key is active (first use). It returns the new kid, or "" when
// onlyIfNone found an active key.
func (i *Issuer) Rotate(ctx context.Context, onlyIfNone bool) (string, error) {
	kid, err := i.rotate(ctx, onlyIfNone)
	if err != nil {
		return "", err
	}
	i.mu.Lock()
	i.keys = nil
	i.mu.Unlock()
	return kid, nil
}

func (i *Issuer) rotate(ctx context.Context, onlyIfNone bool) (string, error) {
	if i.errSec != nil {
		return "", i.errSec
	}
	var kid string
	err := pgx.BeginFunc(ctx, i.a.DB, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('kw:signing_keys'))`); err != nil {
			return fmt.Errorf("locking key set: %w", err)
		}
		if onlyIfNone {
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM signing_keys WHERE retired_at IS NULL`).
				Scan(&n); err != nil {
				return fmt.Errorf("reading key set: %w", err)
			}
			if n > 0 {
				return nil
			}
		}
		var err error
		kid, err = insertKey(ctx, tx, i.secret, i.a.Now(), i.a.Config.Tokens.SignedMaxTTL)
		return err
	})
	if err != nil {
		return "", err
	}
	return kid, nil
}

// Keys lists every stored key, newest first, without private material.
func (i *Issuer) Keys(ctx context.Context) ([]KeyInfo, error) {
	rows, err := i.a.DB.Query(ctx, `SELECT kid, created_at, retired_at, publish_until, sealed
		FROM signing_keys ORDER BY created_at DESC`)
	if err != nil {
		return nil, fmt.Errorf("listing keys: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (KeyInfo, error) {
		var k KeyInfo
		err := r.Scan(&k.Kid, &k.CreatedAt, &k.RetiredAt, &k.PublishUntil, &k.Sealed)
		return k, err
	})
}

// unixTime reads a NumericDate claim given as any Go number.
func unixTime(v any) (time.Time, bool) {
	switch n := v.(type) {
	case int:
		return time.Unix(int64(n), 0), true
	case int64:
		return time.Unix(n, 0), true
	case float64:
		return time.Unix(int64(n), 0), true
	case json.Number:
		f, err := n.Float64()
		return time.Unix(int64(f), 0), err == nil
	case *jwt.NumericDate:
		if n != nil {
			return n.Time, true
		}
	}
	return time.Time{}, false
}

// Package apikeys is the core's side of integrator API keys: tenant admins
// create (the key is shown once), list and revoke them; the edge verifies
// them through an internal endpoint over the trusted channel.
//
// A key has the form of package keyformat (kwk_<id>_<secret><checksum>).
// Only the SHA-256 of the whole key is stored. A key acts for its tenant
// as the admin who created it, limited to its scopes; handlers enforce
// scopes with caller.HasScope. Keys can expire; last use is recorded to the
// minute. Revoking a key records it, then announces it through Redis
// (kind api_key) so that every edge refuses it at once. Unknown, malformed,
// wrong, expired and revoked keys get the same answer, and keys never
// appear in logs: only their id does.
//
// Routes:
//
//	POST   /api/v1/api-keys                 create (tenant admin with an access token)
//	GET    /api/v1/api-keys                 list (tenant admin, or a key with scope api_keys:read)
//	DELETE /api/v1/api-keys/{id}            revoke (tenant admin with an access token)
//	POST   /internal/apikeys/verify         the edge's check (docs/interfaces.md)
package apikeys

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kernelwork/kernelwork/core/apikeys/keyformat"
	"github.com/kernelwork/kernelwork/core/app"
	"github.com/kernelwork/kernelwork/core/revocation"
)

// ScopeRead lets a key list the tenant's API keys.
const ScopeRead = "api_keys:read"

// Limits on what a key may carry.
const (
	MaxScopes   = 32
	MaxLifetime = 5 * 365 * 24 * time.Hour
	// RevocationHold is how long a revocation stays in Redis: longer than
	// any edge caches a verified key (api_key_cache_ttl, at most 10m).
	RevocationHold = time.Hour
)

var scopeRE = regexp.MustCompile(`^[a-z][a-z0-9_]*(:[a-z][a-z0-9_]*)*$`)

// Errors of this package.
var (
	// ErrInvalid is the one answer for any key that does not verify.
	ErrInvalid = errors.New("invalid api key")
	// ErrNotFound: no such key in the tenant.
	ErrNotFound = errors.New("api key not found")
)

// Key is an API key as listed; it never holds the secret.
type Key struct {
	ID         string     `json:"id"`
	TenantID   string     `json:"tenant_id"`
	CreatedBy  string     `json:"created_by"`
	Name       string     `json:"name"`
	Scopes     []string   `json:"scopes"`
	ExpiresAt  *time.Time `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
}

// NewKey is what a tenant admin asks for.
type NewKey struct {
	Name      string     `json:"name"`
	Scopes    []string   `json:"scopes"`
	ExpiresAt *time.Time `json:"expires_at"`
}

// Created is a new key with its secret, returned once.
type Created struct {
	Key
	Secret string `json:"key"`
}

// Identity is who a verified key acts for, as the edge receives it.
type Identity struct {
	KeyID     string     `json:"key_id"`
	TenantID  string     `json:"tenant_id"`
	UserID    string     `json:"user_id"`
	Scopes    []string   `json:"scopes"`
	ExpiresAt *time.Time `json:"expires_at"`
}

// Check validates n at now.
func (n NewKey) Check(now time.Time) error {
	if len(n.Name) < 1 || len(n.Name) > 100 {
		return errors.New("name must be 1 to 100 characters")
	}
	if len(n.Scopes) > MaxScopes {
		return fmt.Errorf("at most %d scopes", MaxScopes)
	}
	for _, s := range n.Scopes {
		if len(s) > 64 || !scopeRE.MatchString(s) {
			return fmt.Errorf("scope %q is not lowercase words joined by ':'", s)
		}
	}
	if n.ExpiresAt != nil && (!n.ExpiresAt.After(now) || n.ExpiresAt.Sub(now) > MaxLifetime) {
		return errors.New("expires_at must be in the future and within 5 years")
	}
	return nil
}

// Create makes a key for tenantID on behalf of creatorID.
func Create(ctx context.Context, a *app.App, tenantID, creatorID string, n NewKey) (Created, error) {
	if n.Scopes == nil {
		n.Scopes = []string{}
	}
	if err := n.Check(a.Now()); err != nil {
		return Created{}, err
	}
	k, err := keyformat.New()
	if err != nil {
		return Created{}, fmt.Errorf("making api key: %w", err)
	}
	c := Created{Secret: k.Full, Key: Key{
		ID: k.ID, TenantID: tenantID, CreatedBy: creatorID,
		Name: n.Name, Scopes: n.Scopes, ExpiresAt: n.ExpiresAt, CreatedAt: a.Now(),
	}}
	if err := insert(ctx, a, c.Key, hash(k.Full)); err != nil {
		return Created{}, err
	}
	return c, nil
}

// Verify checks a presented key and records its use. Any failure is
// ErrInvalid, except a failure of the database.
func Verify(ctx context.Context, a *app.App, raw string) (Identity, error) {
	k, err := keyformat.Parse(raw)
	if err != nil {
		return Identity{}, ErrInvalid
	}
	row, err := lookup(ctx, a, k.ID)
	if errors.Is(err, pgx.ErrNoRows) {
		row.hash = make([]byte, sha256.Size) // compare anyway: same work for unknown ids
	} else if err != nil {
		return Identity{}, err
	}
	sum := hash(raw)
	match := subtle.ConstantTimeCompare(sum, row.hash) == 1
	now := a.Now()
	if !match || row.RevokedAt != nil || row.disabled ||
		row.ExpiresAt != nil && !now.Before(*row.ExpiresAt) {
		return Identity{}, ErrInvalid
	}
	if err := touch(ctx, a, k.ID, now); err != nil {
		return Identity{}, err
	}
	return Identity{
		KeyID: row.ID, TenantID: row.TenantID, UserID: row.CreatedBy,
		Scopes: row.Scopes, ExpiresAt: row.ExpiresAt,
	}, nil
}

// Revoke marks the key revoked and announces it to every edge.
func Revoke(ctx context.Context, a *app.App, tenantID, id string) error {
	if !keyformat.ValidID(id) {
		return ErrNotFound
	}
	if err := markRevoked(ctx, a, tenantID, id); err != nil {
		return err
	}
	return Announce(ctx, a, id)
}

// Announce publishes the revocation of id through Redis.
func Announce(ctx context.Context, a *app.App, id string) error {
	return revocation.Publish(ctx, a.Redis, revocation.KindAPIKey, id, "",
		a.Now().Add(RevocationHold))
}

func hash(full string) []byte {
	s := sha256.Sum256([]byte(full))
	return s[:]
}

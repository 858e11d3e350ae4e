package apikeys

import (
	"context"
	"fmt"
	"time"

	"github.com/kernelwork/kernelwork/core/app"
)

// stored is a key row with what Verify needs.
type stored struct {
	Key
	hash     []byte
	disabled bool
}

const keyColumns = `k.id, k.tenant_id, k.created_by, k.name, k.scopes, k.expires_at,
	k.last_used_at, k.revoked_at, k.created_at`

func insert(ctx context.Context, a *app.App, k Key, h []byte) error {
	_, err := a.DB.Exec(ctx, `INSERT INTO api_keys (id, tenant_id, created_by, name, secret_hash,
		scopes, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		k.ID, k.TenantID, k.CreatedBy, k.Name, h, k.Scopes, k.ExpiresAt, k.CreatedAt)
	if err != nil {
		return fmt.Errorf("storing api key %s: %w", k.ID, err)
	}
	return nil
}

// lookup reads a key and whether its creator is disabled.
func lookup(ctx context.Context, a *app.App, id string) (stored, error) {
	var s stored
	err := a.DB.QueryRow(ctx, `SELECT `+keyColumns+`, k.secret_hash, u.disabled_at IS NOT NULL
		FROM api_keys k JOIN users u ON u.tenant_id = k.tenant_id AND u.id = k.created_by
		WHERE k.id = $1`, id).Scan(&s.ID, &s.TenantID, &s.CreatedBy, &s.Name, &s.Scopes,
		&s.ExpiresAt, &s.LastUsedAt, &s.RevokedAt, &s.CreatedAt, &s.hash, &s.disabled)
	if err != nil {
		return s, fmt.Errorf("reading api key %s: %w", id, err)
	}
	return s, nil
}

// touch records a use, at most once a minute per key.
func touch(ctx context.Context, a *app.App, id string, now time.Time) error {
	_, err := a.DB.Exec(ctx, `UPDATE api_keys SET last_used_at = $2 WHERE id = $1
		AND (last_used_at IS NULL OR last_used_at < $2::timestamptz - interval '1 minute')`, id, now)
	if err != nil {
		return fmt.Errorf("recording use of api key %s: %w", id, err)
	}
	return nil
}

// List returns the tenant's keys, newest first, without secrets.
func List(ctx context.Context, a *app.App, tenantID string) ([]Key, error) {
	rows, err := a.DB.Query(ctx, `SELECT `+keyColumns+` FROM api_keys k
		WHERE k.tenant_id = $1 ORDER BY k.created_at DESC, k.id LIMIT 1000`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("listing api keys: %w", err)
	}
	defer rows.Close()
	keys := []Key{}
	for rows.Next() {
		var k Key
		if err := rows.Scan(&k.ID, &k.TenantID, &k.CreatedBy, &k.Name, &k.Scopes, &k.ExpiresAt,
			&k.LastUsedAt, &k.RevokedAt, &k.CreatedAt); err != nil {
			return nil, fmt.Errorf("listing api keys: %w", err)
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

// markRevoked sets revoked_at once; revoking twice is not an error.
func markRevoked(ctx context.Context, a *app.App, tenantID, id string) error {
	tag, err := a.DB.Exec(ctx, `UPDATE api_keys SET revoked_at = coalesce(revoked_at, $3)
		WHERE tenant_id = $1 AND id = $2`, tenantID, id, a.Now())
	if err != nil {
		return fmt.Errorf("revoking api key %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

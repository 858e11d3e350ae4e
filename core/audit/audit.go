// Package audit writes and reads the audit log: who did what, when, from
// which IP address and user agent. Entries belong to a tenant, except
// deployment-wide events (signing-key rotation), whose tenant is empty.
// Tenant admins read their own tenant's entries through GET /api/v1/audit.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Actions written by the core.
const (
	LoginSucceeded     = "login.succeeded"
	LoginFailed        = "login.failed"
	LoginThrottled     = "login.throttled"
	RefreshReuse       = "refresh.reuse_detected"
	SessionRevoked     = "session.revoked"
	SessionsRevoked    = "sessions.revoked"
	PasswordChanged    = "password.changed"
	UserCreated        = "user.created"
	RoleChanged        = "user.role_changed"
	TenantBootstrapped = "tenant.bootstrapped"
	KeyRotated         = "signing_key.rotated"
	WorkspaceCreated   = "workspace.created"
	MembershipSet      = "membership.set"
	MembershipRemoved  = "membership.removed"
)

// Entry is one line of the audit log.
type Entry struct {
	ID         int64           `json:"id"`
	TenantID   string          `json:"tenant_id,omitempty"`
	ActorID    string          `json:"actor_id,omitempty"`
	Action     string          `json:"action"`
	TargetType string          `json:"target_type,omitempty"`
	TargetID   string          `json:"target_id,omitempty"`
	IP         string          `json:"ip,omitempty"`
	UserAgent  string          `json:"user_agent,omitempty"`
	Details    json.RawMessage `json:"details,omitempty"`
	CreatedAt  time.Time       `json:"created_at"`
}

// Execer is a pool or a transaction.
type Execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// Querier is a pool or a transaction.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Write appends e. Details may be nil; CreatedAt zero means now.
func Write(ctx context.Context, db Execer, e Entry) error {
	details := e.Details
	if len(details) == 0 {
		details = json.RawMessage("{}")
	}
	if e.CreatedAt.IsZero() {
		e.CreatedAt = time.Now()
	}
	_, err := db.Exec(ctx, `INSERT INTO audit_log (tenant_id, actor_id, action, target_type,
		target_id, ip, user_agent, details, created_at)
		VALUES (NULLIF($1, '')::uuid, NULLIF($2, '')::uuid, $3, $4, $5, $6, $7, $8, $9)`,
		e.TenantID, e.ActorID, e.Action, e.TargetType, e.TargetID, e.IP, trim(e.UserAgent, 512),
		details, e.CreatedAt)
	if err != nil {
		return fmt.Errorf("writing audit entry %s: %w", e.Action, err)
	}
	return nil
}

// List returns up to limit entries of tenantID older than the entry with id
// before (0: from the newest), newest first. action, when not empty, keeps
// only that action.
func List(ctx context.Context, db Querier, tenantID string, before int64, limit int,
	action string,
) ([]Entry, error) {
	rows, err := db.Query(ctx, `SELECT id, coalesce(tenant_id::text, ''),
		coalesce(actor_id::text, ''), action, target_type, target_id, ip, user_agent, details,
		created_at FROM audit_log
		WHERE tenant_id = $1 AND ($2 = 0 OR id < $2) AND ($3 = '' OR action = $3)
		ORDER BY id DESC LIMIT $4`, tenantID, before, action, limit)
	if err != nil {
		return nil, fmt.Errorf("listing audit entries: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Entry, error) {
		var e Entry
		err := r.Scan(&e.ID, &e.TenantID, &e.ActorID, &e.Action, &e.TargetType, &e.TargetID,
			&e.IP, &e.UserAgent, &e.Details, &e.CreatedAt)
		return e, err
	})
}

func trim(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

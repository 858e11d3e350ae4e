package identity

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kernelwork/kernelwork/core/identity/password"
)

// Roles of a user in a tenant (and of a member in a workspace), strongest
// first.
const (
	RoleOwner  = "owner"
	RoleAdmin  = "admin"
	RoleMember = "member"
	RoleGuest  = "guest"
)

// ValidRole reports whether r is one of the four roles.
func ValidRole(r string) bool {
	switch r {
	case RoleOwner, RoleAdmin, RoleMember, RoleGuest:
		return true
	}
	return false
}

// IsAdmin reports whether role may administer its tenant.
func IsAdmin(role string) bool { return role == RoleOwner || role == RoleAdmin }

// Tenant is a client organisation.
type Tenant struct {
	ID        string    `json:"id"`
	Slug      string    `json:"slug"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// User is an account of one tenant.
type User struct {
	ID          string     `json:"id"`
	TenantID    string     `json:"tenant_id"`
	Email       string     `json:"email"`
	DisplayName string     `json:"display_name"`
	Role        string     `json:"role"`
	DisabledAt  *time.Time `json:"disabled_at,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`

	passwordHash string
}

// DB is a pool or a transaction.
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Store errors.
var (
	ErrNotFound = errors.New("not found")
	ErrExists   = errors.New("already exists")
)

// CreateTenant adds a tenant.
func CreateTenant(ctx context.Context, db DB, slug, name string) (Tenant, error) {
	var t Tenant
	err := db.QueryRow(ctx, `INSERT INTO tenants (slug, name) VALUES ($1, $2)
		RETURNING id, slug, name, created_at`, slug, name).Scan(&t.ID, &t.Slug, &t.Name, &t.CreatedAt)
	if isUnique(err) {
		return t, fmt.Errorf("tenant %q: %w", slug, ErrExists)
	}
	if err != nil {
		return t, fmt.Errorf("creating tenant: %w", err)
	}
	return t, nil
}

// TenantBySlug finds a tenant.
func TenantBySlug(ctx context.Context, db DB, slug string) (Tenant, error) {
	var t Tenant
	err := db.QueryRow(ctx, `SELECT id, slug, name, created_at FROM tenants WHERE slug = $1`,
		slug).Scan(&t.ID, &t.Slug, &t.Name, &t.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return t, ErrNotFound
	}
	if err != nil {
		return t, fmt.Errorf("reading tenant: %w", err)
	}
	return t, nil
}

// NewUser is what CreateUser needs. Password is hashed; empty leaves the
// account without a password (it cannot log in).
type NewUser struct {
	Email       string
	DisplayName string
	Role        string
	Password    string
}

// CreateUser adds a user to a tenant.
func CreateUser(ctx context.Context, db DB, tenantID string, nu NewUser) (User, error) {
	if !ValidRole(nu.Role) {
		return User{}, fmt.Errorf("role %q is not owner, admin, member or guest", nu.Role)
	}
	var hash *string
	if nu.Password != "" {
		h, err := password.Hash(nu.Password)
		if err != nil {
			return User{}, err
		}
		hash = &h
	}
	if nu.DisplayName == "" {
		nu.DisplayName, _, _ = strings.Cut(nu.Email, "@")
	}
	row := db.QueryRow(ctx, `INSERT INTO users (tenant_id, email, display_name, role, password_hash)
		VALUES ($1, $2, $3, $4, $5) RETURNING `+userCols, tenantID, strings.TrimSpace(nu.Email),
		nu.DisplayName, nu.Role, hash)
	u, err := scanUser(row)
	if isUnique(err) {
		return u, fmt.Errorf("user %q: %w", nu.Email, ErrExists)
	}
	return u, err
}

const userCols = `id, tenant_id, email, display_name, role, disabled_at, created_at,
	coalesce(password_hash, '')`

func scanUser(row pgx.Row) (User, error) {
	var u User
	err := row.Scan(&u.ID, &u.TenantID, &u.Email, &u.DisplayName, &u.Role, &u.DisabledAt,
		&u.CreatedAt, &u.passwordHash)
	if errors.Is(err, pgx.ErrNoRows) {
		return u, ErrNotFound
	}
	if err != nil {
		return u, fmt.Errorf("reading user: %w", err)
	}
	return u, nil
}

// UserByID finds a user of tenantID; a user of another tenant is ErrNotFound.
func UserByID(ctx context.Context, db DB, tenantID, userID string) (User, error) {
	if !isUUID(tenantID) || !isUUID(userID) {
		return User{}, ErrNotFound
	}
	return scanUser(db.QueryRow(ctx, `SELECT `+userCols+` FROM users
		WHERE tenant_id = $1 AND id = $2`, tenantID, userID))
}

// UserByEmail finds a user by tenant slug and email, case-insensitively.
func UserByEmail(ctx context.Context, db DB, tenantSlug, email string) (User, error) {
	return scanUser(db.QueryRow(ctx, `SELECT u.id, u.tenant_id, u.email, u.display_name, u.role,
		u.disabled_at, u.created_at, coalesce(u.password_hash, '') FROM users u
		JOIN tenants t ON t.id = u.tenant_id WHERE t.slug = $1 AND lower(u.email) = lower($2)`,
		tenantSlug, strings.TrimSpace(email)))
}

// ListUsers returns the users of a tenant ordered by email, after the email
// after (keyset pagination), at most limit.
func ListUsers(ctx context.Context, db DB, tenantID, after string, limit int) ([]User, error) {
	rows, err := db.Query(ctx, `SELECT `+userCols+` FROM users WHERE tenant_id = $1
		AND lower(email) > lower($2) ORDER BY lower(email) LIMIT $3`, tenantID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("listing users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// SetRole changes a user's role in the tenant.
func SetRole(ctx context.Context, db DB, tenantID, userID, role string) error {
	tag, err := db.Exec(ctx, `UPDATE users SET role = $3 WHERE tenant_id = $1 AND id = $2`,
		tenantID, userID, role)
	if err != nil {
		return fmt.Errorf("changing role: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// SetPassword stores a new password hash for a user.
func SetPassword(ctx context.Context, db DB, tenantID, userID, pw string) error {
	h, err := password.Hash(pw)
	if err != nil {
		return err
	}
	_, err = db.Exec(ctx, `UPDATE users SET password_hash = $3 WHERE tenant_id = $1 AND id = $2`,
		tenantID, userID, h)
	if err != nil {
		return fmt.Errorf("storing password: %w", err)
	}
	return nil
}

func isUnique(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

func isUUID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) == 36
}

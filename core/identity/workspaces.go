package identity

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kernelwork/kernelwork/core/audit"
	"github.com/kernelwork/kernelwork/core/jsonio"
	"github.com/kernelwork/kernelwork/core/problem"
)

// Workspace is a space inside a tenant.
type Workspace struct {
	ID        string    `json:"id"`
	TenantID  string    `json:"tenant_id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	// Role is the caller's role in the workspace, empty when the caller is a
	// tenant admin who is not a member.
	Role string `json:"role,omitempty"`
}

// Member is a membership: a user's role in a workspace.
type Member struct {
	UserID      string    `json:"user_id"`
	Email       string    `json:"email"`
	DisplayName string    `json:"display_name"`
	Role        string    `json:"role"`
	CreatedAt   time.Time `json:"created_at"`
}

var errWorkspaceRole = problem.New(http.StatusForbidden, "not-workspace-admin",
	"Only an owner or admin of the workspace, or a tenant admin, may do this.")

// CreateWorkspace adds a workspace to a tenant with owner as its first owner.
func CreateWorkspace(ctx context.Context, db DB, tenantID, name, ownerID string) (Workspace, error) {
	var w Workspace
	err := db.QueryRow(ctx, `INSERT INTO workspaces (tenant_id, name) VALUES ($1, $2)
		RETURNING id, tenant_id, name, created_at`, tenantID, name).
		Scan(&w.ID, &w.TenantID, &w.Name, &w.CreatedAt)
	if err != nil {
		return w, fmt.Errorf("creating workspace: %w", err)
	}
	w.Role = RoleOwner
	return w, SetMember(ctx, db, tenantID, w.ID, ownerID, RoleOwner)
}

// SetMember adds a user of the tenant to a workspace with role, or changes
// the role of a member.
func SetMember(ctx context.Context, db DB, tenantID, workspaceID, userID, role string) error {
	_, err := db.Exec(ctx, `INSERT INTO workspace_members (workspace_id, user_id, tenant_id, role)
		VALUES ($1, $2, $3, $4) ON CONFLICT (workspace_id, user_id) DO UPDATE SET role = $4`,
		workspaceID, userID, tenantID, role)
	if err != nil {
		return fmt.Errorf("setting membership: %w", err)
	}
	return nil
}

// WorkspaceRole returns userID's role in a workspace of the tenant: "" when
// the user is not a member, ErrNotFound when the tenant has no such workspace.
func WorkspaceRole(ctx context.Context, db DB, tenantID, workspaceID, userID string) (string, error) {
	if !isUUID(workspaceID) {
		return "", ErrNotFound
	}
	var role *string
	err := db.QueryRow(ctx, `SELECT m.role FROM workspaces w LEFT JOIN workspace_members m
		ON m.workspace_id = w.id AND m.user_id::text = $3
		WHERE w.tenant_id = $1 AND w.id = $2`, tenantID, workspaceID, userID).Scan(&role)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil || role == nil {
		return "", err
	}
	return *role, nil
}

// workspaceAccess loads the caller's role in the workspace of the path. A
// workspace the caller may not see (another tenant's, or one of which a
// non-admin caller is no member) is 404.
func (s *Service) workspaceAccess(w http.ResponseWriter, r *http.Request) (string, bool) {
	me := whoFrom(r.Context()).User
	role, err := WorkspaceRole(r.Context(), s.a.DB, me.TenantID, r.PathValue("id"), me.ID)
	if errors.Is(err, ErrNotFound) || (err == nil && role == "" && !IsAdmin(me.Role)) {
		problem.Write(w, problem.NotFound)
		return "", false
	}
	if err != nil {
		s.fail(w, r, err)
		return "", false
	}
	return role, true
}

func (s *Service) handleListWorkspaces(w http.ResponseWriter, r *http.Request) {
	me := whoFrom(r.Context()).User
	rows, err := s.a.DB.Query(r.Context(), `SELECT w.id, w.tenant_id, w.name, w.created_at,
		coalesce(m.role, '') FROM workspaces w LEFT JOIN workspace_members m
		ON m.workspace_id = w.id AND m.user_id = $2
		WHERE w.tenant_id = $1 AND (m.role IS NOT NULL OR $3) ORDER BY w.name, w.id`,
		me.TenantID, me.ID, IsAdmin(me.Role))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Workspace])
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if list == nil {
		list = []Workspace{}
	}
	jsonio.Write(w, http.StatusOK, map[string]any{"workspaces": list})
}

func (s *Service) handleCreateWorkspace(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name string `json:"name"`
	}
	if err := jsonio.Decode(w, r, &req); err != nil {
		problem.Write(w, err)
		return
	}
	if len(req.Name) < 1 || len(req.Name) > 200 {
		problem.Write(w, problem.BadRequest.WithDetail("name needs 1 to 200 characters."))
		return
	}
	me := whoFrom(r.Context()).User
	var ws Workspace
	err := pgx.BeginFunc(r.Context(), s.a.DB, func(tx pgx.Tx) error {
		var err error
		ws, err = CreateWorkspace(r.Context(), tx, me.TenantID, req.Name, me.ID)
		return err
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.audit(r, me.TenantID, me.ID, audit.WorkspaceCreated, "workspace", ws.ID, nil)
	jsonio.Write(w, http.StatusCreated, ws)
}

func (s *Service) handleListMembers(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.workspaceAccess(w, r); !ok {
		return
	}
	rows, err := s.a.DB.Query(r.Context(), `SELECT u.id, u.email, u.display_name, m.role,
		m.created_at FROM workspace_members m JOIN users u ON u.id = m.user_id
		WHERE m.workspace_id = $1 AND m.tenant_id = $2 ORDER BY lower(u.email)`,
		r.PathValue("id"), whoFrom(r.Context()).User.TenantID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Member])
	if err != nil {
		s.fail(w, r, err)
		return
	}
	jsonio.Write(w, http.StatusOK, map[string]any{"members": list})
}

// memberChange checks that the caller may change the membership of the user
// in the path, in a workspace they can see, and returns that user.
func (s *Service) memberChange(w http.ResponseWriter, r *http.Request, newRole string) (User, bool) {
	role, ok := s.workspaceAccess(w, r)
	if !ok {
		return User{}, false
	}
	me := whoFrom(r.Context()).User
	target, err := UserByID(r.Context(), s.a.DB, me.TenantID, r.PathValue("user_id"))
	if errors.Is(err, ErrNotFound) {
		problem.Write(w, problem.NotFound)
		return User{}, false
	}
	if err != nil {
		s.fail(w, r, err)
		return User{}, false
	}
	current, _ := WorkspaceRole(r.Context(), s.a.DB, me.TenantID, r.PathValue("id"), target.ID)
	tenantAdmin := IsAdmin(me.Role)
	switch {
	case !tenantAdmin && !IsAdmin(role):
		problem.Write(w, errWorkspaceRole)
		return User{}, false
	case !tenantAdmin && role != RoleOwner && (newRole == RoleOwner || current == RoleOwner):
		problem.Write(w, errOwnerOnly)
		return User{}, false
	}
	return target, true
}

func (s *Service) handleSetMember(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Role string `json:"role"`
	}
	if err := jsonio.Decode(w, r, &req); err != nil {
		problem.Write(w, err)
		return
	}
	if !ValidRole(req.Role) {
		problem.Write(w, problem.BadRequest.WithDetail(
			"role must be owner, admin, member or guest."))
		return
	}
	target, ok := s.memberChange(w, r, req.Role)
	if !ok {
		return
	}
	me := whoFrom(r.Context()).User
	if err := SetMember(r.Context(), s.a.DB, me.TenantID, r.PathValue("id"), target.ID,
		req.Role); err != nil {
		s.fail(w, r, err)
		return
	}
	d, _ := json.Marshal(map[string]string{"workspace_id": r.PathValue("id"), "role": req.Role})
	s.audit(r, me.TenantID, me.ID, audit.MembershipSet, "user", target.ID, d)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Service) handleRemoveMember(w http.ResponseWriter, r *http.Request) {
	target, ok := s.memberChange(w, r, "")
	if !ok {
		return
	}
	me := whoFrom(r.Context()).User
	tag, err := s.a.DB.Exec(r.Context(), `DELETE FROM workspace_members
		WHERE workspace_id = $1 AND user_id = $2 AND tenant_id = $3`, r.PathValue("id"),
		target.ID, me.TenantID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if tag.RowsAffected() == 0 {
		problem.Write(w, problem.NotFound)
		return
	}
	d, _ := json.Marshal(map[string]string{"workspace_id": r.PathValue("id")})
	s.audit(r, me.TenantID, me.ID, audit.MembershipRemoved, "user", target.ID, d)
	w.WriteHeader(http.StatusNoContent)
}

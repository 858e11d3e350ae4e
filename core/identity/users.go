package identity

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/kernelwork/kernelwork/core/audit"
	"github.com/kernelwork/kernelwork/core/identity/password"
	"github.com/kernelwork/kernelwork/core/jsonio"
	"github.com/kernelwork/kernelwork/core/problem"
)

// The tenant-admin routes. Every lookup is scoped to the caller's tenant, so
// a user of another tenant is answered 404, exactly as a user that does not
// exist.

func (s *Service) handleListUsers(w http.ResponseWriter, r *http.Request) {
	limit, err := pageLimit(r)
	if err != nil {
		problem.Write(w, err)
		return
	}
	me := whoFrom(r.Context())
	users, err := ListUsers(r.Context(), s.a.DB, me.User.TenantID, r.URL.Query().Get("after"),
		limit+1)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := map[string]any{"users": users}
	if len(users) > limit {
		out["users"], out["next_after"] = users[:limit], users[limit-1].Email
	}
	if users == nil {
		out["users"] = []User{}
	}
	jsonio.Write(w, http.StatusOK, out)
}

// createUserRequest is the body of POST /api/v1/users; it has NewUser's
// fields.
type createUserRequest struct {
	Email       string `json:"email"`
	DisplayName string `json:"display_name"`
	Role        string `json:"role"`
	Password    string `json:"password"`
}

// handleCreateUser creates a user; without a password one is generated and
// returned once in the answer.
func (s *Service) handleCreateUser(w http.ResponseWriter, r *http.Request) {
	var req createUserRequest
	if err := jsonio.Decode(w, r, &req); err != nil {
		problem.Write(w, err)
		return
	}
	me := whoFrom(r.Context())
	if !validEmail(req.Email) || !ValidRole(req.Role) || len(req.DisplayName) > 200 {
		problem.Write(w, problem.BadRequest.WithDetail("email and role (owner, admin, member "+
			"or guest) are required; display_name has at most 200 characters."))
		return
	}
	if req.Role == RoleOwner && me.User.Role != RoleOwner {
		problem.Write(w, errOwnerOnly)
		return
	}
	generated := ""
	if req.Password == "" {
		generated, _ = password.Generate()
		req.Password = generated
	} else if err := password.Check(req.Password); err != nil {
		problem.Write(w, errWeakPassword.WithDetail(err.Error()))
		return
	}
	u, err := CreateUser(r.Context(), s.a.DB, me.User.TenantID, NewUser(req))
	if errors.Is(err, ErrExists) {
		problem.Write(w, errUserExists)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d, _ := json.Marshal(map[string]string{"role": u.Role})
	s.audit(r, u.TenantID, me.User.ID, audit.UserCreated, "user", u.ID, d)
	out := map[string]any{"user": u}
	if generated != "" {
		out["password"] = generated
	}
	jsonio.Write(w, http.StatusCreated, out)
}

// target loads the user named in the path, in the caller's tenant.
func (s *Service) target(w http.ResponseWriter, r *http.Request) (User, bool) {
	u, err := UserByID(r.Context(), s.a.DB, whoFrom(r.Context()).User.TenantID, r.PathValue("id"))
	if errors.Is(err, ErrNotFound) {
		problem.Write(w, problem.NotFound)
		return u, false
	}
	if err != nil {
		s.fail(w, r, err)
		return u, false
	}
	return u, true
}

func (s *Service) handleGetUser(w http.ResponseWriter, r *http.Request) {
	if u, ok := s.target(w, r); ok {
		jsonio.Write(w, http.StatusOK, u)
	}
}

func (s *Service) handleUserSessions(w http.ResponseWriter, r *http.Request) {
	if u, ok := s.target(w, r); ok {
		s.writeSessions(w, r, u.TenantID, u.ID, "")
	}
}

// handleSetRole changes a user's role. Only an owner grants or removes the
// owner role, and the tenant keeps at least one owner.
func (s *Service) handleSetRole(w http.ResponseWriter, r *http.Request) {
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
	u, ok := s.target(w, r)
	if !ok {
		return
	}
	me := whoFrom(r.Context())
	if (req.Role == RoleOwner || u.Role == RoleOwner) && me.User.Role != RoleOwner {
		problem.Write(w, errOwnerOnly)
		return
	}
	if err := s.setRole(r, u, req.Role); err != nil {
		s.fail(w, r, err)
		return
	}
	d, _ := json.Marshal(map[string]string{"from": u.Role, "to": req.Role})
	s.audit(r, u.TenantID, me.User.ID, audit.RoleChanged, "user", u.ID, d)
	u.Role = req.Role
	jsonio.Write(w, http.StatusOK, u)
}

// setRole changes the role in a transaction that keeps one owner at least.
func (s *Service) setRole(r *http.Request, u User, role string) error {
	ctx := r.Context()
	tx, err := s.a.DB.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	_, err = tx.Exec(ctx, `SELECT 1 FROM tenants WHERE id = $1 FOR UPDATE`, u.TenantID)
	if err != nil {
		return err
	}
	if err := SetRole(ctx, tx, u.TenantID, u.ID, role); err != nil {
		return err
	}
	var owners int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM users WHERE tenant_id = $1 AND role = 'owner'
		AND disabled_at IS NULL`, u.TenantID).Scan(&owners); err != nil {
		return err
	}
	if owners == 0 {
		return errLastOwner
	}
	return tx.Commit(ctx)
}

func (s *Service) handleRevokeUserSessions(w http.ResponseWriter, r *http.Request) {
	u, ok := s.target(w, r)
	if !ok {
		return
	}
	me := whoFrom(r.Context())
	ids, err := s.revoke(r, me.User.ID, ReasonAdmin, "user_id::text = $2", u.TenantID, u.ID, "")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d, _ := json.Marshal(map[string]int{"count": len(ids)})
	s.audit(r, u.TenantID, me.User.ID, audit.SessionsRevoked, "user", u.ID, d)
	jsonio.Write(w, http.StatusOK, map[string]int{"revoked": len(ids)})
}

func (s *Service) handleAudit(w http.ResponseWriter, r *http.Request) {
	limit, err := pageLimit(r)
	if err != nil {
		problem.Write(w, err)
		return
	}
	var before int64
	if v := r.URL.Query().Get("before"); v != "" {
		if err := json.Unmarshal([]byte(v), &before); err != nil || before < 1 {
			problem.Write(w, problem.BadRequest.WithDetail("before must be an entry id."))
			return
		}
	}
	entries, err := audit.List(r.Context(), s.a.DB, whoFrom(r.Context()).User.TenantID, before,
		limit, r.URL.Query().Get("action"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := map[string]any{"entries": entries}
	if entries == nil {
		out["entries"] = []audit.Entry{}
	}
	if len(entries) == limit {
		out["next_before"] = entries[len(entries)-1].ID
	}
	jsonio.Write(w, http.StatusOK, out)
}

func validEmail(e string) bool {
	at := -1
	for i, c := range e {
		if c == '@' {
			at = i
		}
		if c <= ' ' {
			return false
		}
	}
	return len(e) >= 3 && len(e) <= 320 && at > 0 && at < len(e)-1
}

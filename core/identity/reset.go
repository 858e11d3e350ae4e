package identity

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kernelwork/kernelwork/core/identity/password"
	"github.com/kernelwork/kernelwork/core/jsonio"
	"github.com/kernelwork/kernelwork/core/problem"
)

// Password reset. The platform sends no mail, so a reset starts with a
// tenant owner or admin: POST /api/v1/users/{id}/password-reset issues a
// one-time code for the user, shown once, which the admin hands over out of
// band. The user exchanges it, with a new password, at the public POST
// /api/v1/auth/password/reset; that ends every session of the user.

// ResetPrefix starts every password reset code, so that secret scanners find
// one.
const ResetPrefix = "kwpr_"

// Audit actions of password resets.
const (
	AuditResetIssued = "password.reset_issued"
	AuditResetUsed   = "password.reset"
)

// Problems of password resets.
var (
	// errResetInvalid answers every failed exchange alike (unknown tenant or
	// email, disabled account, wrong, used or expired code), so that the
	// route tells nothing about which accounts exist.
	errResetInvalid = problem.New(http.StatusBadRequest, "invalid-reset-code",
		"The tenant, email or reset code is wrong, or the code was used or has expired.")
	errUserDisabled = problem.New(http.StatusConflict, "user-disabled",
		"The user is disabled and cannot reset a password.")
)

// resetIssued is the answer of POST /api/v1/users/{id}/password-reset.
type resetIssued struct {
	ResetCode string    `json:"reset_code"`
	ExpiresAt time.Time `json:"expires_at"`
}

// handleIssueReset issues a reset code for the user in the path. Only an
// owner issues one for an owner: otherwise an admin could take over an
// owner's account.
func (s *Service) handleIssueReset(w http.ResponseWriter, r *http.Request) {
	u, ok := s.target(w, r)
	if !ok {
		return
	}
	me := whoFrom(r.Context())
	if u.Role == RoleOwner && me.User.Role != RoleOwner {
		problem.Write(w, errOwnerOnly)
		return
	}
	if u.DisabledAt != nil {
		problem.Write(w, errUserDisabled)
		return
	}
	out, err := s.issueReset(r.Context(), u, me.User.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d, _ := json.Marshal(map[string]time.Time{"expires_at": out.ExpiresAt})
	s.audit(r, u.TenantID, me.User.ID, AuditResetIssued, "user", u.ID, d)
	jsonio.Write(w, http.StatusCreated, out)
}

// issueReset stores the hash of a new code for u, replacing any unused code
// of u in the same statement, and returns the code.
func (s *Service) issueReset(ctx context.Context, u User, issuerID string) (resetIssued, error) {
	raw, hash, err := newSecret(ResetPrefix)
	if err != nil {
		return resetIssued{}, err
	}
	now := s.a.Now()
	out := resetIssued{ResetCode: raw, ExpiresAt: now.Add(s.a.Config.Tokens.PasswordResetTTL)}
	_, err = s.a.DB.Exec(ctx, `INSERT INTO password_resets (code_hash, tenant_id, user_id,
		issued_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (user_id) WHERE used_at IS NULL DO UPDATE SET code_hash = excluded.code_hash,
		issued_by = excluded.issued_by, created_at = excluded.created_at,
		expires_at = excluded.expires_at`, hash, u.TenantID, u.ID, issuerID, now, out.ExpiresAt)
	if err != nil {
		return resetIssued{}, fmt.Errorf("storing password reset code: %w", err)
	}
	return out, nil
}

// resetRequest is the body of POST /api/v1/auth/password/reset.
type resetRequest struct {
	Tenant      string `json:"tenant"`
	Email       string `json:"email"`
	ResetCode   string `json:"reset_code"`
	NewPassword string `json:"new_password"`
}

// handleReset exchanges a reset code for a new password and ends every
// session of the user. The shape of the body and the password policy are
// checked first, as they depend on no account; every other failure is
// errResetInvalid.
func (s *Service) handleReset(w http.ResponseWriter, r *http.Request) {
	var req resetRequest
	if err := jsonio.Decode(w, r, &req); err != nil {
		problem.Write(w, err)
		return
	}
	if req.Tenant == "" || req.Email == "" || len(req.Email) > 320 || req.ResetCode == "" {
		problem.Write(w, problem.BadRequest.WithDetail("tenant, email, reset_code and "+
			"new_password are required."))
		return
	}
	if err := password.Check(req.NewPassword); err != nil {
		problem.Write(w, errWeakPassword.WithDetail(err.Error()))
		return
	}
	if !looksLikeSecret(req.ResetCode, ResetPrefix) {
		problem.Write(w, errResetInvalid)
		return
	}
	tenantID, userID, ids, err := s.resetPassword(r.Context(), req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.audit(r, tenantID, userID, AuditResetUsed, "user", userID, nil)
	s.revoked(r, userID, tenantID, ReasonPasswordReset, ids)
	w.WriteHeader(http.StatusNoContent)
}

// resetPassword consumes the code of req, sets the new password and revokes
// every session of the user, in one transaction, and returns the user's
// tenant and id and the revoked sessions. Marking the code used is the
// statement's own condition (used_at IS NULL), so of two concurrent uses of
// one code only the first to commit succeeds: the other waits for its row
// lock and then finds the code used.
func (s *Service) resetPassword(ctx context.Context, req resetRequest) (
	tenantID, userID string, ids []string, err error,
) {
	now := s.a.Now()
	tx, err := s.a.DB.Begin(ctx)
	if err != nil {
		return "", "", nil, fmt.Errorf("resetting password: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	err = tx.QueryRow(ctx, `UPDATE password_resets r SET used_at = $4
		FROM users u JOIN tenants t ON t.id = u.tenant_id
		WHERE r.code_hash = $1 AND u.tenant_id = r.tenant_id AND u.id = r.user_id
		AND t.slug = $2 AND lower(u.email) = lower($3) AND u.disabled_at IS NULL
		AND r.used_at IS NULL AND r.expires_at > $4
		RETURNING r.tenant_id::text, r.user_id::text`, hashSecret(req.ResetCode), req.Tenant,
		strings.TrimSpace(req.Email), now).Scan(&tenantID, &userID)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", "", nil, errResetInvalid
	}
	if err != nil {
		return "", "", nil, fmt.Errorf("consuming password reset code: %w", err)
	}
	if err := SetPassword(ctx, tx, tenantID, userID, req.NewPassword); err != nil {
		return "", "", nil, err
	}
	ids, err = revokeWhere(ctx, tx, now, ReasonPasswordReset, "user_id::text = $2", tenantID,
		userID, "")
	if err != nil {
		return "", "", nil, err
	}
	if err := tx.Commit(ctx); err != nil {
		return "", "", nil, fmt.Errorf("resetting password: %w", err)
	}
	return tenantID, userID, ids, nil
}

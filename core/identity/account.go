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

// revoke revokes the sessions matching cond (see revokeWhere), announces
// them, audits each, and returns their ids.
func (s *Service) revoke(r *http.Request, actorID, reason, cond, tenantID, arg, except string) (
	[]string, error,
) {
	ids, err := revokeWhere(r.Context(), s.a.DB, s.a.Now(), reason, cond, tenantID, arg, except)
	if err != nil {
		return nil, err
	}
	s.revoked(r, actorID, tenantID, reason, ids)
	return ids, nil
}

// revoked announces the sessions ids, which revokeWhere revoked for reason,
// and audits each. A failed announcement is logged and retried later (see
// announcePending): the revocation itself is already recorded.
func (s *Service) revoked(r *http.Request, actorID, tenantID, reason string, ids []string) {
	if err := s.announce(r.Context(), ids); err != nil {
		s.a.Log.Error("announcing revocation", "error", err)
	}
	d, _ := json.Marshal(map[string]string{"reason": reason})
	for _, id := range ids {
		s.audit(r, tenantID, actorID, audit.SessionRevoked, "session", id, d)
	}
}

func (s *Service) handleLogout(w http.ResponseWriter, r *http.Request) {
	me := whoFrom(r.Context())
	if _, err := s.revoke(r, me.User.ID, ReasonLogout, "id::text = $2", me.User.TenantID,
		me.Session.ID, ""); err != nil {
		s.fail(w, r, err)
		return
	}
	clearRefreshCookie(w)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Service) handleLogoutAll(w http.ResponseWriter, r *http.Request) {
	me := whoFrom(r.Context())
	if _, err := s.revoke(r, me.User.ID, ReasonLogoutAll, "user_id::text = $2", me.User.TenantID,
		me.User.ID, ""); err != nil {
		s.fail(w, r, err)
		return
	}
	clearRefreshCookie(w)
	w.WriteHeader(http.StatusNoContent)
}

// handlePassword changes the caller's password after checking the current
// one (under the login throttle) and revokes every other session.
func (s *Service) handlePassword(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Current string `json:"current_password"`
		New     string `json:"new_password"`
	}
	if err := jsonio.Decode(w, r, &req); err != nil {
		problem.Write(w, err)
		return
	}
	me := whoFrom(r.Context())
	ten, err := s.tenantOf(r, me.User.TenantID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := password.Check(req.New); err != nil {
		problem.Write(w, errWeakPassword.WithDetail(err.Error()))
		return
	}
	_, err = s.login(r.Context(), loginRequest{
		Tenant: ten, Email: me.User.Email,
		Password: req.Current,
	}, clientIP(r), r.UserAgent(), w)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := SetPassword(r.Context(), s.a.DB, me.User.TenantID, me.User.ID, req.New); err != nil {
		s.fail(w, r, err)
		return
	}
	s.audit(r, me.User.TenantID, me.User.ID, audit.PasswordChanged, "user", me.User.ID, nil)
	if _, err := s.revoke(r, me.User.ID, ReasonPasswordChange, "user_id::text = $2",
		me.User.TenantID, me.User.ID, me.Session.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Service) tenantOf(r *http.Request, tenantID string) (string, error) {
	var slug string
	err := s.a.DB.QueryRow(r.Context(), `SELECT slug FROM tenants WHERE id = $1`, tenantID).
		Scan(&slug)
	return slug, err
}

type meResponse struct {
	User
	TenantSlug string `json:"tenant_slug"`
	SessionID  string `json:"session_id"`
}

func (s *Service) handleMe(w http.ResponseWriter, r *http.Request) {
	me := whoFrom(r.Context())
	slug, err := s.tenantOf(r, me.User.TenantID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	jsonio.Write(w, http.StatusOK, meResponse{
		User: me.User, TenantSlug: slug,
		SessionID: me.Session.ID,
	})
}

type sessionView struct {
	Session
	Current bool `json:"current"`
}

func (s *Service) handleMySessions(w http.ResponseWriter, r *http.Request) {
	me := whoFrom(r.Context())
	s.writeSessions(w, r, me.User.TenantID, me.User.ID, me.Session.ID)
}

func (s *Service) writeSessions(w http.ResponseWriter, r *http.Request, tenantID, userID,
	current string,
) {
	list, err := s.ActiveSessions(r.Context(), tenantID, userID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]sessionView, 0, len(list))
	for _, sess := range list {
		out = append(out, sessionView{Session: sess, Current: sess.ID == current})
	}
	jsonio.Write(w, http.StatusOK, map[string]any{"sessions": out})
}

// handleDeleteMySession revokes one of the caller's own sessions; another
// user's session, or an unknown id, is 404.
func (s *Service) handleDeleteMySession(w http.ResponseWriter, r *http.Request) {
	me := whoFrom(r.Context())
	sess, err := SessionByID(r.Context(), s.a.DB, me.User.TenantID, r.PathValue("id"))
	if errors.Is(err, ErrNotFound) || (err == nil && sess.UserID != me.User.ID) {
		problem.Write(w, problem.NotFound)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := s.revoke(r, me.User.ID, ReasonUserDelete, "id::text = $2", me.User.TenantID,
		sess.ID, ""); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

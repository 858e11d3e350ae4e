package identity

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/kernelwork/kernelwork/core/audit"
	"github.com/kernelwork/kernelwork/core/identity/password"
	"github.com/kernelwork/kernelwork/core/jsonio"
	"github.com/kernelwork/kernelwork/core/problem"
)

// Client kinds of a login: a browser gets its refresh token in a cookie, a
// native client in the JSON body.
const (
	ClientBrowser = "browser"
	ClientNative  = "native"
)

type loginRequest struct {
	Tenant   string `json:"tenant"`
	Email    string `json:"email"`
	Password string `json:"password"`
	Client   string `json:"client"`
}

// tokenResponse is the body of a login or refresh.
type tokenResponse struct {
	AccessToken      string `json:"access_token"`
	TokenType        string `json:"token_type"`
	ExpiresIn        int64  `json:"expires_in"`
	SessionID        string `json:"session_id"`
	RefreshToken     string `json:"refresh_token,omitempty"`
	RefreshExpiresIn int64  `json:"refresh_expires_in"`
}

func (s *Service) handleLogin(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if err := jsonio.Decode(w, r, &req); err != nil {
		problem.Write(w, err)
		return
	}
	if req.Client == "" {
		req.Client = ClientBrowser
	}
	if req.Tenant == "" || req.Email == "" || len(req.Email) > 320 || req.Password == "" ||
		(req.Client != ClientBrowser && req.Client != ClientNative) {
		problem.Write(w, problem.BadRequest.WithDetail("tenant, email, password and client "+
			"(browser or native) are required."))
		return
	}
	if len(req.Password) > password.MaxBytes {
		problem.Write(w, errWeakPassword.WithDetail(password.ErrTooLong.Error()))
		return
	}
	u, err := s.login(r.Context(), req, clientIP(r), r.UserAgent(), w)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	iss, err := s.StartSession(r.Context(), u, clientIP(r), r.UserAgent())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.audit(r, u.TenantID, u.ID, audit.LoginSucceeded, "session", iss.Session.ID, nil)
	s.retryAnnouncements(r)
	s.writeTokens(w, http.StatusOK, req.Client == ClientBrowser, iss)
}

// login checks the credentials under the account's throttle. An unknown
// account, a disabled one, one without a password and a wrong password all
// give errBadCredentials after the same argon2id work.
func (s *Service) login(ctx context.Context, req loginRequest, ip, ua string,
	w http.ResponseWriter,
) (User, error) {
	key := throttleKey(req.Tenant, req.Email)
	wait, err := s.throttle.wait(ctx, key)
	if err != nil {
		s.a.Log.Error("login throttle unavailable", "error", err)
		return User{}, problem.Unavailable
	}
	u, lookupErr := UserByEmail(ctx, s.a.DB, req.Tenant, req.Email)
	if wait > 0 {
		if lookupErr == nil {
			s.auditAt(ctx, u.TenantID, "", audit.LoginThrottled, "user", u.ID, ip, ua, nil)
		}
		w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
		return User{}, errThrottled
	}
	if lookupErr != nil && !errors.Is(lookupErr, ErrNotFound) {
		return User{}, lookupErr
	}
	hash := s.dummy()
	if lookupErr == nil && u.passwordHash != "" {
		hash = u.passwordHash
	}
	ok, err := password.Verify(req.Password, hash)
	if err != nil {
		return User{}, err
	}
	if lookupErr != nil || u.passwordHash == "" || u.DisabledAt != nil || !ok {
		if err := s.throttle.fail(ctx, key); err != nil {
			s.a.Log.Error("login throttle unavailable", "error", err)
			return User{}, problem.Unavailable
		}
		if lookupErr == nil {
			s.auditAt(ctx, u.TenantID, "", audit.LoginFailed, "user", u.ID, ip, ua, nil)
		} else if ten, err := TenantBySlug(ctx, s.a.DB, req.Tenant); err == nil {
			d, _ := json.Marshal(map[string]string{"reason": "unknown_account"})
			s.auditAt(ctx, ten.ID, "", audit.LoginFailed, "email", req.Email, ip, ua, d)
		}
		return User{}, errBadCredentials
	}
	if err := s.throttle.reset(ctx, key); err != nil {
		s.a.Log.Error("login throttle unavailable", "error", err)
		return User{}, problem.Unavailable
	}
	if password.NeedsRehash(u.passwordHash) {
		_ = SetPassword(ctx, s.a.DB, u.TenantID, u.ID, req.Password)
	}
	return u, nil
}

// retryAnnouncements announces revocations whose announcement failed
// earlier; a failure is logged, not answered: the request itself succeeded.
func (s *Service) retryAnnouncements(r *http.Request) {
	if err := s.announcePending(r.Context()); err != nil {
		s.a.Log.Error("announcing revocations", "error", err)
	}
}

// writeTokens answers a login or refresh: the refresh token in a cookie for a
// browser, in the body for a native client.
func (s *Service) writeTokens(w http.ResponseWriter, status int, browser bool, iss Issued) {
	now := s.a.Now()
	body := tokenResponse{
		AccessToken: iss.AccessToken, TokenType: "Bearer",
		ExpiresIn: iss.Claims.ExpiresAt - now.Unix(), SessionID: iss.Session.ID,
		RefreshExpiresIn: int64(refreshExpiry(iss.Session).Sub(now).Seconds()),
	}
	if browser {
		http.SetCookie(w, s.refreshCookie(iss.RefreshToken, refreshExpiry(iss.Session)))
	} else {
		body.RefreshToken = iss.RefreshToken
	}
	jsonio.Write(w, status, body)
}

// audit writes an entry for a request, logging (not failing) on error: the
// action it records has already happened.
func (s *Service) audit(r *http.Request, tenantID, actorID, action, targetType, targetID string,
	details json.RawMessage,
) {
	s.auditAt(r.Context(), tenantID, actorID, action, targetType, targetID, clientIP(r),
		r.UserAgent(), details)
}

func (s *Service) auditAt(ctx context.Context, tenantID, actorID, action, targetType,
	targetID, ip, ua string, details json.RawMessage,
) {
	err := audit.Write(ctx, s.a.DB, audit.Entry{
		TenantID: tenantID, ActorID: actorID,
		Action: action, TargetType: targetType, TargetID: targetID, IP: ip, UserAgent: ua,
		Details: details, CreatedAt: s.a.Now(),
	})
	if err != nil {
		s.a.Log.Error("writing audit entry", "action", action, "error", err)
	}
}

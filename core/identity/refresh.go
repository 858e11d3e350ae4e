package identity

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kernelwork/kernelwork/core/audit"
	"github.com/kernelwork/kernelwork/core/jsonio"
	"github.com/kernelwork/kernelwork/core/problem"
)

// errReuse is a refresh token used again after the grace window.
var errReuse = errors.New("refresh token reuse")

func (s *Service) handleRefresh(w http.ResponseWriter, r *http.Request) {
	var body struct {
		RefreshToken string `json:"refresh_token"`
	}
	if r.ContentLength != 0 {
		if err := jsonio.Decode(w, r, &body); err != nil {
			problem.Write(w, err)
			return
		}
	}
	raw, browser := body.RefreshToken, false
	if ck, err := r.Cookie(RefreshCookie); err == nil && ck.Value != "" {
		if raw != "" {
			problem.Write(w, problem.BadRequest.WithDetail("Send the refresh token in the "+
				"cookie or in the body, not both."))
			return
		}
		if !s.sameOrigin(r) {
			problem.Write(w, errCrossSite)
			return
		}
		raw, browser = ck.Value, true
	}
	iss, err := s.Refresh(r.Context(), raw, clientIP(r), r.UserAgent())
	if err != nil {
		if browser {
			clearRefreshCookie(w)
		}
		s.fail(w, r, err)
		return
	}
	s.retryAnnouncements(r)
	s.writeTokens(w, http.StatusOK, browser, iss)
}

// Refresh exchanges a refresh token for a new access token and a new refresh
// token of the same session. A token used before is accepted again only
// within KW_REFRESH_REUSE_GRACE of its first use (concurrent refreshes; each
// gets a token of its own); later, the whole family is revoked with its
// session, the reuse is written to the audit log, and errRefreshInvalid is
// returned.
func (s *Service) Refresh(ctx context.Context, raw, ip, ua string) (Issued, error) {
	if !looksLikeSecret(raw, RefreshPrefix) {
		return Issued{}, errRefreshInvalid
	}
	tx, err := s.a.DB.Begin(ctx)
	if err != nil {
		return Issued{}, fmt.Errorf("refreshing: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	sess, refresh, err := s.rotate(ctx, tx, raw, ip, ua)
	if errors.Is(err, errReuse) {
		if err := tx.Commit(ctx); err != nil {
			return Issued{}, fmt.Errorf("revoking reused family: %w", err)
		}
		if err := s.announce(ctx, []string{sess.ID}); err != nil {
			s.a.Log.Error("announcing revocation", "session_id", sess.ID, "error", err)
		}
		return Issued{}, errRefreshInvalid
	}
	if err != nil {
		return Issued{}, err
	}
	if err := tx.Commit(ctx); err != nil {
		return Issued{}, fmt.Errorf("refreshing: %w", err)
	}
	access, claims, err := s.Issuer.Access(ctx, sess.UserID, sess.TenantID, sess.ID)
	if err != nil {
		return Issued{}, fmt.Errorf("issuing access token: %w", err)
	}
	return Issued{AccessToken: access, Claims: claims, RefreshToken: refresh, Session: sess}, nil
}

// rotate marks the token used and adds its successor, inside tx. On reuse it
// revokes the session in tx and returns errReuse with the session.
func (s *Service) rotate(ctx context.Context, tx pgx.Tx, raw, ip, ua string) (
	Session, string, error,
) {
	now := s.a.Now()
	var sessID string
	var gen int
	var expires time.Time
	var usedAt *time.Time
	err := tx.QueryRow(ctx, `SELECT session_id, generation, expires_at, used_at FROM refresh_tokens
		WHERE token_hash = $1 FOR UPDATE`, hashSecret(raw)).Scan(&sessID, &gen, &expires, &usedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Session{}, "", errRefreshInvalid
	}
	if err != nil {
		return Session{}, "", fmt.Errorf("reading refresh token: %w", err)
	}
	sess, err := scanSession(tx.QueryRow(ctx, `SELECT `+sessionCols+` FROM sessions
		WHERE id = $1 FOR UPDATE`, sessID))
	if err != nil {
		return Session{}, "", err
	}
	if !sess.active(now) || !now.Before(expires) {
		return sess, "", errRefreshInvalid
	}
	if usedAt != nil && now.Sub(*usedAt) > s.a.Config.Tokens.RefreshReuseGrace {
		return sess, "", s.revokeReused(ctx, tx, sess, gen, now, ip, ua)
	}
	if u, err := UserByID(ctx, tx, sess.TenantID, sess.UserID); err != nil || u.DisabledAt != nil {
		return sess, "", errRefreshInvalid
	}
	if usedAt == nil {
		if _, err := tx.Exec(ctx, `UPDATE refresh_tokens SET used_at = $2 WHERE token_hash = $1`,
			hashSecret(raw), now); err != nil {
			return sess, "", fmt.Errorf("marking refresh token used: %w", err)
		}
	}
	sess.LastSeenAt = now
	sess.IdleExpiresAt = now.Add(s.a.Config.Tokens.RefreshIdleTTL)
	if _, err := tx.Exec(ctx, `UPDATE sessions SET last_seen_at = $2, idle_expires_at = $3
		WHERE id = $1`, sess.ID, now, sess.IdleExpiresAt); err != nil {
		return sess, "", fmt.Errorf("extending session: %w", err)
	}
	next, err := s.insertRefresh(ctx, tx, sess, gen+1)
	return sess, next, err
}

// revokeReused revokes the session of a reused token and audits it in tx.
func (s *Service) revokeReused(ctx context.Context, tx pgx.Tx, sess Session, gen int,
	now time.Time, ip, ua string,
) error {
	if _, err := revokeWhere(ctx, tx, now, ReasonRefreshReuse, "id::text = $2", sess.TenantID,
		sess.ID, ""); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE refresh_tokens SET used_at = coalesce(used_at, $2)
		WHERE session_id = $1`, sess.ID, now); err != nil {
		return fmt.Errorf("retiring refresh family: %w", err)
	}
	err := audit.Write(ctx, tx, audit.Entry{
		TenantID: sess.TenantID, Action: audit.RefreshReuse,
		TargetType: "session", TargetID: sess.ID, CreatedAt: now, IP: ip, UserAgent: ua,
		Details: []byte(fmt.Sprintf(`{"user_id":%q,"generation":%d}`, sess.UserID, gen)),
	})
	if err != nil {
		return err
	}
	return errReuse
}

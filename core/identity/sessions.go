package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kernelwork/kernelwork/core/revocation"
)

// RefreshPrefix starts every refresh token, so that one is recognised (and
// refused) wherever a JWT is expected, and found by secret scanners.
const RefreshPrefix = "kwrt_"

// Session is one login of a user on one client.
type Session struct {
	ID                string     `json:"id"`
	TenantID          string     `json:"-"`
	UserID            string     `json:"-"`
	CreatedAt         time.Time  `json:"created_at"`
	LastSeenAt        time.Time  `json:"last_seen_at"`
	IdleExpiresAt     time.Time  `json:"idle_expires_at"`
	AbsoluteExpiresAt time.Time  `json:"absolute_expires_at"`
	RevokedAt         *time.Time `json:"revoked_at,omitempty"`
	RevokeReason      string     `json:"revoke_reason,omitempty"`
	IP                string     `json:"ip"`
	UserAgent         string     `json:"user_agent"`
}

// Reasons for revoking a session, as stored in sessions.revoke_reason.
const (
	ReasonLogout         = "logout"
	ReasonLogoutAll      = "logout_all"
	ReasonAdmin          = "admin"
	ReasonPasswordChange = "password_change"
	ReasonRefreshReuse   = "refresh_reuse"
	ReasonUserDelete     = "user_session_delete"
	ReasonPasswordReset  = "password_reset"
)

// newSecret returns a secret of 256 bits of randomness after prefix (a
// refresh token, a password reset code) and its hash, which is all that is
// stored of it.
func newSecret(prefix string) (string, []byte, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("reading randomness: %w", err)
	}
	raw := prefix + base64.RawURLEncoding.EncodeToString(b)
	return raw, hashSecret(raw), nil
}

// hashSecret is the SHA-256 of a secret made by newSecret: with 256 bits of
// randomness, a fast hash is enough.
func hashSecret(raw string) []byte {
	sum := sha256.Sum256([]byte(raw))
	return sum[:]
}

// looksLikeSecret reports whether raw has the shape of a secret made by
// newSecret with prefix.
func looksLikeSecret(raw, prefix string) bool {
	return strings.HasPrefix(raw, prefix) && len(raw) == len(prefix)+43
}

// createSession starts a session for u and returns it with its first refresh
// token.
func (s *Service) createSession(ctx context.Context, db DB, u User, ip, ua string) (
	Session, string, error,
) {
	now := s.a.Now()
	t := s.a.Config.Tokens
	sess := Session{
		TenantID: u.TenantID, UserID: u.ID, CreatedAt: now, LastSeenAt: now,
		IdleExpiresAt: now.Add(t.RefreshIdleTTL), AbsoluteExpiresAt: now.Add(t.RefreshAbsoluteTTL),
		IP: ip, UserAgent: trim(ua, 512),
	}
	err := db.QueryRow(ctx, `INSERT INTO sessions (tenant_id, user_id, created_at, last_seen_at,
		idle_expires_at, absolute_expires_at, ip, user_agent) VALUES ($1, $2, $3, $3, $4, $5, $6, $7)
		RETURNING id`, sess.TenantID, sess.UserID, now, sess.IdleExpiresAt, sess.AbsoluteExpiresAt,
		sess.IP, sess.UserAgent).Scan(&sess.ID)
	if err != nil {
		return sess, "", fmt.Errorf("creating session: %w", err)
	}
	raw, err := s.insertRefresh(ctx, db, sess, 1)
	return sess, raw, err
}

// insertRefresh adds a refresh token of generation gen to sess's family.
func (s *Service) insertRefresh(ctx context.Context, db DB, sess Session, gen int) (string, error) {
	raw, hash, err := newSecret(RefreshPrefix)
	if err != nil {
		return "", err
	}
	_, err = db.Exec(ctx, `INSERT INTO refresh_tokens (token_hash, session_id, tenant_id,
		generation, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`, hash, sess.ID,
		sess.TenantID, gen, s.a.Now(), refreshExpiry(sess))
	if err != nil {
		return "", fmt.Errorf("storing refresh token: %w", err)
	}
	return raw, nil
}

// refreshExpiry is when a refresh token issued now for sess expires.
func refreshExpiry(sess Session) time.Time {
	if sess.IdleExpiresAt.Before(sess.AbsoluteExpiresAt) {
		return sess.IdleExpiresAt
	}
	return sess.AbsoluteExpiresAt
}

const sessionCols = `id, tenant_id, user_id, created_at, last_seen_at, idle_expires_at,
	absolute_expires_at, revoked_at, coalesce(revoke_reason, ''), ip, user_agent`

func scanSession(row pgx.Row) (Session, error) {
	var s Session
	err := row.Scan(&s.ID, &s.TenantID, &s.UserID, &s.CreatedAt, &s.LastSeenAt, &s.IdleExpiresAt,
		&s.AbsoluteExpiresAt, &s.RevokedAt, &s.RevokeReason, &s.IP, &s.UserAgent)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, ErrNotFound
	}
	if err != nil {
		return s, fmt.Errorf("reading session: %w", err)
	}
	return s, nil
}

// active reports whether sess can still be used at now.
func (sess Session) active(now time.Time) bool {
	return sess.RevokedAt == nil && now.Before(sess.IdleExpiresAt) &&
		now.Before(sess.AbsoluteExpiresAt)
}

// SessionByID finds a session of a tenant.
func SessionByID(ctx context.Context, db DB, tenantID, id string) (Session, error) {
	if !isUUID(tenantID) || !isUUID(id) {
		return Session{}, ErrNotFound
	}
	return scanSession(db.QueryRow(ctx, `SELECT `+sessionCols+` FROM sessions
		WHERE tenant_id = $1 AND id = $2`, tenantID, id))
}

// ActiveSessions lists a user's sessions that can still be used, newest
// first.
func (s *Service) ActiveSessions(ctx context.Context, tenantID, userID string) ([]Session, error) {
	rows, err := s.a.DB.Query(ctx, `SELECT `+sessionCols+` FROM sessions
		WHERE tenant_id = $1 AND user_id = $2 AND revoked_at IS NULL
		AND idle_expires_at > $3 AND absolute_expires_at > $3 ORDER BY created_at DESC`,
		tenantID, userID, s.a.Now())
	if err != nil {
		return nil, fmt.Errorf("listing sessions: %w", err)
	}
	defer rows.Close()
	out := []Session{}
	for rows.Next() {
		sess, err := scanSession(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, sess)
	}
	return out, rows.Err()
}

// revokeWhere marks the matching unrevoked sessions revoked with reason and
// returns their ids. cond is an SQL condition over $1 (tenant) and $2.
func revokeWhere(ctx context.Context, db DB, now time.Time, reason, cond string, tenantID,
	arg string, except string,
) ([]string, error) {
	rows, err := db.Query(ctx, `UPDATE sessions SET revoked_at = $3, revoke_reason = $4
		WHERE tenant_id = $1 AND `+cond+` AND revoked_at IS NULL AND id::text <> $5
		RETURNING id::text`, tenantID, arg, now, reason, except)
	if err != nil {
		return nil, fmt.Errorf("revoking sessions: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("revoking sessions: %w", err)
	}
	return ids, nil
}

// announceWindow is how long after a revocation the edges must know it: the
// longest access token issued before it, and a minute of clock skew.
func (s *Service) announceWindow() time.Duration {
	return s.a.Config.Tokens.AccessTTL + time.Minute
}

// announce publishes each revoked session to the edges, with a lifetime that
// covers the longest access token issued before the revocation, and records
// which were announced. It also announces earlier revocations whose
// announcement failed.
func (s *Service) announce(ctx context.Context, ids []string) error {
	until := s.a.Now().Add(s.announceWindow())
	var errs []error
	for _, id := range ids {
		errs = append(errs, s.publish(ctx, id, until))
	}
	errs = append(errs, s.announcePending(ctx))
	return errors.Join(errs...)
}

// publish announces one revoked session and records that it did.
func (s *Service) publish(ctx context.Context, id string, until time.Time) error {
	err := revocation.Publish(ctx, s.a.Redis, revocation.KindSession, id,
		s.a.Config.Tokens.Issuer, until)
	if err != nil {
		return err
	}
	if _, err := s.a.DB.Exec(ctx, `UPDATE sessions SET announced_at = $2 WHERE id = $1`,
		id, s.a.Now()); err != nil {
		return fmt.Errorf("recording announcement: %w", err)
	}
	return nil
}

// announcePending announces the sessions revoked within the announcement
// window whose announcement failed, at most 100 at a time.
func (s *Service) announcePending(ctx context.Context) error {
	rows, err := s.a.DB.Query(ctx, `SELECT id::text, revoked_at FROM sessions
		WHERE revoked_at IS NOT NULL AND announced_at IS NULL AND revoked_at > $1
		ORDER BY revoked_at LIMIT 100`, s.a.Now().Add(-s.announceWindow()))
	if err != nil {
		return fmt.Errorf("reading unannounced revocations: %w", err)
	}
	type pending struct {
		ID        string
		RevokedAt time.Time
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[pending])
	if err != nil {
		return fmt.Errorf("reading unannounced revocations: %w", err)
	}
	for _, p := range list {
		if err := s.publish(ctx, p.ID, p.RevokedAt.Add(s.announceWindow())); err != nil {
			return err
		}
	}
	return nil
}

func trim(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

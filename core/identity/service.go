// Package identity is the core's account and session feature: tenants, users
// and their roles, workspaces and their memberships, login with argon2id
// passwords, password resets issued by tenant admins, sessions with rotating refresh tokens, access tokens (via
// core/tokens), revocation (recorded in PostgreSQL, announced via
// core/revocation), per-account login throttling, the audit log API, and the
// HTTP routes under /api/v1/auth, /api/v1/me,
// /api/v1/users, /api/v1/workspaces and /api/v1/audit, plus
// /.well-known/jwks.json.
//
// The routes are documented in docs/openapi.yaml; the terms in
// docs/glossary.md; the controls in docs/SECURITY.md. Tests of other packages
// get a real user and access token from the identitytest package.
package identity

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/kernelwork/kernelwork/core/app"
	"github.com/kernelwork/kernelwork/core/identity/password"
	"github.com/kernelwork/kernelwork/core/tokens"
)

// Service holds what the identity routes share.
type Service struct {
	a        *app.App
	Issuer   *tokens.Issuer
	throttle *throttle

	// dummyHash is verified against when an account is unknown, so that a
	// login takes the same time whether or not the account exists.
	dummyOnce sync.Once
	dummyHash string
}

// NewService returns the identity service of a.
func NewService(a *app.App) *Service {
	return &Service{
		a: a, Issuer: tokens.New(a),
		throttle: &throttle{rdb: a.Redis, now: func() time.Time { return a.Now() }},
	}
}

// dummy returns the hash that unknown accounts are checked against, made on
// first use (Register makes it before serving).
func (s *Service) dummy() string {
	s.dummyOnce.Do(func() {
		// Neither call fails: crypto/rand never returns an error, and the
		// generated password is within the length limit.
		pw, _ := password.Generate()
		s.dummyHash, _ = password.Hash(pw)
	})
	return s.dummyHash
}

// Issued is what a login or a refresh hands the client.
type Issued struct {
	AccessToken  string
	Claims       *tokens.AccessClaims
	RefreshToken string
	Session      Session
}

// StartSession starts a session for u (as a login does, without checking a
// password) and returns its first access and refresh tokens.
func (s *Service) StartSession(ctx context.Context, u User, ip, ua string) (Issued, error) {
	sess, refresh, err := s.createSession(ctx, s.a.DB, u, ip, ua)
	if err != nil {
		return Issued{}, err
	}
	raw, claims, err := s.Issuer.Access(ctx, u.ID, u.TenantID, sess.ID)
	if err != nil {
		return Issued{}, fmt.Errorf("issuing access token: %w", err)
	}
	return Issued{AccessToken: raw, Claims: claims, RefreshToken: refresh, Session: sess}, nil
}

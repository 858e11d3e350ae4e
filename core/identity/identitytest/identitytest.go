// Package identitytest gives tests of any core package a real user of a real
// tenant, with a real session and a signed access token, on the database of
// an App made by coretest.NewApp.
//
//	a := coretest.NewApp(t, nil)
//	c := coretest.StartCore(t, a)
//	u := identitytest.NewUser(t, a, "acme", identity.RoleMember)
//	resp, body := c.Do(t, "GET", "/api/v1/me", u.Identity(), nil)
//
// u.Token is the access token (what a client sends the edge); u.Identity()
// is the identity headers the edge would set after verifying it (what the
// core reads). The tenant is created on first use of its slug and reused by
// later calls with the same slug on the same App; users get a unique email
// and the password in u.Password.
package identitytest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/kernelwork/kernelwork/core/app"
	"github.com/kernelwork/kernelwork/core/caller"
	"github.com/kernelwork/kernelwork/core/identity"
)

// User is a test user with a live session.
type User struct {
	identity.User
	Tenant    identity.Tenant
	Password  string
	SessionID string
	// Token is a signed access token (typ at+jwt) for the session.
	Token string
	// RefreshToken is the session's current refresh token.
	RefreshToken string
}

// Identity returns the identity headers the edge sets for u's access token.
func (u User) Identity() *caller.Caller {
	return &caller.Caller{
		Auth: caller.AuthToken, UserID: u.ID, TenantID: u.TenantID,
		SessionID: u.SessionID,
	}
}

// Password is the password NewUser gives every user.
const Password = "correct horse battery staple"

// NewUser creates a user with role in the tenant tenantSlug (created if
// missing), starts a session and signs an access token. It fails the test on
// any error.
func NewUser(t testing.TB, a *app.App, tenantSlug, role string) User {
	t.Helper()
	ctx := context.Background()
	ten, err := Tenant(ctx, a, tenantSlug)
	if err != nil {
		t.Fatalf("identitytest: tenant %s: %v", tenantSlug, err)
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	email := role + "-" + hex.EncodeToString(b) + "@" + tenantSlug + ".test"
	u, err := identity.CreateUser(ctx, a.DB, ten.ID, identity.NewUser{
		Email: email, Role: role,
		Password: Password,
	})
	if err != nil {
		t.Fatalf("identitytest: user: %v", err)
	}
	iss, err := identity.NewService(a).StartSession(ctx, u, "127.0.0.1", "identitytest")
	if err != nil {
		t.Fatalf("identitytest: session: %v", err)
	}
	return User{
		User: u, Tenant: ten, Password: Password, SessionID: iss.Session.ID,
		Token: iss.AccessToken, RefreshToken: iss.RefreshToken,
	}
}

// Tenant returns the tenant with slug, creating it if it does not exist.
func Tenant(ctx context.Context, a *app.App, slug string) (identity.Tenant, error) {
	ten, err := identity.TenantBySlug(ctx, a.DB, slug)
	if errors.Is(err, identity.ErrNotFound) {
		ten, err = identity.CreateTenant(ctx, a.DB, slug, slug)
		if errors.Is(err, identity.ErrExists) {
			return identity.TenantBySlug(ctx, a.DB, slug)
		}
	}
	return ten, err
}

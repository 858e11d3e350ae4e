package identity

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"

	"github.com/jackc/pgx/v5"

	"github.com/kernelwork/kernelwork/core/app"
	"github.com/kernelwork/kernelwork/core/audit"
	"github.com/kernelwork/kernelwork/core/identity/password"
	"github.com/kernelwork/kernelwork/core/tokens"
)

// slugRE is the shape of a tenant slug, as the tenants table checks it.
var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)

// Bootstrap creates a tenant and its first owner in one transaction. With an
// empty pw it generates a password and returns it (to be shown once);
// otherwise pw must meet the policy and "" is returned.
func Bootstrap(ctx context.Context, a *app.App, slug, name, email, pw string) (
	Tenant, User, string, error,
) {
	generated := ""
	if pw == "" {
		generated, _ = password.Generate()
		pw = generated
	} else if err := password.Check(pw); err != nil {
		return Tenant{}, User{}, "", err
	}
	if !validEmail(email) {
		return Tenant{}, User{}, "", fmt.Errorf("%q is not an email address", email)
	}
	if !slugRE.MatchString(slug) {
		return Tenant{}, User{}, "", fmt.Errorf("tenant slug %q must be 2 to 63 lowercase "+
			"letters, digits and dashes, starting with a letter or digit", slug)
	}
	if name == "" {
		name = slug
	}
	var ten Tenant
	var u User
	err := pgx.BeginFunc(ctx, a.DB, func(tx pgx.Tx) error {
		var err error
		if ten, err = CreateTenant(ctx, tx, slug, name); err != nil {
			return err
		}
		if u, err = CreateUser(ctx, tx, ten.ID, NewUser{
			Email: email, Role: RoleOwner,
			Password: pw,
		}); err != nil {
			return err
		}
		d, _ := json.Marshal(map[string]string{"slug": slug, "owner_email": email})
		return audit.Write(ctx, tx, audit.Entry{
			TenantID: ten.ID, ActorID: u.ID,
			Action: audit.TenantBootstrapped, TargetType: "tenant", TargetID: ten.ID,
			UserAgent: "kwcore bootstrap", Details: d, CreatedAt: a.Now(),
		})
	})
	if err != nil {
		return Tenant{}, User{}, "", err
	}
	return ten, u, generated, nil
}

// RotateSigningKey makes a new signing key active (the old one stays
// published until its tokens have expired) and writes the rotation to the
// audit log. It returns the new kid.
func RotateSigningKey(ctx context.Context, a *app.App) (string, error) {
	kid, err := tokens.New(a).Rotate(ctx, false)
	if err != nil {
		return "", err
	}
	d, _ := json.Marshal(map[string]string{"kid": kid})
	err = audit.Write(ctx, a.DB, audit.Entry{
		Action: audit.KeyRotated, TargetType: "signing_key",
		TargetID: kid, UserAgent: "kwcore keys rotate", Details: d, CreatedAt: a.Now(),
	})
	return kid, err
}

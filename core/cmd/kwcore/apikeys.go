package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/kernelwork/kernelwork/core/apikeys"
	"github.com/kernelwork/kernelwork/core/identity"
)

func init() {
	register("apikey", "apikey create --tenant SLUG --creator EMAIL --name NAME [--scopes A,B] "+
		"[--expires DURATION] | list --tenant SLUG | revoke --tenant SLUG --id ID", runAPIKey)
}

const apikeyUsage = "apikey needs: create --tenant SLUG --creator EMAIL --name NAME " +
	"[--scopes A,B] [--expires DURATION] | list --tenant SLUG | revoke --tenant SLUG --id ID"

// apikeyFlags are the flags of every apikey action.
type apikeyFlags struct {
	tenant, creator, name, scopes, id string
	expires                           time.Duration
}

func parseAPIKeyFlags(args []string) (apikeyFlags, error) {
	var f apikeyFlags
	fs := flag.NewFlagSet("apikey", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&f.tenant, "tenant", "", "tenant slug")
	fs.StringVar(&f.creator, "creator", "", "email of the admin the key acts for")
	fs.StringVar(&f.name, "name", "", "name of the key")
	fs.StringVar(&f.scopes, "scopes", "", "comma-separated scopes")
	fs.StringVar(&f.id, "id", "", "key id")
	fs.DurationVar(&f.expires, "expires", 0, "lifetime of the key (default: no expiry)")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 || f.tenant == "" {
		return f, usageError{apikeyUsage}
	}
	return f, nil
}

func runAPIKey(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usageError{apikeyUsage}
	}
	f, err := parseAPIKeyFlags(args[1:])
	if err != nil {
		return err
	}
	switch args[0] {
	case "create":
		return apikeyCreate(ctx, f)
	case "list":
		return apikeyList(ctx, f)
	case "revoke":
		return apikeyRevoke(ctx, f)
	}
	return usageError{apikeyUsage}
}

// apikeyCreate prints the new key once, on standard output.
func apikeyCreate(ctx context.Context, f apikeyFlags) error {
	if f.creator == "" || f.name == "" {
		return usageError{apikeyUsage}
	}
	a, err := openMigratedApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := identity.UserByEmail(ctx, a.DB, f.tenant, f.creator)
	if err != nil {
		return fmt.Errorf("finding %s in tenant %s: %w", f.creator, f.tenant, err)
	}
	if !identity.IsAdmin(u.Role) || u.DisabledAt != nil {
		return errors.New("the creator must be an active owner or admin of the tenant")
	}
	n := apikeys.NewKey{Name: f.name, Scopes: splitScopes(f.scopes)}
	if f.expires > 0 {
		at := a.Now().Add(f.expires)
		n.ExpiresAt = &at
	}
	k, err := apikeys.Create(ctx, a, u.TenantID, u.ID, n)
	if err != nil {
		return fmt.Errorf("creating api key: %w", err)
	}
	fmt.Printf("id      %s\nkey     %s\n(shown once: only its SHA-256 is stored)\n", k.ID, k.Secret)
	return nil
}

func splitScopes(s string) []string {
	out := []string{}
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func apikeyList(ctx context.Context, f apikeyFlags) error {
	a, err := openMigratedApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	ten, err := identity.TenantBySlug(ctx, a.DB, f.tenant)
	if err != nil {
		return fmt.Errorf("finding tenant %s: %w", f.tenant, err)
	}
	keys, err := apikeys.List(ctx, a, ten.ID)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{"api_keys": keys})
}

func apikeyRevoke(ctx context.Context, f apikeyFlags) error {
	if f.id == "" {
		return usageError{apikeyUsage}
	}
	a, err := openMigratedApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	ten, err := identity.TenantBySlug(ctx, a.DB, f.tenant)
	if err != nil {
		return fmt.Errorf("finding tenant %s: %w", f.tenant, err)
	}
	if err := apikeys.Revoke(ctx, a, ten.ID, f.id); err != nil {
		return fmt.Errorf("revoking api key %s: %w", f.id, err)
	}
	fmt.Printf("api key %s revoked\n", f.id)
	return nil
}

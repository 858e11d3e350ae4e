package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/kernelwork/kernelwork/core/app"
	"github.com/kernelwork/kernelwork/core/identity"
	"github.com/kernelwork/kernelwork/core/migrations"
	"github.com/kernelwork/kernelwork/core/tokens"
)

func init() {
	register("bootstrap", "bootstrap --tenant SLUG --email EMAIL [--name NAME] "+
		"[--password-stdin]: create a tenant and its first owner", runBootstrap)
	register("keys", "keys rotate | keys list: rotate or list the token signing keys", runKeys)
}

func runBootstrap(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bootstrap", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	slug := fs.String("tenant", "", "tenant slug (lowercase letters, digits, dashes)")
	name := fs.String("name", "", "tenant display name (default: the slug)")
	email := fs.String("email", "", "email of the first owner")
	fromStdin := fs.Bool("password-stdin", false, "read the owner's password from the first "+
		"line of standard input instead of generating one")
	if err := fs.Parse(args); err != nil || *slug == "" || *email == "" || fs.NArg() > 0 {
		return usageError{"bootstrap needs: --tenant SLUG --email EMAIL [--name NAME] " +
			"[--password-stdin]"}
	}
	pw := ""
	if *fromStdin {
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return fmt.Errorf("reading the password from standard input: %w", err)
		}
		pw = strings.TrimRight(line, "\r\n")
	}
	a, err := openMigratedApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	ten, u, generated, err := identity.Bootstrap(ctx, a, *slug, *name, *email, pw)
	if err != nil {
		return fmt.Errorf("bootstrapping tenant %q: %w", *slug, err)
	}
	fmt.Printf("tenant  %s (%s)\nowner   %s (%s)\n", ten.Slug, ten.ID, u.Email, u.ID)
	if generated != "" {
		fmt.Printf("password %s\n(shown once: it is stored only as an argon2id hash)\n", generated)
	}
	return nil
}

func runKeys(ctx context.Context, args []string) error {
	if len(args) != 1 || (args[0] != "rotate" && args[0] != "list") {
		return usageError{"keys needs: rotate | list"}
	}
	a, err := openMigratedApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	if args[0] == "rotate" {
		kid, err := identity.RotateSigningKey(ctx, a)
		if err != nil {
			return fmt.Errorf("rotating the signing key: %w", err)
		}
		fmt.Printf("new signing key %s signs from now on; the previous key stays published "+
			"for %s\n", kid, a.Config.Tokens.SignedMaxTTL)
		return nil
	}
	keys, err := tokens.New(a).Keys(ctx)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{"keys": keys})
}

// openMigratedApp opens the App and refuses a database that lacks migrations.
func openMigratedApp(ctx context.Context) (*app.App, error) {
	a, err := openApp(ctx)
	if err != nil {
		return nil, err
	}
	pending, err := migrations.Pending(ctx, a.DB)
	if err == nil && len(pending) > 0 {
		err = fmt.Errorf("the database lacks %d migration(s); run `kwcore migrate` first",
			len(pending))
	}
	if err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

// Command kwcore is the KernelWork core service.
//
// Usage:
//
//	kwcore serve       run the HTTPS API for the edge (applies no migrations)
//	kwcore migrate     apply pending SQL migrations, forward only
//	kwcore inventory   print every component this deployment uses, as JSON
//	kwcore pki init DIR [HOST...]
//	                   make the edge-to-core CA and certificates in DIR
//	kwcore config      list every environment variable with its default
//	kwcore bootstrap --tenant SLUG --email EMAIL [--name NAME] [--password-stdin]
//	                   create a tenant and its first owner; without
//	                   --password-stdin a password is generated and shown once
//	kwcore keys rotate make a new token signing key active (the old one stays
//	                   published until its tokens have expired)
//	kwcore keys list   list the signing keys, without private material
//	kwcore apikey create --tenant SLUG --creator EMAIL --name NAME [--scopes A,B] [--expires DURATION]
//	                   make an integrator API key acting for the admin
//	                   EMAIL; the key is shown once
//	kwcore apikey list --tenant SLUG
//	kwcore apikey revoke --tenant SLUG --id ID
//	                   list (without secrets) or revoke API keys
//
// Configuration comes only from environment variables; see
// docs/configuration.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// command is one subcommand: what it does and how to run it.
type command struct {
	summary string
	run     func(ctx context.Context, args []string) error
}

var commands = map[string]command{}

func register(name, summary string, run func(ctx context.Context, args []string) error) {
	commands[name] = command{summary: summary, run: run}
}

// usageError is a mistake in the command line; main prints the usage with it.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	cmd, ok := commands[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "kwcore: unknown command %q\n", os.Args[1])
		usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := cmd.run(ctx, os.Args[2:]); err != nil {
		fmt.Fprintf(os.Stderr, "kwcore %s: %v\n", os.Args[1], err)
		var ue usageError
		if errors.As(err, &ue) {
			usage()
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: kwcore COMMAND [ARGS]\n\ncommands:")
	for _, name := range sortedNames() {
		fmt.Fprintf(os.Stderr, "  %-12s %s\n", name, commands[name].summary)
	}
}

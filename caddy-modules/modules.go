// Package caddymodules registers every KernelWork Caddy module. Importing it
// (as the repository's root package does, and so the custom Caddy build made by
// xcaddy.mk) compiles them all in.
package caddymodules

import (
	// Caddy's own standard modules, so that the build serves the root Caddyfile
	// even when only this package is named to xcaddy.
	_ "github.com/caddyserver/caddy/v2/modules/standard"

	_ "github.com/kernelwork/kernelwork/caddy-modules/edgeauth"
	_ "github.com/kernelwork/kernelwork/caddy-modules/embed"
	_ "github.com/kernelwork/kernelwork/caddy-modules/ratelimit"
	_ "github.com/kernelwork/kernelwork/caddy-modules/socketio"
)

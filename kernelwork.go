// Package kernelwork is the root of the KernelWork server module. xcaddy imports
// it when it builds the edge, so it imports the package that registers every
// KernelWork Caddy module.
package kernelwork

import (
	// Registers the KernelWork Caddy modules.
	_ "github.com/kernelwork/kernelwork/caddy-modules"
)

package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// goTarget describes the Go edge: the edge binary running a Caddyfile that
// mounts the kw_socketio module.
func (o options) goTarget(t target, repo string, _ keyFiles) (target, error) {
	bin := o.Caddy
	if !filepath.IsAbs(bin) {
		bin = filepath.Join(repo, bin)
	}
	out, err := exec.Command(bin, "list-modules").Output()
	if err != nil {
		return t, fmt.Errorf("listing the modules of %s: %w", bin, err)
	}
	if !strings.Contains(string(out), "kw_socketio") {
		return t, fmt.Errorf("%s has no kw_socketio module yet: rebuild it with `make edge`", bin)
	}
	return t, fmt.Errorf("the go target is not wired to kw_socketio's Caddyfile yet")
}

package socketio

import (
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	"github.com/kernelwork/kernelwork/caddy-modules/tokencheck"
)

var coreOptions = map[string]func(*Core, *caddyfile.Dispenser) error{
	"ca_file":      func(c *Core, d *caddyfile.Dispenser) error { return oneString(d, &c.CAFile) },
	"cert_file":    func(c *Core, d *caddyfile.Dispenser) error { return oneString(d, &c.CertFile) },
	"key_file":     func(c *Core, d *caddyfile.Dispenser) error { return oneString(d, &c.KeyFile) },
	"server_name":  func(c *Core, d *caddyfile.Dispenser) error { return oneString(d, &c.ServerName) },
	"hook_timeout": func(c *Core, d *caddyfile.Dispenser) error { return duration(d, &c.HookTimeout) },
}

// parseCore reads "core <url> { ... }".
func parseCore(h *Handler, d *caddyfile.Dispenser) error {
	if !d.NextArg() {
		return d.ArgErr()
	}
	h.Core.URL = d.Val()
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		parse, ok := coreOptions[d.Val()]
		if !ok {
			return d.Errf("kw_socketio: unknown core subdirective %q", d.Val())
		}
		if err := parse(&h.Core, d); err != nil {
			return err
		}
	}
	return nil
}

var tokenOptions = map[string]func(*Token, *caddyfile.Dispenser) error{
	"issuer":           func(t *Token, d *caddyfile.Dispenser) error { return oneString(d, &t.Issuer) },
	"audience":         func(t *Token, d *caddyfile.Dispenser) error { return oneString(d, &t.Audience) },
	"token_type":       func(t *Token, d *caddyfile.Dispenser) error { return oneString(d, &t.TokenType) },
	"jwks_url":         func(t *Token, d *caddyfile.Dispenser) error { return oneString(d, &t.JWKSURL) },
	"jwks_alg":         parseJWKSAlg,
	"jwks_refresh":     func(t *Token, d *caddyfile.Dispenser) error { return duration(d, &t.JWKSRefresh) },
	"jwks_min_refetch": func(t *Token, d *caddyfile.Dispenser) error { return duration(d, &t.JWKSMinRefetch) },
	"key_file":         parseKeyFile,
	"max_token_bytes":  parseMaxTokenBytes,
	"clock_skew":       func(t *Token, d *caddyfile.Dispenser) error { return duration(d, &t.ClockSkew) },
	"max_lifetime":     func(t *Token, d *caddyfile.Dispenser) error { return duration(d, &t.MaxLifetime) },
}

func parseJWKSAlg(t *Token, d *caddyfile.Dispenser) error {
	if err := oneString(d, &t.JWKSAlg); err != nil {
		return err
	}
	if err := tokencheck.CheckAlgorithm(t.JWKSAlg); err != nil {
		return d.Errf("kw_socketio: jwks_alg: %v", err)
	}
	return nil
}

// parseKeyFile reads "key_file <kid> <alg> <pem file>"; it may be repeated.
func parseKeyFile(t *Token, d *caddyfile.Dispenser) error {
	kf, err := tokencheck.ParseKeyFileSetting(d.RemainingArgs())
	if err != nil {
		return d.Errf("kw_socketio: key_file: %v", err)
	}
	t.KeyFiles = append(t.KeyFiles, kf)
	return nil
}

func parseMaxTokenBytes(t *Token, d *caddyfile.Dispenser) error {
	var s string
	if err := oneString(d, &s); err != nil {
		return err
	}
	n, err := tokencheck.ParseMaxTokenBytes(s)
	if err != nil {
		return d.Errf("kw_socketio: max_token_bytes: %v", err)
	}
	t.MaxTokenBytes = n
	return nil
}

// parseToken reads "token { ... }".
func parseToken(h *Handler, d *caddyfile.Dispenser) error {
	if d.NextArg() {
		return d.ArgErr()
	}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		parse, ok := tokenOptions[d.Val()]
		if !ok {
			return d.Errf("kw_socketio: unknown token subdirective %q", d.Val())
		}
		if err := parse(&h.Token, d); err != nil {
			return err
		}
	}
	return nil
}

var namespaceOptions = map[string]func(*Namespace, *caddyfile.Dispenser) error{
	"public": func(n *Namespace, d *caddyfile.Dispenser) error { return setFlag(d, &n.Public) },
	"relay":  func(n *Namespace, d *caddyfile.Dispenser) error { return stringList(d, &n.RelayEvents) },
	"hooks":  parseHooks,
}

// parseNamespace reads "namespace <name> { ... }".
func parseNamespace(h *Handler, d *caddyfile.Dispenser) error {
	var ns Namespace
	if !d.NextArg() {
		return d.ArgErr()
	}
	ns.Name = d.Val()
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		parse, ok := namespaceOptions[d.Val()]
		if !ok {
			return d.Errf("kw_socketio: unknown namespace subdirective %q", d.Val())
		}
		if err := parse(&ns, d); err != nil {
			return err
		}
	}
	h.Namespaces = append(h.Namespaces, ns)
	return nil
}

func parseHooks(n *Namespace, d *caddyfile.Dispenser) error {
	var s string
	if err := oneString(d, &s); err != nil {
		return err
	}
	if s != "on" && s != "off" {
		return d.Errf("kw_socketio: hooks must be on or off, not %q", s)
	}
	on := s == "on"
	n.Hooks = &on
	return nil
}

package ratelimit

import (
	"strconv"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

func init() {
	httpcaddyfile.RegisterHandlerDirective("kw_rate_limit", parseCaddyfile)
	// before any authentication, so that brute force on credentials is
	// limited; zones keyed by identity headers go in a route after the edge's
	// authentication (see the package documentation)
	httpcaddyfile.RegisterDirectiveOrder("kw_rate_limit", httpcaddyfile.Before, "basic_auth")
}

func parseCaddyfile(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	m := new(Handler)
	err := m.UnmarshalCaddyfile(h.Dispenser)
	return m, err
}

// UnmarshalCaddyfile reads the kw_rate_limit block:
//
//	kw_rate_limit {
//		redis_url     <url>
//		redis_timeout <duration>
//		key_prefix    <prefix>
//		max_keys      <n>
//		zone <name> {
//			key            <placeholder>
//			rate           <events> <window>
//			paths          <path...>
//			on_store_error closed|open
//			ipv6_prefix    <bits>
//			ipv4_prefix    <bits>
//			lease          auto|<n>
//		}
//	}
func (h *Handler) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // the directive
	if d.NextArg() {
		return d.ArgErr()
	}
	for d.NextBlock(0) {
		parse, ok := handlerOptions[d.Val()]
		if !ok {
			return d.Errf("kw_rate_limit: unknown subdirective %q", d.Val())
		}
		if err := parse(h, d); err != nil {
			return err
		}
	}
	return nil
}

var handlerOptions = map[string]func(*Handler, *caddyfile.Dispenser) error{
	"redis_url":     parseRedisURL,
	"redis_timeout": parseRedisTimeout,
	"key_prefix":    parseKeyPrefix,
	"max_keys":      parseMaxKeys,
	"zone":          parseZone,
}

func oneArg(d *caddyfile.Dispenser) (string, error) {
	if !d.NextArg() {
		return "", d.ArgErr()
	}
	v := d.Val()
	if d.NextArg() {
		return "", d.ArgErr()
	}
	return v, nil
}

func parseRedisURL(h *Handler, d *caddyfile.Dispenser) (err error) {
	h.RedisURL, err = oneArg(d)
	return err
}

func parseRedisTimeout(h *Handler, d *caddyfile.Dispenser) error {
	v, err := oneArg(d)
	if err != nil {
		return err
	}
	dur, err := caddy.ParseDuration(v)
	if err != nil {
		return d.Errf("redis_timeout: %v", err)
	}
	h.RedisTimeout = caddy.Duration(dur)
	return nil
}

func parseKeyPrefix(h *Handler, d *caddyfile.Dispenser) (err error) {
	h.KeyPrefix, err = oneArg(d)
	return err
}

func parseMaxKeys(h *Handler, d *caddyfile.Dispenser) error {
	v, err := oneArg(d)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return d.Errf("max_keys: want a whole number of at least 1, got %q", v)
	}
	h.MaxKeys = n
	return nil
}

func parseZone(h *Handler, d *caddyfile.Dispenser) error {
	name, err := oneArg(d)
	if err != nil {
		return err
	}
	z := &Zone{Name: name}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		parse, ok := zoneOptions[d.Val()]
		if !ok {
			return d.Errf("zone %s: unknown subdirective %q", name, d.Val())
		}
		if err := parse(z, d); err != nil {
			return err
		}
	}
	if z.Events == 0 {
		return d.Errf("zone %s: rate is required", name)
	}
	if z.Lease > z.Events {
		return d.Errf("zone %s: lease %d is more than the rate's %d events", name, z.Lease, z.Events)
	}
	h.Zones = append(h.Zones, z)
	return nil
}

var zoneOptions = map[string]func(*Zone, *caddyfile.Dispenser) error{
	"key":            parseKey,
	"rate":           parseRate,
	"paths":          parsePaths,
	"on_store_error": parseOnStoreError,
	"ipv6_prefix":    prefixParser(func(z *Zone) *int { return &z.IPv6Prefix }),
	"ipv4_prefix":    prefixParser(func(z *Zone) *int { return &z.IPv4Prefix }),
	"lease":          parseLease,
}

func parseKey(z *Zone, d *caddyfile.Dispenser) (err error) {
	z.Key, err = oneArg(d)
	return err
}

// parseRate reads "rate <events> <window>", for example "rate 10 1m".
func parseRate(z *Zone, d *caddyfile.Dispenser) error {
	args := d.RemainingArgs()
	if len(args) != 2 {
		return d.Errf("rate: want <events> <window>, like \"rate 10 1m\"")
	}
	n, err := strconv.ParseInt(args[0], 10, 64)
	if err != nil || n < 1 {
		return d.Errf("rate: events must be a whole number of at least 1, got %q", args[0])
	}
	w, err := caddy.ParseDuration(args[1])
	if err != nil || w < time.Second || w%time.Second != 0 {
		return d.Errf("rate: window must be whole seconds, at least 1s, got %q", args[1])
	}
	z.Events, z.Window = n, caddy.Duration(w)
	return nil
}

func parsePaths(z *Zone, d *caddyfile.Dispenser) error {
	args := d.RemainingArgs()
	if len(args) == 0 {
		return d.ArgErr()
	}
	z.Paths = append(z.Paths, args...)
	return nil
}

func parseOnStoreError(z *Zone, d *caddyfile.Dispenser) error {
	v, err := oneArg(d)
	if err != nil {
		return err
	}
	if v != FailClosed && v != FailOpen {
		return d.Errf("on_store_error: want closed or open, got %q", v)
	}
	z.OnStoreError = v
	return nil
}

// parseLease reads "lease auto" or "lease <n>", n at least 1; Validate
// checks n against the rate.
func parseLease(z *Zone, d *caddyfile.Dispenser) error {
	v, err := oneArg(d)
	if err != nil {
		return err
	}
	if v == "auto" {
		z.Lease = LeaseAuto
		return nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 {
		return d.Errf("lease: want auto or a whole number of at least 1, got %q", v)
	}
	z.Lease = n
	return nil
}

func prefixParser(field func(*Zone) *int) func(*Zone, *caddyfile.Dispenser) error {
	return func(z *Zone, d *caddyfile.Dispenser) error {
		name := d.Val()
		v, err := oneArg(d)
		if err != nil {
			return err
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 128 {
			return d.Errf("%s: want a prefix length, got %q", name, v)
		}
		*field(z) = n
		return nil
	}
}

// Interface guard.
var _ caddyfile.Unmarshaler = (*Handler)(nil)

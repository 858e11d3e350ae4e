package embed

import (
	"strconv"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

func init() {
	httpcaddyfile.RegisterHandlerDirective("kw_embed", parseCaddyfile)
	httpcaddyfile.RegisterDirectiveOrder("kw_embed", httpcaddyfile.Before, "reverse_proxy")
}

func parseCaddyfile(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	m := new(Handler)
	err := m.UnmarshalCaddyfile(h.Dispenser)
	return m, err
}

// UnmarshalCaddyfile reads the kw_embed block:
//
//	kw_embed {
//		core_url        <https url>
//		tls_ca          <file>
//		tls_cert        <file>
//		tls_key         <file>
//		tls_server_name <name>
//		redis_url       <url>
//		channel         <name>
//		embed_id        <placeholder>
//		issuer          <iss>
//		audience        <aud>
//		cache_ttl       <duration>
//		max_entries     <n>
//	}
func (h *Handler) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // the directive
	if d.NextArg() {
		return d.ArgErr()
	}
	for d.NextBlock(0) {
		parse, ok := options[d.Val()]
		if !ok {
			return d.Errf("kw_embed: unknown subdirective %q", d.Val())
		}
		if err := parse(h, d); err != nil {
			return err
		}
	}
	return nil
}

var options = map[string]func(*Handler, *caddyfile.Dispenser) error{
	"core_url":        stringOption(func(h *Handler) *string { return &h.CoreURL }),
	"tls_ca":          stringOption(func(h *Handler) *string { return &h.TLSCA }),
	"tls_cert":        stringOption(func(h *Handler) *string { return &h.TLSCert }),
	"tls_key":         stringOption(func(h *Handler) *string { return &h.TLSKey }),
	"tls_server_name": stringOption(func(h *Handler) *string { return &h.TLSServerName }),
	"redis_url":       stringOption(func(h *Handler) *string { return &h.RedisURL }),
	"channel":         stringOption(func(h *Handler) *string { return &h.Channel }),
	"embed_id":        stringOption(func(h *Handler) *string { return &h.EmbedID }),
	"issuer":          stringOption(func(h *Handler) *string { return &h.Issuer }),
	"audience":        stringOption(func(h *Handler) *string { return &h.Audience }),
	"cache_ttl":       parseCacheTTL,
	"max_entries":     parseMaxEntries,
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

// stringOption parses a subdirective with one string argument into field.
func stringOption(field func(*Handler) *string) func(*Handler, *caddyfile.Dispenser) error {
	return func(h *Handler, d *caddyfile.Dispenser) error {
		v, err := oneArg(d)
		if err != nil {
			return err
		}
		*field(h) = v
		return nil
	}
}

func parseCacheTTL(h *Handler, d *caddyfile.Dispenser) error {
	v, err := oneArg(d)
	if err != nil {
		return err
	}
	dur, err := caddy.ParseDuration(v)
	if err != nil || dur < 1e9 {
		return d.Errf("cache_ttl: want a duration of at least 1s, got %q", v)
	}
	h.CacheTTL = caddy.Duration(dur)
	return nil
}

func parseMaxEntries(h *Handler, d *caddyfile.Dispenser) error {
	v, err := oneArg(d)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return d.Errf("max_entries: want a whole number of at least 1, got %q", v)
	}
	h.MaxEntries = n
	return nil
}

// Interface guard.
var _ caddyfile.Unmarshaler = (*Handler)(nil)

package socketio

import (
	"strconv"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

func init() {
	httpcaddyfile.RegisterHandlerDirective("kw_socketio", parseCaddyfile)
	// after the rate limits and request matchers, before the site's handle
	// blocks and responders: sockets authenticate themselves at CONNECT
	httpcaddyfile.RegisterDirectiveOrder("kw_socketio", httpcaddyfile.Before, "handle")
}

func parseCaddyfile(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	m := new(Handler)
	err := m.UnmarshalCaddyfile(h.Dispenser)
	return m, err
}

// UnmarshalCaddyfile reads the kw_socketio block:
//
//	kw_socketio {
//		path                 <path>
//		allowed_origins      <origin...>
//		allow_missing_origin
//		transports           polling|websocket...
//		ping_interval        <duration>
//		ping_timeout         <duration>
//		connect_timeout      <duration>
//		upgrade_timeout      <duration>
//		write_timeout        <duration>
//		max_payload          <bytes>
//		max_attachments      <n>
//		send_queue           <n>
//		event_rate           <per second>
//		event_burst          <n>
//		event_queue          <n>
//		redis_url            <url>
//		channel_prefix       <prefix>
//		revocation_prefix    <prefix>
//		revocation_max_stale <duration>
//		core <url> {
//			ca_file      <file>
//			cert_file    <file>
//			key_file     <file>
//			server_name  <name>
//			hook_timeout <duration>
//		}
//		token {
//			issuer           <iss>
//			audience         <aud>
//			token_type       <typ>
//			jwks_url         <https url>
//			jwks_alg         <alg>
//			jwks_refresh     <duration>
//			jwks_min_refetch <duration>
//			key_file         <kid> <alg> <pem file>
//			max_token_bytes  <n>
//			clock_skew       <duration>
//			max_lifetime     <duration>
//		}
//		namespace <name> {
//			public
//			relay <event...>
//			hooks on|off
//		}
//	}
func (h *Handler) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next()
	if d.NextArg() {
		return d.ArgErr()
	}
	for d.NextBlock(0) {
		parse, ok := handlerOptions[d.Val()]
		if !ok {
			return d.Errf("kw_socketio: unknown subdirective %q", d.Val())
		}
		if err := parse(h, d); err != nil {
			return err
		}
	}
	return nil
}

var handlerOptions = map[string]func(*Handler, *caddyfile.Dispenser) error{
	"path":                 func(h *Handler, d *caddyfile.Dispenser) error { return oneString(d, &h.Path) },
	"allowed_origins":      func(h *Handler, d *caddyfile.Dispenser) error { return stringList(d, &h.AllowedOrigins) },
	"allow_missing_origin": func(h *Handler, d *caddyfile.Dispenser) error { return setFlag(d, &h.AllowMissingOrigin) },
	"transports":           func(h *Handler, d *caddyfile.Dispenser) error { return stringList(d, &h.Transports) },
	"ping_interval":        func(h *Handler, d *caddyfile.Dispenser) error { return duration(d, &h.PingInterval) },
	"ping_timeout":         func(h *Handler, d *caddyfile.Dispenser) error { return duration(d, &h.PingTimeout) },
	"connect_timeout":      func(h *Handler, d *caddyfile.Dispenser) error { return duration(d, &h.ConnectTimeout) },
	"upgrade_timeout":      func(h *Handler, d *caddyfile.Dispenser) error { return duration(d, &h.UpgradeTimeout) },
	"write_timeout":        func(h *Handler, d *caddyfile.Dispenser) error { return duration(d, &h.WriteTimeout) },
	"max_payload":          parseMaxPayload,
	"max_attachments":      func(h *Handler, d *caddyfile.Dispenser) error { return integer(d, &h.MaxAttachments) },
	"send_queue":           func(h *Handler, d *caddyfile.Dispenser) error { return integer(d, &h.SendQueue) },
	"event_rate":           parseEventRate,
	"event_burst":          func(h *Handler, d *caddyfile.Dispenser) error { return integer(d, &h.EventBurst) },
	"event_queue":          func(h *Handler, d *caddyfile.Dispenser) error { return integer(d, &h.EventQueue) },
	"redis_url":            func(h *Handler, d *caddyfile.Dispenser) error { return oneString(d, &h.RedisURL) },
	"channel_prefix":       func(h *Handler, d *caddyfile.Dispenser) error { return oneString(d, &h.ChannelPrefix) },
	"revocation_prefix":    func(h *Handler, d *caddyfile.Dispenser) error { return oneString(d, &h.RevocationPrefix) },
	"revocation_max_stale": func(h *Handler, d *caddyfile.Dispenser) error { return duration(d, &h.RevocationMaxStale) },
	"core":                 parseCore,
	"token":                parseToken,
	"namespace":            parseNamespace,
}

// oneString reads the one argument of the subdirective the dispenser is on.
func oneString(d *caddyfile.Dispenser, dst *string) error {
	name := d.Val()
	if !d.NextArg() {
		return d.Errf("kw_socketio: %s wants one argument", name)
	}
	*dst = d.Val()
	if d.NextArg() {
		return d.Errf("kw_socketio: %s wants one argument, not also %q", name, d.Val())
	}
	return nil
}

func stringList(d *caddyfile.Dispenser, dst *[]string) error {
	args := d.RemainingArgs()
	if len(args) == 0 {
		return d.ArgErr()
	}
	*dst = append(*dst, args...)
	return nil
}

func setFlag(d *caddyfile.Dispenser, dst *bool) error {
	if d.NextArg() {
		return d.ArgErr()
	}
	*dst = true
	return nil
}

func duration(d *caddyfile.Dispenser, dst *caddy.Duration) error {
	name := d.Val()
	var s string
	if err := oneString(d, &s); err != nil {
		return err
	}
	v, err := caddy.ParseDuration(s)
	if err != nil || v <= 0 {
		return d.Errf("kw_socketio: %s: %q is not a positive duration", name, s)
	}
	*dst = caddy.Duration(v)
	return nil
}

func integer(d *caddyfile.Dispenser, dst *int) error {
	var s string
	if err := oneString(d, &s); err != nil {
		return err
	}
	v, err := strconv.Atoi(s)
	if err != nil || v <= 0 {
		return d.Errf("kw_socketio: %q is not a positive integer", s)
	}
	*dst = v
	return nil
}

func parseMaxPayload(h *Handler, d *caddyfile.Dispenser) error {
	var n int
	if err := integer(d, &n); err != nil {
		return err
	}
	h.MaxPayload = int64(n)
	return nil
}

func parseEventRate(h *Handler, d *caddyfile.Dispenser) error {
	var s string
	if err := oneString(d, &s); err != nil {
		return err
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v <= 0 {
		return d.Errf("kw_socketio: event_rate %q is not a positive number", s)
	}
	h.EventRate = v
	return nil
}

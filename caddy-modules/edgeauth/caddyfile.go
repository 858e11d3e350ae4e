package edgeauth

import (
	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/kernelwork/kernelwork/caddy-modules/tokencheck"
)

func init() {
	httpcaddyfile.RegisterHandlerDirective("kw_auth", parseCaddyfile)
	httpcaddyfile.RegisterDirectiveOrder("kw_auth", httpcaddyfile.After, "forward_auth")
}

func parseCaddyfile(hp httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	h := new(Handler)
	err := h.UnmarshalCaddyfile(hp.Dispenser)
	return h, err
}

// subdirective parses one subdirective; the dispenser is on its name.
type subdirective func(h *Handler, d *caddyfile.Dispenser) error

// subdirectives maps every kw_auth subdirective to its parser.
var subdirectives = map[string]subdirective{
	"issuer":                parseIssuer,
	"audience":              parseAudience,
	"token_type":            parseTokenType,
	"jwks_url":              parseJWKSURL,
	"jwks_alg":              parseJWKSAlg,
	"jwks_refresh":          durationInto(func(h *Handler) *caddy.Duration { return &h.JWKSRefresh }),
	"jwks_min_refetch":      durationInto(func(h *Handler) *caddy.Duration { return &h.JWKSMinRefetch }),
	"key_file":              parseKeyFile,
	"core_tls":              parseCoreTLS,
	"api_key_url":           parseAPIKeyURL,
	"api_key_cache_ttl":     durationInto(func(h *Handler) *caddy.Duration { return &h.APIKeyCacheTTL }),
	"redis_url":             parseRedisURL,
	"redis_prefix":          parseRedisPrefix,
	"revocation_max_stale":  durationInto(func(h *Handler) *caddy.Duration { return &h.RevocationMaxStale }),
	"max_token_bytes":       parseMaxTokenBytes,
	"clock_skew":            durationInto(func(h *Handler) *caddy.Duration { return &h.ClockSkew }),
	"max_lifetime":          durationInto(func(h *Handler) *caddy.Duration { return &h.MaxLifetime }),
	"public":                parsePublic,
	"require_scopes":        parseRequireScopes,
	"forward_authorization": parseForwardAuthorization,
	"realm":                 parseRealm,
}

// UnmarshalCaddyfile reads the kw_auth block (see the package comment).
func (h *Handler) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // the directive name
	if d.NextArg() {
		return d.ArgErr()
	}
	for d.NextBlock(0) {
		parse, ok := subdirectives[d.Val()]
		if !ok {
			return d.Errf("kw_auth: unknown subdirective %q", d.Val())
		}
		if err := parse(h, d); err != nil {
			return err
		}
	}
	return nil
}

// oneArg reads exactly one argument into dst.
func oneArg(d *caddyfile.Dispenser, dst *string) error {
	if !d.NextArg() {
		return d.ArgErr()
	}
	*dst = d.Val()
	if d.NextArg() {
		return d.ArgErr()
	}
	return nil
}

func parseIssuer(h *Handler, d *caddyfile.Dispenser) error    { return oneArg(d, &h.Issuer) }
func parseAudience(h *Handler, d *caddyfile.Dispenser) error  { return oneArg(d, &h.Audience) }
func parseTokenType(h *Handler, d *caddyfile.Dispenser) error { return oneArg(d, &h.TokenType) }
func parseJWKSURL(h *Handler, d *caddyfile.Dispenser) error   { return oneArg(d, &h.JWKSURL) }
func parseJWKSAlg(h *Handler, d *caddyfile.Dispenser) error   { return oneArg(d, &h.JWKSAlg) }
func parseAPIKeyURL(h *Handler, d *caddyfile.Dispenser) error { return oneArg(d, &h.APIKeyURL) }
func parseRedisURL(h *Handler, d *caddyfile.Dispenser) error  { return oneArg(d, &h.RedisURL) }
func parseRealm(h *Handler, d *caddyfile.Dispenser) error     { return oneArg(d, &h.Realm) }

func parseRedisPrefix(h *Handler, d *caddyfile.Dispenser) error {
	return oneArg(d, &h.RedisPrefix)
}

// durationInto returns a parser of one duration argument into the field
// field selects.
func durationInto(field func(h *Handler) *caddy.Duration) subdirective {
	return func(h *Handler, d *caddyfile.Dispenser) error {
		var s string
		if err := oneArg(d, &s); err != nil {
			return err
		}
		v, err := caddy.ParseDuration(s)
		if err != nil || v <= 0 {
			return d.Errf("kw_auth: %s: %q is not a positive duration", d.Val(), s)
		}
		*field(h) = caddy.Duration(v)
		return nil
	}
}

// parseKeyFile reads "key_file <kid> <alg> <path>".
func parseKeyFile(h *Handler, d *caddyfile.Dispenser) error {
	kf, err := tokencheck.ParseKeyFileSetting(d.RemainingArgs())
	if err != nil {
		return d.Errf("kw_auth: key_file: %v", err)
	}
	h.KeyFiles = append(h.KeyFiles, kf)
	return nil
}

// parseCoreTLS reads "core_tls <ca_file> <cert_file> <key_file> [<server_name>]".
func parseCoreTLS(h *Handler, d *caddyfile.Dispenser) error {
	args := d.RemainingArgs()
	if len(args) != 3 && len(args) != 4 {
		return d.ArgErr()
	}
	h.CoreTLS = &CoreTLS{CAFile: args[0], CertFile: args[1], KeyFile: args[2]}
	if len(args) == 4 {
		h.CoreTLS.ServerName = args[3]
	}
	return nil
}

func parseMaxTokenBytes(h *Handler, d *caddyfile.Dispenser) error {
	var s string
	if err := oneArg(d, &s); err != nil {
		return err
	}
	n, err := tokencheck.ParseMaxTokenBytes(s)
	if err != nil {
		return d.Errf("kw_auth: max_token_bytes: %v", err)
	}
	h.MaxTokenBytes = n
	return nil
}

// parsePublic reads "public <path>..."; it may be repeated.
func parsePublic(h *Handler, d *caddyfile.Dispenser) error {
	args := d.RemainingArgs()
	if len(args) == 0 {
		return d.ArgErr()
	}
	h.Public = append(h.Public, args...)
	return nil
}

// parseRequireScopes reads "require_scopes <scope>..."; it may be repeated.
func parseRequireScopes(h *Handler, d *caddyfile.Dispenser) error {
	args := d.RemainingArgs()
	if len(args) == 0 {
		return d.ArgErr()
	}
	h.RequireScopes = append(h.RequireScopes, args...)
	return nil
}

func parseForwardAuthorization(h *Handler, d *caddyfile.Dispenser) error {
	if d.NextArg() {
		return d.ArgErr()
	}
	h.ForwardAuthorization = true
	return nil
}

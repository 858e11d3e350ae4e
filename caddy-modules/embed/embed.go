// Package embed is the KernelWork edge's guard of video embeds, the Caddy
// HTTP handler http.handlers.kw_embed (Caddyfile directive kw_embed).
//
// An embed (core/embeds) lists the origins allowed to frame it and to use its
// tokens. On every request it covers, the handler
//
//   - finds the embed: from the embed token when one is presented
//     (Authorization: Bearer, or the embed_token query parameter of a socket
//     handshake, which cannot carry headers), else from the embed_id
//     placeholder;
//   - reads the embed's allowlist from the core over the trusted channel
//     (mutual TLS), cached and dropped at once when the core announces a change
//     on the Redis channel kw:embeds, so every edge applies a change within
//     the time a Redis message takes (and within cache_ttl if Redis is lost);
//   - sends Content-Security-Policy: frame-ancestors with exactly the listed
//     origins, so browsers refuse to let any other site frame the embed;
//   - refuses a request whose Origin is not listed, is not in the exact form
//     browsers send (upper case, trailing dot, userinfo, default port, "null"),
//     or comes twice; a request that presents an embed token must carry an
//     Origin, equal to the one the token is bound to (its origin claim);
//   - answers CORS for listed origins only, reflecting that one origin, never
//     "*", and never allowing credentials (embed tokens are bearer tokens, not
//     cookies);
//   - removes client-sent identity headers (X-Kw-*) and, for a valid embed
//     token, sets X-Kw-Auth: embed, X-Kw-Embed, X-Kw-Tenant, X-Kw-Origin and
//     X-Kw-Scopes as docs/interfaces.md describes.
//
// Refusals are RFC 9457 problem bodies: 403 origin-not-allowed,
// origin-mismatch or origin-required, 401 invalid-embed-token or
// embed-token-required, 404 embed-not-found, and 503 allowlist-unavailable
// when the core cannot be asked.
//
// # Caddyfile
//
// kw_embed goes in front of every route an embed uses, each with the
// placeholder that yields the embed id from its path or query:
//
//	@embed_api path /api/v1/embeds/*/token /api/v1/embeds/*/session
//	handle @embed_api {
//		kw_embed {
//			core_url        https://127.0.0.1:18443
//			tls_ca          {$KW_PKI_DIR}/ca.pem
//			tls_cert        {$KW_PKI_DIR}/edge.pem
//			tls_key         {$KW_PKI_DIR}/edge-key.pem
//			tls_server_name localhost
//			redis_url       {$KW_REDIS_URL}
//			issuer          https://localhost:8443
//			audience        kernelwork
//			embed_id        {http.request.uri.path.3}
//			cache_ttl       1m
//			max_entries     10000
//		}
//		reverse_proxy ...
//	}
//
// An embed page route uses embed_id {http.request.uri.path.1} for
// /embed/{id}; a socket route uses {http.request.uri.query.embed}. Handler
// documents every setting and its default.
package embed

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/kernelwork/kernelwork/caddy-modules/tokencheck"
)

func init() {
	caddy.RegisterModule(&Handler{})
}

// Defaults of the handler's settings.
const (
	DefaultCacheTTL   = time.Minute
	DefaultMaxEntries = 10_000
	DefaultChannel    = "kw:embeds"
)

// Handler guards embed pages, embed API calls and socket handshakes. It is
// the module http.handlers.kw_embed.
type Handler struct {
	// CoreURL is the base URL of the core (https://host:port), reached over
	// mutual TLS for allowlists (/internal/embeds/{id}) and the signing keys
	// (/.well-known/jwks.json). Required.
	CoreURL string `json:"core_url,omitempty"`

	// TLSCA, TLSCert and TLSKey are the PEM files of the trusted channel: the
	// CA that signs the core's certificate, and the edge's client
	// certificate and key. Required.
	TLSCA   string `json:"tls_ca,omitempty"`
	TLSCert string `json:"tls_cert,omitempty"`
	TLSKey  string `json:"tls_key,omitempty"`

	// TLSServerName is the name checked in the core's certificate. Default:
	// the host of CoreURL.
	TLSServerName string `json:"tls_server_name,omitempty"`

	// RedisURL is the Redis on which the core announces embed changes. The
	// URL may carry a password and is never logged. Required.
	RedisURL string `json:"redis_url,omitempty"`

	// Channel is the Redis channel of announcements. Default: kw:embeds.
	Channel string `json:"channel,omitempty"`

	// EmbedID is the placeholder that yields the embed id when no token is
	// presented, for example {http.request.uri.path.1} for /embed/{id}.
	// Default: none, so that such requests must present a token.
	EmbedID string `json:"embed_id,omitempty"`

	// Issuer and Audience are the iss and aud every embed token must carry
	// (KW_TOKEN_ISSUER and KW_TOKEN_AUDIENCE of the core). Required.
	Issuer   string `json:"issuer,omitempty"`
	Audience string `json:"audience,omitempty"`

	// CacheTTL bounds how long an allowlist is used without asking the core
	// again, should an announcement be lost. Default: 1m.
	CacheTTL caddy.Duration `json:"cache_ttl,omitempty"`

	// MaxEntries bounds the number of cached allowlists. Default: 10000.
	MaxEntries int `json:"max_entries,omitempty"`

	lists  *allowlists
	tokens *verifier
	log    *zap.Logger
	now    func() time.Time
	cancel context.CancelFunc
}

// CaddyModule returns the module's information.
func (*Handler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.kw_embed",
		New: func() caddy.Module { return new(Handler) },
	}
}

// Provision connects to the core and Redis and starts following
// announcements.
func (h *Handler) Provision(ctx caddy.Context) error {
	h.log = ctx.Logger()
	if h.now == nil {
		h.now = time.Now
	}
	h.applyDefaults()
	if err := h.Validate(); err != nil {
		return err
	}
	client, err := tokencheck.NewTLSClient(tokencheck.TLSFiles{
		CAFile:   h.TLSCA,
		CertFile: h.TLSCert, KeyFile: h.TLSKey, ServerName: h.TLSServerName,
	})
	if err != nil {
		return fmt.Errorf("kw_embed: loading the trusted channel's files: %w", err)
	}
	base := strings.TrimSuffix(h.CoreURL, "/")
	if h.tokens, err = newVerifier(base, client, h.Issuer, h.Audience, h.now); err != nil {
		return fmt.Errorf("kw_embed: %w", err)
	}
	h.lists, err = newAllowlists(allowlistOptions{
		base: base, client: client,
		redisURL: h.RedisURL, channel: h.Channel, ttl: time.Duration(h.CacheTTL),
		max: h.MaxEntries, now: h.now, log: h.log,
	})
	if err != nil {
		return fmt.Errorf("kw_embed: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go h.lists.follow(runCtx)
	return nil
}

func (h *Handler) applyDefaults() {
	if h.Channel == "" {
		h.Channel = DefaultChannel
	}
	if h.CacheTTL == 0 {
		h.CacheTTL = caddy.Duration(DefaultCacheTTL)
	}
	if h.MaxEntries == 0 {
		h.MaxEntries = DefaultMaxEntries
	}
}

// Validate refuses a configuration that cannot work.
func (h *Handler) Validate() error {
	u, err := url.Parse(h.CoreURL)
	switch {
	case err != nil || u.Scheme != "https" || u.Host == "":
		return fmt.Errorf("kw_embed: core_url must be an https:// URL (the trusted channel)")
	case h.TLSCA == "" || h.TLSCert == "" || h.TLSKey == "":
		return fmt.Errorf("kw_embed: tls_ca, tls_cert and tls_key are required")
	case h.RedisURL == "":
		return fmt.Errorf("kw_embed: redis_url is required to receive allowlist changes")
	case h.Issuer == "" || h.Audience == "":
		return fmt.Errorf("kw_embed: issuer and audience are required")
	case time.Duration(h.CacheTTL) < time.Second:
		return fmt.Errorf("kw_embed: cache_ttl must be at least 1s")
	case h.MaxEntries < 1:
		return fmt.Errorf("kw_embed: max_entries must be at least 1")
	}
	return nil
}

// Cleanup stops following announcements and closes the Redis connections.
func (h *Handler) Cleanup() error {
	if h.cancel != nil {
		h.cancel()
	}
	if h.lists != nil {
		return h.lists.close()
	}
	return nil
}

// Interface guards.
var (
	_ caddy.Provisioner           = (*Handler)(nil)
	_ caddy.Validator             = (*Handler)(nil)
	_ caddy.CleanerUpper          = (*Handler)(nil)
	_ caddyhttp.MiddlewareHandler = (*Handler)(nil)
)

package edgeauth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/kernelwork/kernelwork/caddy-modules/tokencheck"
)

func init() {
	caddy.RegisterModule(new(Handler))
}

// Handler is the kw_auth HTTP handler. See the package comment for its
// behaviour and its Caddyfile syntax.
type Handler struct {
	// Issuer is the exact iss of accepted access tokens. Required.
	Issuer string `json:"issuer,omitempty"`
	// Audience must appear in the aud of accepted access tokens. Required.
	Audience string `json:"audience,omitempty"`
	// TokenType is the accepted typ header. Default: at+jwt.
	TokenType string `json:"token_type,omitempty"`
	// JWKSURL is the core's key set (https only). Either JWKSURL or KeyFiles
	// is required.
	JWKSURL string `json:"jwks_url,omitempty"`
	// JWKSAlg is the only algorithm keys from JWKSURL may be used with.
	// Default: EdDSA.
	JWKSAlg string `json:"jwks_alg,omitempty"`
	// JWKSRefresh is how often the key set is fetched again. Default: 5m.
	JWKSRefresh caddy.Duration `json:"jwks_refresh,omitempty"`
	// JWKSMinRefetch is the least time between two fetches caused by an
	// unknown kid. Default: 30s.
	JWKSMinRefetch caddy.Duration `json:"jwks_min_refetch,omitempty"`
	// KeyFiles are PEM public keys, each with its kid and algorithm.
	// Default: none.
	KeyFiles []tokencheck.KeyFileSetting `json:"key_files,omitempty"`
	// CoreTLS is the mutual TLS used to reach the core for the key set and
	// API key checks. Required when JWKSURL or APIKeyURL is set.
	CoreTLS *CoreTLS `json:"core_tls,omitempty"`
	// APIKeyURL is the core's API key verify endpoint (https only). When
	// empty, API keys are refused like any invalid credential. Default: "".
	APIKeyURL string `json:"api_key_url,omitempty"`
	// APIKeyCacheTTL is how long a verified API key is trusted without
	// asking the core. Default: 30s.
	APIKeyCacheTTL caddy.Duration `json:"api_key_cache_ttl,omitempty"`
	// RedisURL is the Redis that carries revocations
	// (redis://[:password@]host:port/db). Required.
	RedisURL string `json:"redis_url,omitempty"`
	// RedisPrefix prefixes the revocation channel and sorted sets.
	// Default: kw:.
	RedisPrefix string `json:"redis_prefix,omitempty"`
	// RevocationMaxStale is how long the last known revocation set is used
	// while Redis does not answer; after it every credential is refused
	// with 503. Default: 30s.
	RevocationMaxStale caddy.Duration `json:"revocation_max_stale,omitempty"`
	// MaxTokenBytes bounds an access token; longer ones are refused before
	// any decoding. Default: 4096.
	MaxTokenBytes int `json:"max_token_bytes,omitempty"`
	// ClockSkew is the tolerance applied to exp, nbf and iat. Default: 30s.
	ClockSkew caddy.Duration `json:"clock_skew,omitempty"`
	// MaxLifetime bounds exp - iat of access tokens. Default: 15m.
	MaxLifetime caddy.Duration `json:"max_lifetime,omitempty"`
	// Public lists path patterns (as the path matcher reads them) served to
	// anonymous callers; credentials on them are neither read nor
	// forwarded. Default: none.
	Public []string `json:"public,omitempty"`
	// RequireScopes are scopes an API key must all hold to pass; access
	// tokens act as their user and always pass. Default: none.
	RequireScopes []string `json:"require_scopes,omitempty"`
	// ForwardAuthorization forwards the client's Authorization header to
	// the next handler. Default: false (the header is removed).
	ForwardAuthorization bool `json:"forward_authorization,omitempty"`
	// Realm is the realm of WWW-Authenticate. Default: kernelwork.
	Realm string `json:"realm,omitempty"`

	verifier *tokencheck.Verifier
	apiKeys  *tokencheck.APIKeys
	revs     *tokencheck.Revocations
	rdb      *redis.Client
	public   caddyhttp.MatchPath
	log      *slog.Logger
	cancel   context.CancelFunc
	now      func() time.Time
	refusals *prometheus.CounterVec
}

// CoreTLS names the files of the edge's mutual TLS to the core.
type CoreTLS struct {
	// CAFile is the CA that signs the core's certificate.
	CAFile string `json:"ca_file"`
	// CertFile and KeyFile are the edge's client certificate and key.
	CertFile string `json:"cert_file"`
	KeyFile  string `json:"key_file"`
	// ServerName is checked in the core's certificate. Default: the host
	// of the URL.
	ServerName string `json:"server_name,omitempty"`
}

// maxAPIKeyCacheTTL is shorter than the time the core keeps an API key's
// revocation in Redis (core/apikeys.RevocationHold), so that an edge that
// reconnects still learns of it before its cache would expire.
const maxAPIKeyCacheTTL = 10 * time.Minute

// CaddyModule returns the Caddy module information.
func (*Handler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{ID: "http.handlers.kw_auth", New: func() caddy.Module { return new(Handler) }}
}

// Validate refuses an incomplete or unsafe configuration, naming the field.
func (h *Handler) Validate() error {
	switch {
	case h.Issuer == "" || h.Audience == "":
		return errors.New("kw_auth: issuer and audience are required")
	case h.JWKSURL == "" && len(h.KeyFiles) == 0:
		return errors.New("kw_auth: jwks_url or key_file is required")
	case h.RedisURL == "":
		return errors.New("kw_auth: redis_url is required (revocations come through redis)")
	case (h.JWKSURL != "" || h.APIKeyURL != "") && h.CoreTLS == nil:
		return errors.New("kw_auth: core_tls is required with jwks_url or api_key_url")
	case time.Duration(h.APIKeyCacheTTL) > maxAPIKeyCacheTTL:
		return fmt.Errorf("kw_auth: api_key_cache_ttl must be at most %s", maxAPIKeyCacheTTL)
	}
	if err := tokencheck.CheckMaxTokenBytes(h.MaxTokenBytes); err != nil {
		return fmt.Errorf("kw_auth: max_token_bytes: %w", err)
	}
	if h.JWKSAlg != "" {
		if err := tokencheck.CheckAlgorithm(h.JWKSAlg); err != nil {
			return fmt.Errorf("kw_auth: jwks_alg: %w", err)
		}
	}
	for _, kf := range h.KeyFiles {
		if err := tokencheck.CheckAlgorithm(kf.Alg); err != nil {
			return fmt.Errorf("kw_auth: key_file %s: %w", kf.ID, err)
		}
	}
	for name, u := range map[string]string{"jwks_url": h.JWKSURL, "api_key_url": h.APIKeyURL} {
		if u == "" {
			continue
		}
		if err := tokencheck.CheckKeySetURL(u); err != nil {
			return fmt.Errorf("kw_auth: %s: %w", name, err)
		}
	}
	return nil
}

// Cleanup stops the background work of the handler.
func (h *Handler) Cleanup() error {
	if h.cancel != nil {
		h.cancel()
	}
	if h.rdb != nil {
		return h.rdb.Close()
	}
	return nil
}

// realm returns the configured realm or its default.
func (h *Handler) realm() string {
	if h.Realm == "" {
		return "kernelwork"
	}
	return strings.ReplaceAll(h.Realm, `"`, "")
}

// Interface guards.
var (
	_ caddy.Provisioner           = (*Handler)(nil)
	_ caddy.Validator             = (*Handler)(nil)
	_ caddy.CleanerUpper          = (*Handler)(nil)
	_ caddyhttp.MiddlewareHandler = (*Handler)(nil)
)

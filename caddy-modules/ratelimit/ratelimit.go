// Package ratelimit is the KernelWork edge's rate limiter, the Caddy HTTP
// handler http.handlers.kw_rate_limit (Caddyfile directive kw_rate_limit).
//
// A handler holds named zones. Each zone has a rate (events per window), a key
// (a Caddy placeholder: the client IP as Caddy computes it with
// trusted_proxies, the authenticated user, the API key id, or any other) and,
// optionally, the request paths it covers. Every zone that covers a request
// counts it, so one request can be limited per IP and per user at once. When
// any zone is over its rate the request is answered with 429, a Retry-After,
// the IETF RateLimit-Policy and RateLimit fields, the common X-RateLimit-*
// fields and an RFC 9457 problem body. A request that passes several
// kw_rate_limit handlers (one for the site, one after authentication) gets one
// set of these fields, naming every zone that counted it.
//
// # Algorithm
//
// Counting uses github.com/ulule/limiter/v3, a fixed window per key: the first
// request of a key opens a window of the zone's length, every request in the
// window increments one counter, and the counter disappears when the window
// ends. Each count (or lease, below) is one atomic script run in Redis; the
// runs of concurrent requests share a pipelined round trip. Its worst case is
// at a window boundary: a client can spend the whole budget in the last instant
// of one window and again in the first instant of the next, so up to twice the
// rate can pass within a span as short as one request's time. Operators size
// rates with that 2x in mind; TestFixedWindowBoundaryAllowsTwice proves it.
// Leases keep that bound: the grants of a window never pass its rate.
//
// # Quota leases
//
// A zone with a large rate need not pay a Redis round trip per request. With
// a lease of n (see Zone.Lease), an edge adds n to the window's counter in
// one script run and is granted what of the n still fits under the rate,
// clamp(rate - (counter - n), 0, n); it serves that many of the key's
// requests from memory, and once the counter has reached the rate it refuses
// the key from memory, until the window ends. The grants of every edge
// together never pass the rate, so no edge ever admits a request late. Once
// half a lease is left the edge fetches the next in the background, so that
// a key with steady traffic never waits for Redis; an edge may therefore
// hold up to 1.5 unused leases, and with E edges a key can be refused up to
// (E-1) x 1.5n requests early. Requests of one key that find the lease empty
// share one fetch. A lease ends with the window it was taken in, up to
// a second early, never late. The default, lease auto, is exact (1) for
// rates under 200 events, so the auth zones count every request in Redis,
// and one hundredth of the rate above, at most 100. The response fields
// count what the counter has left plus the edge's unused grant; Retry-After
// is the window's end, as with exact counting. Leases are held per zone and
// key, at most max_keys, the least recently used dropped first and those
// whose window ended dropped as new keys come. The in-process store counts
// every request exactly, with or without a lease.
//
// # Stores
//
// With a redis URL every edge counts in the same Redis, so several edges
// enforce one limit. Redis keys are the zone name and a SHA-256 of the key
// value, under key_prefix, and expire with their window. Without a redis URL,
// counters live in this process only (bounded to max_keys, least recently
// used dropped first) and the module logs a warning at start: with N edges a
// client then gets N times the rate.
//
// When Redis fails, nothing panics: a zone that fails closed (the default)
// answers 503 with a problem body, a zone that fails open lets the request
// through. Both count kw_rate_limit_store_errors_total and log an error line at
// most once every ten seconds per zone. A lease held when Redis fails is still
// served until it is spent or its window ends; the policy applies to the
// requests that need a new one.
//
// # Caddyfile
//
//	kw_rate_limit {
//		redis_url     {$KW_REDIS_URL}
//		redis_timeout 500ms
//		key_prefix    kw:rl
//		max_keys      100000
//		zone auth_login_ip {
//			key            {http.vars.client_ip}
//			rate           20 1m
//			paths          /api/v1/auth/login /api/v1/auth/password*
//			on_store_error closed
//			ipv6_prefix    64
//			ipv4_prefix    32
//			lease          1
//		}
//		zone api_ip {
//			rate           1200 1m
//			paths          /api/v1/*
//			on_store_error open
//			lease          auto
//		}
//	}
//
// The directive is ordered before basic_auth, so a site-level kw_rate_limit
// counts requests before any authentication. A zone keyed by an identity
// header that the edge's authentication sets ({http.request.header.X-Kw-User},
// {http.request.header.X-Kw-Key-Id}) must sit in a route after that
// authentication, which replaces client-sent copies; before it, a client could
// spend another user's budget. Handler and Zone document every setting and its
// default.
package ratelimit

import (
	"fmt"
	"sync"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/ulule/limiter/v3"
	"go.uber.org/zap"
)

func init() {
	caddy.RegisterModule(&Handler{})
}

// Defaults of the handler's settings.
const (
	DefaultKeyPrefix    = "kw:rl"
	DefaultMaxKeys      = 100_000
	DefaultRedisTimeout = 500 * time.Millisecond
)

// Handler limits request rates per zone. It is the module
// http.handlers.kw_rate_limit.
type Handler struct {
	// Zones are the named limits; at least one. A request is counted in every
	// zone that covers it.
	Zones []*Zone `json:"zones,omitempty"`

	// RedisURL is the Redis shared by every edge
	// (redis://[:password@]host:port/db, or rediss:// for TLS). The URL may
	// carry a password and is never logged. Default: none, which counts in
	// this process only and logs a warning.
	RedisURL string `json:"redis_url,omitempty"`

	// RedisTimeout bounds each Redis call (dial, read, write) so that a slow
	// or dead Redis costs a request at most this long before the zone's
	// failure policy applies. Default: 500ms.
	RedisTimeout caddy.Duration `json:"redis_timeout,omitempty"`

	// KeyPrefix prefixes every counter key in Redis. Default: kw:rl.
	KeyPrefix string `json:"key_prefix,omitempty"`

	// MaxKeys bounds the number of counters held in memory by the in-process
	// store, and the number of quota leases held with the Redis store; the
	// least recently used is dropped first. Default: 100000.
	MaxKeys int `json:"max_keys,omitempty"`

	store   limiter.Store
	leases  *leaseTable // nil without Redis
	closer  func() error
	log     *zap.Logger
	metrics *metrics
	now     func() time.Time

	logMu   sync.Mutex
	lastLog map[string]time.Time
}

// CaddyModule returns the module's information.
func (*Handler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.kw_rate_limit",
		New: func() caddy.Module { return new(Handler) },
	}
}

// Provision applies defaults, opens the store and registers the metrics.
func (h *Handler) Provision(ctx caddy.Context) error {
	h.log = ctx.Logger()
	if h.now == nil {
		h.now = time.Now
	}
	h.applyDefaults()
	for _, z := range h.Zones {
		if err := z.provision(); err != nil {
			return fmt.Errorf("zone %q: %w", z.Name, err)
		}
	}
	var reg prometheus.Registerer
	if r := ctx.GetMetricsRegistry(); r != nil {
		reg = r
	}
	m, err := newMetrics(reg)
	if err != nil {
		return fmt.Errorf("registering metrics: %w", err)
	}
	h.metrics = m
	for _, z := range h.Zones {
		z.allowed = m.requests.WithLabelValues(z.Name, "allowed")
		z.limited = m.requests.WithLabelValues(z.Name, "limited")
	}
	return h.openStore()
}

func (h *Handler) applyDefaults() {
	if h.KeyPrefix == "" {
		h.KeyPrefix = DefaultKeyPrefix
	}
	if h.MaxKeys == 0 {
		h.MaxKeys = DefaultMaxKeys
	}
	if h.RedisTimeout == 0 {
		h.RedisTimeout = caddy.Duration(DefaultRedisTimeout)
	}
}

func (h *Handler) openStore() error {
	if h.RedisURL == "" {
		h.log.Warn("rate limits are counted in this process only: with several edges "+
			"each grants the full rate; set redis_url to share counters",
			zap.Int("max_keys", h.MaxKeys))
		h.store = newMemoryStore(h.MaxKeys, h.now)
		h.closer = func() error { return nil }
		return nil
	}
	rs, err := newRedisStore(h.RedisURL, time.Duration(h.RedisTimeout), h.KeyPrefix, h.now)
	if err != nil {
		return err
	}
	h.store, h.closer = rs, rs.Close
	h.leases = newLeaseTable(rs, h.MaxKeys, h.now)
	return nil
}

// Validate refuses a configuration that cannot work.
func (h *Handler) Validate() error {
	if len(h.Zones) == 0 {
		return fmt.Errorf("kw_rate_limit: at least one zone is required")
	}
	if h.MaxKeys < 1 {
		return fmt.Errorf("kw_rate_limit: max_keys must be at least 1, got %d", h.MaxKeys)
	}
	if time.Duration(h.RedisTimeout) < 0 {
		return fmt.Errorf("kw_rate_limit: redis_timeout must be positive")
	}
	seen := map[string]bool{}
	for _, z := range h.Zones {
		if err := z.validate(); err != nil {
			return fmt.Errorf("kw_rate_limit: zone %q: %w", z.Name, err)
		}
		if seen[z.Name] {
			return fmt.Errorf("kw_rate_limit: zone %q is defined twice", z.Name)
		}
		seen[z.Name] = true
	}
	return nil
}

// Cleanup closes the Redis connections.
func (h *Handler) Cleanup() error {
	if h.closer == nil {
		return nil
	}
	return h.closer()
}

// Interface guards.
var (
	_ caddy.Provisioner           = (*Handler)(nil)
	_ caddy.Validator             = (*Handler)(nil)
	_ caddy.CleanerUpper          = (*Handler)(nil)
	_ caddyhttp.MiddlewareHandler = (*Handler)(nil)
)

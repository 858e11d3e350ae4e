package ratelimit

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/ulule/limiter/v3"
)

// Defaults of a zone's settings.
const (
	DefaultKey        = "{http.vars.client_ip}"
	DefaultIPv6Prefix = 64
	DefaultIPv4Prefix = 32
)

// Lease sizes of a zone (see Zone.Lease).
const (
	// LeaseAuto picks a zone's lease from its rate: exact (1) below
	// 2 x LeaseAutoShare events, else one LeaseAutoShare-th of the events, at
	// most LeaseAutoMax.
	LeaseAuto = 0
	// LeaseExact counts every request in the store.
	LeaseExact = 1
	// LeaseAutoShare is the share of a zone's events an automatic lease
	// takes: one hundredth.
	LeaseAutoShare = 100
	// LeaseAutoMax is the largest automatic lease.
	LeaseAutoMax = 100
)

// Failure policies of a zone when its store fails.
const (
	FailClosed = "closed"
	FailOpen   = "open"
)

var zoneName = regexp.MustCompile(`^[a-z0-9][a-z0-9_]{0,62}$`)

// Zone is one named limit: a rate, a key and the paths it covers.
type Zone struct {
	// Name names the zone in headers, metrics and logs; lowercase letters,
	// digits and underscores.
	Name string `json:"name"`

	// Key is the placeholder whose value identifies a client, for example
	// {http.vars.client_ip} (the client IP as Caddy computes it with
	// trusted_proxies), {http.request.header.X-Kw-User} (the user the edge
	// authenticated) or {http.request.header.X-Kw-Key-Id} (the API key id).
	// A request whose key is empty is not counted in this zone. When the whole
	// value is an IP address it is keyed by its network (see IPv6Prefix).
	// Default: {http.vars.client_ip}.
	Key string `json:"key,omitempty"`

	// Events is how many requests a key may make per window; at least 1.
	Events int64 `json:"events"`

	// Window is the length of the fixed window, in whole seconds, at least 1s.
	Window caddy.Duration `json:"window"`

	// Paths are the request paths this zone covers; a path ending in * covers
	// that prefix. Request paths are normalised before matching (percent-
	// decoding, lower case, doubled and trailing slashes, dot segments), so
	// variants of a path cannot escape its zone. Default: every request that
	// reaches the handler.
	Paths []string `json:"paths,omitempty"`

	// OnStoreError is what the zone does when its store fails: "closed"
	// answers 503, "open" lets the request through. Default: closed.
	OnStoreError string `json:"on_store_error,omitempty"`

	// IPv6Prefix is the prefix length by which IPv6 keys are grouped, so that
	// a client rotating addresses inside its /64 stays one client. Default: 64.
	IPv6Prefix int `json:"ipv6_prefix,omitempty"`

	// IPv4Prefix is the prefix length by which IPv4 keys (and IPv4-mapped
	// IPv6 keys, which are the same client) are grouped. Default: 32.
	IPv4Prefix int `json:"ipv4_prefix,omitempty"`

	// Lease is how many requests an edge takes from the shared Redis counter
	// at once, to serve them from memory without a Redis round trip. 1 counts
	// every request in Redis: exact across edges, one round trip each. n > 1
	// takes up to n at a time, never more than the window has left, so the
	// sum over every edge never passes the rate; an edge fetches its next
	// lease in the background at half a lease left, so it may hold up to 1.5
	// unused leases, and with E edges a key can be refused up to
	// (E-1) x 1.5n requests before its rate is spent, never after. A lease ends with the
	// window it was taken in (up to a second before). 0, written "lease
	// auto" in the Caddyfile, is 1 below 200 events and one hundredth of the
	// events above, at most 100. Without redis_url every request is counted
	// exactly and Lease has no effect. Default: 0 (auto).
	Lease int64 `json:"lease,omitempty"`

	rate      limiter.Rate
	patterns  []string
	leaseSize int64

	// rendered once: the zone's quoted name, its RateLimit-Policy item and
	// its limit (X-RateLimit-Limit)
	quoted, policy, limit string
	// the zone's kw_rate_limit_requests_total counters
	allowed, limited prometheus.Counter
}

func (z *Zone) provision() error {
	if z.Key == "" {
		z.Key = DefaultKey
	}
	if z.OnStoreError == "" {
		z.OnStoreError = FailClosed
	}
	if z.IPv6Prefix == 0 {
		z.IPv6Prefix = DefaultIPv6Prefix
	}
	if z.IPv4Prefix == 0 {
		z.IPv4Prefix = DefaultIPv4Prefix
	}
	z.patterns = z.patterns[:0]
	for _, p := range z.Paths {
		z.patterns = append(z.patterns, normalisePattern(p))
	}
	z.rate = limiter.Rate{
		Formatted: fmt.Sprintf("%d-%s", z.Events, time.Duration(z.Window)),
		Period:    time.Duration(z.Window),
		Limit:     z.Events,
	}
	z.quoted = strconv.Quote(z.Name)
	z.policy = fmt.Sprintf("%s;q=%d;w=%d", z.quoted, z.Events,
		int64(time.Duration(z.Window)/time.Second))
	z.limit = strconv.FormatInt(z.Events, 10)
	z.leaseSize = z.Lease
	if z.Lease == LeaseAuto {
		z.leaseSize = autoLease(z.Events)
	}
	return nil
}

// autoLease returns the lease of a zone of events per window whose Lease is
// LeaseAuto.
func autoLease(events int64) int64 {
	return max(min(events/LeaseAutoShare, LeaseAutoMax), LeaseExact)
}

func (z *Zone) validate() error {
	switch {
	case !zoneName.MatchString(z.Name):
		return fmt.Errorf("name must be lowercase letters, digits and underscores")
	case z.Events < 1:
		return fmt.Errorf("rate needs at least 1 event, got %d", z.Events)
	case time.Duration(z.Window) < time.Second ||
		time.Duration(z.Window)%time.Second != 0:
		return fmt.Errorf("rate window must be whole seconds, at least 1s, got %s",
			time.Duration(z.Window))
	case z.OnStoreError != FailClosed && z.OnStoreError != FailOpen:
		return fmt.Errorf("on_store_error must be closed or open, got %q", z.OnStoreError)
	case z.IPv6Prefix < 1 || z.IPv6Prefix > 128:
		return fmt.Errorf("ipv6_prefix must be 1 to 128, got %d", z.IPv6Prefix)
	case z.IPv4Prefix < 1 || z.IPv4Prefix > 32:
		return fmt.Errorf("ipv4_prefix must be 1 to 32, got %d", z.IPv4Prefix)
	case z.Lease < LeaseAuto:
		return fmt.Errorf("lease must be auto (0) or at least 1, got %d", z.Lease)
	case z.Lease > z.Events:
		return fmt.Errorf("lease %d is more than the rate's %d events", z.Lease, z.Events)
	}
	for _, p := range z.Paths {
		if !strings.HasPrefix(p, "/") {
			return fmt.Errorf("path %q must start with /", p)
		}
	}
	return nil
}

// covers reports whether the zone counts r.
func (z *Zone) covers(r *http.Request) bool {
	if len(z.patterns) == 0 {
		return true
	}
	p := NormalisePath(r.URL.EscapedPath())
	for _, pat := range z.patterns {
		if matchPattern(pat, p) {
			return true
		}
	}
	return false
}

// key returns the counter key of r in this zone, or "" when r is not keyed:
// the zone's name and the first 128 bits of the SHA-256 of the key's value
// (an IP address grouped per the zone's prefixes), so that no client value
// reaches the store as it is.
func (z *Zone) key(repl *caddy.Replacer) string {
	v := strings.TrimSpace(repl.ReplaceAll(z.Key, ""))
	if v == "" {
		return ""
	}
	var buf [64]byte
	sum := sha256.Sum256(z.appendGroupIP(buf[:0], v))
	out := make([]byte, 0, len(z.Name)+1+base64.RawURLEncoding.EncodedLen(16))
	out = append(append(out, z.Name...), ':')
	return string(base64.RawURLEncoding.AppendEncode(out, sum[:16]))
}

// groupIP maps an IP address to its network per the zone's prefixes; any
// other value is returned unchanged.
func (z *Zone) groupIP(v string) string {
	return string(z.appendGroupIP(nil, v))
}

// appendGroupIP appends groupIP(v) to dst.
func (z *Zone) appendGroupIP(dst []byte, v string) []byte {
	addr, err := netip.ParseAddr(v)
	if err != nil {
		return append(dst, v...)
	}
	addr = addr.WithZone("").Unmap()
	bits := z.IPv6Prefix
	if addr.Is4() {
		bits = z.IPv4Prefix
	}
	return netip.PrefixFrom(addr, bits).Masked().AppendTo(dst)
}

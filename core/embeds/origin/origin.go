// Package origin parses and compares web origins (RFC 6454) for embed
// allowlists, on the core and at the edge alike.
//
// An allowed origin is written scheme://host[:port]: scheme http or https,
// host an ASCII DNS name (internationalised names in their xn-- form) or an
// IP literal, the port only when it is not the scheme's default. Entries are
// compared exactly; the only wildcard is a single leading label written as
// such, https://*.example.com, which matches https://a.example.com but
// neither https://example.com nor https://a.b.example.com.
//
// A request's Origin header is trusted only in the exact form browsers send
// (RFC 6454 section 6.1): lower case, no default port, no path, no userinfo,
// no trailing dot. Anything else, including the opaque origin "null", is not
// an origin at all and never matches.
package origin

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Errors of Parse and ParseRequest.
var (
	ErrNull      = errors.New("the opaque origin null is never allowed")
	ErrMalformed = errors.New("not an origin of the form scheme://host[:port]")
)

// Origin is a tuple origin, or with Wildcard an allowlist entry covering
// every host one label below Host.
type Origin struct {
	Scheme   string
	Host     string // lower case; an IPv6 literal is in brackets
	Port     int    // 0 when it is the scheme's default
	Wildcard bool
}

// String serialises o as browsers do, with *. before a wildcard host.
func (o Origin) String() string {
	var b strings.Builder
	b.WriteString(o.Scheme + "://")
	if o.Wildcard {
		b.WriteString("*.")
	}
	b.WriteString(o.Host)
	if o.Port != 0 {
		b.WriteString(":" + strconv.Itoa(o.Port))
	}
	return b.String()
}

// Match reports whether the request origin r is covered by the entry o.
func (o Origin) Match(r Origin) bool {
	if o.Scheme != r.Scheme || o.Port != r.Port || r.Wildcard {
		return false
	}
	if !o.Wildcard {
		return o.Host == r.Host
	}
	label, parent, ok := strings.Cut(r.Host, ".")
	return ok && label != "" && parent == o.Host
}

// Parse reads an allowlist entry, as a tenant admin writes it: scheme and
// host may be in any case and a default port may be spelled out; the result
// is canonical. A wildcard is accepted only as a whole leading label of a
// name with at least two more labels.
func Parse(s string) (Origin, error) {
	return parse(s, true)
}

// ParseRequest reads the value of a request's Origin header and refuses it
// unless it is exactly the canonical serialisation of a tuple origin.
func ParseRequest(s string) (Origin, error) {
	o, err := parse(s, false)
	if err != nil {
		return Origin{}, err
	}
	if o.String() != s {
		return Origin{}, fmt.Errorf("%w: not in canonical form", ErrMalformed)
	}
	return o, nil
}

func parse(s string, allowWildcard bool) (Origin, error) {
	if s == "null" {
		return Origin{}, ErrNull
	}
	scheme, rest, ok := strings.Cut(s, "://")
	scheme = strings.ToLower(scheme)
	if !ok || (scheme != "https" && scheme != "http") {
		return Origin{}, fmt.Errorf("%w: scheme must be http or https", ErrMalformed)
	}
	if strings.ContainsAny(rest, "/?#@\\ \t") || rest == "" {
		return Origin{}, fmt.Errorf("%w: no path, query, fragment or userinfo", ErrMalformed)
	}
	hostport := strings.ToLower(rest)
	o := Origin{Scheme: scheme}
	if allowWildcard {
		hostport, o.Wildcard = strings.CutPrefix(hostport, "*.")
	}
	host, port, err := splitPort(hostport)
	if err != nil {
		return Origin{}, err
	}
	if o.Port, err = parsePort(port, scheme); err != nil {
		return Origin{}, err
	}
	if o.Host, err = checkHost(host, o.Wildcard); err != nil {
		return Origin{}, err
	}
	return o, nil
}

func splitPort(hostport string) (host, port string, err error) {
	if strings.HasPrefix(hostport, "[") {
		end := strings.Index(hostport, "]")
		if end < 0 {
			return "", "", fmt.Errorf("%w: unclosed IPv6 literal", ErrMalformed)
		}
		host, rest := hostport[:end+1], hostport[end+1:]
		if rest == "" {
			return host, "", nil
		}
		if !strings.HasPrefix(rest, ":") {
			return "", "", fmt.Errorf("%w: junk after IPv6 literal", ErrMalformed)
		}
		return host, rest[1:], nil
	}
	host, port, _ = strings.Cut(hostport, ":")
	if strings.Contains(port, ":") {
		return "", "", fmt.Errorf("%w: more than one port", ErrMalformed)
	}
	return host, port, nil
}

func parsePort(port, scheme string) (int, error) {
	if port == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 || port[0] == '0' {
		return 0, fmt.Errorf("%w: port must be 1 to 65535", ErrMalformed)
	}
	if (scheme == "https" && n == 443) || (scheme == "http" && n == 80) {
		return 0, nil
	}
	return n, nil
}

// checkHost accepts an IP literal or an ASCII DNS name and returns it in
// canonical form.
func checkHost(host string, wildcard bool) (string, error) {
	if strings.HasPrefix(host, "[") {
		a, err := netip.ParseAddr(strings.Trim(host, "[]"))
		if err != nil || !a.Is6() || a.Zone() != "" || wildcard {
			return "", fmt.Errorf("%w: bad IPv6 literal", ErrMalformed)
		}
		return "[" + a.String() + "]", nil
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if !a.Is4() || wildcard {
			return "", fmt.Errorf("%w: bad IP literal", ErrMalformed)
		}
		return a.String(), nil
	}
	return host, checkName(host, wildcard)
}

func checkName(host string, wildcard bool) error {
	if len(host) == 0 || len(host) > 253 {
		return fmt.Errorf("%w: host must be 1 to 253 characters", ErrMalformed)
	}
	labels := strings.Split(host, ".")
	if wildcard && len(labels) < 2 {
		return fmt.Errorf("%w: a wildcard needs a parent of two labels at least", ErrMalformed)
	}
	for _, l := range labels {
		if err := checkLabel(l); err != nil {
			return err
		}
	}
	if _, err := strconv.Atoi(labels[len(labels)-1]); err == nil {
		return fmt.Errorf("%w: numeric top-level label", ErrMalformed)
	}
	return nil
}

func checkLabel(l string) error {
	if l == "" {
		return fmt.Errorf("%w: empty label (or a trailing dot)", ErrMalformed)
	}
	if len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return fmt.Errorf("%w: bad label %q", ErrMalformed, l)
	}
	for _, c := range l {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return fmt.Errorf("%w: host must be ASCII letters, digits and hyphens "+
				"(internationalised names in their xn-- form)", ErrMalformed)
		}
	}
	return nil
}

// List is a set of allowlist entries.
type List []Origin

// ParseList parses every entry, naming the first bad one in its error.
func ParseList(entries []string) (List, error) {
	out := make(List, 0, len(entries))
	for _, e := range entries {
		o, err := Parse(e)
		if err != nil {
			return nil, fmt.Errorf("origin %q: %w", e, err)
		}
		out = append(out, o)
	}
	return out, nil
}

// Allows reports whether the request origin r is covered by an entry.
func (l List) Allows(r Origin) bool {
	for _, o := range l {
		if o.Match(r) {
			return true
		}
	}
	return false
}

// Strings returns the canonical entries.
func (l List) Strings() []string {
	out := make([]string, len(l))
	for i, o := range l {
		out[i] = o.String()
	}
	return out
}

// FromHeader returns the request origin of a request's Origin header values.
// Exactly one value is accepted: two Origin headers are refused.
func FromHeader(values []string) (Origin, error) {
	if len(values) != 1 {
		return Origin{}, fmt.Errorf("%w: want exactly one Origin header, got %d",
			ErrMalformed, len(values))
	}
	return ParseRequest(values[0])
}

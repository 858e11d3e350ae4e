package ratelimit

import (
	"net/url"
	"path"
	"strings"
)

// maxDecodes bounds repeated percent-decoding of a path, which undoes
// double and triple encoding (%252F) of a path variant.
const maxDecodes = 3

// NormalisePath returns the canonical form of a request path used to match
// zones: percent-decoded until stable (at most three times), backslashes read
// as slashes, lower case, doubled slashes collapsed, dot segments resolved
// and no trailing slash. It is what a lenient server could route the path
// to, so /API//v1/auth/Login/ and /api/v1/auth/%6Cogin both match the zone of
// /api/v1/auth/login.
func NormalisePath(p string) string {
	for i := 0; i < maxDecodes; i++ {
		d, err := url.PathUnescape(p)
		if err != nil || d == p {
			break
		}
		p = d
	}
	p = strings.ReplaceAll(p, "\\", "/")
	p = strings.ToLower(p)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return path.Clean(p)
}

// normalisePattern normalises a configured path, keeping a trailing * that
// marks a prefix.
func normalisePattern(p string) string {
	if prefix, ok := strings.CutSuffix(p, "*"); ok {
		n := NormalisePath(prefix)
		if n != "/" && strings.HasSuffix(prefix, "/") {
			n += "/"
		}
		return n + "*"
	}
	return NormalisePath(p)
}

// matchPattern reports whether the normalised path p matches pat: exactly,
// or by prefix when pat ends in *. A prefix ending in a slash also covers the
// path without it (/api/v1/* covers /api/v1).
func matchPattern(pat, p string) bool {
	prefix, ok := strings.CutSuffix(pat, "*")
	if !ok {
		return p == pat
	}
	if strings.HasPrefix(p, prefix) {
		return true
	}
	return strings.HasSuffix(prefix, "/") && p == strings.TrimSuffix(prefix, "/")
}

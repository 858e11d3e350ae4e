package tokencheck

import (
	"net/http"
	"strings"
)

// identityPrefix is the prefix of every identity header, current or
// future; a client may send none of them.
const identityPrefix = "x-kw-"

// IsIdentityHeader reports whether name is an identity header in any case,
// with "_" for "-".
func IsIdentityHeader(name string) bool {
	if len(name) < len(identityPrefix) {
		return false
	}
	n := strings.ToLower(strings.ReplaceAll(name[:len(identityPrefix)], "_", "-"))
	return n == identityPrefix
}

// StripIdentity deletes every client copy of the identity headers, and
// every identity header named in Connection (which a proxy would otherwise
// drop after the edge set it).
func StripIdentity(h http.Header) {
	for name := range h {
		if IsIdentityHeader(name) {
			delete(h, name)
		}
	}
	conn := h.Values("Connection")
	if len(conn) == 0 {
		return
	}
	var keep []string
	for _, v := range conn {
		for _, tok := range strings.Split(v, ",") {
			tok = strings.TrimSpace(tok)
			if tok != "" && !IsIdentityHeader(tok) {
				keep = append(keep, tok)
			}
		}
	}
	h.Del("Connection")
	if len(keep) > 0 {
		h.Set("Connection", strings.Join(keep, ", "))
	}
}

package edgeauth

import (
	"net/http"
	"strings"
)

// Identity headers the edge sets for the core (docs/interfaces.md).
const (
	HeaderAuth    = "X-Kw-Auth"
	HeaderUser    = "X-Kw-User"
	HeaderTenant  = "X-Kw-Tenant"
	HeaderSession = "X-Kw-Session"
	HeaderScopes  = "X-Kw-Scopes"
	HeaderKeyID   = "X-Kw-Key-Id"
)

// identityPrefix is the prefix of every identity header, current or
// future; a client may send none of them.
const identityPrefix = "x-kw-"

// isIdentityHeader reports whether name is an identity header in any case,
// with "_" for "-".
func isIdentityHeader(name string) bool {
	if len(name) < len(identityPrefix) {
		return false
	}
	n := strings.ToLower(strings.ReplaceAll(name[:len(identityPrefix)], "_", "-"))
	return n == identityPrefix
}

// stripIdentity deletes every client copy of the identity headers, and
// every identity header named in Connection (which a proxy would otherwise
// drop after the edge set it).
func stripIdentity(h http.Header) {
	for name := range h {
		if isIdentityHeader(name) {
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
			if tok != "" && !isIdentityHeader(tok) {
				keep = append(keep, tok)
			}
		}
	}
	h.Del("Connection")
	if len(keep) > 0 {
		h.Set("Connection", strings.Join(keep, ", "))
	}
}

// assertion is what the edge asserts about a caller.
type assertion struct {
	auth, user, tenant, session, keyID string
	scopes                             []string
}

// set writes id as the edge's own identity headers.
func (id assertion) set(h http.Header) {
	h.Set(HeaderAuth, id.auth)
	for name, v := range map[string]string{
		HeaderUser: id.user, HeaderTenant: id.tenant,
		HeaderSession: id.session, HeaderKeyID: id.keyID,
	} {
		if v != "" {
			h.Set(name, v)
		}
	}
	if len(id.scopes) > 0 {
		h.Set(HeaderScopes, strings.Join(id.scopes, " "))
	}
}

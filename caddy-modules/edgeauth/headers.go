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

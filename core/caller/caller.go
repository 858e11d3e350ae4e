// Package caller reads the verified identity that the edge attaches to each
// request, and refuses identity from anyone but the edge.
//
// The core is reachable only over mutual TLS with the edge's client
// certificate (see docs/interfaces.md). Identity headers are read only from a
// request whose TLS state carries a verified client chain; any other request is
// refused before a handler sees it.
package caller

import (
	"context"
	"net/http"
	"strings"

	"github.com/kernelwork/kernelwork/core/problem"
)

// How the caller authenticated, as the edge reports it in X-Kw-Auth.
const (
	AuthToken     = "token"
	AuthAPIKey    = "api_key"
	AuthEmbed     = "embed"
	AuthAnonymous = "anonymous"
)

// Identity headers set by the edge.
const (
	HeaderAuth    = "X-Kw-Auth"
	HeaderUser    = "X-Kw-User"
	HeaderTenant  = "X-Kw-Tenant"
	HeaderSession = "X-Kw-Session"
	HeaderScopes  = "X-Kw-Scopes"
	HeaderKeyID   = "X-Kw-Key-Id"
	HeaderEmbed   = "X-Kw-Embed"
	HeaderOrigin  = "X-Kw-Origin"
)

// Caller is who made a request, as verified by the edge.
type Caller struct {
	Auth      string
	UserID    string
	TenantID  string
	SessionID string
	Scopes    []string
	KeyID     string
	EmbedID   string
	Origin    string
}

// Authenticated reports whether the edge verified a credential.
func (c *Caller) Authenticated() bool {
	return c != nil && c.Auth != "" && c.Auth != AuthAnonymous
}

// HasScope reports whether an API-key or embed caller holds scope. Callers
// that authenticated with an access token act as their user and have every
// scope their role allows, so HasScope is true for them.
func (c *Caller) HasScope(scope string) bool {
	if c.Auth == AuthToken {
		return true
	}
	for _, s := range c.Scopes {
		if s == scope {
			return true
		}
	}
	return false
}

type ctxKey struct{}

// From returns the caller of ctx; never nil inside Middleware.
func From(ctx context.Context) *Caller {
	c, _ := ctx.Value(ctxKey{}).(*Caller)
	if c == nil {
		return &Caller{Auth: AuthAnonymous}
	}
	return c
}

// With returns ctx carrying c.
func With(ctx context.Context, c *Caller) context.Context {
	return context.WithValue(ctx, ctxKey{}, c)
}

// Middleware refuses any request that did not arrive over the edge's verified
// client certificate, then attaches the caller the edge describes.
func Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 {
			problem.Write(w, problem.New(http.StatusUnauthorized, "untrusted-channel",
				"Requests must come through the edge."))
			return
		}
		c := &Caller{
			Auth:      r.Header.Get(HeaderAuth),
			UserID:    r.Header.Get(HeaderUser),
			TenantID:  r.Header.Get(HeaderTenant),
			SessionID: r.Header.Get(HeaderSession),
			Scopes:    strings.Fields(r.Header.Get(HeaderScopes)),
			KeyID:     r.Header.Get(HeaderKeyID),
			EmbedID:   r.Header.Get(HeaderEmbed),
			Origin:    r.Header.Get(HeaderOrigin),
		}
		if c.Auth == "" {
			c.Auth = AuthAnonymous
		}
		next.ServeHTTP(w, r.WithContext(With(r.Context(), c)))
	})
}

// Require wraps h so that only authenticated callers reach it.
func Require(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !From(r.Context()).Authenticated() {
			problem.Write(w, problem.Unauthorized)
			return
		}
		h(w, r)
	}
}

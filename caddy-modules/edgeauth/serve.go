package edgeauth

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/kernelwork/kernelwork/caddy-modules/tokencheck"
	"github.com/kernelwork/kernelwork/core/problem"
)

// Placeholders set for later handlers, for example a rate limit keyed by
// user: {http.vars.kw_auth} and the others below.
const (
	VarAuth   = "kw_auth"
	VarUser   = "kw_user"
	VarTenant = "kw_tenant"
	VarKeyID  = "kw_key_id"
)

// ServeHTTP strips the client's identity headers, authenticates the
// request, sets the edge's identity headers and calls next; or answers
// 400, 401, 403 or 503 itself.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	tokencheck.StripIdentity(r.Header)
	id, err := h.authenticate(r)
	if err != nil {
		return h.reject(w, r, tokencheck.AsError(err))
	}
	if !h.ForwardAuthorization {
		r.Header.Del("Authorization")
	}
	id.set(r.Header)
	caddyhttp.SetVar(r.Context(), VarAuth, id.auth)
	caddyhttp.SetVar(r.Context(), VarUser, id.user)
	caddyhttp.SetVar(r.Context(), VarTenant, id.tenant)
	caddyhttp.SetVar(r.Context(), VarKeyID, id.keyID)
	return next.ServeHTTP(w, r)
}

// authenticate returns the caller's identity: anonymous on a public path,
// else from the request's one credential.
func (h *Handler) authenticate(r *http.Request) (assertion, error) {
	if len(h.public) > 0 && h.public.Match(r) {
		return assertion{auth: "anonymous"}, nil
	}
	cred, err := tokencheck.Extract(r)
	if err != nil {
		return assertion{}, err
	}
	switch cred.Kind {
	case tokencheck.CredentialToken:
		return h.tokenIdentity(r, cred.Value)
	case tokencheck.CredentialAPIKey:
		return h.apiKeyIdentity(r, cred.Value)
	}
	return assertion{}, tokencheck.ErrMissing
}

func (h *Handler) tokenIdentity(r *http.Request, raw string) (assertion, error) {
	c, err := h.verifier.Verify(r.Context(), raw)
	if err != nil {
		return assertion{}, err
	}
	return assertion{auth: "token", user: c.Subject, tenant: c.TenantID, session: c.SessionID}, nil
}

func (h *Handler) apiKeyIdentity(r *http.Request, raw string) (assertion, error) {
	if h.apiKeys == nil {
		return assertion{}, tokencheck.ErrInvalidAPIKey
	}
	k, err := h.apiKeys.Verify(r.Context(), raw)
	if err != nil {
		return assertion{}, err
	}
	for _, s := range h.RequireScopes {
		if !slices.Contains(k.Scopes, s) {
			return assertion{keyID: k.KeyID}, tokencheck.ErrInsufficientScope
		}
	}
	return assertion{
		auth: "api_key", user: k.UserID, tenant: k.TenantID, keyID: k.KeyID,
		scopes: k.Scopes,
	}, nil
}

// reject answers with the status of e, a WWW-Authenticate header (RFC
// 6750 section 3) and a problem+json body, and logs at debug only.
func (h *Handler) reject(w http.ResponseWriter, r *http.Request, e *tokencheck.Error) error {
	h.log.Debug("request refused", "reason", e.Reason, "status", e.Status,
		"method", r.Method, "path", r.URL.Path)
	h.refusals.WithLabelValues(e.Reason).Inc()
	hdr := w.Header()
	hdr.Set("WWW-Authenticate", h.challenge(e))
	if e.Status == http.StatusServiceUnavailable {
		hdr.Set("Retry-After", "5")
	}
	p := problemFor(e)
	hdr.Set("Content-Type", "application/problem+json")
	hdr.Set("Cache-Control", "no-store")
	w.WriteHeader(e.Status)
	return json.NewEncoder(w).Encode(p)
}

// challenge builds the WWW-Authenticate value; a request with no
// credential gets no error code (RFC 6750 section 3.1).
func (h *Handler) challenge(e *tokencheck.Error) string {
	c := fmt.Sprintf(`Bearer realm="%s"`, h.realm())
	if errors.Is(e, tokencheck.ErrMissing) {
		return c
	}
	c += fmt.Sprintf(`, error="%s", error_description="%s"`, e.Code, e.Reason)
	if e.Code == tokencheck.CodeInsufficientScope && len(h.RequireScopes) > 0 {
		c += fmt.Sprintf(`, scope="%s"`, strings.Join(h.RequireScopes, " "))
	}
	return c
}

func problemFor(e *tokencheck.Error) *problem.Problem {
	var p *problem.Problem
	switch e.Status {
	case http.StatusBadRequest:
		p = problem.BadRequest
	case http.StatusForbidden:
		p = problem.Forbidden
	case http.StatusServiceUnavailable:
		p = problem.Unavailable
	default:
		p = problem.Unauthorized
	}
	return p.WithDetail(e.Reason)
}

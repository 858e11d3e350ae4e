package embed

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/kernelwork/kernelwork/caddy-modules/tokencheck"
	"github.com/kernelwork/kernelwork/core/embeds/origin"
)

// refusal is an answer the handler gives instead of passing the request on.
type refusal struct {
	status int
	slug   string
	title  string
}

var (
	refuseOrigin   = refusal{403, "origin-not-allowed", "The request's Origin is not allowed for this embed."}
	refuseMismatch = refusal{403, "origin-mismatch", "The embed token is bound to another origin."}
	refuseNoOrigin = refusal{403, "origin-required", "An embed token must come with its Origin."}
	refuseToken    = refusal{401, "invalid-embed-token", "The embed token is invalid."}
	refuseNeedTok  = refusal{401, "embed-token-required", "An embed token is required."}
	refuseNoEmbed  = refusal{404, "embed-not-found", "No such embed."}
	refuseDown     = refusal{503, "allowlist-unavailable", "The embed's allowlist cannot be read now."}
)

// ServeHTTP checks the request against its embed's allowlist and token.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	tokencheck.StripIdentity(r.Header)
	claims, id, ref := h.identify(r)
	dropQueryToken(r)
	if ref != nil {
		return refuse(w, *ref)
	}
	al, err := h.lists.get(r.Context(), id)
	switch {
	case errors.Is(err, errNoEmbed):
		return refuse(w, refuseNoEmbed)
	case err != nil:
		return refuse(w, refuseDown)
	case claims != nil && claims.TenantID != al.TenantID:
		return refuse(w, refuseToken)
	}
	w.Header().Set("Content-Security-Policy", "frame-ancestors "+strings.Join(al.Origins, " "))
	w.Header().Add("Vary", "Origin")
	values := r.Header.Values("Origin")
	if len(values) == 0 {
		if claims != nil {
			return refuse(w, refuseNoOrigin)
		}
		// a navigation (the embed page in its frame) carries no Origin; the
		// frame-ancestors policy decides who may frame it
		return next.ServeHTTP(w, r)
	}
	o, err := origin.FromHeader(values)
	if err != nil || !al.list.Allows(o) {
		return refuse(w, refuseOrigin)
	}
	if claims != nil && claims.Origin != o {
		return refuse(w, refuseMismatch)
	}
	w.Header().Set("Access-Control-Allow-Origin", o.String())
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		return preflight(w)
	}
	if claims != nil {
		setIdentity(r.Header, claims)
	}
	return next.ServeHTTP(w, r)
}

// identify returns the verified token claims, if a token is presented, and
// the embed id of the request.
func (h *Handler) identify(r *http.Request) (*embedClaims, string, *refusal) {
	placeholderID := ""
	if h.EmbedID != "" {
		repl, _ := r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer)
		if repl != nil {
			placeholderID = repl.ReplaceAll(h.EmbedID, "")
		}
	}
	raw := tokenOf(r)
	if raw == "" {
		if placeholderID == "" {
			return nil, "", &refuseNeedTok
		}
		return nil, placeholderID, nil
	}
	claims, err := h.tokens.verify(r.Context(), raw)
	if errors.Is(err, tokencheck.ErrKeysUnavailable) {
		return nil, "", &refuseDown
	}
	if err != nil || (placeholderID != "" && claims.EmbedID != placeholderID) {
		return nil, "", &refuseToken
	}
	return claims, claims.EmbedID, nil
}

// dropQueryToken removes the embed_token query parameter, so that what runs
// after this handler (the socket layer, the core) never sees or logs it.
func dropQueryToken(r *http.Request) {
	q := r.URL.Query()
	if q.Has(tokenQueryName) {
		q.Del(tokenQueryName)
		r.URL.RawQuery = q.Encode()
		r.RequestURI = r.URL.RequestURI()
	}
}

// setIdentity sets the embed identity headers of docs/interfaces.md.
func setIdentity(h http.Header, c *embedClaims) {
	h.Set("X-Kw-Auth", "embed")
	h.Set("X-Kw-Embed", c.EmbedID)
	h.Set("X-Kw-Tenant", c.TenantID)
	h.Set("X-Kw-Origin", c.Origin.String())
	h.Set("X-Kw-Scopes", "embed")
}

// preflight answers a CORS preflight of a listed origin. Credentials are
// never allowed: embed tokens travel in the Authorization header.
func preflight(w http.ResponseWriter) error {
	w.Header().Set("Access-Control-Allow-Methods", "GET, POST")
	w.Header().Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
	w.Header().Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ProblemTypeBase prefixes the RFC 9457 problem types of this module.
const ProblemTypeBase = "https://kernelwork.dev/problems/"

func refuse(w http.ResponseWriter, r refusal) error {
	w.Header().Del("Access-Control-Allow-Origin")
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(r.status)
	return json.NewEncoder(w).Encode(map[string]any{
		"type":  ProblemTypeBase + r.slug,
		"title": r.title, "status": r.status,
	})
}

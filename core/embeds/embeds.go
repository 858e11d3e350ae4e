// Package embeds is the core's side of video embeds: a conversation's call
// room shown on a client's own web site.
//
// An embed belongs to a workspace of a tenant, points at one conversation
// (its call room) and lists the origins allowed to frame it and to ask for
// its tokens (core/embeds/origin: scheme, host and port compared exactly, a
// single-label wildcard only when written https://*.example.com). Tenant
// admins manage embeds under /api/v1/embeds.
//
// POST /api/v1/embeds/{id}/token issues an embed token only to a request
// whose single Origin header is on the embed's list. The token is a JWT of
// typ embed+jwt (docs/interfaces.md) with the claims emb, tid, origin (the
// origin it was issued to), room and aud, and lives KW_EMBED_TOKEN_TTL. The
// edge (caddy-modules/embed) refuses it when it comes with any other Origin;
// GET /api/v1/embeds/{id}/session tells its holder what it grants.
//
// The edge reads an embed's allowlist from GET /internal/embeds/{id} over the
// trusted channel, and every change is announced on the Redis channel
// kw:embeds so that each edge drops its cached copy at once.
//
// Routes (errors are RFC 9457 problems; another tenant's embed is 404):
//
//	POST   /api/v1/embeds               tenant admin: {workspace_id, conversation_id, name, origins} -> 201 Embed
//	GET    /api/v1/embeds               tenant admin: {"embeds": [Embed]}, ?workspace_id= filters
//	GET    /api/v1/embeds/{id}          tenant admin: Embed
//	PATCH  /api/v1/embeds/{id}          tenant admin: {name?, origins?} -> Embed
//	DELETE /api/v1/embeds/{id}          tenant admin: 204
//	POST   /api/v1/embeds/{id}/token    anonymous, listed Origin: 201 {token, expires_at, origin, room, embed_id}
//	GET    /api/v1/embeds/{id}/session  embed caller of this embed: {embed_id, room, origin}
//	GET    /internal/embeds/{id}        the edge: {id, tenant_id, room, origins}
package embeds

import (
	"net/http"
	"time"

	"github.com/kernelwork/kernelwork/core/app"
	"github.com/kernelwork/kernelwork/core/calls"
	"github.com/kernelwork/kernelwork/core/tokens"
)

// Channel is the Redis pub/sub channel on which embed changes are announced.
const Channel = "kw:embeds"

// Embed is one embed as the API shows it.
type Embed struct {
	ID             string    `json:"id"`
	TenantID       string    `json:"tenant_id"`
	WorkspaceID    string    `json:"workspace_id"`
	ConversationID string    `json:"conversation_id"`
	Name           string    `json:"name"`
	Origins        []string  `json:"origins"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// Service serves the embed routes.
type Service struct {
	a      *app.App
	issuer *tokens.Issuer
	calls  *calls.Service
}

// NewService returns the embed service over a.
func NewService(a *app.App) *Service {
	// call tokens only: the media plane records and announces the calls
	return &Service{a: a, issuer: tokens.New(a), calls: calls.New(a, nil)}
}

// Register mounts the embed routes on mux.
func Register(mux *http.ServeMux, a *app.App) {
	s := NewService(a)
	mux.HandleFunc("POST /api/v1/embeds", s.admin(s.handleCreate))
	mux.HandleFunc("GET /api/v1/embeds", s.admin(s.handleList))
	mux.HandleFunc("GET /api/v1/embeds/{id}", s.admin(s.handleGet))
	mux.HandleFunc("PATCH /api/v1/embeds/{id}", s.admin(s.handleUpdate))
	mux.HandleFunc("DELETE /api/v1/embeds/{id}", s.admin(s.handleDelete))
	mux.HandleFunc("POST /api/v1/embeds/{id}/token", s.handleToken)
	mux.HandleFunc("GET /api/v1/embeds/{id}/session", s.handleSession)
	mux.HandleFunc("POST /api/v1/embeds/{id}/call", s.handleCall)
	mux.HandleFunc("GET /internal/embeds/{id}", s.handleInternal)
}

package identity

import (
	"net/http"

	"github.com/kernelwork/kernelwork/core/app"
)

// Who may call a route.
type access int

const (
	public   access = iota // no access token (login, refresh, password reset, JWKS)
	signedIn               // a live session of an enabled user
	admin                  // signedIn, and an owner or admin of the tenant
)

// Route is one route of the identity feature, as documented in
// docs/openapi.yaml.
type Route struct {
	Method, Path string
	access       access
	handle       func(s *Service, w http.ResponseWriter, r *http.Request)
}

// Routes lists every route Register mounts.
var Routes = []Route{
	{"GET", "/.well-known/jwks.json", public, (*Service).handleJWKS},
	{"POST", "/api/v1/auth/login", public, (*Service).handleLogin},
	{"POST", "/api/v1/auth/refresh", public, (*Service).handleRefresh},
	{"POST", "/api/v1/auth/logout", signedIn, (*Service).handleLogout},
	{"POST", "/api/v1/auth/logout-all", signedIn, (*Service).handleLogoutAll},
	{"POST", "/api/v1/auth/password", signedIn, (*Service).handlePassword},
	{"POST", "/api/v1/auth/password/reset", public, (*Service).handleReset},
	{"GET", "/api/v1/me", signedIn, (*Service).handleMe},
	{"GET", "/api/v1/me/sessions", signedIn, (*Service).handleMySessions},
	{"DELETE", "/api/v1/me/sessions/{id}", signedIn, (*Service).handleDeleteMySession},
	{"GET", "/api/v1/users", admin, (*Service).handleListUsers},
	{"POST", "/api/v1/users", admin, (*Service).handleCreateUser},
	{"GET", "/api/v1/users/{id}", admin, (*Service).handleGetUser},
	{"PATCH", "/api/v1/users/{id}", admin, (*Service).handleSetRole},
	{"GET", "/api/v1/users/{id}/sessions", admin, (*Service).handleUserSessions},
	{"POST", "/api/v1/users/{id}/revoke-sessions", admin, (*Service).handleRevokeUserSessions},
	{"POST", "/api/v1/users/{id}/password-reset", admin, (*Service).handleIssueReset},
	{"GET", "/api/v1/audit", admin, (*Service).handleAudit},
	{"GET", "/api/v1/workspaces", signedIn, (*Service).handleListWorkspaces},
	{"POST", "/api/v1/workspaces", admin, (*Service).handleCreateWorkspace},
	{"GET", "/api/v1/workspaces/{id}/members", signedIn, (*Service).handleListMembers},
	{"PUT", "/api/v1/workspaces/{id}/members/{user_id}", signedIn, (*Service).handleSetMember},
	{"DELETE", "/api/v1/workspaces/{id}/members/{user_id}", signedIn, (*Service).handleRemoveMember},
}

// Register mounts the identity routes on mux.
func Register(mux *http.ServeMux, a *app.App) {
	s := NewService(a)
	s.dummy()
	for _, rt := range Routes {
		h := func(w http.ResponseWriter, r *http.Request) { rt.handle(s, w, r) }
		switch rt.access {
		case signedIn:
			h = s.signedIn(h)
		case admin:
			h = s.admin(h)
		}
		mux.HandleFunc(rt.Method+" "+rt.Path, h)
	}
}

func (s *Service) handleJWKS(w http.ResponseWriter, r *http.Request) {
	s.Issuer.JWKSHandler().ServeHTTP(w, r)
}

package identity

import (
	"net/http"

	"github.com/kernelwork/kernelwork/core/app"
)

// Route is one route of the identity feature, as documented in
// docs/openapi.yaml.
type Route struct {
	Method, Path string
	handler      func(s *Service) http.HandlerFunc
}

// Routes lists every route Register mounts.
var Routes = []Route{
	{"GET", "/.well-known/jwks.json", func(s *Service) http.HandlerFunc {
		return s.Issuer.JWKSHandler().ServeHTTP
	}},
	{"POST", "/api/v1/auth/login", func(s *Service) http.HandlerFunc { return s.handleLogin }},
	{"POST", "/api/v1/auth/refresh", func(s *Service) http.HandlerFunc { return s.handleRefresh }},
	{"POST", "/api/v1/auth/logout", func(s *Service) http.HandlerFunc {
		return s.signedIn(s.handleLogout)
	}},
	{"POST", "/api/v1/auth/logout-all", func(s *Service) http.HandlerFunc {
		return s.signedIn(s.handleLogoutAll)
	}},
	{"POST", "/api/v1/auth/password", func(s *Service) http.HandlerFunc {
		return s.signedIn(s.handlePassword)
	}},
	{"GET", "/api/v1/me", func(s *Service) http.HandlerFunc { return s.signedIn(s.handleMe) }},
	{"GET", "/api/v1/me/sessions", func(s *Service) http.HandlerFunc {
		return s.signedIn(s.handleMySessions)
	}},
	{"DELETE", "/api/v1/me/sessions/{id}", func(s *Service) http.HandlerFunc {
		return s.signedIn(s.handleDeleteMySession)
	}},
	{"GET", "/api/v1/users", func(s *Service) http.HandlerFunc { return s.admin(s.handleListUsers) }},
	{"POST", "/api/v1/users", func(s *Service) http.HandlerFunc { return s.admin(s.handleCreateUser) }},
	{"GET", "/api/v1/users/{id}", func(s *Service) http.HandlerFunc { return s.admin(s.handleGetUser) }},
	{"PATCH", "/api/v1/users/{id}", func(s *Service) http.HandlerFunc {
		return s.admin(s.handleSetRole)
	}},
	{"GET", "/api/v1/users/{id}/sessions", func(s *Service) http.HandlerFunc {
		return s.admin(s.handleUserSessions)
	}},
	{"POST", "/api/v1/users/{id}/revoke-sessions", func(s *Service) http.HandlerFunc {
		return s.admin(s.handleRevokeUserSessions)
	}},
	{"GET", "/api/v1/audit", func(s *Service) http.HandlerFunc { return s.admin(s.handleAudit) }},
	{"GET", "/api/v1/workspaces", func(s *Service) http.HandlerFunc {
		return s.signedIn(s.handleListWorkspaces)
	}},
	{"POST", "/api/v1/workspaces", func(s *Service) http.HandlerFunc {
		return s.admin(s.handleCreateWorkspace)
	}},
	{"GET", "/api/v1/workspaces/{id}/members", func(s *Service) http.HandlerFunc {
		return s.signedIn(s.handleListMembers)
	}},
	{"PUT", "/api/v1/workspaces/{id}/members/{user_id}", func(s *Service) http.HandlerFunc {
		return s.signedIn(s.handleSetMember)
	}},
	{"DELETE", "/api/v1/workspaces/{id}/members/{user_id}", func(s *Service) http.HandlerFunc {
		return s.signedIn(s.handleRemoveMember)
	}},
}

// Register mounts the identity routes on mux.
func Register(mux *http.ServeMux, a *app.App) {
	s := NewService(a)
	s.dummy()
	for _, rt := range Routes {
		mux.HandleFunc(rt.Method+" "+rt.Path, rt.handler(s))
	}
}

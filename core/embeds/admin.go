package embeds

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kernelwork/kernelwork/core/caller"
	"github.com/kernelwork/kernelwork/core/embeds/origin"
	"github.com/kernelwork/kernelwork/core/jsonio"
	"github.com/kernelwork/kernelwork/core/problem"
)

var errNotAdmin = problem.New(http.StatusForbidden, "not-tenant-admin",
	"Only a tenant owner or admin manages embeds.")

// admin wraps h so that only a signed-in owner or admin of the caller's
// tenant reaches it.
func (s *Service) admin(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c := caller.From(r.Context())
		if c.Auth != caller.AuthToken || uuid.Validate(c.UserID) != nil ||
			uuid.Validate(c.TenantID) != nil {
			problem.Write(w, problem.Unauthorized)
			return
		}
		ok, err := s.isAdmin(r.Context(), c.TenantID, c.UserID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if !ok {
			problem.Write(w, errNotAdmin)
			return
		}
		h(w, r)
	}
}

func (s *Service) isAdmin(ctx context.Context, tenantID, userID string) (bool, error) {
	var role string
	err := s.a.DB.QueryRow(ctx, `SELECT role FROM users WHERE id = $1 AND tenant_id = $2
		AND disabled_at IS NULL`, userID, tenantID).Scan(&role)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reading role: %w", err)
	}
	return role == "owner" || role == "admin", nil
}

// fail writes a problem as is, and anything else as a logged 500.
func (s *Service) fail(w http.ResponseWriter, r *http.Request, err error) {
	var p *problem.Problem
	if errors.As(err, &p) {
		problem.Write(w, p)
		return
	}
	s.a.Log.Error("embed request failed", "path", r.URL.Path, "error", err)
	problem.Write(w, problem.Internal)
}

type createRequest struct {
	WorkspaceID    string   `json:"workspace_id"`
	ConversationID string   `json:"conversation_id"`
	Name           string   `json:"name"`
	Origins        []string `json:"origins"`
}

func (s *Service) handleCreate(w http.ResponseWriter, r *http.Request) {
	var req createRequest
	if err := jsonio.Decode(w, r, &req); err != nil {
		problem.Write(w, err)
		return
	}
	origins, err := checkOrigins(req.Origins)
	if err != nil {
		problem.Write(w, err)
		return
	}
	if uuid.Validate(req.WorkspaceID) != nil || uuid.Validate(req.ConversationID) != nil {
		problem.Write(w, problem.BadRequest.WithDetail(
			"workspace_id and conversation_id must be UUIDs."))
		return
	}
	if err := checkName(req.Name); err != nil {
		problem.Write(w, err)
		return
	}
	c := caller.From(r.Context())
	e, err := s.insert(r.Context(), Embed{
		TenantID: c.TenantID, WorkspaceID: req.WorkspaceID,
		ConversationID: req.ConversationID, Name: req.Name, Origins: origins,
	}, c.UserID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.announce(r.Context(), e.ID, "changed")
	jsonio.Write(w, http.StatusCreated, e)
}

func (s *Service) handleList(w http.ResponseWriter, r *http.Request) {
	ws := r.URL.Query().Get("workspace_id")
	if ws != "" && uuid.Validate(ws) != nil {
		problem.Write(w, problem.BadRequest.WithDetail("workspace_id must be a UUID."))
		return
	}
	list, err := s.list(r.Context(), caller.From(r.Context()).TenantID, ws)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	jsonio.Write(w, http.StatusOK, map[string]any{"embeds": list})
}

func (s *Service) handleGet(w http.ResponseWriter, r *http.Request) {
	e, err := s.load(r.Context(), caller.From(r.Context()).TenantID, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	jsonio.Write(w, http.StatusOK, e)
}

type updateRequest struct {
	Name    *string  `json:"name"`
	Origins []string `json:"origins"`
}

func (s *Service) handleUpdate(w http.ResponseWriter, r *http.Request) {
	var req updateRequest
	if err := jsonio.Decode(w, r, &req); err != nil {
		problem.Write(w, err)
		return
	}
	var origins []string
	var err error
	if req.Origins != nil {
		if origins, err = checkOrigins(req.Origins); err != nil {
			problem.Write(w, err)
			return
		}
	}
	if req.Name != nil {
		if err := checkName(*req.Name); err != nil {
			problem.Write(w, err)
			return
		}
	}
	e, err := s.update(r.Context(), caller.From(r.Context()).TenantID, r.PathValue("id"),
		req.Name, origins)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.announce(r.Context(), e.ID, "changed")
	jsonio.Write(w, http.StatusOK, e)
}

func (s *Service) handleDelete(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := s.remove(r.Context(), caller.From(r.Context()).TenantID, id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.announce(r.Context(), id, "deleted")
	w.WriteHeader(http.StatusNoContent)
}

// checkOrigins parses every entry and returns them canonical and without
// duplicates; the problem names the first bad entry.
func checkOrigins(entries []string) ([]string, error) {
	if len(entries) < 1 || len(entries) > 50 {
		return nil, problem.BadRequest.WithDetail("origins must list 1 to 50 origins.")
	}
	list, err := origin.ParseList(entries)
	if err != nil {
		return nil, problem.BadRequest.WithDetail(err.Error() +
			"; write scheme://host[:port], a wildcard only as https://*.example.com.")
	}
	seen := map[string]bool{}
	var out []string
	for _, o := range list.Strings() {
		if !seen[o] {
			seen[o] = true
			out = append(out, o)
		}
	}
	return out, nil
}

func checkName(name string) error {
	if n := len(strings.TrimSpace(name)); n < 1 || len(name) > 200 {
		return problem.BadRequest.WithDetail("name must be 1 to 200 characters.")
	}
	return nil
}

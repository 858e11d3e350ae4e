package conversations

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/kernelwork/kernelwork/core/jsonio"
	"github.com/kernelwork/kernelwork/core/problem"
)

type createRequest struct {
	Title   string   `json:"title"`
	Members []string `json:"members"`
}

// handleCreate creates a conversation in a workspace the caller belongs to,
// with the caller and the listed workspace members as its members.
func (s *Service) handleCreate(w http.ResponseWriter, r *http.Request) {
	u, err := User(r)
	if err != nil {
		problem.Write(w, err)
		return
	}
	var req createRequest
	if err := jsonio.Decode(w, r, &req); err != nil {
		problem.Write(w, err)
		return
	}
	req.Title = strings.TrimSpace(req.Title)
	if req.Title == "" || len(req.Title) > 200 || len(req.Members) > 500 {
		problem.Write(w, problem.BadRequest.WithDetail("title must have 1 to 200 characters "+
			"and members at most 500 entries."))
		return
	}
	c := Conversation{
		TenantID: u.TenantID, WorkspaceID: r.PathValue("workspace"),
		Title: req.Title, CreatedBy: u.UserID,
	}
	err = s.inTx(r.Context(), func(tx pgx.Tx) error {
		if _, err := workspaceRole(r.Context(), tx, u.TenantID, c.WorkspaceID, u.UserID); err != nil {
			return err
		}
		if err := create(r.Context(), tx, &c); err != nil {
			return err
		}
		return addWorkspaceMembers(r.Context(), tx, c, req.Members)
	})
	if err != nil {
		s.fail(w, r, unwrapProblem(err))
		return
	}
	jsonio.Write(w, http.StatusCreated, c)
}

// addWorkspaceMembers adds each user, which must be a member of c's
// workspace.
func addWorkspaceMembers(ctx context.Context, tx pgx.Tx, c Conversation, users []string) error {
	for _, id := range users {
		if _, err := workspaceRole(ctx, tx, c.TenantID, c.WorkspaceID, id); err != nil {
			return problem.New(http.StatusUnprocessableEntity, "not-workspace-member",
				"Every member must belong to the conversation's workspace.")
		}
		if err := addMember(ctx, tx, c.TenantID, c.ID, id); err != nil {
			return err
		}
	}
	return nil
}

// handleGet returns a conversation to one of its members.
func (s *Service) handleGet(w http.ResponseWriter, r *http.Request) {
	u, err := User(r)
	if err != nil {
		problem.Write(w, err)
		return
	}
	id := r.PathValue("conversation")
	if err := RequireMember(r.Context(), s.a.DB, u.TenantID, id, u.UserID); err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := Get(r.Context(), s.a.DB, u.TenantID, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	jsonio.Write(w, http.StatusOK, c)
}

type memberRequest struct {
	UserID string `json:"user_id"`
}

// handleAddMember lets a member add a user of the conversation's workspace.
func (s *Service) handleAddMember(w http.ResponseWriter, r *http.Request) {
	u, err := User(r)
	if err != nil {
		problem.Write(w, err)
		return
	}
	var req memberRequest
	if err := jsonio.Decode(w, r, &req); err != nil {
		problem.Write(w, err)
		return
	}
	id := r.PathValue("conversation")
	err = s.inTx(r.Context(), func(tx pgx.Tx) error {
		if err := RequireMember(r.Context(), tx, u.TenantID, id, u.UserID); err != nil {
			return err
		}
		c, err := Get(r.Context(), tx, u.TenantID, id)
		if err != nil {
			return err
		}
		return addWorkspaceMembers(r.Context(), tx, c, []string{req.UserID})
	})
	if err != nil {
		s.fail(w, r, unwrapProblem(err))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleRemoveMember removes a member. A member may leave; the conversation's
// creator and the workspace's owners and admins may remove anyone. The
// removed user is then taken out of the conversation's call.
func (s *Service) handleRemoveMember(w http.ResponseWriter, r *http.Request) {
	u, err := User(r)
	if err != nil {
		problem.Write(w, err)
		return
	}
	id, target := r.PathValue("conversation"), r.PathValue("user")
	err = s.inTx(r.Context(), func(tx pgx.Tx) error {
		if err := s.mayRemove(r.Context(), tx, u.TenantID, id, u.UserID, target); err != nil {
			return err
		}
		removed, err := removeMember(r.Context(), tx, u.TenantID, id, target)
		if err == nil && !removed {
			err = problem.NotFound
		}
		return err
	})
	if err != nil {
		s.fail(w, r, unwrapProblem(err))
		return
	}
	if s.hooks.MemberRemoved != nil {
		s.hooks.MemberRemoved(r.Context(), u.TenantID, id, target)
	}
	w.WriteHeader(http.StatusNoContent)
}

// mayRemove checks that actor may remove target from conversation id.
func (s *Service) mayRemove(ctx context.Context, tx pgx.Tx, tenantID, id, actor, target string) error {
	if err := RequireMember(ctx, tx, tenantID, id, actor); err != nil {
		return err
	}
	if !ValidID(target) {
		return problem.NotFound
	}
	if actor == target {
		return nil
	}
	c, err := Get(ctx, tx, tenantID, id)
	if err != nil {
		return err
	}
	if c.CreatedBy == actor {
		return nil
	}
	role, err := workspaceRole(ctx, tx, tenantID, c.WorkspaceID, actor)
	if err != nil || (role != "owner" && role != "admin") {
		return problem.Forbidden.WithDetail("Only the conversation's creator or a workspace " +
			"admin may remove another member.")
	}
	return nil
}

// unwrapProblem returns the *problem.Problem inside err, or err.
func unwrapProblem(err error) error {
	var p *problem.Problem
	if errors.As(err, &p) {
		return p
	}
	return err
}

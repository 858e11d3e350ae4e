package conversations

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/jackc/pgx/v5"

	"github.com/kernelwork/kernelwork/core/app"
	"github.com/kernelwork/kernelwork/core/caller"
	"github.com/kernelwork/kernelwork/core/problem"
)

// Hooks connect the storage and media planes to conversations. Each may be
// nil.
type Hooks struct {
	// Attach binds the attachments ids to message m inside tx, which also
	// inserts m. It returns a *problem.Problem for a client's mistake.
	Attach func(ctx context.Context, tx pgx.Tx, m Message, ids []string) error
	// Detach schedules the deletion of deleted message m's attachments,
	// inside the transaction that marks m deleted.
	Detach func(ctx context.Context, tx pgx.Tx, m Message) error
	// MemberRemoved runs after userID stopped being a member of conversation
	// id (left or was removed), once the change is committed.
	MemberRemoved func(ctx context.Context, tenantID, id, userID string)
}

// Service serves the conversation API.
type Service struct {
	a     *app.App
	hooks Hooks
}

// New returns a Service over a with hooks.
func New(a *app.App, hooks Hooks) *Service {
	return &Service{a: a, hooks: hooks}
}

// Routes mounts the conversation API on mux.
func (s *Service) Routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/v1/workspaces/{workspace}/conversations", s.handleCreate)
	mux.HandleFunc("GET /api/v1/conversations/{conversation}", s.handleGet)
	mux.HandleFunc("POST /api/v1/conversations/{conversation}/members", s.handleAddMember)
	mux.HandleFunc("DELETE /api/v1/conversations/{conversation}/members/{user}",
		s.handleRemoveMember)
	mux.HandleFunc("POST /api/v1/conversations/{conversation}/messages", s.handlePostMessage)
	mux.HandleFunc("DELETE /api/v1/conversations/{conversation}/messages/{message}",
		s.handleDeleteMessage)
}

// User returns the caller of r when it is a user signed in with an access
// token, and problem.Unauthorized otherwise. Conversations act for users;
// API keys and embeds do not reach these routes.
func User(r *http.Request) (*caller.Caller, error) {
	c := caller.From(r.Context())
	if c.Auth != caller.AuthToken || !ValidID(c.UserID) || !ValidID(c.TenantID) {
		return nil, problem.Unauthorized
	}
	return c, nil
}

// inTx runs fn in a transaction of s's pool.
func (s *Service) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	if err := pgx.BeginFunc(ctx, s.a.DB, fn); err != nil {
		return fmt.Errorf("conversation transaction: %w", err)
	}
	return nil
}

// fail writes err, logging it when it is not a client's mistake.
func (s *Service) fail(w http.ResponseWriter, r *http.Request, err error) {
	var p *problem.Problem
	if !errors.As(err, &p) {
		s.a.Log.Error("conversation request failed", "path", r.URL.Path, "error", err)
	}
	problem.Write(w, err)
}

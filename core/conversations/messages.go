package conversations

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/jackc/pgx/v5"

	"github.com/kernelwork/kernelwork/core/jsonio"
	"github.com/kernelwork/kernelwork/core/problem"
)

// MaxAttachments is the most attachments one message may reference.
const MaxAttachments = 20

type postRequest struct {
	Body        string   `json:"body"`
	Attachments []string `json:"attachments"`
}

// handlePostMessage posts a message from a member. The attachments it
// references must have been uploaded and checked (see core/attachments).
func (s *Service) handlePostMessage(w http.ResponseWriter, r *http.Request) {
	u, err := User(r)
	if err != nil {
		problem.Write(w, err)
		return
	}
	var req postRequest
	if err := jsonio.Decode(w, r, &req); err != nil {
		problem.Write(w, err)
		return
	}
	if len(req.Body) > 20000 || len(req.Attachments) > MaxAttachments ||
		(req.Body == "" && len(req.Attachments) == 0) {
		problem.Write(w, problem.BadRequest.WithDetail(fmt.Sprintf("A message has a body of "+
			"at most 20000 bytes or attachments, at most %d.", MaxAttachments)))
		return
	}
	m := Message{
		TenantID: u.TenantID, ConversationID: r.PathValue("conversation"),
		AuthorID: u.UserID, Body: req.Body, Attachments: req.Attachments,
	}
	if m.Attachments == nil {
		m.Attachments = []string{}
	}
	err = s.inTx(r.Context(), func(tx pgx.Tx) error {
		return s.insertMessage(r.Context(), tx, &m)
	})
	if err != nil {
		s.fail(w, r, unwrapProblem(err))
		return
	}
	jsonio.Write(w, http.StatusCreated, m)
}

// insertMessage checks membership, inserts m and binds its attachments.
func (s *Service) insertMessage(ctx context.Context, tx pgx.Tx, m *Message) error {
	if err := RequireMember(ctx, tx, m.TenantID, m.ConversationID, m.AuthorID); err != nil {
		return err
	}
	err := tx.QueryRow(ctx, `INSERT INTO messages (tenant_id, conversation_id, author_id, body)
		VALUES ($1, $2, $3, $4) RETURNING id, created_at`,
		m.TenantID, m.ConversationID, m.AuthorID, m.Body).Scan(&m.ID, &m.CreatedAt)
	if err != nil {
		return fmt.Errorf("inserting message: %w", err)
	}
	if len(m.Attachments) == 0 {
		return nil
	}
	if s.hooks.Attach == nil {
		return problem.BadRequest.WithDetail("Attachments are not enabled.")
	}
	return s.hooks.Attach(ctx, tx, *m, m.Attachments)
}

// handleDeleteMessage deletes a message of its author, who must still be a
// member. Its body is erased at once; its attachments go after the delay of
// KW_ATTACHMENT_DELETE_DELAY.
func (s *Service) handleDeleteMessage(w http.ResponseWriter, r *http.Request) {
	u, err := User(r)
	if err != nil {
		problem.Write(w, err)
		return
	}
	m := Message{
		TenantID: u.TenantID, ConversationID: r.PathValue("conversation"),
		ID: r.PathValue("message"),
	}
	err = s.inTx(r.Context(), func(tx pgx.Tx) error {
		if err := RequireMember(r.Context(), tx, u.TenantID, m.ConversationID, u.UserID); err != nil {
			return err
		}
		if err := markDeleted(r.Context(), tx, &m, u.UserID); err != nil {
			return err
		}
		if s.hooks.Detach != nil {
			return s.hooks.Detach(r.Context(), tx, m)
		}
		return nil
	})
	if err != nil {
		s.fail(w, r, unwrapProblem(err))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// markDeleted erases the body of the caller's live message m.
func markDeleted(ctx context.Context, tx pgx.Tx, m *Message, author string) error {
	if !ValidID(m.ID) {
		return problem.NotFound
	}
	err := tx.QueryRow(ctx, `UPDATE messages SET deleted_at = now(), body = ''
		WHERE tenant_id = $1 AND conversation_id = $2 AND id = $3 AND deleted_at IS NULL
		AND author_id = $4 RETURNING author_id`, m.TenantID, m.ConversationID, m.ID, author).
		Scan(&m.AuthorID)
	if errors.Is(err, pgx.ErrNoRows) {
		return problem.NotFound
	}
	if err != nil {
		return fmt.Errorf("deleting message: %w", err)
	}
	return nil
}

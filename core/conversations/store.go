// Package conversations is the core's API around conversations, their members
// and their messages. Every object is looked up within the caller's tenant and
// only for members: a conversation of another tenant, or one the caller is not
// a member of, answers 404, never 403, so its existence is not revealed.
//
// The storage and media planes attach to it through Hooks: attachments are
// bound to a message when it is posted and scheduled for deletion when it is
// deleted, and a member who leaves is removed from the conversation's call.
package conversations

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kernelwork/kernelwork/core/problem"
)

// Querier is what the lookups need: a pool, a connection or a transaction.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Conversation is one conversation of a workspace.
type Conversation struct {
	ID          string    `json:"id"`
	TenantID    string    `json:"tenant_id"`
	WorkspaceID string    `json:"workspace_id"`
	Title       string    `json:"title"`
	CreatedBy   string    `json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
}

// Message is one message of a conversation.
type Message struct {
	ID             string    `json:"id"`
	TenantID       string    `json:"tenant_id"`
	ConversationID string    `json:"conversation_id"`
	AuthorID       string    `json:"author_id"`
	Body           string    `json:"body"`
	Attachments    []string  `json:"attachments"`
	CreatedAt      time.Time `json:"created_at"`
}

// ValidID reports whether s is a UUID in its canonical text form.
func ValidID(s string) bool {
	u, err := uuid.Parse(s)
	return err == nil && u.String() == s
}

// RequireMember returns nil when userID is a member of the conversation id in
// tenantID, and problem.NotFound otherwise, whether the conversation does not
// exist, belongs to another tenant, or userID is not a member.
func RequireMember(ctx context.Context, q Querier, tenantID, id, userID string) error {
	if !ValidID(tenantID) || !ValidID(id) || !ValidID(userID) {
		return problem.NotFound
	}
	var one int
	err := q.QueryRow(ctx, `SELECT 1 FROM conversation_members
		WHERE tenant_id = $1 AND conversation_id = $2 AND user_id = $3`,
		tenantID, id, userID).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return problem.NotFound
	}
	if err != nil {
		return fmt.Errorf("checking conversation membership: %w", err)
	}
	return nil
}

// Get returns the conversation id of tenantID, or problem.NotFound.
func Get(ctx context.Context, q Querier, tenantID, id string) (Conversation, error) {
	var c Conversation
	if !ValidID(tenantID) || !ValidID(id) {
		return c, problem.NotFound
	}
	err := q.QueryRow(ctx, `SELECT id, tenant_id, workspace_id, title,
		coalesce(created_by::text, ''), created_at
		FROM conversations WHERE tenant_id = $1 AND id = $2`, tenantID, id).
		Scan(&c.ID, &c.TenantID, &c.WorkspaceID, &c.Title, &c.CreatedBy, &c.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, problem.NotFound
	}
	if err != nil {
		return c, fmt.Errorf("loading conversation: %w", err)
	}
	return c, nil
}

// workspaceRole returns the role of userID in the workspace, or
// problem.NotFound when the workspace is not in tenantID or userID is not in
// it.
func workspaceRole(ctx context.Context, q Querier, tenantID, workspaceID, userID string) (string, error) {
	if !ValidID(workspaceID) || !ValidID(userID) {
		return "", problem.NotFound
	}
	var role string
	err := q.QueryRow(ctx, `SELECT role FROM workspace_members
		WHERE tenant_id = $1 AND workspace_id = $2 AND user_id = $3`,
		tenantID, workspaceID, userID).Scan(&role)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", problem.NotFound
	}
	if err != nil {
		return "", fmt.Errorf("loading workspace role: %w", err)
	}
	return role, nil
}

// create inserts a conversation with its creator as the first member.
func create(ctx context.Context, tx pgx.Tx, c *Conversation) error {
	err := tx.QueryRow(ctx, `INSERT INTO conversations (tenant_id, workspace_id, title, created_by)
		VALUES ($1, $2, $3, $4) RETURNING id, created_at`,
		c.TenantID, c.WorkspaceID, c.Title, c.CreatedBy).Scan(&c.ID, &c.CreatedAt)
	if err != nil {
		return fmt.Errorf("inserting conversation: %w", err)
	}
	return addMember(ctx, tx, c.TenantID, c.ID, c.CreatedBy)
}

// addMember adds userID, doing nothing when it is already a member.
func addMember(ctx context.Context, q Querier, tenantID, id, userID string) error {
	_, err := q.Exec(ctx, `INSERT INTO conversation_members (conversation_id, user_id, tenant_id)
		VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, id, userID, tenantID)
	if err != nil {
		return fmt.Errorf("adding conversation member: %w", err)
	}
	return nil
}

// removeMember deletes userID from the conversation and reports whether it
// was a member.
func removeMember(ctx context.Context, q Querier, tenantID, id, userID string) (bool, error) {
	tag, err := q.Exec(ctx, `DELETE FROM conversation_members
		WHERE tenant_id = $1 AND conversation_id = $2 AND user_id = $3`, tenantID, id, userID)
	if err != nil {
		return false, fmt.Errorf("removing conversation member: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

package embeds

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kernelwork/kernelwork/core/problem"
)

const embedColumns = `id, tenant_id, workspace_id, conversation_id, name, origins,
	created_at, updated_at`

var errNoEmbed = problem.New(404, "embed-not-found", "No such embed.")

func scanEmbed(row pgx.Row) (Embed, error) {
	var e Embed
	err := row.Scan(&e.ID, &e.TenantID, &e.WorkspaceID, &e.ConversationID, &e.Name,
		&e.Origins, &e.CreatedAt, &e.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Embed{}, errNoEmbed
	}
	if err != nil {
		return Embed{}, fmt.Errorf("reading embed: %w", err)
	}
	return e, nil
}

// load returns the embed id, in tenantID unless tenantID is "".
func (s *Service) load(ctx context.Context, tenantID, id string) (Embed, error) {
	if uuid.Validate(id) != nil {
		return Embed{}, errNoEmbed
	}
	q := `SELECT ` + embedColumns + ` FROM embeds WHERE id = $1`
	args := []any{id}
	if tenantID != "" {
		q += ` AND tenant_id = $2`
		args = append(args, tenantID)
	}
	return scanEmbed(s.a.DB.QueryRow(ctx, q, args...))
}

func (s *Service) list(ctx context.Context, tenantID, workspaceID string) ([]Embed, error) {
	q := `SELECT ` + embedColumns + ` FROM embeds WHERE tenant_id = $1
		AND ($2 = '' OR workspace_id::text = $2) ORDER BY created_at, id LIMIT 500`
	rows, err := s.a.DB.Query(ctx, q, tenantID, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("listing embeds: %w", err)
	}
	defer rows.Close()
	out := []Embed{}
	for rows.Next() {
		e, err := scanEmbed(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// insert creates e once its conversation is known to be in its workspace
// and tenant.
func (s *Service) insert(ctx context.Context, e Embed, by string) (Embed, error) {
	var ok bool
	err := s.a.DB.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM conversations
		WHERE id = $1 AND workspace_id = $2 AND tenant_id = $3)`,
		e.ConversationID, e.WorkspaceID, e.TenantID).Scan(&ok)
	if err != nil {
		return Embed{}, fmt.Errorf("checking conversation: %w", err)
	}
	if !ok {
		return Embed{}, problem.BadRequest.WithDetail(
			"conversation_id is not a conversation of workspace_id in your tenant.")
	}
	now := s.a.Now()
	return scanEmbed(s.a.DB.QueryRow(ctx, `INSERT INTO embeds (tenant_id, workspace_id,
		conversation_id, name, origins, created_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING `+embedColumns,
		e.TenantID, e.WorkspaceID, e.ConversationID, e.Name, e.Origins, by, now))
}

func (s *Service) update(ctx context.Context, tenantID, id string, name *string,
	origins []string,
) (Embed, error) {
	if uuid.Validate(id) != nil {
		return Embed{}, errNoEmbed
	}
	return scanEmbed(s.a.DB.QueryRow(ctx, `UPDATE embeds SET
		name = COALESCE($3, name), origins = COALESCE($4, origins), updated_at = $5
		WHERE id = $1 AND tenant_id = $2 RETURNING `+embedColumns,
		id, tenantID, name, origins, s.a.Now()))
}

func (s *Service) remove(ctx context.Context, tenantID, id string) error {
	if uuid.Validate(id) != nil {
		return errNoEmbed
	}
	tag, err := s.a.DB.Exec(ctx, `DELETE FROM embeds WHERE id = $1 AND tenant_id = $2`,
		id, tenantID)
	if err != nil {
		return fmt.Errorf("deleting embed: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return errNoEmbed
	}
	return nil
}

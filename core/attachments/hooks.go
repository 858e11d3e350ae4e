package attachments

import (
	"context"
	"fmt"
	"net/http"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/kernelwork/kernelwork/core/conversations"
	"github.com/kernelwork/kernelwork/core/problem"
)

var errNotAttachable = problem.New(http.StatusUnprocessableEntity, "attachment-not-ready",
	"Each attachment must be the author's own, checked upload in this conversation.")

// Attach binds attachments ids to message m, inside the transaction that
// inserts m. Each must be ready (uploaded and checked), uploaded by m's
// author to m's conversation, and bound to no other message; otherwise the
// whole message is refused.
func (s *Service) Attach(ctx context.Context, tx pgx.Tx, m conversations.Message, ids []string) error {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	for _, id := range ids {
		if !conversations.ValidID(id) {
			return errNotAttachable
		}
	}
	tag, err := tx.Exec(ctx, `UPDATE attachments SET message_id = $1
		WHERE tenant_id = $2 AND conversation_id = $3 AND uploader_id = $4
		AND state = 'ready' AND message_id IS NULL AND delete_after IS NULL
		AND id = ANY($5::uuid[])`, m.ID, m.TenantID, m.ConversationID, m.AuthorID, ids)
	if err != nil {
		return fmt.Errorf("binding attachments: %w", err)
	}
	if tag.RowsAffected() != int64(len(ids)) {
		return errNotAttachable
	}
	return nil
}

// Detach schedules the removal of deleted message m's attachments after
// KW_ATTACHMENT_DELETE_DELAY; downloads are refused from now on.
func (s *Service) Detach(ctx context.Context, tx pgx.Tx, m conversations.Message) error {
	_, err := tx.Exec(ctx, `UPDATE attachments SET delete_after = $3
		WHERE tenant_id = $1 AND message_id = $2 AND delete_after IS NULL`,
		m.TenantID, m.ID, s.a.Now().Add(s.cfg.DeleteDelay))
	if err != nil {
		return fmt.Errorf("scheduling attachment deletion: %w", err)
	}
	return nil
}

package attachments

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/jackc/pgx/v5"
	"github.com/minio/minio-go/v7"

	"github.com/kernelwork/kernelwork/core/conversations"
	"github.com/kernelwork/kernelwork/core/jsonio"
	"github.com/kernelwork/kernelwork/core/problem"
)

var (
	errNotUploaded = problem.New(http.StatusConflict, "attachment-not-uploaded",
		"The file has not been uploaded.")
	errMismatch = problem.New(http.StatusUnprocessableEntity, "attachment-mismatch",
		"The stored file does not match its declaration; it was discarded.")
)

// handleComplete checks the uploaded object of a pending attachment (it
// exists, with the declared size and content type) and marks it ready, so a
// message may reference it. Only its uploader completes it.
func (s *Service) handleComplete(w http.ResponseWriter, r *http.Request) {
	u, err := conversations.User(r)
	if err != nil {
		problem.Write(w, err)
		return
	}
	at, err := s.loadForMember(r.Context(), u.TenantID, u.UserID, r.PathValue("conversation"),
		r.PathValue("attachment"))
	if err == nil && at.uploaderID != u.UserID {
		err = problem.NotFound
	}
	if err == nil {
		err = s.verify(r.Context(), &at)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	jsonio.Write(w, http.StatusOK, at)
}

// verify stats at's object and marks at ready when it matches. A mismatching
// object is scheduled for removal at once.
func (s *Service) verify(ctx context.Context, at *Attachment) error {
	if at.State == "ready" {
		return nil
	}
	if s.a.Now().After(at.uploadExpires.Add(CompleteGrace)) {
		return problem.NotFound
	}
	sctx, cancel := storeContext(ctx)
	defer cancel()
	info, err := s.s3.StatObject(sctx, s.a.Config.S3.Bucket, at.key, minio.StatObjectOptions{})
	if minio.ToErrorResponse(err).StatusCode == http.StatusNotFound {
		return errNotUploaded
	}
	if err != nil {
		return fmt.Errorf("checking uploaded object: %w", err)
	}
	if info.Size != at.Size || info.ContentType != at.ContentType {
		if _, err := s.a.DB.Exec(ctx, `UPDATE attachments SET delete_after = $2
			WHERE id = $1`, at.ID, s.a.Now()); err != nil {
			return fmt.Errorf("discarding mismatching upload: %w", err)
		}
		return errMismatch
	}
	return s.markReady(ctx, at)
}

func (s *Service) markReady(ctx context.Context, at *Attachment) error {
	tag, err := s.a.DB.Exec(ctx, `UPDATE attachments SET state = 'ready'
		WHERE id = $1 AND state = 'pending' AND delete_after IS NULL`, at.ID)
	if err != nil {
		return fmt.Errorf("marking attachment ready: %w", err)
	}
	if tag.RowsAffected() != 1 {
		return problem.NotFound
	}
	at.State = "ready"
	return nil
}

// load returns the live attachment id of the conversation, for a member of it.
// It answers problem.NotFound for anything else.
func (s *Service) load(ctx context.Context, q conversations.Querier, tenantID, convID,
	id string,
) (Attachment, error) {
	var at Attachment
	if !conversations.ValidID(id) {
		return at, problem.NotFound
	}
	var msg *string
	err := q.QueryRow(ctx, `SELECT id, tenant_id, conversation_id, uploader_id, object_key,
		file_name, content_type, size, state, message_id::text, upload_expires_at
		FROM attachments WHERE tenant_id = $1 AND conversation_id = $2 AND id = $3
		AND delete_after IS NULL`, tenantID, convID, id).
		Scan(&at.ID, &at.tenantID, &at.ConversationID, &at.uploaderID, &at.key,
			&at.FileName, &at.ContentType, &at.Size, &at.State, &msg, &at.uploadExpires)
	if errors.Is(err, pgx.ErrNoRows) {
		return at, problem.NotFound
	}
	if err != nil {
		return at, fmt.Errorf("loading attachment: %w", err)
	}
	if msg != nil {
		at.MessageID = *msg
	}
	return at, nil
}

// unwrap returns the *problem.Problem inside err, or err.
func unwrap(err error) error {
	var p *problem.Problem
	if errors.As(err, &p) {
		return p
	}
	return err
}

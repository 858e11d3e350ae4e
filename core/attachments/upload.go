package attachments

import (
	"context"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/encrypt"

	"github.com/kernelwork/kernelwork/config"
	"github.com/kernelwork/kernelwork/core/conversations"
	"github.com/kernelwork/kernelwork/core/jsonio"
	"github.com/kernelwork/kernelwork/core/problem"
)

// uploadRequest is what a member declares about the file it will upload.
type uploadRequest struct {
	FileName    string `json:"file_name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
}

// Upload is a presigned POST: the client sends a multipart/form-data request
// to URL with Fields, then the file as the last field, named "file".
type Upload struct {
	Attachment Attachment        `json:"attachment"`
	URL        string            `json:"url"`
	Fields     map[string]string `json:"fields"`
	ExpiresAt  time.Time         `json:"expires_at"`
}

var (
	errQuota = problem.New(http.StatusInsufficientStorage, "attachment-quota",
		"The tenant's attachment quota is used up.")
	errTooLarge = problem.New(http.StatusRequestEntityTooLarge, "attachment-too-large",
		"The file is larger than attachments may be.")
)

// handleCreate presigns an upload for a member of the conversation.
func (s *Service) handleCreate(w http.ResponseWriter, r *http.Request) {
	u, err := conversations.User(r)
	if err != nil {
		problem.Write(w, err)
		return
	}
	var req uploadRequest
	if err := jsonio.Decode(w, r, &req); err != nil {
		problem.Write(w, err)
		return
	}
	at, err := s.declare(req)
	if err != nil {
		problem.Write(w, err)
		return
	}
	at.tenantID, at.uploaderID = u.TenantID, u.UserID
	at.ConversationID = r.PathValue("conversation")
	up, err := s.createUpload(r.Context(), at)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	jsonio.Write(w, http.StatusCreated, up)
}

// declare checks the client's declaration against the limits.
func (s *Service) declare(req uploadRequest) (Attachment, error) {
	at := Attachment{FileName: strings.TrimSpace(req.FileName), Size: req.Size, State: "pending"}
	if at.FileName == "" || len(at.FileName) > 255 || strings.ContainsAny(at.FileName, "\x00/\\") {
		return at, problem.BadRequest.WithDetail("file_name must have 1 to 255 bytes, no slash.")
	}
	if req.Size < 1 {
		return at, problem.BadRequest.WithDetail("size must be a positive number of bytes.")
	}
	if req.Size > int64(s.cfg.MaxSize) {
		return at, errTooLarge.WithDetail(fmt.Sprintf("At most %d bytes.", s.cfg.MaxSize))
	}
	ct, err := ParseContentType(req.ContentType)
	if err != nil {
		return at, problem.BadRequest.WithDetail(err.Error())
	}
	at.ContentType = ct
	return at, nil
}

// ParseContentType returns the media type ct in lowercase when it is a plain
// type/subtype without parameters, as the store compares it byte for byte.
func ParseContentType(ct string) (string, error) {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || len(params) > 0 || !strings.Contains(mt, "/") || len(mt) > 100 ||
		mt != strings.ToLower(strings.TrimSpace(ct)) {
		return "", fmt.Errorf("content_type must be a media type such as image/png, " +
			"lowercase and without parameters")
	}
	return mt, nil
}

// createUpload records a pending attachment within the tenant's quota, then
// presigns its upload.
func (s *Service) createUpload(ctx context.Context, at Attachment) (Upload, error) {
	at.ID = uuid.NewString()
	at.key = objectKey(at.tenantID, at.ConversationID, at.ID)
	at.uploadExpires = s.a.Now().Add(s.cfg.UploadTTL)
	err := pgx.BeginFunc(ctx, s.a.DB, func(tx pgx.Tx) error {
		err := conversations.RequireMember(ctx, tx, at.tenantID, at.ConversationID, at.uploaderID)
		if err != nil {
			return err
		}
		if err := s.reserve(ctx, tx, at.tenantID, at.Size); err != nil {
			return err
		}
		return insertPending(ctx, tx, at)
	})
	if err != nil {
		return Upload{}, unwrap(err)
	}
	return s.presignUpload(ctx, at)
}

// reserve locks the tenant's quota for the transaction and checks that size
// more bytes fit. Pending uploads count at their declared size.
func (s *Service) reserve(ctx context.Context, tx pgx.Tx, tenantID string, size int64) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('attachments:' || $1))`,
		tenantID); err != nil {
		return fmt.Errorf("locking attachment quota: %w", err)
	}
	var used int64
	if err := tx.QueryRow(ctx, `SELECT coalesce(sum(size), 0) FROM attachments
		WHERE tenant_id = $1`, tenantID).Scan(&used); err != nil {
		return fmt.Errorf("reading attachment quota: %w", err)
	}
	if used+size > int64(s.cfg.TenantQuota) {
		return errQuota
	}
	return nil
}

func insertPending(ctx context.Context, tx pgx.Tx, at Attachment) error {
	_, err := tx.Exec(ctx, `INSERT INTO attachments (id, tenant_id, conversation_id,
		uploader_id, object_key, file_name, content_type, size, state, upload_expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9)`,
		at.ID, at.tenantID, at.ConversationID, at.uploaderID, at.key, at.FileName,
		at.ContentType, at.Size, at.uploadExpires)
	if err != nil {
		return fmt.Errorf("recording pending attachment: %w", err)
	}
	return nil
}

// presignUpload builds the POST policy of at: exact key, exact size, exact
// content type, encryption and expiry, all checked by the store.
func (s *Service) presignUpload(ctx context.Context, at Attachment) (Upload, error) {
	p := minio.NewPostPolicy()
	steps := []error{
		p.SetBucket(s.a.Config.S3.Bucket),
		p.SetKey(at.key),
		p.SetContentLengthRange(at.Size, at.Size),
		p.SetContentType(at.ContentType),
		p.SetExpires(at.uploadExpires),
	}
	if s.cfg.SSE == config.SSES3 {
		p.SetEncryption(encrypt.NewSSE())
		steps = append(steps, p.SetCondition("eq", "$x-amz-server-side-encryption", "AES256"))
	}
	for _, err := range steps {
		if err != nil {
			return Upload{}, fmt.Errorf("building upload policy: %w", err)
		}
	}
	u, fields, err := s.presign.PresignedPostPolicy(ctx, p)
	if err != nil {
		return Upload{}, fmt.Errorf("presigning upload: %w", err)
	}
	return Upload{Attachment: at, URL: u.String(), Fields: fields, ExpiresAt: at.uploadExpires}, nil
}

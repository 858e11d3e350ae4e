package attachments

import (
	"context"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kernelwork/kernelwork/core/conversations"
	"github.com/kernelwork/kernelwork/core/jsonio"
	"github.com/kernelwork/kernelwork/core/problem"
)

// Download is a presigned GET of one attachment.
type Download struct {
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expires_at"`
}

// inlineSafe lists the content types a download keeps; any other is served
// as application/octet-stream, so a stored HTML or SVG file never runs as a
// page of the store's origin.
var inlineSafe = map[string]bool{
	"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true,
	"application/pdf": true, "audio/mpeg": true, "audio/ogg": true, "video/mp4": true,
	"video/webm": true, "text/plain": true, "application/zip": true,
}

// SafeContentType returns the content type a download is served with.
func SafeContentType(ct string) string {
	if inlineSafe[ct] {
		return ct
	}
	return "application/octet-stream"
}

// ContentDisposition returns "attachment" with name as the file name, in the
// RFC 6266 form that every browser reads.
func ContentDisposition(name string) string {
	clean := strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, name)
	if v := mime.FormatMediaType("attachment", map[string]string{"filename": clean}); v != "" {
		return v
	}
	return "attachment"
}

// handleDownload presigns a GET for a member: the attachment must be bound to
// a live message of the conversation, or be the caller's own upload.
func (s *Service) handleDownload(w http.ResponseWriter, r *http.Request) {
	u, err := conversations.User(r)
	if err != nil {
		problem.Write(w, err)
		return
	}
	at, err := s.loadForMember(r.Context(), u.TenantID, u.UserID, r.PathValue("conversation"),
		r.PathValue("attachment"))
	if err == nil && at.State != "ready" || err == nil && at.MessageID == "" && at.uploaderID != u.UserID {
		err = problem.NotFound
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.presignDownload(r.Context(), at)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	jsonio.Write(w, http.StatusOK, d)
}

// presignDownload signs a GET that forces download with a safe content type.
func (s *Service) presignDownload(ctx context.Context, at Attachment) (Download, error) {
	params := url.Values{}
	params.Set("response-content-disposition", ContentDisposition(at.FileName))
	params.Set("response-content-type", SafeContentType(at.ContentType))
	params.Set("response-cache-control", "private, no-store")
	u, err := s.presign.PresignedGetObject(ctx, s.a.Config.S3.Bucket, at.key, s.cfg.DownloadTTL, params)
	if err != nil {
		return Download{}, fmt.Errorf("presigning download: %w", err)
	}
	return Download{URL: u.String(), ExpiresAt: s.a.Now().Add(s.cfg.DownloadTTL)}, nil
}

// loadForMember checks that userID is a member of the conversation, then
// loads the attachment.
func (s *Service) loadForMember(ctx context.Context, tenantID, userID, convID, id string) (Attachment, error) {
	if err := conversations.RequireMember(ctx, s.a.DB, tenantID, convID, userID); err != nil {
		return Attachment{}, err
	}
	return s.load(ctx, s.a.DB, tenantID, convID, id)
}

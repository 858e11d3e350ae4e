// Package attachments stores the files of conversations in an S3-compatible
// store, which clients reach directly through presigned requests.
//
// An upload is a presigned POST whose policy binds the object key (chosen by
// the core under the tenant's prefix), the exact size, the declared content
// type, the server-side encryption and a lifetime of minutes; the store itself
// refuses anything else. The core then checks the object before a message may
// reference it. A download is a presigned GET, issued after a membership check,
// that forces "Content-Disposition: attachment" and a safe content type.
// Abandoned uploads and the attachments of deleted messages are removed by
// Sweep.
package attachments

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/kernelwork/kernelwork/config"
	"github.com/kernelwork/kernelwork/core/app"
	"github.com/kernelwork/kernelwork/core/problem"
)

// CompleteGrace is how long after its upload expired an upload may still be
// completed; a pending attachment older than that is abandoned and swept.
const CompleteGrace = 10 * time.Minute

// UnattachedRetention is how long after its upload expired a checked
// attachment may wait for a message to reference it before it is swept.
const UnattachedRetention = 24 * time.Hour

// Attachment is one stored file.
type Attachment struct {
	ID             string `json:"id"`
	ConversationID string `json:"conversation_id"`
	FileName       string `json:"file_name"`
	ContentType    string `json:"content_type"`
	Size           int64  `json:"size"`
	State          string `json:"state"`
	MessageID      string `json:"message_id,omitempty"`

	tenantID, uploaderID, key string
	uploadExpires             time.Time
}

// Service serves the attachment API and sweeps the store.
type Service struct {
	a   *app.App
	s3  *minio.Client
	cfg config.Attachments
	// presign signs the URLs given to clients: s3, or a client of
	// KW_S3_PUBLIC_ENDPOINT (signing makes no network call).
	presign *minio.Client
}

// New returns a Service for a's configured store. It makes no network call;
// CheckStore does.
func New(a *app.App) (*Service, error) {
	cl, err := app.NewS3(a.Config.S3)
	if err != nil {
		return nil, err
	}
	s := &Service{a: a, s3: cl, cfg: a.Config.Attachments, presign: cl}
	if pub := a.Config.Attachments.PublicEndpoint; pub != nil {
		c := a.Config.S3
		c.Endpoint = pub
		if s.presign, err = app.NewS3(c); err != nil {
			return nil, fmt.Errorf("configuring KW_S3_PUBLIC_ENDPOINT: %w", err)
		}
	}
	return s, nil
}

// Routes mounts the attachment API on mux.
func (s *Service) Routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/v1/conversations/{conversation}/attachments", s.handleCreate)
	mux.HandleFunc("POST /api/v1/conversations/{conversation}/attachments/{attachment}/complete",
		s.handleComplete)
	mux.HandleFunc("GET /api/v1/conversations/{conversation}/attachments/{attachment}",
		s.handleDownload)
}

// objectKey is the store key of attachment id: every object of a tenant lives
// under "tenants/<tenant id>/".
func objectKey(tenantID, conversationID, id string) string {
	return fmt.Sprintf("tenants/%s/conversations/%s/%s", tenantID, conversationID, id)
}

// fail writes err, logging it when it is not a client's mistake.
func (s *Service) fail(w http.ResponseWriter, r *http.Request, err error) {
	var p *problem.Problem
	if !errors.As(err, &p) {
		s.a.Log.Error("attachment request failed", "path", r.URL.Path, "error", err)
	}
	problem.Write(w, err)
}

// storeContext bounds one call to the store.
func storeContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, 15*time.Second)
}

package config

import (
	"net/url"
	"time"
)

// Server-side encryption modes of KW_S3_SSE.
const (
	SSENone = "none"
	SSES3   = "sse-s3"
	SSEC    = "sse-c"
)

// Attachments are the limits and settings of files stored in S3.
type Attachments struct {
	// MaxSize is the largest attachment in bytes.
	MaxSize int
	// TenantQuota is the most bytes one tenant may hold, pending uploads
	// included.
	TenantQuota int
	// UploadTTL is the lifetime of a presigned upload.
	UploadTTL time.Duration
	// DownloadTTL is the lifetime of a presigned download.
	DownloadTTL time.Duration
	// DeleteDelay is how long the objects of a deleted message or an abandoned
	// upload are kept before they are removed from the store.
	DeleteDelay time.Duration
	// SSE is the server-side encryption asked of the store: SSENone or SSES3.
	SSE string
	// PublicEndpoint, when set, is the store's URL as clients reach it, used
	// in presigned URLs; the core itself uses KW_S3_ENDPOINT.
	PublicEndpoint *url.URL
}

// Calls are the settings of LiveKit and TURN credentials.
type Calls struct {
	// TokenTTL is the lifetime of a LiveKit token: the time a member has to
	// join with it.
	TokenTTL time.Duration
	// TURNTTL is the lifetime of TURN REST API credentials.
	TURNTTL time.Duration
}

// loadAttachments reads the attachment settings.
func loadAttachments(l *Loader) Attachments {
	a := Attachments{
		MaxSize: l.Int(Var{
			Name: "KW_ATTACHMENT_MAX_SIZE", Default: "26214400",
			Description: "largest attachment in bytes",
		}, 1, 5<<30),
		TenantQuota: l.Int(Var{
			Name: "KW_ATTACHMENT_TENANT_QUOTA", Default: "10737418240",
			Description: "bytes of attachments one tenant may hold, pending uploads included",
		},
			1, 1<<50),
		UploadTTL: l.Duration(Var{
			Name: "KW_ATTACHMENT_UPLOAD_TTL", Default: "5m",
			Description: "lifetime of a presigned upload",
		}, time.Minute, time.Hour),
		DownloadTTL: l.Duration(Var{
			Name: "KW_ATTACHMENT_DOWNLOAD_TTL", Default: "2m",
			Description: "lifetime of a presigned download",
		}, 10*time.Second, 15*time.Minute),
		DeleteDelay: l.Duration(Var{
			Name: "KW_ATTACHMENT_DELETE_DELAY", Default: "1h",
			Description: "delay before the objects of a deleted message or an abandoned " +
				"upload are removed",
		}, 0, 30*24*time.Hour),
		SSE: l.String(Var{
			Name: "KW_S3_SSE", Default: SSENone,
			Description: "server-side encryption asked of the store: none or sse-s3",
		}),
	}
	a.PublicEndpoint = l.URL(Var{
		Name:        "KW_S3_PUBLIC_ENDPOINT",
		Description: "S3 endpoint URL as clients reach it, in presigned URLs; KW_S3_ENDPOINT when unset",
	}, "https", "http")
	switch a.SSE {
	case SSENone, SSES3:
	case SSEC:
		l.fail("KW_S3_SSE", "sse-c is refused: clients upload and download through "+
			"presigned URLs, which would have to carry the customer key to them; use "+
			"sse-s3 or the bucket's default encryption")
	default:
		l.fail("KW_S3_SSE", "must be none or sse-s3, got %q", a.SSE)
	}
	return a
}

// loadCalls reads the call settings.
func loadCalls(l *Loader) Calls {
	return Calls{
		TokenTTL: l.Duration(Var{
			Name: "KW_CALL_TOKEN_TTL", Default: "5m",
			Description: "lifetime of a LiveKit token, the time left to join with it",
		},
			30*time.Second, time.Hour),
		TURNTTL: l.Duration(Var{
			Name: "KW_TURN_CREDENTIAL_TTL", Default: "1h",
			Description: "lifetime of TURN REST API credentials",
		}, time.Minute, 24*time.Hour),
	}
}

package config

import (
	"net/url"
	"time"
)

// Core is the whole configuration of the core service.
type Core struct {
	Server   Server
	Postgres Postgres
	Redis    Redis
	S3       S3
	LiveKit  LiveKit
	TURN     TURN
	Tokens   Tokens
	// Attachments and Calls are the storage and media planes' settings.
	Attachments Attachments
	Calls       Calls
	Embeds      Embeds
	LogLevel    string
}

// Server is the core's listener and its trusted channel to the edge.
type Server struct {
	// Addr is the address the core listens on, TLS only.
	Addr string
	// CertFile and KeyFile are the core's own TLS certificate and key.
	CertFile, KeyFile string
	// EdgeCAFile holds the CA that signs the edge's client certificate; only
	// callers presenting a certificate it signed are served.
	EdgeCAFile string
	// PublicURL is where clients reach the edge, used in links and cookies.
	PublicURL *url.URL
}

// Postgres is the durable store.
type Postgres struct {
	URL string
}

// Redis carries revocations, limits and realtime fan-out.
type Redis struct {
	URL string
}

// S3 is the object store for attachments.
type S3 struct {
	Endpoint  *url.URL
	Region    string
	Bucket    string
	AccessKey string
	SecretKey string
}

// LiveKit is the media server the core issues call tokens for.
type LiveKit struct {
	URL       *url.URL
	APIKey    string
	APISecret string
}

// TURN is the coturn relay in shared-secret mode.
type TURN struct {
	URIs   []string
	Secret string
}

// Tokens governs the tokens the core signs and the refresh tokens it keeps.
type Tokens struct {
	Issuer    string
	Audience  string
	AccessTTL time.Duration
	// SignedMaxTTL bounds the lifetime of any token the core signs (access,
	// embed); a retired key stays published this long after it stops signing.
	SignedMaxTTL time.Duration
	// SigningKeySecret, when set, seals the private signing keys stored in
	// PostgreSQL (AES-256-GCM); it is 32 bytes, given as base64.
	SigningKeySecret string
	// RefreshIdleTTL ends a session not refreshed for this long;
	// RefreshAbsoluteTTL ends every session this long after its login.
	RefreshIdleTTL, RefreshAbsoluteTTL time.Duration
	// RefreshReuseGrace is how long after a refresh token was used it may be
	// used again (concurrent refreshes) before that counts as reuse.
	RefreshReuseGrace time.Duration
	// PasswordResetTTL is how long a password reset code issued by a tenant
	// admin may be used.
	PasswordResetTTL time.Duration
}

// LoadCore reads the core's configuration through l. Check l.Err afterwards.
func LoadCore(l *Loader) Core {
	var c Core
	c.Server = Server{
		Addr: l.String(Var{
			Name: "KW_LISTEN_ADDR", Default: "127.0.0.1:18443",
			Description: "host:port the core listens on (TLS with client certificates)",
		}),
		CertFile: l.File(Var{
			Name: "KW_TLS_CERT_FILE", Required: true,
			Description: "PEM certificate the core presents to the edge",
		}),
		KeyFile: l.File(Var{
			Name: "KW_TLS_KEY_FILE", Required: true, Secret: true,
			Description: "PEM private key of KW_TLS_CERT_FILE",
		}),
		EdgeCAFile: l.File(Var{
			Name: "KW_EDGE_CA_FILE", Required: true,
			Description: "PEM CA certificate that signs the edge's client certificate",
		}),
		PublicURL: l.URL(Var{
			Name: "KW_PUBLIC_URL", Default: "https://localhost:8443",
			Description: "URL at which clients reach the edge",
		}, "https", "http"),
	}
	c.Postgres.URL = l.String(Var{
		Name: "KW_DATABASE_URL", Required: true, Secret: true,
		Description: "PostgreSQL connection URL (postgres://user:password@host:port/db)",
	})
	c.Redis.URL = l.String(Var{
		Name: "KW_REDIS_URL", Required: true, Secret: true,
		Description: "Redis URL (redis://[:password@]host:port/db)",
	})
	c.S3 = S3{
		Endpoint: l.URL(Var{
			Name: "KW_S3_ENDPOINT", Required: true,
			Description: "S3 endpoint URL; https in production",
		}, "https", "http"),
		Region: l.String(Var{
			Name: "KW_S3_REGION", Default: "us-east-1",
			Description: "S3 region of the bucket",
		}),
		Bucket: l.String(Var{
			Name: "KW_S3_BUCKET", Default: "kernelwork-attachments",
			Description: "bucket that holds attachments",
		}),
		AccessKey: l.String(Var{
			Name: "KW_S3_ACCESS_KEY", Required: true, Secret: true,
			Description: "S3 access key id",
		}),
		SecretKey: l.String(Var{
			Name: "KW_S3_SECRET_KEY", Required: true, Secret: true,
			Description: "S3 secret access key",
		}),
	}
	c.LiveKit = LiveKit{
		URL: l.URL(Var{
			Name: "KW_LIVEKIT_URL", Required: true,
			Description: "LiveKit server URL given to clients and used for its API",
		},
			"ws", "wss", "http", "https"),
		APIKey: l.String(Var{
			Name: "KW_LIVEKIT_API_KEY", Required: true,
			Description: "LiveKit API key",
		}),
		APISecret: l.String(Var{
			Name: "KW_LIVEKIT_API_SECRET", Required: true, Secret: true,
			Description: "LiveKit API secret (at least 32 characters)",
		}),
	}
	c.TURN = TURN{
		URIs: l.List(Var{
			Name: "KW_TURN_URIS", Required: true,
			Description: "comma-separated turn: URIs given to call members",
		}),
		Secret: l.String(Var{
			Name: "KW_TURN_SECRET", Required: true, Secret: true,
			Description: "coturn static-auth-secret for TURN REST API credentials",
		}),
	}
	c.Attachments = loadAttachments(l)
	c.Calls = loadCalls(l)
	c.Embeds = loadEmbeds(l)
	c.Tokens = Tokens{
		Issuer: l.String(Var{
			Name: "KW_TOKEN_ISSUER", Default: "https://localhost:8443",
			Description: "iss claim of access tokens",
		}),
		Audience: l.String(Var{
			Name: "KW_TOKEN_AUDIENCE", Default: "kernelwork",
			Description: "aud claim of access tokens",
		}),
		AccessTTL: l.Duration(Var{
			Name: "KW_ACCESS_TOKEN_TTL", Default: "10m",
			Description: "lifetime of access tokens, at most 15m",
		}, time.Minute, 15*time.Minute),
		SignedMaxTTL: l.Duration(Var{
			Name: "KW_SIGNED_TOKEN_MAX_TTL", Default: "1h",
			Description: "longest lifetime of any signed token (access, embed); retired keys " +
				"stay published this long",
		}, time.Minute, 24*time.Hour),
		SigningKeySecret: l.String(Var{
			Name: "KW_SIGNING_KEY_SECRET", Secret: true,
			Description: "base64 of 32 random bytes sealing the private signing keys in " +
				"PostgreSQL; unset stores them unsealed (see docs/SECURITY.md)",
		}),
		RefreshIdleTTL: l.Duration(Var{
			Name: "KW_REFRESH_IDLE_TTL", Default: "168h",
			Description: "a session not refreshed for this long ends",
		}, time.Minute, 90*24*time.Hour),
		RefreshAbsoluteTTL: l.Duration(Var{
			Name: "KW_REFRESH_ABSOLUTE_TTL", Default: "720h",
			Description: "every session ends this long after its login",
		}, time.Minute, 365*24*time.Hour),
		RefreshReuseGrace: l.Duration(Var{
			Name: "KW_REFRESH_REUSE_GRACE", Default: "10s",
			Description: "window in which a used refresh token may be used again by a concurrent " +
				"request; later reuse revokes the session",
		}, 0, time.Minute),
		PasswordResetTTL: l.Duration(Var{
			Name: "KW_PASSWORD_RESET_TTL", Default: "1h",
			Description: "lifetime of a password reset code issued by a tenant admin, " +
				"from 5m to 72h",
		}, 5*time.Minute, 72*time.Hour),
	}
	if c.Tokens.RefreshIdleTTL > c.Tokens.RefreshAbsoluteTTL {
		l.fail("KW_REFRESH_IDLE_TTL", "must not exceed KW_REFRESH_ABSOLUTE_TTL")
	}
	if c.Tokens.AccessTTL > c.Tokens.SignedMaxTTL {
		l.fail("KW_SIGNED_TOKEN_MAX_TTL", "must be at least KW_ACCESS_TOKEN_TTL")
	}
	c.LogLevel = l.String(Var{
		Name: "KW_LOG_LEVEL", Default: "info",
		Description: "debug, info, warn or error",
	})
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		l.fail("KW_LOG_LEVEL", "must be debug, info, warn or error, got %q", c.LogLevel)
	}
	return c
}

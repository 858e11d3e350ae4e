package tokencheck

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/kernelwork/kernelwork/core/apikeys/keyformat"
)

// ErrInvalidAPIKey is the single answer to an unknown, malformed, wrong,
// expired or revoked API key, so that a caller learns nothing about which.
var ErrInvalidAPIKey = invalidToken("invalid_api_key")

// ErrAPIKeyCheckUnavailable is returned when the core's verify endpoint does not
// answer.
var ErrAPIKeyCheckUnavailable = &Error{
	Code: CodeInvalidToken, Status: http.StatusServiceUnavailable,
	Reason: "api_key_check_unavailable",
}

// APIKeyIdentity is who an API key acts for.
type APIKeyIdentity struct {
	KeyID     string    `json:"key_id"`
	TenantID  string    `json:"tenant_id"`
	UserID    string    `json:"user_id"`
	Scopes    []string  `json:"scopes"`
	ExpiresAt time.Time `json:"expires_at"` // zero: never
}

// APIKeyOptions configure an APIKeys verifier.
type APIKeyOptions struct {
	// URL is the core's verify endpoint (POST /internal/apikeys/verify).
	// Required.
	URL string
	// Client reaches the core over mutual TLS (NewTLSClient). Required.
	Client *http.Client
	// Revocations refuses revoked keys at once. Required.
	Revocations *Revocations
	// CacheTTL is how long a verified key is trusted without asking the
	// core again. Default: 30s.
	CacheTTL time.Duration
	// MaxEntries bounds the cache. Default: 10000.
	MaxEntries int
	// Now is the clock. Default: time.Now.
	Now func() time.Time
	// Log receives failures of the core (warn). Default: discard.
	Log *slog.Logger
}

// APIKeys verifies integrator API keys. It is safe for concurrent use.
type APIKeys struct {
	opts  APIKeyOptions
	mu    sync.Mutex
	cache map[[32]byte]cachedKey
}

type cachedKey struct {
	id      APIKeyIdentity
	fetched time.Time
}

// NewAPIKeys checks opts and returns a verifier. It evicts cached keys as
// their revocations arrive.
func NewAPIKeys(opts APIKeyOptions) (*APIKeys, error) {
	if opts.URL == "" || opts.Client == nil || opts.Revocations == nil {
		return nil, errors.New("apikeys: a URL, an HTTP client and a revocation set are required")
	}
	if opts.CacheTTL <= 0 {
		opts.CacheTTL = 30 * time.Second
	}
	if opts.MaxEntries <= 0 {
		opts.MaxEntries = 10000
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	a := &APIKeys{opts: opts, cache: map[[32]byte]cachedKey{}}
	opts.Revocations.Subscribe(func(r Revocation) {
		if r.Kind == KindAPIKey {
			a.evict(r.ID)
		}
	})
	return a, nil
}

// Verify checks raw and returns the identity it acts for. Malformed keys
// are refused before any lookup.
func (a *APIKeys) Verify(ctx context.Context, raw string) (*APIKeyIdentity, error) {
	k, err := keyformat.Parse(raw)
	if err != nil {
		return nil, ErrInvalidAPIKey
	}
	if err := a.opts.Revocations.CheckAPIKey(k.ID); err != nil {
		if errors.Is(err, ErrRevoked) {
			return nil, ErrInvalidAPIKey
		}
		return nil, err
	}
	sum := sha256.Sum256([]byte(raw))
	id, ok := a.cached(sum)
	if !ok {
		if id, err = a.ask(ctx, raw); err != nil {
			return nil, err
		}
		a.store(sum, id)
	}
	if id.KeyID != k.ID || !id.ExpiresAt.IsZero() && !a.opts.Now().Before(id.ExpiresAt) {
		return nil, ErrInvalidAPIKey
	}
	return &id, nil
}

func (a *APIKeys) cached(sum [32]byte) (APIKeyIdentity, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c, ok := a.cache[sum]
	if !ok || a.opts.Now().Sub(c.fetched) >= a.opts.CacheTTL {
		return APIKeyIdentity{}, false
	}
	return c.id, true
}

func (a *APIKeys) store(sum [32]byte, id APIKeyIdentity) {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.opts.Now()
	if len(a.cache) >= a.opts.MaxEntries {
		for s, c := range a.cache {
			if now.Sub(c.fetched) >= a.opts.CacheTTL {
				delete(a.cache, s)
			}
		}
		if len(a.cache) >= a.opts.MaxEntries {
			clear(a.cache)
		}
	}
	a.cache[sum] = cachedKey{id: id, fetched: now}
}

func (a *APIKeys) evict(keyID string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for s, c := range a.cache {
		if c.id.KeyID == keyID {
			delete(a.cache, s)
		}
	}
}

// ask calls the core's verify endpoint.
func (a *APIKeys) ask(ctx context.Context, raw string) (APIKeyIdentity, error) {
	var id APIKeyIdentity
	body, _ := json.Marshal(map[string]string{"key": raw})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.opts.URL, bytes.NewReader(body))
	if err != nil {
		return id, ErrAPIKeyCheckUnavailable.with(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.opts.Client.Do(req)
	if err != nil {
		a.opts.Log.Warn("api key check failed", "error", err.Error())
		return id, ErrAPIKeyCheckUnavailable.with(err)
	}
	defer func() { _ = resp.Body.Close() }()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusUnauthorized, http.StatusNotFound:
		return id, ErrInvalidAPIKey
	default:
		a.opts.Log.Warn("api key check failed", "status", resp.StatusCode)
		return id, ErrAPIKeyCheckUnavailable.with(fmt.Errorf("status %d", resp.StatusCode))
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&id); err != nil {
		return id, ErrAPIKeyCheckUnavailable.with(fmt.Errorf("decoding api key answer: %w", err))
	}
	return id, nil
}

package tokencheck

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"
	"golang.org/x/sync/singleflight"
)

// JWKSOptions configure a JWKS key source.
type JWKSOptions struct {
	// URL is where the key set is served (the core's
	// /.well-known/jwks.json). Required.
	URL string
	// Alg is the only algorithm the keys of this set may be used with; keys
	// whose own "alg" or key type disagrees are skipped. Required.
	Alg string
	// Client fetches the set; use NewTLSClient for the core's mutual TLS.
	// Required.
	Client *http.Client
	// Refresh is how often the set is fetched again. Default: 5m.
	Refresh time.Duration
	// MinRefetch is the least time between two fetches caused by an unknown
	// kid, so a burst of made-up kids costs at most one fetch per interval.
	// Default: 30s.
	MinRefetch time.Duration
	// MaxBytes bounds the size of the key set document. Default: 1 MiB.
	MaxBytes int64
	// Now is the clock. Default: time.Now.
	Now func() time.Time
	// Log receives fetch failures (warn) and fetches (debug). Default: discard.
	Log *slog.Logger
}

// JWKS is a KeySource that fetches, caches and refreshes a JSON Web Key Set
// (RFC 7517). It is safe for concurrent use.
type JWKS struct {
	opts    JWKSOptions
	mu      sync.RWMutex
	keys    map[string]Key
	lastTry time.Time
	group   singleflight.Group
	fetches atomic.Int64
}

// NewJWKS checks opts and returns a source with no keys yet; call Refresh
// or Run to load them. Key also loads them on first use.
func NewJWKS(opts JWKSOptions) (*JWKS, error) {
	if opts.URL == "" || opts.Client == nil {
		return nil, fmt.Errorf("jwks: a URL and an HTTP client are required")
	}
	if err := checkAlgName(opts.Alg); err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	if opts.Refresh <= 0 {
		opts.Refresh = 5 * time.Minute
	}
	if opts.MinRefetch <= 0 {
		opts.MinRefetch = 30 * time.Second
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = 1 << 20
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	return &JWKS{opts: opts}, nil
}

// Fetches returns how many times the set was requested from its URL.
func (j *JWKS) Fetches() int64 { return j.fetches.Load() }

// Key implements KeySource. An unknown kid triggers a fetch only when none
// was attempted within MinRefetch.
func (j *JWKS) Key(ctx context.Context, kid string) (Key, error) {
	j.mu.RLock()
	k, ok := j.keys[kid]
	loaded := j.keys != nil
	due := j.opts.Now().Sub(j.lastTry) >= j.opts.MinRefetch
	j.mu.RUnlock()
	if ok {
		return k, nil
	}
	if due {
		_ = j.refetch(ctx)
		j.mu.RLock()
		k, ok = j.keys[kid]
		loaded = j.keys != nil
		j.mu.RUnlock()
		if ok {
			return k, nil
		}
	}
	if !loaded {
		return Key{}, ErrKeysUnavailable
	}
	return Key{}, ErrUnknownKey
}

// refetch fetches the set once for all concurrent callers, unless another
// fetch was attempted within MinRefetch.
func (j *JWKS) refetch(ctx context.Context) error {
	_, err, _ := j.group.Do("fetch", func() (any, error) {
		j.mu.Lock()
		if j.keys != nil && j.opts.Now().Sub(j.lastTry) < j.opts.MinRefetch {
			j.mu.Unlock()
			return nil, nil
		}
		j.lastTry = j.opts.Now()
		j.mu.Unlock()
		return nil, j.Refresh(ctx)
	})
	return err
}

// Refresh fetches the set now and replaces the cached keys. On failure the
// previous keys stay in use.
func (j *JWKS) Refresh(ctx context.Context) error {
	keys, err := j.fetch(ctx)
	j.mu.Lock()
	defer j.mu.Unlock()
	j.lastTry = j.opts.Now()
	if err != nil {
		j.opts.Log.Warn("jwks fetch failed", "url", j.opts.URL, "error", err.Error())
		return err
	}
	j.keys = keys
	j.opts.Log.Debug("jwks fetched", "url", j.opts.URL, "keys", len(keys))
	return nil
}

// Run refreshes the set every Refresh until ctx ends. It loads the set
// first, retrying every 2 seconds until a first load succeeds (the core may
// start after the edge).
func (j *JWKS) Run(ctx context.Context) {
	for j.Refresh(ctx) != nil {
		select {
		case <-ctx.Done():
			return
		case <-time.After(2 * time.Second):
		}
	}
	t := time.NewTicker(j.opts.Refresh)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = j.Refresh(ctx)
		}
	}
}

func (j *JWKS) fetch(ctx context.Context) (map[string]Key, error) {
	j.fetches.Add(1)
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, j.opts.URL, nil)
	if err != nil {
		return nil, fmt.Errorf("loading jwks: %w", err)
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := j.opts.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("loading jwks: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("loading jwks: status %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, j.opts.MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("loading jwks: %w", err)
	}
	if int64(len(body)) > j.opts.MaxBytes {
		return nil, fmt.Errorf("loading jwks: document larger than %d bytes", j.opts.MaxBytes)
	}
	return j.parse(body)
}

// parse keeps the signing keys of the set that suit the configured alg.
func (j *JWKS) parse(body []byte) (map[string]Key, error) {
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, fmt.Errorf("parsing jwks: %w", err)
	}
	keys := make(map[string]Key, len(set.Keys))
	for _, jk := range set.Keys {
		if jk.Use != "" && jk.Use != "sig" || jk.Algorithm != "" && jk.Algorithm != j.opts.Alg {
			continue
		}
		k, err := NewKey(jk.KeyID, j.opts.Alg, jk.Key)
		if err != nil {
			j.opts.Log.Debug("jwks key skipped", "kid", jk.KeyID, "error", err.Error())
			continue
		}
		keys[k.ID] = k
	}
	return keys, nil
}

func checkAlgName(alg string) error {
	switch alg {
	case AlgEdDSA, AlgES256, AlgES384, AlgRS256, AlgPS256:
		return nil
	}
	return fmt.Errorf("algorithm %q is not one of EdDSA, ES256, ES384, RS256, PS256", alg)
}

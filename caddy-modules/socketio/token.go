package socketio

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/caddyserver/caddy/v2"

	"github.com/kernelwork/kernelwork/caddy-modules/tokencheck"
)

// Token configures the access-token check. Its settings have the names,
// defaults and checks of kw_auth's, so that a socket's token is verified
// exactly as the edge verifies an HTTP request.
type Token struct {
	// Issuer is the exact iss accepted. Required.
	Issuer string `json:"issuer,omitempty"`
	// Audience must be in aud. Required.
	Audience string `json:"audience,omitempty"`
	// TokenType is the accepted typ header. Default: at+jwt.
	TokenType string `json:"token_type,omitempty"`
	// JWKSURL serves the public keys (https only), fetched over the trusted
	// channel of Core. Default: the core's /.well-known/jwks.json, unless
	// KeyFiles are given (then only the key files are used).
	JWKSURL string `json:"jwks_url,omitempty"`
	// JWKSAlg is the only algorithm keys from the key set may be used with.
	// Default: EdDSA.
	JWKSAlg string `json:"jwks_alg,omitempty"`
	// JWKSRefresh is how often the key set is fetched again. Default: 5m.
	JWKSRefresh caddy.Duration `json:"jwks_refresh,omitempty"`
	// JWKSMinRefetch is the least time between two fetches caused by an
	// unknown kid. Default: 30s.
	JWKSMinRefetch caddy.Duration `json:"jwks_min_refetch,omitempty"`
	// KeyFiles are PEM public keys, each with its kid and algorithm; they
	// are looked up before the key set. Default: none.
	KeyFiles []tokencheck.KeyFileSetting `json:"key_files,omitempty"`
	// MaxTokenBytes bounds an access token; longer ones are refused before
	// any decoding. From 256 to 65536. Default: 4096.
	MaxTokenBytes int `json:"max_token_bytes,omitempty"`
	// ClockSkew is the tolerance applied to exp, nbf and iat. Default: 30s.
	ClockSkew caddy.Duration `json:"clock_skew,omitempty"`
	// MaxLifetime bounds exp - iat of access tokens. Default: 15m.
	MaxLifetime caddy.Duration `json:"max_lifetime,omitempty"`
}

// jwksURL returns the key set to fetch, or "" when only key files are used.
func (t *Token) jwksURL(coreURL string) string {
	switch {
	case t.JWKSURL != "":
		return t.JWKSURL
	case len(t.KeyFiles) > 0:
		return ""
	}
	return coreURL + "/.well-known/jwks.json"
}

// validate refuses a token block kw_auth would refuse, naming the setting.
func (t *Token) validate(coreURL string) error {
	if t.Issuer == "" || t.Audience == "" {
		return errors.New("kw_socketio: token issuer and audience are required")
	}
	if u := t.jwksURL(coreURL); u != "" {
		if err := tokencheck.CheckKeySetURL(u); err != nil {
			return fmt.Errorf("kw_socketio: token jwks_url: %w", err)
		}
	}
	if t.JWKSAlg != "" {
		if err := tokencheck.CheckAlgorithm(t.JWKSAlg); err != nil {
			return fmt.Errorf("kw_socketio: token jwks_alg: %w", err)
		}
	}
	for _, kf := range t.KeyFiles {
		if err := tokencheck.CheckAlgorithm(kf.Alg); err != nil {
			return fmt.Errorf("kw_socketio: token key_file %s: %w", kf.ID, err)
		}
	}
	if err := tokencheck.CheckMaxTokenBytes(t.MaxTokenBytes); err != nil {
		return fmt.Errorf("kw_socketio: token max_token_bytes: %w", err)
	}
	return nil
}

// tokenChecks builds the verifier the HTTP edge uses: keys from the key
// files and the core's JWKS, revocations from Redis, with the configured
// bounds.
func (h *Handler) tokenChecks(run context.Context, client *http.Client, ctx caddy.Context) (
	*tokencheck.Verifier, *tokencheck.Revocations, error,
) {
	keys, err := h.keySource(run, client, ctx)
	if err != nil {
		return nil, nil, err
	}
	revs, err := tokencheck.NewRevocations(tokencheck.RevocationOptions{
		Redis: h.rdb, Prefix: h.RevocationPrefix, MaxStale: dur(h.RevocationMaxStale),
		Log: ctx.Slogger(), Registerer: ctx.GetMetricsRegistry(),
	})
	if err != nil {
		return nil, nil, fmt.Errorf("kw_socketio: revocations: %w", err)
	}
	go revs.Run(run)
	t := h.Token
	v, err := tokencheck.New(tokencheck.Config{
		Issuer: t.Issuer, Audience: t.Audience, Type: t.TokenType,
		Keys: keys, Revocations: revs, MaxTokenBytes: t.MaxTokenBytes,
		ClockSkew: dur(t.ClockSkew), MaxLifetime: dur(t.MaxLifetime),
		// a socket's token is verified once, at CONNECT (and at each
		// re-authentication): a cache of verified tokens would save no work
		// and keep every session's claims in memory
		CacheEntries: -1,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("kw_socketio: %w", err)
	}
	return v, revs, nil
}

// keySource returns the key files, the key set, or both (files first).
func (h *Handler) keySource(run context.Context, client *http.Client, ctx caddy.Context) (
	tokencheck.KeySource, error,
) {
	files, err := tokencheck.LoadKeyFiles(h.Token.KeyFiles)
	if err != nil {
		return nil, fmt.Errorf("kw_socketio: token %w", err)
	}
	u := h.Token.jwksURL(h.Core.URL)
	if u == "" {
		return files, nil
	}
	alg := h.Token.JWKSAlg
	if alg == "" {
		alg = tokencheck.AlgEdDSA
	}
	set, err := tokencheck.NewJWKS(tokencheck.JWKSOptions{
		URL: u, Alg: alg, Client: client,
		Refresh: dur(h.Token.JWKSRefresh), MinRefetch: dur(h.Token.JWKSMinRefetch),
		Log: ctx.Slogger(),
	})
	if err != nil {
		return nil, fmt.Errorf("kw_socketio: jwks: %w", err)
	}
	go set.Run(run)
	if len(files) == 0 {
		return set, nil
	}
	return tokencheck.KeyChain{files, set}, nil
}

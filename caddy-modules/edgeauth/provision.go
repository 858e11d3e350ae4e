package edgeauth

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/redis/go-redis/v9"

	"github.com/kernelwork/kernelwork/caddy-modules/tokencheck"
)

// Provision builds the verifier, starts the key set refresh and the
// revocation subscription. Neither the core nor Redis needs to answer yet:
// until they do, credentials are refused with 503.
func (h *Handler) Provision(ctx caddy.Context) error {
	h.log = ctx.Slogger()
	if h.now == nil {
		h.now = time.Now
	}
	if h.JWKSAlg == "" {
		h.JWKSAlg = tokencheck.AlgEdDSA
	}
	var err error
	if h.refusals, err = newRefusals(ctx.GetMetricsRegistry()); err != nil {
		return fmt.Errorf("kw_auth: metrics: %w", err)
	}
	h.public = caddyhttp.MatchPath(h.Public)
	if err := h.public.Provision(ctx); err != nil {
		return fmt.Errorf("kw_auth: public: %w", err)
	}
	bg, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	if err = h.provisionRevocations(bg, ctx); err != nil {
		return err
	}
	client, err := h.coreClient()
	if err != nil {
		return err
	}
	keys, err := h.keySource(bg, client)
	if err != nil {
		return err
	}
	h.verifier, err = tokencheck.New(tokencheck.Config{
		Issuer: h.Issuer, Audience: h.Audience, Type: h.TokenType, Keys: keys,
		Revocations: h.revs, MaxTokenBytes: h.MaxTokenBytes, ClockSkew: time.Duration(h.ClockSkew),
		MaxLifetime: time.Duration(h.MaxLifetime), Now: h.now,
	})
	if err != nil {
		return fmt.Errorf("kw_auth: %w", err)
	}
	return h.provisionAPIKeys(client)
}

func (h *Handler) provisionRevocations(bg context.Context, ctx caddy.Context) error {
	opts, err := redis.ParseURL(h.RedisURL)
	if err != nil {
		return fmt.Errorf("kw_auth: redis_url is malformed")
	}
	h.rdb = redis.NewClient(opts)
	h.revs, err = tokencheck.NewRevocations(tokencheck.RevocationOptions{
		Redis: h.rdb, Prefix: h.RedisPrefix, MaxStale: time.Duration(h.RevocationMaxStale),
		Now: h.now, Log: h.log, Registerer: ctx.GetMetricsRegistry(),
	})
	if err != nil {
		return fmt.Errorf("kw_auth: %w", err)
	}
	go h.revs.Run(bg)
	return nil
}

// coreClient returns the mutual-TLS client to the core, or nil when no
// core URL is configured.
func (h *Handler) coreClient() (*http.Client, error) {
	if h.CoreTLS == nil {
		return nil, nil
	}
	sn := h.CoreTLS.ServerName
	if sn == "" {
		u, _ := url.Parse(h.JWKSURL)
		if h.JWKSURL == "" {
			u, _ = url.Parse(h.APIKeyURL)
		}
		sn = u.Hostname()
	}
	c, err := tokencheck.NewTLSClient(tokencheck.TLSFiles{
		CAFile:   h.CoreTLS.CAFile,
		CertFile: h.CoreTLS.CertFile, KeyFile: h.CoreTLS.KeyFile, ServerName: sn,
	})
	if err != nil {
		return nil, fmt.Errorf("kw_auth: core_tls: %w", err)
	}
	return c, nil
}

// keySource returns the key files, the JWKS, or both (files first).
func (h *Handler) keySource(bg context.Context, client *http.Client) (tokencheck.KeySource, error) {
	static, err := tokencheck.LoadKeyFiles(h.KeyFiles)
	if err != nil {
		return nil, fmt.Errorf("kw_auth: %w", err)
	}
	if h.JWKSURL == "" {
		return static, nil
	}
	j, err := tokencheck.NewJWKS(tokencheck.JWKSOptions{
		URL: h.JWKSURL, Alg: h.JWKSAlg,
		Client: client, Refresh: time.Duration(h.JWKSRefresh),
		MinRefetch: time.Duration(h.JWKSMinRefetch), Now: h.now, Log: h.log,
	})
	if err != nil {
		return nil, fmt.Errorf("kw_auth: %w", err)
	}
	go j.Run(bg)
	if len(static) == 0 {
		return j, nil
	}
	return tokencheck.KeyChain{static, j}, nil
}

func (h *Handler) provisionAPIKeys(client *http.Client) error {
	if h.APIKeyURL == "" {
		return nil
	}
	var err error
	h.apiKeys, err = tokencheck.NewAPIKeys(tokencheck.APIKeyOptions{
		URL:    h.APIKeyURL,
		Client: client, Revocations: h.revs, CacheTTL: time.Duration(h.APIKeyCacheTTL),
		Now: h.now, Log: h.log,
	})
	if err != nil {
		return fmt.Errorf("kw_auth: %w", err)
	}
	return nil
}

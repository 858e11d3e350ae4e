package socketio

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	stdtime "time"

	"github.com/caddyserver/caddy/v2"
	"github.com/redis/go-redis/v9"

	"github.com/kernelwork/kernelwork/caddy-modules/tokencheck"
	"github.com/kernelwork/kernelwork/gateway"
	"github.com/kernelwork/kernelwork/gateway/edge"
)

func dur(d caddy.Duration) stdtime.Duration { return stdtime.Duration(d) }

// Provision connects to Redis, starts the token checks and the gateway.
func (h *Handler) Provision(ctx caddy.Context) error {
	log := ctx.Slogger()
	metrics, err := gateway.NewMetrics(ctx.GetMetricsRegistry())
	if err != nil {
		return fmt.Errorf("kw_socketio: registering metrics: %w", err)
	}
	opts := h.options(metrics)
	opts.Logger = log
	if h.srv, err = gateway.New(opts); err != nil {
		return fmt.Errorf("kw_socketio: %w", err)
	}
	run, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	if err := h.connectRedis(run); err != nil {
		return err
	}
	client, err := h.coreClient()
	if err != nil {
		return err
	}
	verifier, revs, err := h.tokenChecks(run, client, ctx)
	if err != nil {
		return err
	}
	hooks := &edge.Hooks{
		BaseURL: h.Core.URL, Client: client, Timeout: dur(h.Core.HookTimeout),
		Metrics: metrics,
	}
	if err := h.mountNamespaces(verifier, revs, hooks, metrics, ctx); err != nil {
		return err
	}
	h.adapter = gateway.NewRedisAdapter(h.srv, h.rdb, h.ChannelPrefix)
	if err := h.adapter.Start(run); err != nil {
		return fmt.Errorf("kw_socketio: %w", err)
	}
	return nil
}

func (h *Handler) connectRedis(ctx context.Context) error {
	opt, err := redis.ParseURL(h.RedisURL)
	if err != nil {
		return fmt.Errorf("kw_socketio: parsing redis_url: %w", err)
	}
	h.rdb = redis.NewClient(opt)
	pctx, cancel := context.WithTimeout(ctx, 5*stdtime.Second)
	defer cancel()
	if err := h.rdb.Ping(pctx).Err(); err != nil {
		return fmt.Errorf("kw_socketio: reaching redis: %w", err)
	}
	return nil
}

func (h *Handler) coreClient() (*http.Client, error) {
	name := h.Core.ServerName
	if name == "" {
		u, err := url.Parse(h.Core.URL)
		if err != nil {
			return nil, fmt.Errorf("kw_socketio: parsing core url: %w", err)
		}
		name = u.Hostname()
	}
	c, err := tokencheck.NewTLSClient(tokencheck.TLSFiles{
		CAFile:   h.Core.CAFile,
		CertFile: h.Core.CertFile, KeyFile: h.Core.KeyFile, ServerName: name,
	})
	if err != nil {
		return nil, fmt.Errorf("kw_socketio: trusted channel: %w", err)
	}
	return c, nil
}

// mountNamespaces serves each configured namespace with an edge handler
// subscribed to revocations.
func (h *Handler) mountNamespaces(v *tokencheck.Verifier, revs *tokencheck.Revocations,
	hooks *edge.Hooks, m *gateway.Metrics, ctx caddy.Context,
) error {
	nss := h.Namespaces
	if len(nss) == 0 {
		nss = []Namespace{{Name: "/"}}
	}
	for _, ns := range nss {
		cfg := edge.Config{
			Verifier: v, Public: ns.Public, RelayEvents: ns.RelayEvents,
			Logger: ctx.Slogger(), Metrics: m, Hooks: hooks,
		}
		if ns.Hooks != nil && !*ns.Hooks {
			cfg.Hooks = nil
		}
		eh, err := edge.New(cfg)
		if err != nil {
			return fmt.Errorf("kw_socketio: namespace %s: %w", ns.Name, err)
		}
		h.unsubs = append(h.unsubs, revs.Subscribe(eh.OnRevocation))
		h.srv.Handle(ns.Name, eh)
	}
	return nil
}

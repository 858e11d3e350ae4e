// Package socketio is the Caddy module http.handlers.kw_socketio (Caddyfile
// directive kw_socketio): it mounts the realtime gateway of package gateway
// at a path of the edge. Every socket is authenticated with the access token
// the HTTP edge accepts (caddy-modules/tokencheck) unless its namespace is
// marked public; sockets of a revoked session are closed as the revocation
// arrives; broadcasts travel through Redis in the wire format of
// @socket.io/redis-adapter; client events go to the core through the
// realtime hooks (docs/realtime.md).
//
// A config reload or shutdown closes every socket of the old configuration,
// so clients reconnect (to the new one) at once.
package socketio

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/redis/go-redis/v9"

	"github.com/kernelwork/kernelwork/caddy-modules/tokencheck"
	"github.com/kernelwork/kernelwork/gateway"
	"github.com/kernelwork/kernelwork/gateway/edge"
)

func init() {
	caddy.RegisterModule(new(Handler))
}

// Handler serves Socket.IO clients at Path and passes other requests on.
type Handler struct {
	// Path the gateway answers under. Default: "/socket.io/".
	Path string `json:"path,omitempty"`
	// AllowedOrigins lists the origins (scheme://host[:port]) allowed to
	// connect. Required: the check fails closed.
	AllowedOrigins []string `json:"allowed_origins,omitempty"`
	// AllowMissingOrigin accepts handshakes without an Origin header (native
	// apps). Default: false.
	AllowMissingOrigin bool `json:"allow_missing_origin,omitempty"`
	// Transports offered: "polling" and "websocket". Default: both.
	Transports []string `json:"transports,omitempty"`
	// PingInterval between heartbeats. Default: 25s.
	PingInterval caddy.Duration `json:"ping_interval,omitempty"`
	// PingTimeout to answer a heartbeat. Default: 20s.
	PingTimeout caddy.Duration `json:"ping_timeout,omitempty"`
	// ConnectTimeout to join a namespace after the handshake. Default: 45s.
	ConnectTimeout caddy.Duration `json:"connect_timeout,omitempty"`
	// UpgradeTimeout to complete an upgrade to WebSocket. Default: 10s.
	UpgradeTimeout caddy.Duration `json:"upgrade_timeout,omitempty"`
	// WriteTimeout of one WebSocket write. Default: 10s.
	WriteTimeout caddy.Duration `json:"write_timeout,omitempty"`
	// MaxPayload of a message or polling request, in bytes. Default: 1000000.
	MaxPayload int64 `json:"max_payload,omitempty"`
	// MaxAttachments of one binary packet. Default: 10.
	MaxAttachments int `json:"max_attachments,omitempty"`
	// SendQueue bounds the packets queued for one client; a client over it
	// is disconnected as a slow client. Default: 256.
	SendQueue int `json:"send_queue,omitempty"`
	// EventRate is the events per second one socket may send, EventBurst
	// how many at once; over it the client is disconnected. Defaults: 20, 50.
	EventRate  float64 `json:"event_rate,omitempty"`
	EventBurst int     `json:"event_burst,omitempty"`
	// EventQueue bounds the events of one socket that passed the rate limit
	// and wait for the core's hook, which handles a connection's events one
	// at a time; a socket whose queue is full is disconnected with the reason
	// "event queue full" (it reconnects by itself). Acknowledgements the edge
	// awaits do not count. At least EventBurst. Default: EventBurst + 5 x
	// EventRate (150), a burst plus five seconds of events, so that a client
	// within its rate is not cut while one hook takes up to its timeout.
	EventQueue int `json:"event_queue,omitempty"`

	// Namespaces served. Default: only "/", authenticated, no relay events.
	Namespaces []Namespace `json:"namespaces,omitempty"`

	// RedisURL is the Redis of revocations and fan-out. Required.
	RedisURL string `json:"redis_url,omitempty"`
	// ChannelPrefix of the adapter channels. Default: "socket.io".
	ChannelPrefix string `json:"channel_prefix,omitempty"`
	// RevocationPrefix of the revocation keys. Default: "kw:".
	RevocationPrefix string `json:"revocation_prefix,omitempty"`
	// RevocationMaxStale is how long the revocation set is trusted while
	// Redis does not answer; after it every token is refused. Default: 30s.
	RevocationMaxStale caddy.Duration `json:"revocation_max_stale,omitempty"`

	// Core reaches the core: its URL and the trusted channel's files.
	Core Core `json:"core"`
	// Token is how access tokens are checked.
	Token Token `json:"token"`

	srv     *gateway.Server
	adapter *gateway.RedisAdapter
	rdb     *redis.Client
	cancel  context.CancelFunc
	unsubs  []func()
}

// Namespace configures one served namespace.
type Namespace struct {
	// Name, starting with "/".
	Name string `json:"name"`
	// Public lets anonymous sockets in. Default: false.
	Public bool `json:"public,omitempty"`
	// RelayEvents are broadcast by the edge to one room of the sender.
	RelayEvents []string `json:"relay_events,omitempty"`
	// Hooks sends connects and events to the core. Default: true.
	Hooks *bool `json:"hooks,omitempty"`
}

// Core is the core behind the edge and the trusted channel to it.
type Core struct {
	// URL of the core, such as https://127.0.0.1:18443. Required.
	URL string `json:"url,omitempty"`
	// CAFile signs the core's certificate. Required.
	CAFile string `json:"ca_file,omitempty"`
	// CertFile and KeyFile are the edge's client certificate. Required.
	CertFile string `json:"cert_file,omitempty"`
	KeyFile  string `json:"key_file,omitempty"`
	// ServerName checked in the core's certificate. Default: the URL's host.
	ServerName string `json:"server_name,omitempty"`
	// HookTimeout bounds each hook call. Default: 5s.
	HookTimeout caddy.Duration `json:"hook_timeout,omitempty"`
}

// CaddyModule returns the module's information.
func (*Handler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{ID: "http.handlers.kw_socketio", New: func() caddy.Module { return new(Handler) }}
}

// Validate refuses an incomplete configuration, naming the field.
func (h *Handler) Validate() error {
	switch {
	case len(h.AllowedOrigins) == 0 && !h.AllowMissingOrigin:
		return errors.New("kw_socketio: allowed_origins is required")
	case h.RedisURL == "":
		return errors.New("kw_socketio: redis_url is required")
	case h.Core.URL == "" || h.Core.CAFile == "" || h.Core.CertFile == "" || h.Core.KeyFile == "":
		return errors.New("kw_socketio: core url, ca_file, cert_file and key_file are required")
	}
	if err := h.Token.validate(h.Core.URL); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, ns := range h.Namespaces {
		if !strings.HasPrefix(ns.Name, "/") || seen[ns.Name] {
			return fmt.Errorf("kw_socketio: namespace %q must start with / and appear once", ns.Name)
		}
		seen[ns.Name] = true
	}
	_, err := gateway.New(h.options(nil))
	return err
}

// ServeHTTP hands requests under Path to the gateway.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	p := h.srv.Options().Path
	if r.URL.Path == p || r.URL.Path == strings.TrimSuffix(p, "/") {
		h.srv.ServeHTTP(w, r)
		return nil
	}
	return next.ServeHTTP(w, r)
}

// Cleanup closes every socket (clients reconnect) and the Redis links.
func (h *Handler) Cleanup() error {
	for _, u := range h.unsubs {
		u()
	}
	var errs []error
	if h.srv != nil {
		errs = append(errs, h.srv.Close())
	}
	if h.adapter != nil {
		errs = append(errs, h.adapter.Close())
	}
	if h.cancel != nil {
		h.cancel()
	}
	if h.rdb != nil {
		errs = append(errs, h.rdb.Close())
	}
	return errors.Join(errs...)
}

// options maps the module's fields to the gateway's options.
func (h *Handler) options(m *gateway.Metrics) gateway.Options {
	return gateway.Options{
		Path: h.Path, AllowedOrigins: h.AllowedOrigins, AllowMissingOrigin: h.AllowMissingOrigin,
		Transports: h.Transports, PingInterval: dur(h.PingInterval), PingTimeout: dur(h.PingTimeout),
		ConnectTimeout: dur(h.ConnectTimeout), UpgradeTimeout: dur(h.UpgradeTimeout),
		WriteTimeout: dur(h.WriteTimeout), MaxPayload: h.MaxPayload, MaxAttachments: h.MaxAttachments,
		SendQueue: h.SendQueue, EventRate: h.EventRate, EventBurst: h.EventBurst,
		EventQueue: h.EventQueue, Metrics: m,
	}
}

// Interface guards.
var (
	_ caddy.Provisioner           = (*Handler)(nil)
	_ caddy.Validator             = (*Handler)(nil)
	_ caddy.CleanerUpper          = (*Handler)(nil)
	_ caddyhttp.MiddlewareHandler = (*Handler)(nil)
	_ tokencheck.KeySource        = (*tokencheck.JWKS)(nil)
	_ edge.Verifier               = (*tokencheck.Verifier)(nil)
)

package gateway

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Options holds every timing and limit of a Server. The zero value of a field
// means its default, given in the field's comment.
type Options struct {
	// Path is the URL path the server answers under. Default: "/socket.io/".
	Path string
	// PingInterval is how often the server sends a ping. Default: 25s.
	PingInterval time.Duration
	// PingTimeout is how long the server waits for the pong. Default: 20s.
	PingTimeout time.Duration
	// ConnectTimeout closes a connection that has not joined a namespace in
	// time. Default: 45s.
	ConnectTimeout time.Duration
	// UpgradeTimeout closes a WebSocket probe that does not complete the
	// upgrade in time. Default: 10s.
	UpgradeTimeout time.Duration
	// MaxPayload bounds a WebSocket message or a long-polling request body,
	// in bytes. Default: 1000000.
	MaxPayload int64
	// MaxAttachments bounds the binary attachments of one packet. Default: 10.
	MaxAttachments int
	// SendQueue bounds the packets queued for one connection; a client whose
	// queue overflows is disconnected as a slow client. Default: 256.
	SendQueue int
	// WriteTimeout bounds one WebSocket write. Default: 10s.
	WriteTimeout time.Duration
	// EventRate is the sustained number of events per second one socket may
	// send; EventBurst is how many it may send at once. A socket over the
	// limit is disconnected as an event flood. Defaults: 20 and 50.
	EventRate  float64
	EventBurst int
	// EventQueue bounds the events of one socket that passed the rate limit
	// and wait for the handler, which runs one event of a connection at a
	// time. A socket within its rate fills it only while the handler is
	// slower than EventRate: the default holds a burst plus five seconds of
	// events, so a socket is not cut while one handler call takes up to five
	// seconds (the default hook timeout of gateway/edge). A socket whose
	// queue is full is disconnected with ReasonEventQueueFull (the client
	// reconnects by itself). Acknowledgements the server awaits do not count.
	// It must be at least EventBurst. Default: EventBurst + 5 × EventRate.
	EventQueue int
	// AllowedOrigins lists the origins (scheme://host[:port]) allowed to open
	// a connection. Empty refuses every request carrying an Origin.
	AllowedOrigins []string
	// AllowMissingOrigin accepts requests without an Origin header (native
	// apps, server-side clients; browsers always send one on a WebSocket
	// handshake and on cross-origin requests). Default: false.
	AllowMissingOrigin bool
	// Transports lists the transports offered: "polling" and "websocket".
	// Default: both.
	Transports []string
	// Logger receives lifecycle logs. Default: discarded.
	Logger *slog.Logger
	// Now is the clock. Default: time.Now.
	Now func() time.Time
	// Metrics receives counters; nil keeps none.
	Metrics *Metrics
}

// Transport names.
const (
	TransportPolling   = "polling"
	TransportWebSocket = "websocket"
)

// withDefaults returns o with every zero field set to its default, or an
// error naming the first invalid field.
func (o Options) withDefaults() (Options, error) {
	setDur(&o.PingInterval, 25*time.Second)
	setDur(&o.PingTimeout, 20*time.Second)
	setDur(&o.ConnectTimeout, 45*time.Second)
	setDur(&o.UpgradeTimeout, 10*time.Second)
	setDur(&o.WriteTimeout, 10*time.Second)
	setInt(&o.MaxAttachments, 10)
	setInt(&o.SendQueue, 256)
	setInt(&o.EventBurst, 50)
	if o.Path == "" {
		o.Path = "/socket.io/"
	}
	if o.MaxPayload == 0 {
		o.MaxPayload = 1_000_000
	}
	if o.EventRate == 0 {
		o.EventRate = 20
	}
	if o.EventQueue == 0 {
		o.EventQueue = o.EventBurst + int(math.Min(math.Ceil(5*o.EventRate), 1<<24))
	}
	if len(o.Transports) == 0 {
		o.Transports = []string{TransportPolling, TransportWebSocket}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o, o.validate()
}

func setDur(d *time.Duration, def time.Duration) {
	if *d == 0 {
		*d = def
	}
}

func setInt(i *int, def int) {
	if *i == 0 {
		*i = def
	}
}

func (o Options) validate() error {
	if !strings.HasPrefix(o.Path, "/") || !strings.HasSuffix(o.Path, "/") {
		return fmt.Errorf("path %q must start and end with a slash", o.Path)
	}
	if o.PingInterval < 0 || o.PingTimeout < 0 || o.ConnectTimeout < 0 ||
		o.UpgradeTimeout < 0 || o.WriteTimeout < 0 {
		return errors.New("durations must be positive")
	}
	if o.MaxPayload < 64 || o.MaxAttachments < 1 || o.SendQueue < 1 ||
		o.EventBurst < 1 || o.EventRate < 0 {
		return errors.New("limits must be positive (max payload at least 64 bytes)")
	}
	if o.EventQueue < o.EventBurst {
		return fmt.Errorf("event queue %d must be at least the event burst %d", o.EventQueue, o.EventBurst)
	}
	for _, t := range o.Transports {
		if t != TransportPolling && t != TransportWebSocket {
			return fmt.Errorf("unknown transport %q", t)
		}
	}
	for _, origin := range o.AllowedOrigins {
		if err := checkOriginSyntax(origin); err != nil {
			return err
		}
	}
	return nil
}

// checkOriginSyntax accepts only a bare scheme://host[:port].
func checkOriginSyntax(origin string) error {
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
		u.Path != "" || u.RawQuery != "" || u.User != nil || u.Fragment != "" {
		return fmt.Errorf("allowed origin %q is not scheme://host[:port]", origin)
	}
	return nil
}

func (o Options) offers(transport string) bool {
	for _, t := range o.Transports {
		if t == transport {
			return true
		}
	}
	return false
}

// requestOrigin returns the origin a request comes from: its Origin header,
// or, for a browser's same-origin request (which carries no Origin on GET),
// the request's own scheme and host as Sec-Fetch-Site vouches. "" when
// neither tells.
func requestOrigin(r *http.Request) string {
	if o := r.Header.Get("Origin"); o != "" {
		return o
	}
	if r.Header.Get("Sec-Fetch-Site") != "same-origin" {
		return ""
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// originAllowed applies the allowlist to a request's origin.
func (o Options) originAllowed(origin string) bool {
	if origin == "" {
		return o.AllowMissingOrigin
	}
	for _, a := range o.AllowedOrigins {
		if strings.EqualFold(a, origin) {
			return true
		}
	}
	return false
}

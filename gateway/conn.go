package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/olahol/melody"
)

// Reasons a connection or socket ends, as logged, counted and passed to
// Handler.Disconnect.
const (
	ReasonTransportClose   = "transport close"
	ReasonTransportError   = "transport error"
	ReasonPingTimeout      = "ping timeout"
	ReasonParseError       = "parse error"
	ReasonConnectTimeout   = "connect timeout"
	ReasonSlowClient       = "slow client"
	ReasonEventFlood       = "event flood"
	ReasonPayloadTooLarge  = "payload too large"
	ReasonServerShutdown   = "server shutting down"
	ReasonClientDisconnect = "client namespace disconnect"
	ReasonServerDisconnect = "server namespace disconnect"
)

// Handshake describes the HTTP request that opened a connection.
type Handshake struct {
	Header     http.Header
	Query      url.Values
	RemoteAddr string
	Origin     string
	Time       time.Time
}

func newHandshake(r *http.Request, now time.Time) *Handshake {
	return &Handshake{
		Header:     r.Header.Clone(),
		Query:      r.URL.Query(),
		RemoteAddr: r.RemoteAddr,
		Origin:     r.Header.Get("Origin"),
		Time:       now,
	}
}

// conn is one Engine.IO connection and the Socket.IO sockets multiplexed on
// it.
type conn struct {
	srv   *Server
	id    string
	hs    *Handshake
	inbox chan func()
	done  chan struct{}
	ctx   context.Context
	stop  context.CancelFunc

	mu        sync.Mutex
	transport string
	ws        *melody.Session
	pending   []frame
	wake      chan struct{}
	polling   bool
	posting   bool
	upgrading bool
	probe     bool
	closed    bool
	sockets   map[string]*Socket
	pingTimer *time.Timer
	pongTimer *time.Timer
	connTimer *time.Timer

	// reassembly of a binary packet; touched only by the reading goroutine.
	partial *sioPacket
	parts   [][]byte
}

func newConn(s *Server, hs *Handshake, transport string) *conn {
	ctx, cancel := context.WithCancel(context.Background())
	return &conn{
		srv: s, id: newID(), hs: hs, transport: transport,
		inbox: make(chan func(), s.opts.EventBurst+4), done: make(chan struct{}),
		ctx: ctx, stop: cancel,
		wake: make(chan struct{}, 1), sockets: map[string]*Socket{},
	}
}

// start arms the heartbeat and the connect timeout and starts the worker
// that runs handlers in arrival order.
func (c *conn) start() {
	o := c.srv.opts
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pingTimer = time.AfterFunc(o.PingInterval, c.sendPing)
	c.connTimer = time.AfterFunc(o.ConnectTimeout, func() { c.close(ReasonConnectTimeout) })
	go c.work()
}

func (c *conn) work() {
	for {
		select {
		case fn := <-c.inbox:
			fn()
		case <-c.done:
			return
		}
	}
}

// enqueue runs fn on the worker; a full inbox means a flooding client.
func (c *conn) enqueue(fn func()) {
	select {
	case c.inbox <- fn:
	default:
		go c.close(ReasonEventFlood)
	}
}

func (c *conn) openFrame() frame {
	o := c.srv.opts
	up := []string{}
	if c.transport == TransportPolling && o.offers(TransportWebSocket) {
		up = append(up, TransportWebSocket)
	}
	data, _ := json.Marshal(openData{
		SID: c.id, Upgrades: up, MaxPayload: o.MaxPayload,
		PingInterval: o.PingInterval.Milliseconds(), PingTimeout: o.PingTimeout.Milliseconds(),
	})
	return textFrame(eioOpen, data)
}

// sendPing sends a heartbeat and expects the pong within PingTimeout.
func (c *conn) sendPing() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.pongTimer = time.AfterFunc(c.srv.opts.PingTimeout, func() { c.close(ReasonPingTimeout) })
	c.mu.Unlock()
	c.send(textFrame(eioPing, nil))
}

func (c *conn) onPong() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.pongTimer == nil {
		return
	}
	c.pongTimer.Stop()
	c.pongTimer = nil
	c.pingTimer.Reset(c.srv.opts.PingInterval)
}

// send queues frames for the client. A queue over its bound disconnects the
// client as a slow client.
func (c *conn) send(frames ...frame) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.srv.opts.Metrics.sent(len(frames))
	if c.ws != nil {
		writeWS(c.ws, frames)
		return
	}
	if len(c.pending)+len(frames) > c.srv.opts.SendQueue {
		go c.close(ReasonSlowClient)
		return
	}
	c.pending = append(c.pending, frames...)
	c.signal()
}

func (c *conn) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func writeWS(s *melody.Session, frames []frame) {
	for _, f := range frames {
		if f.binary {
			_ = s.WriteBinary(f.data)
		} else {
			_ = s.Write(f.wsBytes())
		}
	}
}

// receive handles one frame from the client.
func (c *conn) receive(f frame) {
	switch f.typ {
	case eioPong:
		c.onPong()
	case eioMessage:
		c.srv.opts.Metrics.received()
		if err := c.onMessage(f); err != nil {
			c.srv.opts.Logger.Debug("closing connection on a malformed packet",
				"sid", c.id, "error", err.Error())
			c.close(ReasonParseError)
		}
	case eioClose:
		c.close(ReasonTransportClose)
	case eioNoop:
	default:
		c.close(ReasonParseError)
	}
}

// close ends the connection and every socket on it. It is safe to call more
// than once and from any goroutine.
func (c *conn) close(reason string) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	c.stopTimers()
	socks := c.sockets
	c.sockets = map[string]*Socket{}
	ws := c.ws
	c.signal()
	c.mu.Unlock()

	close(c.done)
	c.stop()
	for _, s := range socks {
		s.onClose(reason)
	}
	if ws != nil && reason == ReasonSlowClient {
		_ = ws.Close()
	} else if ws != nil {
		_ = ws.Write([]byte{eioClose})
		_ = ws.CloseWithMsg(melody.FormatCloseMessage(closeCode(reason), reason))
	}
	c.srv.opts.Metrics.disconnected(reason)
	c.srv.opts.Logger.Debug("connection closed", "sid", c.id, "reason", reason)
	c.srv.dropConn(c)
}

func closeCode(reason string) int {
	switch reason {
	case ReasonServerShutdown:
		return melody.CloseGoingAway
	case ReasonParseError:
		return melody.CloseProtocolError
	case ReasonPayloadTooLarge:
		return melody.CloseMessageTooBig
	case ReasonEventFlood, ReasonSlowClient:
		return melody.ClosePolicyViolation
	}
	return melody.CloseNormalClosure
}

func (c *conn) stopTimers() {
	for _, t := range []*time.Timer{c.pingTimer, c.pongTimer, c.connTimer} {
		if t != nil {
			t.Stop()
		}
	}
}

func (c *conn) socket(nsp string) *Socket {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sockets[nsp]
}

// addSocket attaches s; false when the connection closed meanwhile.
func (c *conn) addSocket(s *Socket) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	c.sockets[s.ns.name] = s
	if c.connTimer != nil {
		c.connTimer.Stop()
	}
	return true
}

func (c *conn) removeSocket(s *Socket) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sockets[s.ns.name] == s {
		delete(c.sockets, s.ns.name)
	}
}

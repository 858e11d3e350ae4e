package gateway

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
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
	ReasonEventQueueFull   = "event queue full"
	ReasonPayloadTooLarge  = "payload too large"
	ReasonServerShutdown   = "server shutting down"
	ReasonClientDisconnect = "client namespace disconnect"
	ReasonServerDisconnect = "server namespace disconnect"
)

// Handshake describes the HTTP request that opened a connection.
type Handshake struct {
	RawQuery   string
	RemoteAddr string
	Origin     string
	Time       time.Time
	// header holds the request's header fields as name, value pairs, but
	// not those of the WebSocket handshake itself (Connection, Upgrade,
	// Sec-WebSocket-*), which describe the transport, not the client. A
	// flat list costs a fraction of an http.Header kept for every session.
	header []string
}

// Header returns a copy of the handshake's header fields.
func (h *Handshake) Header() http.Header {
	out := make(http.Header, len(h.header)/2)
	for i := 0; i+1 < len(h.header); i += 2 {
		out[h.header[i]] = append(out[h.header[i]], h.header[i+1])
	}
	return out
}

// Query parses the handshake's query string.
func (h *Handshake) Query() url.Values {
	q, _ := url.ParseQuery(h.RawQuery)
	return q
}

// transportHeaders are the handshake headers a Handshake does not keep.
var transportHeaders = map[string]bool{
	"Connection": true, "Upgrade": true, "Sec-Websocket-Key": true, "Sec-Websocket-Version": true,
	"Sec-Websocket-Extensions": true, "Sec-Websocket-Protocol": true,
}

// newHandshake describes r.
func newHandshake(r *http.Request, now time.Time) *Handshake {
	n := 0
	for k, vs := range r.Header {
		if !transportHeaders[k] {
			n += 2 * len(vs)
		}
	}
	header := make([]string, 0, n)
	for k, vs := range r.Header {
		if !transportHeaders[k] {
			for _, v := range vs {
				header = append(header, k, v)
			}
		}
	}
	return &Handshake{
		RawQuery:   r.URL.RawQuery,
		RemoteAddr: r.RemoteAddr,
		Origin:     r.Header.Get("Origin"),
		Time:       now,
		header:     header,
	}
}

// conn is one Engine.IO connection and the Socket.IO sockets multiplexed on
// it.
type conn struct {
	srv  *Server
	id   string
	hs   *Handshake
	ctx  context.Context
	stop context.CancelFunc

	mu        sync.Mutex
	transport string
	// inbox holds the handlers waiting to run in arrival order; a worker
	// goroutine runs only while it is not empty. queuedConnects counts the
	// CONNECT and DISCONNECT packets in it; each socket counts its events.
	inbox          []inboxItem
	queuedConnects int
	working        bool
	// ws and fc are the WebSocket transport, once attached. out holds the
	// frames waiting for the writer, which runs only while it is not empty;
	// wsClose is the close frame the writer sends after them.
	ws       *melody.Session
	fc       *frameConn
	out      []frame
	spare    []frame
	writing  bool
	wsClose  []byte
	wsBroken bool
	// pending holds the frames waiting for the next long-polling GET.
	pending   []frame
	wake      chan struct{} // nil on a WebSocket-only connection
	polling   bool
	posting   bool
	upgrading bool
	probe     bool
	closed    bool
	// closeReason is why the connection closed; lingering is true while a
	// closed long-polling connection waits for the client's next request to
	// hand it the last packets (see close).
	closeReason string
	lingering   bool
	// sockets holds one socket per joined namespace; a client joins few, so
	// a slice, searched by name, costs less than a map.
	sockets []*Socket
	// heartbeat sends a ping every PingInterval and, while a pong is due
	// (awaitingPong), ends the connection after PingTimeout: one timer
	// serves both.
	heartbeat    *time.Timer
	awaitingPong bool
	// connTimer is the connect timeout until a namespace is joined, and
	// bounds the linger of a closed long-polling connection.
	connTimer *time.Timer

	// reassembly of a binary packet; touched only by the reading goroutine.
	partial *sioPacket
	parts   [][]byte
}

func newConn(s *Server, hs *Handshake, transport string) *conn {
	ctx, cancel := context.WithCancel(context.Background())
	c := &conn{srv: s, id: newID(), hs: hs, transport: transport, ctx: ctx, stop: cancel}
	if transport == TransportPolling {
		// wakes the waiting GET; a WebSocket-only connection needs none
		c.wake = make(chan struct{}, 1)
	}
	return c
}

// start arms the heartbeat and the connect timeout.
func (c *conn) start() {
	o := c.srv.opts
	c.mu.Lock()
	defer c.mu.Unlock()
	c.heartbeat = time.AfterFunc(o.PingInterval, c.onHeartbeat)
	c.connTimer = time.AfterFunc(o.ConnectTimeout, func() { c.close(ReasonConnectTimeout) })
}

// maxQueuedConnects bounds the CONNECT and DISCONNECT packets waiting in one
// connection's inbox: a client sends one of each per namespace it uses.
const maxQueuedConnects = 16

// inboxItem is a handler waiting in a connection's inbox, with the socket
// whose event it handles (nil for other packets) and whether it is a
// CONNECT or DISCONNECT.
type inboxItem struct {
	run     func()
	event   *Socket
	connect bool
}

// enqueue runs it after the handlers already waiting, on a worker goroutine
// that lives while handlers wait. A socket's events are bounded by
// EventQueue (the handler is too slow for the client's rate), CONNECT and
// DISCONNECT packets by maxQueuedConnects (a flooding client); awaited
// acknowledgements are bounded by the server, which asked for them.
func (c *conn) enqueue(it inboxItem) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	switch {
	case it.event != nil && it.event.queued >= c.srv.opts.EventQueue:
		go c.close(ReasonEventQueueFull)
		return
	case it.connect && c.queuedConnects >= maxQueuedConnects:
		go c.close(ReasonEventFlood)
		return
	}
	c.count(it, 1)
	c.inbox = append(c.inbox, it)
	if !c.working {
		c.working = true
		go c.work()
	}
}

// count adds n to the counters of it's kind; c.mu is held.
func (c *conn) count(it inboxItem, n int) {
	if it.event != nil {
		it.event.queued += n
	}
	if it.connect {
		c.queuedConnects += n
	}
}

func (c *conn) work() {
	for {
		c.mu.Lock()
		if c.closed || len(c.inbox) == 0 {
			for _, it := range c.inbox {
				c.count(it, -1)
			}
			c.working, c.inbox = false, nil
			c.mu.Unlock()
			return
		}
		it := c.inbox[0]
		c.inbox[0] = inboxItem{}
		c.inbox = c.inbox[1:]
		c.count(it, -1)
		c.mu.Unlock()
		it.run()
	}
}

// openFrame is the Engine.IO open packet. It is written by hand, without
// encoding/json, to keep the stack of the WebSocket's goroutine small: the
// identifier is URL-safe base64 and every other field a number or a
// constant.
func (c *conn) openFrame() frame {
	o := c.srv.opts
	b := make([]byte, 0, 128)
	b = append(b, `{"sid":"`...)
	b = append(b, c.id...)
	b = append(b, `","upgrades":[`...)
	if c.transport == TransportPolling && o.offers(TransportWebSocket) {
		b = append(b, `"websocket"`...)
	}
	b = append(b, `],"pingInterval":`...)
	b = strconv.AppendInt(b, o.PingInterval.Milliseconds(), 10)
	b = append(b, `,"pingTimeout":`...)
	b = strconv.AppendInt(b, o.PingTimeout.Milliseconds(), 10)
	b = append(b, `,"maxPayload":`...)
	b = strconv.AppendInt(b, o.MaxPayload, 10)
	return textFrame(eioOpen, append(b, '}'))
}

// onHeartbeat sends a ping and expects the pong within PingTimeout, or
// ends the connection whose pong is late.
func (c *conn) onHeartbeat() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	if c.awaitingPong {
		c.mu.Unlock()
		c.close(ReasonPingTimeout)
		return
	}
	c.awaitingPong = true
	c.heartbeat.Reset(c.srv.opts.PingTimeout)
	c.mu.Unlock()
	c.send(textFrame(eioPing, nil))
}

func (c *conn) onPong() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || !c.awaitingPong {
		return
	}
	c.awaitingPong = false
	c.heartbeat.Reset(c.srv.opts.PingInterval)
}

// send queues frames for the client. A queue over its bound disconnects the
// client as a slow client.
func (c *conn) send(frames ...frame) {
	c.sendHeld(nil, frames...)
}

// sendHeld is send; with a hold, a WebSocket writer that is not running
// starts when the hold is released.
func (c *conn) sendHeld(h *writeHold, frames ...frame) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.srv.opts.Metrics.sent(len(frames))
	if c.ws != nil {
		if len(c.out)+len(frames) > c.srv.opts.SendQueue {
			go c.close(ReasonSlowClient)
			return
		}
		c.out = append(c.out, frames...)
		if h != nil && !c.writing {
			c.writing = true
			h.conns = append(h.conns, c)
			return
		}
		c.startWriter()
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

// startWriter starts the WebSocket writer unless it runs; c.mu is held.
func (c *conn) startWriter() {
	if !c.writing {
		c.writing = true
		go c.writeLoop()
	}
}

// writeLoop writes the queued frames, everything queued at once in one
// write, until the queue is empty; then it sends the close frame if the
// connection closed, and returns.
func (c *conn) writeLoop() {
	timeout := c.srv.opts.WriteTimeout
	for {
		c.mu.Lock()
		batch := c.out
		if len(batch) == 0 || c.wsBroken {
			ms, closeMsg := c.ws, c.wsClose
			c.out, c.spare, c.writing, c.wsClose = nil, nil, false, nil
			c.mu.Unlock()
			if closeMsg != nil {
				_ = ms.CloseWithMsg(closeMsg)
			}
			return
		}
		c.out, c.spare = c.spare, nil
		fc := c.fc
		c.mu.Unlock()

		err := fc.writeFrames(batch, timeout)
		clear(batch)

		c.mu.Lock()
		c.spare = batch[:0]
		if err != nil {
			c.wsBroken = true
		}
		c.mu.Unlock()
		if err != nil {
			c.close(ReasonTransportError)
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
			c.closeMalformed(err)
		}
	case eioClose:
		c.close(ReasonTransportClose)
	case eioNoop:
	default:
		c.close(ReasonParseError)
	}
}

// closeMalformed closes the connection on a packet it cannot parse.
func (c *conn) closeMalformed(err error) {
	c.srv.opts.Logger.Debug("closing connection on a malformed packet", "sid", c.id, "error", err.Error())
	c.close(ReasonParseError)
}

// close ends the connection and every socket on it. It is safe to call more
// than once and from any goroutine.
//
// A long-polling client learns that the server closed its connection only
// from a response: when no GET is waiting, the packets queued last (a
// DISCONNECT, the close packet) would be lost, and the client would see a
// transport error instead. So a long-polling connection the server closes
// for a reason the client must hear lingers: it stays registered until the
// client's next GET, or the upgrade it was completing, takes those packets,
// and at most PingTimeout. Closes caused by the client itself (it left, its
// transport failed, it flooded or fell behind) do not linger.
func (c *conn) close(reason string) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed, c.closeReason = true, reason
	c.stopTimers()
	socks := c.sockets
	c.sockets = nil
	ws := c.ws
	linger := ws == nil && lingers(reason)
	c.lingering = linger
	if linger {
		c.connTimer = time.AfterFunc(c.srv.opts.PingTimeout, c.endLinger)
	}
	c.signal()
	c.mu.Unlock()

	c.stop()
	for _, s := range socks {
		s.onClose(reason)
	}
	if ws != nil {
		c.closeWS(ws, reason)
	}
	c.srv.opts.Metrics.disconnected(reason)
	c.srv.opts.Logger.Debug("connection closed", "sid", c.id, "reason", reason)
	if !linger {
		c.srv.dropConn(c)
	}
}

// lingers reports whether a long-polling connection closed for reason
// waits for the client to collect its last packets.
func lingers(reason string) bool {
	switch reason {
	case ReasonTransportClose, ReasonTransportError, ReasonPingTimeout, ReasonParseError,
		ReasonPayloadTooLarge, ReasonSlowClient, ReasonEventFlood:
		return false
	}
	return true
}

// endLinger forgets a closed connection once its last packets are taken,
// or when the client did not come back for them.
func (c *conn) endLinger() {
	c.mu.Lock()
	c.lingering = false
	if c.connTimer != nil {
		c.connTimer.Stop()
	}
	c.mu.Unlock()
	c.srv.dropConn(c)
}

// closeWS ends the WebSocket: at once for a slow client or a broken
// connection, else after the writer has sent what was queued, the Engine.IO
// close packet and a close frame giving the reason.
func (c *conn) closeWS(ws *melody.Session, reason string) {
	c.mu.Lock()
	if reason == ReasonSlowClient || c.wsBroken {
		c.out, c.wsBroken = nil, true
		c.mu.Unlock()
		_ = ws.Close()
		return
	}
	c.out = append(c.out, textFrame(eioClose, nil))
	c.wsClose = melody.FormatCloseMessage(closeCode(reason), reason)
	c.startWriter()
	c.mu.Unlock()
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
	case ReasonEventQueueFull:
		return melody.CloseTryAgainLater
	}
	return melody.CloseNormalClosure
}

func (c *conn) stopTimers() {
	for _, t := range []*time.Timer{c.heartbeat, c.connTimer} {
		if t != nil {
			t.Stop()
		}
	}
}

func (c *conn) socket(nsp string) *Socket {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.sockets {
		if s.ns.name == nsp {
			return s
		}
	}
	return nil
}

// addSocket attaches s; false when the connection closed meanwhile.
func (c *conn) addSocket(s *Socket) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	c.sockets = slices.DeleteFunc(c.sockets, func(o *Socket) bool { return o.ns.name == s.ns.name })
	c.sockets = append(c.sockets, s)
	if c.connTimer != nil {
		c.connTimer.Stop()
		c.connTimer = nil
	}
	return true
}

// reason returns why the connection closed, or "" while it is open.
func (c *conn) reason() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closeReason
}

func (c *conn) removeSocket(s *Socket) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sockets = slices.DeleteFunc(c.sockets, func(o *Socket) bool { return o == s })
}

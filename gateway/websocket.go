package gateway

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/olahol/melody"
)

// linkKey is the context key of a melody session's request under which its
// *wsLink is found (a context value costs less than melody's per-session
// key map).
type linkKey struct{}

// wsLink ties one WebSocket to its connection. A probe is a WebSocket opened
// to upgrade a long-polling connection; it carries nothing until the client
// completes the upgrade.
type wsLink struct {
	c *conn
	// r is the handshake request, for WebSocket-only connections that are
	// created when the socket opens.
	r *http.Request

	mu      sync.Mutex
	fc      *frameConn
	probing bool
	timer   *time.Timer
}

// idleForever stands for "never" in melody's ping settings: Engine.IO's own
// heartbeat (PingInterval, PingTimeout) detects dead peers, so melody sends
// no WebSocket pings and sets no read deadline of its own.
const idleForever = 100 * 365 * 24 * time.Hour

// melodyQueue is the capacity of melody's send channel, which carries only
// close frames: data frames go through conn.writeLoop.
const melodyQueue = 4

// newMelody configures the WebSocket transport from the options.
func (s *Server) newMelody() *melody.Melody {
	m := melody.New()
	o := s.opts
	m.Config.MaxMessageSize = o.MaxPayload
	m.Config.MessageBufferSize = melodyQueue
	m.Config.WriteWait = o.WriteTimeout
	m.Config.PingPeriod = idleForever
	m.Config.PongWait = idleForever
	// a small read buffer of its own instead of net/http's 4 KiB one (client
	// packets are small; larger ones are read through it in pieces), and no
	// write buffer held between writes: gorilla writes only close frames.
	m.Upgrader.ReadBufferSize = 128
	m.Upgrader.WriteBufferSize = 512
	m.Upgrader.WriteBufferPool = &sync.Pool{}
	// the Origin was checked, against the allowlist, before the upgrade.
	m.Upgrader.CheckOrigin = func(*http.Request) bool { return true }
	m.HandleConnect(s.onWSOpen)
	m.HandleMessage(func(ms *melody.Session, msg []byte) { linkOf(ms).onMessage(ms, msg, false) })
	m.HandleMessageBinary(func(ms *melody.Session, msg []byte) { linkOf(ms).onMessage(ms, msg, true) })
	m.HandleDisconnect(func(ms *melody.Session) { linkOf(ms).onClose(ms) })
	return m
}

func linkOf(ms *melody.Session) *wsLink {
	l, _ := ms.Request.Context().Value(linkKey{}).(*wsLink)
	return l
}

// serveWebSocket upgrades r: a probe when c is an open long-polling
// connection, else a new WebSocket-only connection. Melody runs on a
// goroutine of its own, and the handler returns as soon as the connection is
// hijacked, releasing the request and its middleware chain.
func (s *Server) serveWebSocket(w http.ResponseWriter, r *http.Request, c *conn) {
	if r.Method != http.MethodGet {
		writeEIOError(w, http.StatusBadRequest, codeBadHandshakeMethod, "Bad handshake method")
		return
	}
	link := &wsLink{c: c, probing: c != nil}
	slim := slimRequest(r, link)
	link.r = slim
	if c != nil && !c.beginProbe() {
		writeEIOError(w, http.StatusBadRequest, codeBadRequest, "Bad request")
		return
	}
	// outcome receives errHijacked from Hijack, or the upgrade's error when
	// it fails before. The session's goroutine keeps hw, not outcome.
	outcome := make(chan error, 1)
	hw := &hijackWriter{ResponseWriter: w, link: link, outcome: outcome}
	go s.runWebSocket(hw, slim, c)
	switch err := <-outcome; {
	case errors.Is(err, errHijacked):
	case errors.Is(err, melody.ErrClosed):
		writeEIOError(w, http.StatusServiceUnavailable, codeBadRequest, "Server closing")
	case err != nil:
		// the upgrader has answered the client already
		s.opts.Logger.Debug("websocket upgrade refused", "error", err.Error())
	}
}

// runWebSocket upgrades and serves one WebSocket until it closes.
func (s *Server) runWebSocket(hw *hijackWriter, slim *http.Request, c *conn) {
	err := s.mel.HandleRequest(hw, slim)
	if err != nil && c != nil {
		c.endProbe()
	}
	if !hw.hijacked {
		hw.outcome <- err
	}
}

// slimRequest copies what the upgrade and the handshake read from r, with
// a context carrying link, so that a session does not keep the server's
// request context alive.
func slimRequest(r *http.Request, link *wsLink) *http.Request {
	slim := &http.Request{
		Method: r.Method, URL: r.URL, Proto: r.Proto, ProtoMajor: r.ProtoMajor,
		ProtoMinor: r.ProtoMinor, Header: r.Header, Host: r.Host,
		RemoteAddr: r.RemoteAddr, RequestURI: r.RequestURI,
	}
	return slim.WithContext(context.WithValue(context.Background(), linkKey{}, link))
}

// forgetRequest drops what a slim request holds once the session runs:
// melody keeps the request for the session's life, the gateway only its
// context.
func forgetRequest(r *http.Request) {
	r.URL, r.Header = nil, nil
	r.Host, r.RemoteAddr, r.RequestURI = "", "", ""
}

// onWSOpen starts a WebSocket-only connection or arms the probe's timeout.
func (s *Server) onWSOpen(ms *melody.Session) {
	l := linkOf(ms)
	if l.probing {
		forgetRequest(l.r) // the connection has its handshake
		l.r = nil
		l.timer = time.AfterFunc(s.opts.UpgradeTimeout, func() { l.abortProbe(ms) })
		return
	}
	c, err := s.newConn(l.r, TransportWebSocket)
	if err != nil {
		_ = ms.CloseWithMsg(melody.FormatCloseMessage(melody.CloseGoingAway, ReasonServerShutdown))
		return
	}
	// the handshake keeps its own copy of what it needs; melody reads the
	// request no more
	forgetRequest(l.r)
	l.mu.Lock()
	l.c, l.r = c, nil
	l.mu.Unlock()
	c.attachWS(ms, l.frameConn(), c.openFrame())
}

func (l *wsLink) frameConn() *frameConn {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.fc
}

func (l *wsLink) conn() *conn {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.c
}

func (l *wsLink) onMessage(ms *melody.Session, msg []byte, binary bool) {
	c := l.conn()
	if c == nil {
		return
	}
	f, err := decodeWSFrame(msg, binary)
	if err != nil {
		c.close(ReasonParseError)
		return
	}
	if l.isProbing() {
		l.onProbeFrame(ms, f)
		return
	}
	c.receive(f)
}

func (l *wsLink) isProbing() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.probing
}

// onProbeFrame runs the upgrade: "2probe" is answered with "3probe", then
// "5" moves the connection to this WebSocket.
func (l *wsLink) onProbeFrame(ms *melody.Session, f frame) {
	switch {
	case f.typ == eioPing && string(f.data) == "probe":
		err := l.frameConn().writeFrames([]frame{textFrame(eioPong, []byte("probe"))},
			l.c.srv.opts.WriteTimeout)
		if err != nil {
			l.abortProbe(ms)
			return
		}
		l.c.markUpgrading()
	case f.typ == eioUpgrade:
		l.mu.Lock()
		l.probing = false
		l.timer.Stop()
		l.mu.Unlock()
		l.c.attachWS(ms, l.frameConn())
	default:
		l.abortProbe(ms)
	}
}

func (l *wsLink) abortProbe(ms *melody.Session) {
	if !l.isProbing() {
		return
	}
	l.c.endProbe()
	_ = ms.CloseWithMsg(melody.FormatCloseMessage(melody.CloseProtocolError, "upgrade failed"))
}

// onClose ends the connection when its active WebSocket closes.
func (l *wsLink) onClose(ms *melody.Session) {
	c := l.conn()
	if c == nil {
		return
	}
	if l.isProbing() {
		l.timer.Stop()
		c.endProbe()
		return
	}
	if c.activeWS() == ms {
		c.close(ReasonTransportClose)
	}
}

// beginProbe reserves the connection for one upgrade attempt.
func (c *conn) beginProbe() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.ws != nil || c.transport == TransportWebSocket || c.probe {
		return false
	}
	c.probe = true
	return true
}

func (c *conn) endProbe() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ws == nil {
		c.probe = false
		c.upgrading = false
	}
}

// markUpgrading releases the waiting poll with a noop so the client can
// pause polling and complete the upgrade.
func (c *conn) markUpgrading() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.upgrading = true
	c.signal()
}

// attachWS makes ms, written through fc, the connection's transport, and
// sends first, then what the long-polling transport had queued.
func (c *conn) attachWS(ms *melody.Session, fc *frameConn, first ...frame) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		c.attachClosedWS(ms, fc)
		return
	}
	c.ws, c.fc = ms, fc
	c.transport = TransportWebSocket
	c.out = append(first, c.pending...)
	c.pending = nil
	if len(c.out) > 0 {
		c.startWriter()
	}
	c.signal()
}

// attachClosedWS completes an upgrade that raced with the connection's
// close: a lingering connection's last packets and the close packet leave
// on the new WebSocket, followed by a close frame giving the reason; c.mu is
// held.
func (c *conn) attachClosedWS(ms *melody.Session, fc *frameConn) {
	if !c.lingering {
		_ = ms.CloseWithMsg(melody.FormatCloseMessage(melody.CloseNormalClosure, ReasonTransportClose))
		return
	}
	c.ws, c.fc = ms, fc
	c.out = append(c.pending, textFrame(eioClose, nil))
	c.pending = nil
	c.wsClose = melody.FormatCloseMessage(closeCode(c.closeReason), c.closeReason)
	c.startWriter()
	c.lingering = false
	if c.connTimer != nil {
		c.connTimer.Stop()
	}
	go c.srv.dropConn(c)
}

func (c *conn) activeWS() *melody.Session {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ws
}

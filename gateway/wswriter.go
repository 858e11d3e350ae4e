package gateway

import (
	"bufio"
	"encoding/binary"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"
)

// The WebSocket write path. Melody upgrades the request, runs the read loop
// and the closing handshake; the gateway writes the data frames itself, so
// that:
//   - the frames queued for one connection leave in one write(2) (at
//     saturation the kernel's cost per write dominates, not the bytes);
//   - an idle connection keeps no writer goroutine and no send buffer: a
//     writer runs only while frames wait (conn.writeLoop);
//   - the HTTP handler goroutine returns once the connection is hijacked, so
//     the request's middleware chain does not stay on the stack of every
//     session (serveWebSocket runs melody on a goroutine of its own).

// frameConn is the hijacked connection of one WebSocket. Every write, the
// gateway's batches and gorilla's control frames alike, takes mu and carries
// whole frames, so frames never interleave on the wire.
type frameConn struct {
	net.Conn
	mu sync.Mutex
}

// Write writes p, which holds whole frames, under the connection's lock.
func (c *frameConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.Conn.Write(p)
}

// maxPooledBatch is the largest batch buffer kept for reuse.
const maxPooledBatch = 64 << 10

var batchPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// writeFrames sends frames as WebSocket messages in one write, within
// timeout.
func (c *frameConn) writeFrames(frames []frame, timeout time.Duration) error {
	bp, _ := batchPool.Get().(*[]byte)
	buf := (*bp)[:0]
	for _, f := range frames {
		buf = appendWSFrame(buf, f)
	}
	c.mu.Lock()
	err := c.SetWriteDeadline(time.Now().Add(timeout))
	if err == nil {
		_, err = c.Conn.Write(buf)
	}
	c.mu.Unlock()
	if cap(buf) <= maxPooledBatch {
		*bp = buf[:0]
		batchPool.Put(bp)
	}
	return err
}

// WebSocket opcodes (RFC 6455, section 5.2) with the FIN bit set.
const (
	wsFinText   = 0x81
	wsFinBinary = 0x82
)

// appendWSFrame appends f as one unmasked, unfragmented server frame: a text
// frame holding the packet type and data, or a binary frame holding the
// data.
func appendWSFrame(buf []byte, f frame) []byte {
	op, n := byte(wsFinText), len(f.data)+1
	if f.binary {
		op, n = wsFinBinary, len(f.data)
	}
	switch {
	case n < 126:
		buf = append(buf, op, byte(n))
	case n <= 0xffff:
		buf = append(buf, op, 126)
		buf = binary.BigEndian.AppendUint16(buf, uint16(n))
	default:
		buf = append(buf, op, 127)
		buf = binary.BigEndian.AppendUint64(buf, uint64(n))
	}
	if !f.binary {
		buf = append(buf, f.typ)
	}
	return append(buf, f.data...)
}

// hijackWriter is the ResponseWriter melody upgrades through. Its Hijack
// wraps the connection in a frameConn, hands it to the link, and tells the
// HTTP handler that it may return.
type hijackWriter struct {
	http.ResponseWriter
	link     *wsLink
	outcome  chan<- error
	hijacked bool
}

// errHijacked tells the HTTP handler that the connection is hijacked.
var errHijacked = errors.New("connection hijacked")

// Hijack takes over the connection from the HTTP server.
func (w *hijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	fc := &frameConn{Conn: nc}
	w.link.mu.Lock()
	w.link.fc = fc
	w.link.mu.Unlock()
	// the session's goroutine keeps w: let the HTTP server's response, its
	// connection state and buffers go
	w.ResponseWriter, w.hijacked = nil, true
	w.outcome <- errHijacked
	w.outcome = nil
	return fc, brw, nil
}

// Unwrap gives http.ResponseController the writer underneath.
func (w *hijackWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// writeHold batches deliveries: while it is held, connections whose writer
// is idle queue frames without starting it, and release starts them all, so
// that each connection writes every frame of the batch in one write. The
// Redis adapter holds writes while it delivers the broadcasts that arrived
// together. A hold belongs to one goroutine.
type writeHold struct {
	conns []*conn
}

// release starts the writers of the held connections.
func (h *writeHold) release() {
	for _, c := range h.conns {
		go c.writeLoop()
	}
	h.conns = h.conns[:0]
}

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/websocket"
)

// benchNamespace is the Socket.IO namespace every session joins. A namespace
// of its own keeps the benchmark's broadcasts away from anything else using
// the same Redis.
const benchNamespace = "/bench"

// benchOrigin is the Origin header of every handshake; the servers allow it.
const benchOrigin = "http://127.0.0.1"

// tick is one broadcast as a session receives it.
type tick struct {
	seq  int64
	sent int64 // unix microseconds at publication
}

// session is one Socket.IO client over WebSocket: Engine.IO v4 open, the
// Socket.IO CONNECT of benchNamespace with a token, then pings answered and
// ticks reported until the connection ends.
type session struct {
	ws  *websocket.Conn
	buf []byte
}

// dialer returns a WebSocket dialer whose connections leave from src.
func dialer(src net.IP, timeout time.Duration) *websocket.Dialer {
	nd := &net.Dialer{Timeout: timeout, LocalAddr: &net.TCPAddr{IP: src}}
	return &websocket.Dialer{
		NetDialContext:   nd.DialContext,
		HandshakeTimeout: timeout,
		ReadBufferSize:   512,
		WriteBufferSize:  256,
	}
}

// connect opens a session at url (ws://host:port/socket.io/) with token.
func connect(ctx context.Context, d *websocket.Dialer, url, token string) (*session, error) {
	h := http.Header{"Origin": {benchOrigin}}
	ws, resp, err := d.DialContext(ctx, url+"?EIO=4&transport=websocket", h)
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("dialing: %w", err)
	}
	s := &session{ws: ws, buf: make([]byte, 512)}
	if err := s.handshake(ctx, token); err != nil {
		_ = ws.Close()
		return nil, err
	}
	return s, nil
}

// handshake reads the open packet, sends CONNECT and reads its answer.
func (s *session) handshake(ctx context.Context, token string) error {
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(10 * time.Second)
	}
	_ = s.ws.SetReadDeadline(deadline)
	defer func() { _ = s.ws.SetReadDeadline(time.Time{}) }()
	msg, err := s.read()
	if err != nil || len(msg) == 0 || msg[0] != '0' {
		return fmt.Errorf("reading open packet %q: %w", msg, errOr(err))
	}
	connect := `40` + benchNamespace + `,{"token":"` + token + `"}`
	if err := s.ws.WriteMessage(websocket.TextMessage, []byte(connect)); err != nil {
		return fmt.Errorf("sending connect: %w", err)
	}
	for {
		msg, err = s.read()
		if err != nil {
			return fmt.Errorf("reading connect answer: %w", err)
		}
		if bytes.HasPrefix(msg, []byte("40"+benchNamespace+",")) {
			return nil
		}
		if bytes.HasPrefix(msg, []byte("44"+benchNamespace+",")) {
			return fmt.Errorf("connect refused: %s", msg)
		}
		if !bytes.Equal(msg, []byte("2")) {
			return fmt.Errorf("unexpected packet %q before connect answer", msg)
		}
		_ = s.ws.WriteMessage(websocket.TextMessage, []byte("3"))
	}
}

func errOr(err error) error {
	if err == nil {
		return errors.New("malformed")
	}
	return err
}

// read returns the next message in s.buf (truncated to its size: the
// benchmark's packets are short).
func (s *session) read() ([]byte, error) {
	_, r, err := s.ws.NextReader()
	if err != nil {
		return nil, err
	}
	n, err := io.ReadFull(r, s.buf)
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return s.buf[:n], nil
	}
	if err != nil {
		return nil, err
	}
	_, _ = io.Copy(io.Discard, r)
	return s.buf[:n], nil
}

// run answers pings and calls onTick for every tick until the connection
// ends, and returns why it ended.
func (s *session) run(onTick func(tick)) error {
	pong := []byte("3")
	for {
		msg, err := s.read()
		if err != nil {
			return err
		}
		if len(msg) == 1 && msg[0] == '2' {
			if err := s.ws.WriteMessage(websocket.TextMessage, pong); err != nil {
				return err
			}
			continue
		}
		if t, ok := parseTick(msg); ok {
			onTick(t)
		}
	}
}

// close ends the session with a normal closure.
func (s *session) close() {
	_ = s.ws.WriteControl(websocket.CloseMessage,
		websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
	_ = s.ws.Close()
}

// tickPrefix starts every tick event: 42/bench,["tick",<seq>,<sent>].
var tickPrefix = []byte(`42` + benchNamespace + `,["tick",`)

// parseTick reads a tick event; ok is false for any other packet.
func parseTick(msg []byte) (tick, bool) {
	rest, ok := bytes.CutPrefix(msg, tickPrefix)
	if !ok {
		return tick{}, false
	}
	a, b, ok := bytes.Cut(bytes.TrimSuffix(rest, []byte("]")), []byte(","))
	if !ok {
		return tick{}, false
	}
	seq, err1 := strconv.ParseInt(string(a), 10, 64)
	sent, err2 := strconv.ParseInt(string(b), 10, 64)
	if err1 != nil || err2 != nil {
		return tick{}, false
	}
	return tick{seq: seq, sent: sent}, true
}

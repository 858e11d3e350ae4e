package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Handler serves one namespace.
type Handler interface {
	// Connect decides whether s may join the namespace; auth is the CONNECT
	// packet's payload (nil when there is none). A *ConnectError is sent to
	// the client as is; any other error as "Not authorized". Events emitted
	// and rooms joined during Connect take effect once the client is told it
	// is connected.
	Connect(ctx context.Context, s *Socket, auth map[string]any) error
	// Event handles one event from the client, in arrival order.
	Event(ctx context.Context, s *Socket, e *Event)
	// Disconnect is told when s leaves, with the reason: once for every
	// socket Connect accepted, even one whose connection closed before it
	// was connected.
	Disconnect(s *Socket, reason string)
}

// ConnectError refuses a CONNECT; it is sent as the CONNECT_ERROR payload.
type ConnectError struct {
	Message string `json:"message"`
	Data    any    `json:"data,omitempty"`
}

func (e *ConnectError) Error() string { return "connect refused: " + e.Message }

// ErrSocketClosed is returned when emitting on a socket that has left.
var ErrSocketClosed = errors.New("gateway: socket closed")

// Event is one event received from a client.
type Event struct {
	Name   string
	Args   []any
	socket *Socket
	ackID  int64
	acked  bool
}

// WantsAck reports whether the client asked for an acknowledgement.
func (e *Event) WantsAck() bool { return e.ackID != noAck }

// Ack answers the event with args; only the first call sends.
func (e *Event) Ack(args ...any) error {
	if !e.WantsAck() || e.acked {
		return nil
	}
	e.acked = true
	frames, err := packetFrames(sioAck, e.socket.ns.name, e.ackID, args)
	if err != nil {
		return err
	}
	e.socket.c.send(frames...)
	return nil
}

// Socket is one client's membership of one namespace.
type Socket struct {
	id string
	ns *Namespace
	c  *conn
	// limiter bounds the client's events; made at the first (allowEvent).
	limiter *rate.Limiter
	// queued counts the socket's events waiting in the connection's inbox;
	// guarded by the connection's lock.
	queued int

	mu sync.Mutex
	// rooms lists the socket's rooms, each once: a socket is in a few, so a
	// list costs less than a set kept for every session.
	rooms []string
	// accepted is set once the handler's Connect accepted the socket: from
	// then on, the handler's Disconnect is told when it leaves, even if its
	// connection closed before it could connect.
	accepted  bool
	connected bool
	closed    bool
	// closeReason is why the socket left, once closed.
	closeReason string
	early       [][]frame
	acks        map[int64]func([]any)
	nextAck     int64
	data        any
}

func newSocket(ns *Namespace, c *conn) *Socket {
	return &Socket{id: newID(), ns: ns, c: c}
}

// allowEvent applies the event rate limit to one event from the client,
// on arrival. The limiter is made at the first event, since most sockets of
// a busy edge only listen; a connection's packets arrive one at a time (a
// long-polling POST at a time, then the WebSocket), so it needs no lock.
func (s *Socket) allowEvent(now time.Time) bool {
	if s.limiter == nil {
		o := s.c.srv.opts
		s.limiter = rate.NewLimiter(rate.Limit(o.EventRate), o.EventBurst)
	}
	return s.limiter.AllowN(now, 1)
}

// ID returns the socket's id, also the name of a room holding only it.
func (s *Socket) ID() string { return s.id }

// Namespace returns the socket's namespace name.
func (s *Socket) Namespace() string { return s.ns.name }

// Handshake describes the request that opened the socket's connection.
func (s *Socket) Handshake() *Handshake { return s.c.hs }

// ConnID returns the id of the Engine.IO connection the socket rides on.
func (s *Socket) ConnID() string { return s.c.id }

// Context is cancelled when the socket's connection closes.
func (s *Socket) Context() context.Context { return s.c.ctx }

// SetData keeps v with the socket; Data returns it.
func (s *Socket) SetData(v any) {
	s.mu.Lock()
	s.data = v
	s.mu.Unlock()
}

// Data returns what SetData kept.
func (s *Socket) Data() any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data
}

// Emit sends an event to the client.
func (s *Socket) Emit(event string, args ...any) error {
	return s.emit(event, noAck, args)
}

// EmitWithAck sends an event and calls onAck with the client's answer.
func (s *Socket) EmitWithAck(onAck func(args []any), event string, args ...any) error {
	s.mu.Lock()
	id := s.nextAck
	s.nextAck++
	if s.acks == nil {
		s.acks = map[int64]func([]any){}
	}
	s.acks[id] = onAck
	s.mu.Unlock()
	return s.emit(event, id, args)
}

func (s *Socket) emit(event string, id int64, args []any) error {
	frames, err := packetFrames(sioEvent, s.ns.name, id, append([]any{event}, args...))
	if err != nil {
		return err
	}
	return s.sendFrames(frames)
}

// sendFrames sends now, or after the CONNECT reply while connecting.
func (s *Socket) sendFrames(frames []frame) error {
	return s.sendFramesHeld(frames, nil)
}

// sendFramesHeld is sendFrames; with a hold, the connection's writer starts
// when the hold is released.
func (s *Socket) sendFramesHeld(frames []frame, h *writeHold) error {
	s.mu.Lock()
	switch {
	case s.closed:
		s.mu.Unlock()
		return ErrSocketClosed
	case !s.connected:
		s.early = append(s.early, frames)
		s.mu.Unlock()
		return nil
	}
	s.mu.Unlock()
	s.c.sendHeld(h, frames...)
	return nil
}

// Join adds the socket to rooms.
func (s *Socket) Join(rooms ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range rooms {
		if slices.Contains(s.rooms, r) {
			continue
		}
		s.rooms = append(s.rooms, r)
		if s.connected {
			s.ns.addToRoom(r, s)
		}
	}
}

// Leave removes the socket from rooms.
func (s *Socket) Leave(rooms ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range rooms {
		i := slices.Index(s.rooms, r)
		if i < 0 {
			continue
		}
		s.rooms = slices.Delete(s.rooms, i, i+1)
		if s.connected {
			s.ns.removeFromRoom(r, s)
		}
	}
}

// In reports whether the socket is in room.
func (s *Socket) In(room string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Contains(s.rooms, room)
}

// Rooms returns the socket's rooms, sorted.
func (s *Socket) Rooms() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Clone(s.rooms)
	slices.Sort(out)
	return out
}

// Disconnect tells the client it left the namespace; with closeConn the
// whole connection closes too. A client told so does not reconnect by
// itself.
func (s *Socket) Disconnect(closeConn bool) {
	p := sioPacket{typ: sioDisconnect, nsp: s.ns.name, id: noAck}
	s.c.send(textFrame(eioMessage, p.encode()))
	s.onClose(ReasonServerDisconnect)
	if closeConn {
		s.c.close(ReasonServerDisconnect)
	}
}

// markConnected registers the socket and its rooms, unless it left
// meanwhile, and sends what was emitted while connecting.
func (s *Socket) markConnected() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.connected = true
	s.ns.add(s)
	for _, r := range s.rooms {
		s.ns.addToRoom(r, s)
	}
	early := s.early
	s.early = nil
	s.mu.Unlock()
	for _, f := range early {
		s.c.send(f...)
	}
}

func (s *Socket) onEvent(e *Event) {
	s.ns.h.Event(s.c.ctx, s, e)
}

// takeAck returns and forgets the callback awaiting the client's
// acknowledgement id, or nil when none awaits it.
func (s *Socket) takeAck(id int64) func([]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn := s.acks[id]
	delete(s.acks, id)
	return fn
}

// onClose leaves every room and tells the handler, once.
func (s *Socket) onClose(reason string) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed, s.closeReason = true, reason
	accepted := s.accepted
	if s.connected {
		for _, r := range s.rooms {
			s.ns.removeFromRoom(r, s)
		}
	}
	s.mu.Unlock()
	s.c.removeSocket(s)
	s.ns.remove(s)
	if accepted {
		go s.ns.h.Disconnect(s, reason)
	}
}

// accept records that the handler accepted the socket. It returns false,
// with the reason, when the socket was closed meanwhile (while the handler
// decided), which then tells the handler it left.
func (s *Socket) accept() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		go s.ns.h.Disconnect(s, s.closeReason)
		return false
	}
	s.accepted = true
	return true
}

// connectReply is the CONNECT packet telling the client its socket id.
func (s *Socket) connectReply() frame {
	data, _ := json.Marshal(map[string]string{"sid": s.id})
	p := sioPacket{typ: sioConnect, nsp: s.ns.name, id: noAck, data: data}
	return textFrame(eioMessage, p.encode())
}

// CloseConnection closes the socket's whole connection without telling the
// client it was disconnected, so socket.io-client reconnects by itself (and
// calls its auth function again for a fresh token).
func (s *Socket) CloseConnection(reason string) {
	s.c.close(reason)
}

// Broadcast sends b through the socket's namespace: to the local sockets it
// selects and through the adapter to every other server.
func (s *Socket) Broadcast(ctx context.Context, b Broadcast) error {
	return s.ns.Broadcast(ctx, b)
}

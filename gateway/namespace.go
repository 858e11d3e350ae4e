package gateway

import (
	"context"
	"errors"
	"sync"

	"github.com/kernelwork/kernelwork/gateway/internal/smallset"
)

// Namespace is one served Socket.IO namespace: its sockets and rooms.
type Namespace struct {
	srv  *Server
	name string
	h    Handler

	mu      sync.RWMutex
	sockets map[string]*Socket
	rooms   map[string]*smallset.Set[*Socket]
}

func newNamespace(srv *Server, name string, h Handler) *Namespace {
	return &Namespace{
		srv: srv, name: name, h: h,
		sockets: map[string]*Socket{}, rooms: map[string]*smallset.Set[*Socket]{},
	}
}

// Name returns the namespace's name, such as "/".
func (n *Namespace) Name() string { return n.name }

// connect runs the handler's admission and, when it accepts, connects the
// socket.
func (n *Namespace) connect(c *conn, auth map[string]any) {
	if c.socket(n.name) != nil {
		return
	}
	s := newSocket(n, c)
	s.Join(s.id)
	if err := n.h.Connect(c.ctx, s, auth); err != nil {
		c.send(connectErrorFrame(n.name, asConnectError(err)))
		return
	}
	if !s.accept() {
		return
	}
	if !c.addSocket(s) {
		// the connection closed while the handler decided
		s.onClose(c.reason())
		return
	}
	c.send(s.connectReply())
	s.markConnected()
}

func asConnectError(err error) *ConnectError {
	var ce *ConnectError
	if errors.As(err, &ce) {
		return ce
	}
	return &ConnectError{Message: "Not authorized"}
}

// add registers a connected socket.
func (n *Namespace) add(s *Socket) {
	n.mu.Lock()
	n.sockets[s.id] = s
	n.mu.Unlock()
	n.srv.opts.Metrics.socketOpened()
}

func (n *Namespace) remove(s *Socket) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.sockets[s.id] == s {
		delete(n.sockets, s.id)
		n.srv.opts.Metrics.socketClosed()
	}
}

func (n *Namespace) addToRoom(name string, s *Socket) {
	n.mu.Lock()
	defer n.mu.Unlock()
	r := n.rooms[name]
	if r == nil {
		r = &smallset.Set[*Socket]{}
		n.rooms[name] = r
		n.srv.opts.Metrics.roomCreated()
	}
	r.Add(s)
}

func (n *Namespace) removeFromRoom(name string, s *Socket) {
	n.mu.Lock()
	defer n.mu.Unlock()
	r := n.rooms[name]
	if r == nil {
		return
	}
	r.Remove(s)
	if r.Len() == 0 {
		delete(n.rooms, name)
		n.srv.opts.Metrics.roomDeleted()
	}
}

// HasRoom reports whether a local socket is in room.
func (n *Namespace) HasRoom(room string) bool {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.rooms[room].Len() > 0
}

// SocketCount returns the number of sockets in the namespace on this server.
func (n *Namespace) SocketCount() int {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return len(n.sockets)
}

// Socket returns the local socket with id, or nil.
func (n *Namespace) Socket(id string) *Socket {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.sockets[id]
}

// Selector picks sockets: those in any of Rooms (every socket when Rooms is
// empty) and in none of Except.
type Selector struct {
	Rooms  []string `msgpack:"rooms" json:"rooms"`
	Except []string `msgpack:"except" json:"except"`
}

// Broadcast is an event sent to the sockets a Selector picks.
type Broadcast struct {
	Selector
	Event string
	Args  []any
}

// Adapter carries broadcasts and remote operations to the other servers.
type Adapter interface {
	// Publish sends b, already delivered locally, to the other servers.
	Publish(ctx context.Context, nsp string, b Broadcast) error
}

// Broadcast delivers b to the local sockets it selects and publishes it
// through the server's adapter.
func (n *Namespace) Broadcast(ctx context.Context, b Broadcast) error {
	if err := n.DeliverLocal(b); err != nil {
		return err
	}
	if n.srv.adapter == nil {
		return nil
	}
	return n.srv.adapter.Publish(ctx, n.name, b)
}

// DeliverLocal sends b to the sockets of this server that it selects,
// encoding the packet once.
func (n *Namespace) DeliverLocal(b Broadcast) error {
	return n.deliverLocal(b, nil)
}

// deliverLocal is DeliverLocal; with a hold, the connections' writers start
// when the hold is released.
func (n *Namespace) deliverLocal(b Broadcast, h *writeHold) error {
	frames, err := packetFrames(sioEvent, n.name, noAck, append([]any{b.Event}, b.Args...))
	if err != nil {
		return err
	}
	for _, s := range n.Select(b.Selector) {
		_ = s.sendFramesHeld(frames, h)
	}
	return nil
}

// Select returns the local sockets sel picks.
func (n *Namespace) Select(sel Selector) []*Socket {
	n.mu.RLock()
	defer n.mu.RUnlock()
	if len(sel.Except) == 0 && len(sel.Rooms) <= 1 {
		// no socket can be picked twice: no set of picked sockets needed
		if len(sel.Rooms) == 1 {
			r := n.rooms[sel.Rooms[0]]
			out := make([]*Socket, 0, r.Len())
			for s := range r.All() {
				out = append(out, s)
			}
			return out
		}
		out := make([]*Socket, 0, len(n.sockets))
		for _, s := range n.sockets {
			out = append(out, s)
		}
		return out
	}
	except := map[*Socket]struct{}{}
	for _, r := range sel.Except {
		for s := range n.rooms[r].All() {
			except[s] = struct{}{}
		}
	}
	picked := map[*Socket]struct{}{}
	add := func(s *Socket) {
		if _, no := except[s]; !no {
			picked[s] = struct{}{}
		}
	}
	if len(sel.Rooms) == 0 {
		for _, s := range n.sockets {
			add(s)
		}
	}
	for _, r := range sel.Rooms {
		for s := range n.rooms[r].All() {
			add(s)
		}
	}
	out := make([]*Socket, 0, len(picked))
	for s := range picked {
		out = append(out, s)
	}
	return out
}

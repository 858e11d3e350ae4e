// Package emitter broadcasts to Socket.IO sockets from any process, through
// Redis, in the wire format of @socket.io/redis-adapter: the same messages
// the official @socket.io/redis-emitter publishes. The KernelWork core uses it
// to reach sockets held by the edges; the edge's RedisAdapter uses its
// encoding to share broadcasts between edges.
package emitter

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// Emitter publishes to one namespace.
type Emitter struct {
	rdb    redis.UniversalClient
	prefix string
	nsp    string
}

// New returns an emitter for the namespace "/" with the default prefix.
func New(rdb redis.UniversalClient) *Emitter {
	return &Emitter{rdb: rdb, prefix: DefaultPrefix, nsp: "/"}
}

// WithPrefix returns a copy that uses prefix instead of "socket.io".
func (e *Emitter) WithPrefix(prefix string) *Emitter {
	c := *e
	c.prefix = prefix
	return &c
}

// Of returns a copy for the namespace nsp.
func (e *Emitter) Of(nsp string) *Emitter {
	c := *e
	if nsp == "" || nsp[0] != '/' {
		nsp = "/" + nsp
	}
	c.nsp = nsp
	return &c
}

// To selects the sockets in any of rooms.
func (e *Emitter) To(rooms ...string) *Operator {
	return &Operator{e: e, rooms: append([]string(nil), rooms...)}
}

// Except selects every socket but those in rooms.
func (e *Emitter) Except(rooms ...string) *Operator {
	return &Operator{e: e, except: append([]string(nil), rooms...)}
}

// Emit broadcasts an event to every socket of the namespace.
func (e *Emitter) Emit(ctx context.Context, event string, args ...any) error {
	return (&Operator{e: e}).Emit(ctx, event, args...)
}

// Operator is a selection of sockets.
type Operator struct {
	e      *Emitter
	rooms  []string
	except []string
}

// To adds rooms to the selection.
func (o *Operator) To(rooms ...string) *Operator {
	c := *o
	c.rooms = append(append([]string(nil), o.rooms...), rooms...)
	return &c
}

// Except removes the sockets in rooms from the selection.
func (o *Operator) Except(rooms ...string) *Operator {
	c := *o
	c.except = append(append([]string(nil), o.except...), rooms...)
	return &c
}

// Emit broadcasts an event to the selected sockets. A []byte argument is
// sent as binary.
func (o *Operator) Emit(ctx context.Context, event string, args ...any) error {
	msg, err := Encode(Message{
		UID: UID, Namespace: o.e.nsp, Rooms: o.rooms, Except: o.except,
		Event: event, Args: args,
	})
	if err != nil {
		return err
	}
	ch := BroadcastChannel(o.e.prefix, o.e.nsp, o.rooms)
	if err := o.e.rdb.Publish(ctx, ch, msg).Err(); err != nil {
		return fmt.Errorf("publishing broadcast: %w", err)
	}
	return nil
}

// SocketsJoin makes the selected sockets join rooms, on every server.
func (o *Operator) SocketsJoin(ctx context.Context, rooms ...string) error {
	return o.request(ctx, Request{Type: RequestRemoteJoin, Rooms: rooms})
}

// SocketsLeave makes the selected sockets leave rooms, on every server.
func (o *Operator) SocketsLeave(ctx context.Context, rooms ...string) error {
	return o.request(ctx, Request{Type: RequestRemoteLeave, Rooms: rooms})
}

// DisconnectSockets disconnects the selected sockets; with closeConn their
// connections close too.
func (o *Operator) DisconnectSockets(ctx context.Context, closeConn bool) error {
	return o.request(ctx, Request{Type: RequestRemoteDisconnect, Close: closeConn})
}

func (o *Operator) request(ctx context.Context, r Request) error {
	r.Opts.Rooms, r.Opts.Except = nonNil(o.rooms), nonNil(o.except)
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encoding request: %w", err)
	}
	if err := o.e.rdb.Publish(ctx, RequestChannel(o.e.prefix, o.e.nsp), b).Err(); err != nil {
		return fmt.Errorf("publishing request: %w", err)
	}
	return nil
}

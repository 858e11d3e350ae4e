package gateway

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/kernelwork/kernelwork/gateway/emitter"
)

// RedisAdapter shares broadcasts between servers through Redis pub/sub in
// the wire format of @socket.io/redis-adapter. It also serves the emitter's
// requests to make sockets join or leave rooms or disconnect. It does not
// answer the requests a Node server's adapter waits on (fetchSockets,
// serverSideEmit, allRooms); see docs/realtime.md for running beside Node
// servers.
type RedisAdapter struct {
	srv    *Server
	rdb    redis.UniversalClient
	prefix string
	uid    string
	log    *slog.Logger

	mu sync.Mutex
	ps *redis.PubSub
}

// NewRedisAdapter returns an adapter for srv on rdb with the channel prefix
// (emitter.DefaultPrefix when empty), and sets it as srv's adapter.
func NewRedisAdapter(srv *Server, rdb redis.UniversalClient, prefix string) *RedisAdapter {
	if prefix == "" {
		prefix = emitter.DefaultPrefix
	}
	a := &RedisAdapter{srv: srv, rdb: rdb, prefix: prefix, uid: newID(), log: srv.opts.Logger}
	srv.SetAdapter(a)
	return a
}

// Start subscribes to the channels of every namespace served now, and
// delivers what arrives until Close. go-redis resubscribes after a lost
// connection.
func (a *RedisAdapter) Start(ctx context.Context) error {
	var patterns, channels []string
	for _, ns := range a.srv.Namespaces() {
		patterns = append(patterns, globEscape(emitter.BroadcastChannel(a.prefix, ns.name, nil))+"*")
		channels = append(channels, emitter.RequestChannel(a.prefix, ns.name))
	}
	ps := a.rdb.PSubscribe(ctx, patterns...)
	if err := ps.Subscribe(ctx, channels...); err != nil {
		_ = ps.Close()
		return fmt.Errorf("subscribing to the adapter channels: %w", err)
	}
	if _, err := ps.Receive(ctx); err != nil {
		_ = ps.Close()
		return fmt.Errorf("subscribing to the adapter channels: %w", err)
	}
	a.mu.Lock()
	a.ps = ps
	a.mu.Unlock()
	go a.loop(ps)
	return nil
}

// Close stops the subscription.
func (a *RedisAdapter) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.ps == nil {
		return nil
	}
	err := a.ps.Close()
	a.ps = nil
	return err
}

// Publish sends b to the other servers.
func (a *RedisAdapter) Publish(ctx context.Context, nsp string, b Broadcast) error {
	msg, err := emitter.Encode(emitter.Message{
		UID: a.uid, Namespace: nsp, Rooms: b.Rooms,
		Except: b.Except, Event: b.Event, Args: b.Args,
	})
	if err != nil {
		return err
	}
	ch := emitter.BroadcastChannel(a.prefix, nsp, b.Rooms)
	if err := a.rdb.Publish(ctx, ch, msg).Err(); err != nil {
		return fmt.Errorf("publishing broadcast: %w", err)
	}
	return nil
}

// maxBatch bounds the adapter messages delivered under one write hold.
const maxBatch = 64

// loop delivers the adapter's messages in arrival order. The messages that
// have arrived together are delivered under one write hold, so that a
// connection receives them all in one write.
func (a *RedisAdapter) loop(ps *redis.PubSub) {
	ch := ps.Channel()
	var hold writeHold
	for m := range ch {
		a.onMessage(m, &hold)
	drain:
		for n := 1; n < maxBatch; n++ {
			select {
			case m, ok := <-ch:
				if !ok {
					break drain
				}
				a.onMessage(m, &hold)
			default:
				break drain
			}
		}
		hold.release()
	}
}

func (a *RedisAdapter) onMessage(m *redis.Message, h *writeHold) {
	if strings.HasPrefix(m.Channel, a.prefix+"-request#") {
		a.onRequest(m.Channel, []byte(m.Payload))
		return
	}
	a.onBroadcast(m.Channel, []byte(m.Payload), h)
}

// onBroadcast delivers a broadcast from another server or an emitter.
func (a *RedisAdapter) onBroadcast(channel string, payload []byte, h *writeHold) {
	msg, err := emitter.Decode(payload)
	if err != nil {
		a.log.Debug("ignoring an adapter message", "channel", channel, "error", err.Error())
		return
	}
	if msg.UID == a.uid {
		return
	}
	ns := a.srv.Of(msg.Namespace)
	base := emitter.BroadcastChannel(a.prefix, msg.Namespace, nil)
	if ns == nil || !strings.HasPrefix(channel, base) {
		return
	}
	if room := strings.TrimSuffix(channel[len(base):], "#"); room != "" && !ns.HasRoom(room) {
		return
	}
	b := Broadcast{Selector: Selector{Rooms: msg.Rooms, Except: msg.Except}, Event: msg.Event, Args: msg.Args}
	if err := ns.deliverLocal(b, h); err != nil {
		a.log.Debug("dropping an adapter broadcast", "error", err.Error())
	}
}

// onRequest applies a join, leave or disconnect request to local sockets.
func (a *RedisAdapter) onRequest(channel string, payload []byte) {
	req, err := emitter.DecodeRequest(payload)
	if err != nil || req.UID == a.uid {
		return
	}
	nsp := strings.TrimSuffix(strings.TrimPrefix(channel, a.prefix+"-request#"), "#")
	ns := a.srv.Of(nsp)
	if ns == nil {
		return
	}
	ns.ApplyRemote(Selector{Rooms: req.Opts.Rooms, Except: req.Opts.Except}, req)
}

// ApplyRemote runs a join, leave or disconnect request on the local sockets
// sel picks.
func (n *Namespace) ApplyRemote(sel Selector, req emitter.Request) {
	for _, s := range n.Select(sel) {
		switch req.Type {
		case emitter.RequestRemoteJoin:
			s.Join(req.Rooms...)
		case emitter.RequestRemoteLeave:
			s.Leave(req.Rooms...)
		case emitter.RequestRemoteDisconnect:
			s.Disconnect(req.Close)
		}
	}
}

// globEscape escapes the pattern characters of Redis PSUBSCRIBE.
func globEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`, `[`, `\[`, `]`, `\]`)
	return r.Replace(s)
}

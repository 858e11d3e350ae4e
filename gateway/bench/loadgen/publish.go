package main

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/vmihailenco/msgpack/v5"
)

// publisherUID marks the benchmark's messages, like the uid of
// @socket.io/redis-emitter; no server has it, so every server delivers.
const publisherUID = "kwbench"

// publisher sends ticks to every socket of benchNamespace through Redis, in
// the wire format of @socket.io/redis-adapter (what @socket.io/redis-emitter
// publishes): channel "<prefix>#<namespace>#", msgpack [uid, packet, opts].
type publisher struct {
	rdb     *redis.Client
	channel string
	now     func() time.Time
}

func newPublisher(redisURL, prefix string) (*publisher, error) {
	opts, err := redis.ParseURL(redisURL)
	if err != nil {
		return nil, fmt.Errorf("parsing the redis url: %w", err)
	}
	return &publisher{
		rdb: redis.NewClient(opts), channel: prefix + "#" + benchNamespace + "#", now: time.Now,
	}, nil
}

// tick publishes broadcast seq, stamped with the current time.
func (p *publisher) tick(ctx context.Context, seq int64) error {
	packet := map[string]any{
		"type": 2, // Socket.IO EVENT
		"data": []any{"tick", seq, p.now().UnixMicro()},
		"nsp":  benchNamespace,
	}
	opts := map[string]any{"rooms": []string{}, "except": []string{}, "flags": map[string]any{}}
	msg, err := msgpack.Marshal([]any{publisherUID, packet, opts})
	if err != nil {
		return fmt.Errorf("encoding broadcast: %w", err)
	}
	if err := p.rdb.Publish(ctx, p.channel, msg).Err(); err != nil {
		return fmt.Errorf("publishing broadcast: %w", err)
	}
	return nil
}

func (p *publisher) close() { _ = p.rdb.Close() }

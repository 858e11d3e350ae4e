package main

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kernelwork/kernelwork/gateway/emitter"
)

// publisher sends ticks to every socket of benchNamespace through Redis with
// the core's emitter (gateway/emitter), which publishes in the wire format
// of @socket.io/redis-adapter: both servers' adapters deliver the same
// message.
type publisher struct {
	rdb *redis.Client
	em  *emitter.Emitter
	now func() time.Time
}

func newPublisher(redisURL, prefix string) (*publisher, error) {
	opts, err := redis.ParseURL(redisURL)
	if err != nil {
		return nil, fmt.Errorf("parsing the redis url: %w", err)
	}
	rdb := redis.NewClient(opts)
	em := emitter.New(rdb).WithPrefix(prefix).Of(benchNamespace)
	return &publisher{rdb: rdb, em: em, now: time.Now}, nil
}

// tick publishes broadcast seq, stamped with the current time.
func (p *publisher) tick(ctx context.Context, seq int64) error {
	if err := p.em.Emit(ctx, "tick", seq, p.now().UnixMicro()); err != nil {
		return fmt.Errorf("publishing broadcast %d: %w", seq, err)
	}
	return nil
}

func (p *publisher) close() { _ = p.rdb.Close() }

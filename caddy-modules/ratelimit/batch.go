package ratelimit

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// Batching of Redis calls: ulule's store runs one EVALSHA per request. Under
// load, the calls of concurrent requests are sent to Redis together, as one
// pipeline, so that many requests share one round trip. Each call is still
// its own atomic script run, so counting is exactly as without batching.
const (
	batchWorkers = 4
	batchMax     = 256
)

// batchClient is the client ulule's store uses: a go-redis client whose
// EvalSha calls are pipelined across concurrent callers.
type batchClient struct {
	*redis.Client
	queue chan *evalCall
}

type evalCall struct {
	sha  string
	keys []string
	args []any
	cmd  *redis.Cmd
	done chan struct{}
}

// newBatchClient starts the workers, which stop when ctx ends.
func newBatchClient(ctx context.Context, c *redis.Client) *batchClient {
	b := &batchClient{Client: c, queue: make(chan *evalCall, batchMax)}
	for range batchWorkers {
		go b.work(ctx)
	}
	return b
}

// EvalSha queues the call and waits for its batch.
func (b *batchClient) EvalSha(ctx context.Context, sha string, keys []string, args ...any) *redis.Cmd {
	call := &evalCall{sha: sha, keys: keys, args: args, done: make(chan struct{})}
	select {
	case b.queue <- call:
	case <-ctx.Done():
		cmd := redis.NewCmd(ctx)
		cmd.SetErr(ctx.Err())
		return cmd
	}
	<-call.done
	return call.cmd
}

// work sends queued calls to Redis: the first waiting call and every call
// queued behind it, up to batchMax, in one pipeline.
func (b *batchClient) work(ctx context.Context) {
	batch := make([]*evalCall, 0, batchMax)
	for {
		select {
		case <-ctx.Done():
			return
		case first := <-b.queue:
			batch = append(batch[:0], first)
		}
	drain:
		for len(batch) < batchMax {
			select {
			case c := <-b.queue:
				batch = append(batch, c)
			default:
				break drain
			}
		}
		b.send(ctx, batch)
	}
}

func (b *batchClient) send(ctx context.Context, batch []*evalCall) {
	pipe := b.Pipeline()
	for _, c := range batch {
		c.cmd = pipe.EvalSha(ctx, c.sha, c.keys, c.args...)
	}
	_, _ = pipe.Exec(ctx) // each command carries its own error
	for _, c := range batch {
		close(c.done)
	}
}

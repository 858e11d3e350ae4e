package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/ulule/limiter/v3"
	uredis "github.com/ulule/limiter/v3/drivers/store/redis"
)

// errStoreNotReady is returned while the Redis store could not load its
// scripts yet; the zone's failure policy applies.
var errStoreNotReady = errors.New("redis store is not ready")

// reconnectEvery is the least time between two attempts to prepare the
// Redis store while Redis is down.
const reconnectEvery = time.Second

// redisStore is ulule's Redis store, prepared lazily: ulule loads its Lua
// scripts when the store is made, so an edge that starts while Redis is down
// still starts, applies each zone's failure policy, and prepares the store
// once Redis answers.
type redisStore struct {
	client *redis.Client
	batch  *batchClient
	stop   context.CancelFunc
	prefix string
	now    func() time.Time

	inner   atomic.Pointer[limiter.Store]
	mu      sync.Mutex
	lastTry time.Time
}

func newRedisStore(url string, timeout time.Duration, prefix string,
	now func() time.Time,
) (*redisStore, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		// the parse error may quote the password: say only where
		return nil, fmt.Errorf("redis_url is not a redis:// or rediss:// URL")
	}
	opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout = timeout, timeout, timeout
	// one try, no dial retries: the zone's failure policy decides
	opts.MaxRetries, opts.DialerRetries, opts.DialerRetryTimeout = -1, 1, time.Millisecond
	client := redis.NewClient(opts)
	ctx, stop := context.WithCancel(context.Background())
	return &redisStore{
		client: client, batch: newBatchClient(ctx, client), stop: stop,
		prefix: prefix, now: now,
	}, nil
}

// Close stops the batch workers and closes the Redis connections.
func (s *redisStore) Close() error {
	s.stop()
	return s.client.Close()
}

func (s *redisStore) store() (limiter.Store, error) {
	if st := s.inner.Load(); st != nil {
		return *st, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.inner.Load(); st != nil {
		return *st, nil
	}
	now := s.now()
	if !s.lastTry.IsZero() && now.Sub(s.lastTry) < reconnectEvery {
		return nil, errStoreNotReady
	}
	s.lastTry = now
	st, err := uredis.NewStoreWithOptions(s.batch, limiter.StoreOptions{Prefix: s.prefix})
	if err != nil {
		return nil, fmt.Errorf("preparing redis store: %w", err)
	}
	s.inner.Store(&st)
	return st, nil
}

// Get counts one request for key.
func (s *redisStore) Get(ctx context.Context, key string, rate limiter.Rate) (limiter.Context, error) {
	return s.Increment(ctx, key, 1, rate)
}

// Increment counts n requests for key.
func (s *redisStore) Increment(ctx context.Context, key string, n int64, rate limiter.Rate) (limiter.Context, error) {
	st, err := s.store()
	if err != nil {
		return limiter.Context{}, err
	}
	lc, err := st.Increment(ctx, key, n, rate)
	return roundUp(lc), err
}

// lease adds n to the counter of key's window and returns what it became
// (see leaseGrant).
func (s *redisStore) lease(ctx context.Context, key string, n int64, period time.Duration) (leaseGrant, error) {
	st, err := s.store()
	if err != nil {
		return leaseGrant{}, err
	}
	// ulule reports the counter only as what is left of a rate, which it
	// does not send to Redis: against the largest limit nothing is ever
	// reached, and what is left tells the counter
	start := s.now()
	lc, err := st.Increment(ctx, key, n, limiter.Rate{Period: period, Limit: math.MaxInt64})
	if err != nil {
		return leaseGrant{}, err
	}
	// ulule's reset is the key's TTL added to the time the answer came,
	// rounded down to the second; less the call's duration, it is no later
	// than the window's end in Redis
	took := s.now().Sub(start)
	return leaseGrant{
		count:   math.MaxInt64 - lc.Remaining,
		reset:   roundUp(lc).Reset,
		expires: time.Unix(lc.Reset, 0).Add(-took),
	}, nil
}

// Peek returns key's state without counting.
func (s *redisStore) Peek(ctx context.Context, key string, rate limiter.Rate) (limiter.Context, error) {
	st, err := s.store()
	if err != nil {
		return limiter.Context{}, err
	}
	lc, err := st.Peek(ctx, key, rate)
	return roundUp(lc), err
}

// Reset forgets key.
func (s *redisStore) Reset(ctx context.Context, key string, rate limiter.Rate) (limiter.Context, error) {
	st, err := s.store()
	if err != nil {
		return limiter.Context{}, err
	}
	return st.Reset(ctx, key, rate)
}

// roundUp turns ulule's reset second, rounded down from the key's expiry in
// milliseconds, into the next whole second, so that Retry-After never sends a
// client back before its window ended.
func roundUp(lc limiter.Context) limiter.Context {
	if lc.Reset != 0 {
		lc.Reset++
	}
	return lc
}

package ratelimit

import (
	"container/list"
	"context"
	"sync"
	"time"

	"github.com/ulule/limiter/v3"
)

// memoryStore is a fixed-window limiter.Store in this process, holding at
// most max counters: when full, the least recently used counter is dropped.
// An attacker who floods it with new keys only evicts idle clients, never the
// active key he is being limited on, which stays most recently used.
type memoryStore struct {
	mu    sync.Mutex
	max   int
	now   func() time.Time
	order *list.List // front is the most recently used
	items map[string]*list.Element
}

type counter struct {
	key   string
	count int64
	end   time.Time
}

func newMemoryStore(maxKeys int, now func() time.Time) *memoryStore {
	return &memoryStore{
		max: maxKeys, now: now, order: list.New(),
		items: make(map[string]*list.Element),
	}
}

// Get counts one request for key and returns the window's state.
func (s *memoryStore) Get(ctx context.Context, key string, rate limiter.Rate) (limiter.Context, error) {
	return s.Increment(ctx, key, 1, rate)
}

// Increment counts n requests for key and returns the window's state.
func (s *memoryStore) Increment(_ context.Context, key string, n int64, rate limiter.Rate) (limiter.Context, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	c := s.counter(key, now, rate)
	c.count += n
	return state(rate, c.count, c.end), nil
}

// Peek returns the window's state without counting.
func (s *memoryStore) Peek(_ context.Context, key string, rate limiter.Rate) (limiter.Context, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if el, ok := s.items[key]; ok {
		if c := el.Value.(*counter); now.Before(c.end) {
			return state(rate, c.count, c.end), nil
		}
	}
	return state(rate, 0, now.Add(rate.Period)), nil
}

// Reset forgets key.
func (s *memoryStore) Reset(_ context.Context, key string, rate limiter.Rate) (limiter.Context, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if el, ok := s.items[key]; ok {
		s.order.Remove(el)
		delete(s.items, key)
	}
	return state(rate, 0, s.now().Add(rate.Period)), nil
}

// Len returns the number of counters held.
func (s *memoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.items)
}

// counter returns key's live counter, opening a new window when there is
// none or the last one ended; the caller holds mu.
func (s *memoryStore) counter(key string, now time.Time, rate limiter.Rate) *counter {
	if el, ok := s.items[key]; ok {
		s.order.MoveToFront(el)
		c := el.Value.(*counter)
		if !now.Before(c.end) {
			c.count, c.end = 0, now.Add(rate.Period)
		}
		return c
	}
	for len(s.items) >= s.max {
		oldest := s.order.Back()
		s.order.Remove(oldest)
		delete(s.items, oldest.Value.(*counter).key)
	}
	c := &counter{key: key, end: now.Add(rate.Period)}
	s.items[key] = s.order.PushFront(c)
	return c
}

// state builds ulule's Context. Reset is the first whole second at or after
// the window's end, so that waiting until then never comes back early.
func state(rate limiter.Rate, count int64, end time.Time) limiter.Context {
	reset := end.Unix()
	if end.Nanosecond() != 0 {
		reset++
	}
	remaining := max(rate.Limit-count, 0)
	return limiter.Context{
		Limit: rate.Limit, Remaining: remaining, Reset: reset,
		Reached: count > rate.Limit,
	}
}

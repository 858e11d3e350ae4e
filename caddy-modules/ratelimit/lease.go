package ratelimit

import (
	"container/list"
	"context"
	"sync"
	"time"

	"github.com/ulule/limiter/v3"
)

// Quota leases. A zone whose lease is above 1 does not count each request in
// Redis: the edge adds a chunk of n to the window's counter at once and is
// granted what of the chunk still fits under the rate, g = clamp(limit -
// (count - n), 0, n), where count is the counter after the addition. The
// grants of every edge together therefore never pass the rate. The edge
// serves the next g requests of the key from memory, until the window the
// chunk was taken in ends. Once the counter has reached the rate, the edge
// refuses the key's requests from memory until that window ends too: a
// window's counter never goes down.

// leaseStore is a store that can grant leases: the Redis store.
type leaseStore interface {
	lease(ctx context.Context, key string, n int64, period time.Duration) (leaseGrant, error)
}

// leaseGrant is the answer of a store to a lease: count is the window's
// counter after the chunk was added, reset the window's end in whole seconds
// rounded up (for Retry-After), and expires an instant no later than the
// window's end in the store, from which on the lease is void.
type leaseGrant struct {
	count   int64
	reset   int64
	expires time.Time
}

// leaseTable holds the edge's leases, one per zone and key, at most max: when
// full, the least recently used is dropped. Expired leases are dropped as
// they reach the least recently used end.
type leaseTable struct {
	store leaseStore
	now   func() time.Time

	mu    sync.Mutex
	max   int
	order *list.List // front is the most recently used
	items map[string]*list.Element
}

// lease is the edge's share of one key's window.
type lease struct {
	key string

	mu      sync.Mutex
	tokens  int64       // granted and not served yet
	count   int64       // the window's counter as last seen in the store
	reset   int64       // the window's end for the response fields
	expires time.Time   // the lease is void from this instant on
	fetch   *leaseFetch // the fetch in flight, if any
}

// leaseFetch is one trip to the store, shared by every request of the key
// that finds the lease empty while it runs.
type leaseFetch struct {
	done chan struct{}
	err  error
}

func newLeaseTable(store leaseStore, maxKeys int, now func() time.Time) *leaseTable {
	return &leaseTable{
		store: store, now: now, max: maxKeys, order: list.New(),
		items: make(map[string]*list.Element),
	}
}

// Len returns the number of leases held.
func (t *leaseTable) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.items)
}

// get returns key's lease, making an empty one when there is none.
func (t *leaseTable) get(key string) *lease {
	t.mu.Lock()
	defer t.mu.Unlock()
	if el, ok := t.items[key]; ok {
		t.order.MoveToFront(el)
		return el.Value.(*lease)
	}
	now := t.now()
	for el := t.order.Back(); el != nil && el.Value.(*lease).idle(now); el = t.order.Back() {
		t.remove(el)
	}
	for len(t.items) >= t.max {
		t.remove(t.order.Back())
	}
	l := &lease{key: key}
	t.items[key] = t.order.PushFront(l)
	return l
}

func (t *leaseTable) remove(el *list.Element) {
	t.order.Remove(el)
	delete(t.items, el.Value.(*lease).key)
}

// idle reports whether l has expired and no fetch is in flight.
func (l *lease) idle(now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.fetch == nil && !now.Before(l.expires)
}

// take counts one request of key in zone z: it is served from the lease,
// refused when the window's budget is known to be spent, or else waits for
// a fetch from the store, its own or one already in flight.
func (t *leaseTable) take(ctx context.Context, z *Zone, key string) (limiter.Context, error) {
	l := t.get(key)
	for {
		l.mu.Lock()
		now := t.now()
		l.forgetExpired(now)
		if lc, ok := l.local(z, now); ok {
			t.prefetchIfLow(z, l, now)
			l.mu.Unlock()
			return lc, nil
		}
		if f := l.fetch; f != nil {
			l.mu.Unlock()
			select {
			case <-f.done:
			case <-ctx.Done():
				return limiter.Context{}, ctx.Err()
			}
			if f.err != nil {
				return limiter.Context{}, f.err
			}
			continue
		}
		return t.refill(ctx, z, l, now)
	}
}

// prefetchIfLow starts fetching l's next chunk in the background once what
// is left of the lease falls to half a chunk, so that a key with steady
// traffic finds tokens in memory instead of waiting for the store. The chunk
// is taken like any other (the grants of every edge never pass the rate); a
// failed prefetch is dropped, and the request that finds the lease empty
// then meets the store's failure itself. The caller holds l.mu.
func (t *leaseTable) prefetchIfLow(z *Zone, l *lease, now time.Time) {
	if l.fetch != nil || l.tokens > z.leaseSize/2 || l.count >= z.Events || !now.Before(l.expires) {
		return
	}
	n := min(z.leaseSize, z.Events-l.count)
	f := &leaseFetch{done: make(chan struct{})}
	l.fetch = f
	go func() {
		defer close(f.done)
		g, err := t.store.lease(context.Background(), l.key, n, z.rate.Period)
		l.mu.Lock()
		defer l.mu.Unlock()
		l.fetch = nil
		if err != nil {
			f.err = err
			return
		}
		l.add(z, g, n, t.now())
	}()
}

// forgetExpired empties l once its window ended; the caller holds l.mu.
func (l *lease) forgetExpired(now time.Time) {
	if !now.Before(l.expires) {
		l.tokens, l.count = 0, 0
	}
}

// local serves or refuses one request from l without the store, and reports
// whether it could; the caller holds l.mu and called forgetExpired.
func (l *lease) local(z *Zone, now time.Time) (limiter.Context, bool) {
	if l.tokens > 0 {
		l.tokens--
		return l.state(z, true), true
	}
	if now.Before(l.expires) && l.count >= z.Events {
		return l.state(z, false), true
	}
	return limiter.Context{}, false
}

// refill fetches a chunk for l and serves this request from it; the caller
// holds l.mu, which refill releases. Requests that arrive meanwhile wait for
// this fetch.
func (t *leaseTable) refill(ctx context.Context, z *Zone, l *lease, now time.Time) (limiter.Context, error) {
	n := z.leaseSize
	if now.Before(l.expires) {
		n = min(n, z.Events-l.count) // never more than is left
	}
	f := &leaseFetch{done: make(chan struct{})}
	l.fetch = f
	l.mu.Unlock()
	defer close(f.done)

	// the fetch serves every waiting request: one leaving must not cancel it
	g, err := t.store.lease(context.WithoutCancel(ctx), l.key, n, z.rate.Period)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.fetch = nil
	if err != nil {
		f.err = err
		return limiter.Context{}, err
	}
	l.add(z, g, n, t.now())
	if l.tokens > 0 {
		l.tokens--
		return l.state(z, true), nil
	}
	return l.state(z, false), nil
}

// add records grant g of a chunk of n; the caller holds l.mu.
func (l *lease) add(z *Zone, g leaseGrant, n int64, now time.Time) {
	granted := min(max(z.Events-(g.count-n), 0), n)
	if now.Before(l.expires) {
		// the chunk was added before l's window ended, so in that window
		l.tokens += granted
		l.count = max(l.count, g.count)
		l.expires = minTime(l.expires, g.expires)
	} else {
		l.tokens, l.count, l.expires = granted, g.count, g.expires
	}
	l.reset = g.reset
}

// state is the zone's verdict on a request served (allowed) or refused from
// l: what is left is what the counter has left plus the unused grant.
func (l *lease) state(z *Zone, allowed bool) limiter.Context {
	return limiter.Context{
		Limit: z.Events, Remaining: max(z.Events-l.count, 0) + l.tokens,
		Reset: l.reset, Reached: !allowed,
	}
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

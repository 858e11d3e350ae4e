package edge

import (
	"container/heap"
	"sync"
	"time"

	"github.com/kernelwork/kernelwork/gateway"
)

// expiries ends the sockets whose token expired. One timer serves the whole
// handler, armed for the earliest expiry, instead of a timer per socket:
// every idle session costs memory, and a timer with its closure is a few
// hundred bytes.
type expiries struct {
	now      func() time.Time
	onExpire func(*gateway.Socket)

	mu    sync.Mutex
	queue expiryQueue
	timer *time.Timer
}

// expiry is a socket's place in the queue; it lives in the socket's state.
type expiry struct {
	s     *gateway.Socket
	at    time.Time
	index int // in the queue; -1 when not queued
}

func newExpiries(now func() time.Time, onExpire func(*gateway.Socket)) *expiries {
	return &expiries{now: now, onExpire: onExpire}
}

// arm ends e's socket at e.at, or at the new at when it is queued already.
func (x *expiries) arm(e *expiry, at time.Time) {
	x.mu.Lock()
	defer x.mu.Unlock()
	e.at = at
	if e.index >= 0 {
		heap.Fix(&x.queue, e.index)
	} else {
		heap.Push(&x.queue, e)
	}
	x.rearm()
}

// cancel takes e out of the queue.
func (x *expiries) cancel(e *expiry) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if e.index >= 0 {
		heap.Remove(&x.queue, e.index)
	}
}

// fire ends the sockets whose time has come, then waits for the next.
func (x *expiries) fire() {
	x.mu.Lock()
	now := x.now()
	var due []*gateway.Socket
	for len(x.queue) > 0 && !now.Before(x.queue[0].at) {
		due = append(due, heap.Pop(&x.queue).(*expiry).s)
	}
	x.rearm()
	x.mu.Unlock()
	for _, s := range due {
		x.onExpire(s)
	}
}

// rearm sets the timer for the earliest expiry; x.mu is held.
func (x *expiries) rearm() {
	if len(x.queue) == 0 {
		if x.timer != nil {
			x.timer.Stop()
		}
		return
	}
	d := x.queue[0].at.Sub(x.now())
	if x.timer == nil {
		x.timer = time.AfterFunc(d, x.fire)
		return
	}
	x.timer.Reset(d)
}

// Len returns the number of sockets waiting for their expiry.
func (x *expiries) Len() int {
	x.mu.Lock()
	defer x.mu.Unlock()
	return len(x.queue)
}

// expiryQueue is a min-heap of expiries by time (container/heap).
type expiryQueue []*expiry

func (q expiryQueue) Len() int           { return len(q) }
func (q expiryQueue) Less(i, j int) bool { return q[i].at.Before(q[j].at) }

func (q expiryQueue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].index, q[j].index = i, j
}

func (q *expiryQueue) Push(v any) {
	e, _ := v.(*expiry)
	e.index = len(*q)
	*q = append(*q, e)
}

func (q *expiryQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	e.index = -1
	return e
}

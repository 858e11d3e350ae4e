package edge

import (
	"sync"
	"testing"
	"time"

	"github.com/kernelwork/kernelwork/gateway"
)

// TestExpiriesEndSocketsInOrder arms sockets with different expiries,
// moves one later, cancels another, and checks that each ends at its time
// and only once, with one timer for all.
func TestExpiriesEndSocketsInOrder(t *testing.T) {
	var mu sync.Mutex
	var ended []*gateway.Socket
	done := make(chan struct{}, 8)
	x := newExpiries(time.Now, func(s *gateway.Socket) {
		mu.Lock()
		ended = append(ended, s)
		mu.Unlock()
		done <- struct{}{}
	})
	socks := make([]*gateway.Socket, 4)
	entries := make([]*expiry, 4)
	start := time.Now()
	for i := range socks {
		socks[i] = &gateway.Socket{}
		entries[i] = &expiry{s: socks[i], index: -1}
	}
	x.arm(entries[0], start.Add(300*time.Millisecond))
	x.arm(entries[1], start.Add(100*time.Millisecond))
	x.arm(entries[2], start.Add(200*time.Millisecond))
	x.arm(entries[3], start.Add(150*time.Millisecond))
	x.arm(entries[1], start.Add(400*time.Millisecond)) // a re-authentication
	x.cancel(entries[3])                               // a disconnect
	if n := x.Len(); n != 3 {
		t.Fatalf("%d queued, want 3", n)
	}
	for range 3 {
		select {
		case <-done:
		case <-time.After(3 * time.Second):
			t.Fatal("an expiry did not fire")
		}
	}
	if elapsed := time.Since(start); elapsed < 400*time.Millisecond {
		t.Fatalf("the last expiry fired after %v, before its time", elapsed)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []*gateway.Socket{socks[2], socks[0], socks[1]}
	for i := range want {
		if ended[i] != want[i] {
			t.Fatalf("expiry %d ended the wrong socket", i)
		}
	}
	select {
	case <-done:
		t.Fatal("a cancelled socket was ended")
	case <-time.After(200 * time.Millisecond):
	}
	if n := x.Len(); n != 0 {
		t.Fatalf("%d still queued", n)
	}
}

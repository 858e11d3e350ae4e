package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kernelwork/kernelwork/gateway"
)

// slowHandler stands for a slow core: each event waits until the test
// opens the gate.
type slowHandler struct {
	gate chan struct{}

	mu      sync.Mutex
	events  int
	acks    int
	reasons []string
}

func newSlowHandler() *slowHandler { return &slowHandler{gate: make(chan struct{})} }

func (h *slowHandler) Connect(context.Context, *gateway.Socket, map[string]any) error { return nil }

func (h *slowHandler) Event(_ context.Context, _ *gateway.Socket, _ *gateway.Event) {
	<-h.gate
	h.mu.Lock()
	h.events++
	h.mu.Unlock()
}

func (h *slowHandler) Disconnect(_ *gateway.Socket, reason string) {
	h.mu.Lock()
	h.reasons = append(h.reasons, reason)
	h.mu.Unlock()
}

func (h *slowHandler) counts() (events, acks int, reasons []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.events, h.acks, append([]string(nil), h.reasons...)
}

// fakeClock is the clock of the rate limiter, moved by the test.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// startSlow serves h on "/" with opts, the fake clock and fresh metrics,
// and returns a long-polling client joined to "/" and its socket id.
func startSlow(t *testing.T, h gateway.Handler, opts gateway.Options) (*gateway.Server, *rawConn,
	string, *prometheus.Registry, *fakeClock,
) {
	t.Helper()
	clk := &fakeClock{t: time.Now()}
	reg := prometheus.NewRegistry()
	m, err := gateway.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	opts.AllowedOrigins, opts.Now, opts.Metrics = []string{testOrigin}, clk.Now, m
	srv, err := gateway.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv.Handle("/", h)
	base := serveHTTP(t, srv)
	c := openRaw(t, base)
	_, _ = c.post("40")
	_, body := c.get()
	var reply struct{ SID string }
	if !strings.HasPrefix(body, "40") || json.Unmarshal([]byte(body[2:]), &reply) != nil {
		t.Fatalf("connect reply %q", body)
	}
	return srv, c, reply.SID, reg, clk
}

// events is a long-polling payload of n events.
func events(n int) string {
	p := make([]string, n)
	for i := range p {
		p[i] = fmt.Sprintf(`42["e",%d]`, i)
	}
	return strings.Join(p, "\x1e")
}

// TestSlowHandlerDoesNotCutClientWithinRate sends events at the rate
// allowed for four seconds while the handler is stuck: the socket stays,
// and every event is handled once the handler moves again.
func TestSlowHandlerDoesNotCutClientWithinRate(t *testing.T) {
	h := newSlowHandler()
	_, c, _, reg, clk := startSlow(t, h, gateway.Options{EventRate: 20, EventBurst: 20})
	for round := 0; round < 4; round++ {
		if status, _ := c.post(events(20)); status != 200 {
			t.Fatalf("round %d: post %d", round, status)
		}
		clk.Add(time.Second)
	}
	if c.gone() {
		_, _, reasons := h.counts()
		t.Fatalf("a client within its rate was cut while the handler was slow: %v", reasons)
	}
	close(h.gate)
	eventually(t, "80 events handled", func() bool { n, _, _ := h.counts(); return n == 80 })
	if n := labelled(t, reg, "kernelwork_gateway_disconnects_total", "reason", "event flood"); n != 0 {
		t.Errorf("event flood disconnects = %v", n)
	}
}

// TestEventQueueFullDisconnects fills a socket's event queue while the
// handler is stuck: the connection closes with its own reason, not as a
// flood.
func TestEventQueueFullDisconnects(t *testing.T) {
	h := newSlowHandler()
	t.Cleanup(func() { close(h.gate) })
	_, c, _, reg, clk := startSlow(t, h, gateway.Options{EventRate: 20, EventBurst: 20, EventQueue: 30})
	_, _ = c.post(events(20))
	clk.Add(time.Second)
	_, _ = c.post(events(20))
	eventually(t, "close on a full queue", func() bool {
		return labelled(t, reg, "kernelwork_gateway_disconnects_total", "reason",
			gateway.ReasonEventQueueFull) == 1
	})
	if n := labelled(t, reg, "kernelwork_gateway_disconnects_total", "reason", gateway.ReasonEventFlood); n != 0 {
		t.Errorf("%q disconnects = %v", gateway.ReasonEventFlood, n)
	}
}

// TestAcksDoNotCountAgainstTheEventQueue answers many acknowledgements the
// server asked for, and more it did not, while the handler is stuck: the
// socket stays and each awaited acknowledgement runs once.
func TestAcksDoNotCountAgainstTheEventQueue(t *testing.T) {
	h := newSlowHandler()
	srv, c, sid, _, _ := startSlow(t, h, gateway.Options{EventRate: 20, EventBurst: 2})
	_, _ = c.post(`42["block"]`)
	s := srv.Of("/").Socket(sid)
	for i := 0; i < 40; i++ {
		err := s.EmitWithAck(func([]any) {
			h.mu.Lock()
			h.acks++
			h.mu.Unlock()
		}, "question", i)
		if err != nil {
			t.Fatal(err)
		}
	}
	acks := make([]string, 0, 120)
	for i := 0; i < 40; i++ {
		// each awaited one twice, and one nobody awaits
		acks = append(acks, fmt.Sprintf(`43%d["a"]`, i), fmt.Sprintf(`43%d["a"]`, i),
			fmt.Sprintf(`43%d["a"]`, 1000+i))
	}
	if status, _ := c.post(strings.Join(acks, "\x1e")); status != 200 {
		t.Fatalf("posting acks: %d", status)
	}
	if c.gone() {
		t.Fatal("acknowledgements cut the client while the handler was slow")
	}
	close(h.gate)
	eventually(t, "40 acknowledgements handled", func() bool { _, n, _ := h.counts(); return n == 40 })
	time.Sleep(50 * time.Millisecond)
	if _, n, _ := h.counts(); n != 40 {
		t.Fatalf("%d acknowledgement callbacks ran, want 40", n)
	}
}

// serveHTTP serves srv until the test ends and returns its base URL.
func serveHTTP(t *testing.T, srv *gateway.Server) string {
	t.Helper()
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		_ = srv.Close()
		hs.Close()
	})
	return hs.URL
}

// acceptSlowly accepts every socket once the test lets it.
type acceptSlowly struct {
	entered, gate chan struct{}
	left          chan string
}

func (h *acceptSlowly) Connect(context.Context, *gateway.Socket, map[string]any) error {
	h.entered <- struct{}{}
	<-h.gate
	return nil
}

func (h *acceptSlowly) Event(context.Context, *gateway.Socket, *gateway.Event) {}

func (h *acceptSlowly) Disconnect(_ *gateway.Socket, reason string) { h.left <- reason }

// TestDisconnectFollowsAnAcceptedConnect closes a connection while the
// handler decides on its socket: a socket the handler accepted is told
// gone, so the handler can forget what it kept for it.
func TestDisconnectFollowsAnAcceptedConnect(t *testing.T) {
	h := &acceptSlowly{entered: make(chan struct{}, 1), gate: make(chan struct{}), left: make(chan string, 1)}
	srv, err := gateway.New(gateway.Options{AllowedOrigins: []string{testOrigin}})
	if err != nil {
		t.Fatal(err)
	}
	srv.Handle("/", h)
	c := openRaw(t, serveHTTP(t, srv))
	_, _ = c.post("40")
	<-h.entered
	_, _ = c.post("1") // the client closes the transport meanwhile
	close(h.gate)
	select {
	case reason := <-h.left:
		if reason != gateway.ReasonTransportClose {
			t.Errorf("Disconnect reason %q, want %q", reason, gateway.ReasonTransportClose)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("the handler accepted a socket and was never told it left")
	}
	if n := srv.Of("/").SocketCount(); n != 0 {
		t.Errorf("%d sockets left", n)
	}
}

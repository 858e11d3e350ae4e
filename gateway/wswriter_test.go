package gateway_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/kernelwork/kernelwork/gateway"
)

// gatedConn is a server-side connection that counts its writes and, once
// closed is armed, holds each write until the test opens the gate.
type gatedConn struct {
	net.Conn
	mu      sync.Mutex
	writes  int
	gate    chan struct{}
	waiting chan struct{}
}

func (c *gatedConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.writes++
	gate, waiting := c.gate, c.waiting
	c.mu.Unlock()
	if gate != nil {
		select {
		case waiting <- struct{}{}:
		default:
		}
		<-gate
	}
	return c.Conn.Write(p)
}

// hold makes the next writes wait for the returned gate to be closed, and
// returns a channel told when a write waits.
func (c *gatedConn) hold() (gate, waiting chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gate, c.waiting = make(chan struct{}), make(chan struct{}, 1)
	c.writes = 0
	return c.gate, c.waiting
}

func (c *gatedConn) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.writes
}

type gatedListener struct {
	net.Listener
	conns chan *gatedConn
}

func (l *gatedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	g := &gatedConn{Conn: c}
	l.conns <- g
	return g, nil
}

// startGated serves the reference handler over connections the test can
// hold, and opens one WebSocket-only client joined to "/".
func startGated(t *testing.T, opts gateway.Options) (*gateway.Server, *websocket.Conn, *gatedConn) {
	t.Helper()
	opts.AllowedOrigins = []string{testOrigin}
	srv, err := gateway.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv.Handle("/", referenceHandler{})
	hs := httptest.NewUnstartedServer(srv)
	gl := &gatedListener{Listener: hs.Listener, conns: make(chan *gatedConn, 4)}
	hs.Listener = gl
	hs.Start()
	t.Cleanup(func() {
		_ = srv.Close()
		hs.Close()
	})
	ws := dialWS(t, hs.URL)
	expectMessage(t, ws, "0{")
	if err := ws.WriteMessage(websocket.TextMessage, []byte("40")); err != nil {
		t.Fatal(err)
	}
	expectMessage(t, ws, "40{")
	expectMessage(t, ws, `42["auth"`) // the reference handler's greeting
	return srv, ws, <-gl.conns
}

// dialWS opens a WebSocket-only Engine.IO connection to base from the
// allowed origin, closed when the test ends.
func dialWS(t testing.TB, base string) *websocket.Conn {
	t.Helper()
	ws, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+
		"/socket.io/?EIO=4&transport=websocket", http.Header{"Origin": {testOrigin}})
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	t.Cleanup(func() { _ = ws.Close() })
	return ws
}

func expectMessage(t testing.TB, ws *websocket.Conn, prefix string) []byte {
	t.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, msg, err := ws.ReadMessage()
	if err != nil {
		t.Fatalf("reading %q...: %v", prefix, err)
	}
	if !bytes.HasPrefix(msg, []byte(prefix)) {
		t.Fatalf("got %.60q, want %q...", msg, prefix)
	}
	return msg
}

func broadcast(t *testing.T, srv *gateway.Server, args ...any) {
	t.Helper()
	err := srv.Of("/").Broadcast(context.Background(), gateway.Broadcast{Event: "e", Args: args})
	if err != nil {
		t.Fatal(err)
	}
}

// TestWebSocketFrameLengths checks the frame encoding at every length
// boundary of RFC 6455 (7-bit, 16-bit and 64-bit lengths), text and binary,
// as gorilla's client reads it.
func TestWebSocketFrameLengths(t *testing.T) {
	srv, ws, _ := startGated(t, gateway.Options{})
	// a text message is `42["e","<n x's>"]`: n + 10 bytes
	for _, size := range []int{0, 124, 125, 126, 127, 65535, 65536, 70000} {
		n := max(size-10, 0)
		broadcast(t, srv, strings.Repeat("x", n))
		want := `42["e","` + strings.Repeat("x", n) + `"]`
		if got := expectMessage(t, ws, "42"); string(got) != want {
			t.Fatalf("text of %d bytes: got %d bytes", len(want), len(got))
		}
	}
	for _, size := range []int{1, 125, 126, 65535, 65536} {
		data := bytes.Repeat([]byte{0xa5}, size)
		broadcast(t, srv, data)
		expectMessage(t, ws, `451-["e",{"_placeholder":true,"num":0}]`)
		_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
		typ, got, err := ws.ReadMessage()
		if err != nil || typ != websocket.BinaryMessage || !bytes.Equal(got, data) {
			t.Fatalf("binary attachment of %d bytes: type %d, %d bytes, %v", size, typ, len(got), err)
		}
	}
}

// TestWebSocketCoalescesQueuedFrames checks that the frames queued while a
// write is in progress leave together in the next write.
func TestWebSocketCoalescesQueuedFrames(t *testing.T) {
	srv, ws, gc := startGated(t, gateway.Options{})
	gate, waiting := gc.hold()
	broadcast(t, srv, 0)
	<-waiting // the writer is inside its first write
	for i := 1; i < 100; i++ {
		broadcast(t, srv, i)
	}
	close(gate)
	for i := 0; i < 100; i++ {
		if got, want := string(expectMessage(t, ws, "42")), fmt.Sprintf(`42["e",%d]`, i); got != want {
			t.Fatalf("message %d: got %q, want %q", i, got, want)
		}
	}
	if n := gc.count(); n != 2 {
		t.Fatalf("100 frames took %d writes, want 2 (one in progress, one for the 99 queued)", n)
	}
}

// TestWebSocketSlowClientDisconnected checks that a WebSocket client whose
// queue overflows, because its writes do not complete, is disconnected.
func TestWebSocketSlowClientDisconnected(t *testing.T) {
	srv, ws, gc := startGated(t, gateway.Options{SendQueue: 4})
	gate, waiting := gc.hold()
	broadcast(t, srv, "stuck")
	<-waiting
	for i := 0; i < 5; i++ {
		broadcast(t, srv, i)
	}
	eventually(t, "slow client dropped", func() bool { return srv.ConnCount() == 0 })
	close(gate)
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	var err error
	for err == nil {
		_, _, err = ws.ReadMessage()
	}
	// melody closes a slow client with an empty close frame; a close or a
	// reset are both fine, a read that times out is not.
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("slow client still open after its disconnect: %v", err)
	}
}

// TestWebSocketHandlerReturnsAfterUpgrade checks that the HTTP handler
// returns once the WebSocket is established, while the session lives on, so
// that no session keeps the request's handler chain on its stack.
func TestWebSocketHandlerReturnsAfterUpgrade(t *testing.T) {
	srv, err := gateway.New(gateway.Options{AllowedOrigins: []string{testOrigin}})
	if err != nil {
		t.Fatal(err)
	}
	srv.Handle("/", referenceHandler{})
	returned := make(chan struct{}, 1)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		srv.ServeHTTP(w, r)
		returned <- struct{}{}
	}))
	t.Cleanup(func() {
		_ = srv.Close()
		hs.Close()
	})
	ws := dialWS(t, hs.URL)
	expectMessage(t, ws, "0{")
	select {
	case <-returned:
	case <-time.After(5 * time.Second):
		t.Fatal("the HTTP handler still runs after the upgrade")
	}
	if err := ws.WriteMessage(websocket.TextMessage, []byte("40")); err != nil {
		t.Fatal(err)
	}
	expectMessage(t, ws, "40{")
	if srv.ConnCount() != 1 {
		t.Fatalf("%d connections, want 1", srv.ConnCount())
	}
}

// TestHeartbeatKeepsAnsweringClient checks that a client answering every
// ping stays connected over many intervals, and that one that stops
// answering is closed after the ping timeout.
func TestHeartbeatKeepsAnsweringClient(t *testing.T) {
	srv, base := startReference(t, gateway.Options{
		PingInterval: 30 * time.Millisecond, PingTimeout: 60 * time.Millisecond,
	})
	ws := dialWS(t, base)
	expectMessage(t, ws, "0{")
	for i := 0; i < 8; i++ {
		expectMessage(t, ws, "2")
		if err := ws.WriteMessage(websocket.TextMessage, []byte("3")); err != nil {
			t.Fatal(err)
		}
	}
	if srv.ConnCount() != 1 {
		t.Fatal("a client answering every ping was closed")
	}
	eventually(t, "ping timeout", func() bool { return srv.ConnCount() == 0 })
}

// handshakeRecorder accepts every socket and keeps the last handshake.
type handshakeRecorder struct {
	referenceHandler
	got chan *gateway.Handshake
}

func (h handshakeRecorder) Connect(_ context.Context, s *gateway.Socket, _ map[string]any) error {
	h.got <- s.Handshake()
	return nil
}

// TestHandshakeKeepsClientHeaders checks what a WebSocket handshake keeps:
// the client's header fields, repeated ones included, and the query, but
// not the fields of the WebSocket handshake itself.
func TestHandshakeKeepsClientHeaders(t *testing.T) {
	srv, err := gateway.New(gateway.Options{AllowedOrigins: []string{testOrigin}})
	if err != nil {
		t.Fatal(err)
	}
	rec := handshakeRecorder{got: make(chan *gateway.Handshake, 1)}
	srv.Handle("/", rec)
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		_ = srv.Close()
		hs.Close()
	})
	h := http.Header{"Origin": {testOrigin}, "X-Client": {"a", "b"}, "Authorization": {"Bearer x"}}
	ws, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(hs.URL, "http")+
		"/socket.io/?EIO=4&transport=websocket&app=desk", h)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	defer func() { _ = ws.Close() }()
	expectMessage(t, ws, "0{")
	if err := ws.WriteMessage(websocket.TextMessage, []byte("40")); err != nil {
		t.Fatal(err)
	}
	got := <-rec.got
	header := got.Header()
	if strings.Join(header.Values("X-Client"), ",") != "a,b" || header.Get("Authorization") != "Bearer x" ||
		header.Get("Origin") != testOrigin || got.Origin != testOrigin {
		t.Fatalf("client header fields lost: %v", header)
	}
	for _, k := range []string{"Connection", "Upgrade", "Sec-Websocket-Key", "Sec-Websocket-Version"} {
		if _, ok := header[k]; ok {
			t.Fatalf("the handshake kept %s", k)
		}
	}
	if got.Query().Get("app") != "desk" || got.Query().Get("transport") != "websocket" {
		t.Fatalf("query %q", got.RawQuery)
	}
	header.Set("X-Client", "changed")
	if got.Header().Get("X-Client") != "a" {
		t.Fatal("Header does not return a copy")
	}
}

// TestHeldBroadcastsLeaveInOneWrite checks that broadcasts delivered under
// one write hold, as the Redis adapter delivers those that arrive together,
// reach a connection in one write.
func TestHeldBroadcastsLeaveInOneWrite(t *testing.T) {
	srv, ws, gc := startGated(t, gateway.Options{})
	gate, _ := gc.hold()
	close(gate) // count the writes from here, without holding them
	batch := make([]gateway.Broadcast, 20)
	for i := range batch {
		batch[i] = gateway.Broadcast{Event: "e", Args: []any{i}}
	}
	if err := srv.Of("/").DeliverBatch(batch); err != nil {
		t.Fatal(err)
	}
	for i := range batch {
		if got, want := string(expectMessage(t, ws, "42")), fmt.Sprintf(`42["e",%d]`, i); got != want {
			t.Fatalf("message %d: got %q, want %q", i, got, want)
		}
	}
	if n := gc.count(); n != 1 {
		t.Fatalf("20 held broadcasts took %d writes, want 1", n)
	}
}

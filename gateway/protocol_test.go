package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/kernelwork/kernelwork/gateway"
)

// rawConn is a hand-written long-polling client, to send what the official
// client never would.
type rawConn struct {
	t   *testing.T
	url string
	sid string
}

func do(t *testing.T, method, url, origin, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func openRaw(t *testing.T, base string) *rawConn {
	t.Helper()
	status, body := do(t, "GET", base+"/socket.io/?EIO=4&transport=polling", testOrigin, "")
	if status != 200 || !strings.HasPrefix(body, "0{") {
		t.Fatalf("handshake: %d %q", status, body)
	}
	var open struct{ SID string }
	if err := json.Unmarshal([]byte(body[1:]), &open); err != nil {
		t.Fatal(err)
	}
	return &rawConn{t: t, url: base + "/socket.io/?EIO=4&transport=polling&sid=" + open.SID, sid: open.SID}
}

func (c *rawConn) post(body string) (int, string) {
	return do(c.t, "POST", c.url, testOrigin, body)
}

func (c *rawConn) get() (int, string) {
	return do(c.t, "GET", c.url, testOrigin, "")
}

// gone reports whether the server forgot the connection.
func (c *rawConn) gone() bool {
	status, body := c.post("6")
	return status == 400 && strings.Contains(body, `"code":1`)
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 3s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestOriginAllowlist(t *testing.T) {
	_, base := startReference(t, gateway.Options{})
	url := base + "/socket.io/?EIO=4&transport=polling"
	cases := []struct {
		name   string
		origin string
		want   int
	}{
		{"allowed", testOrigin, 200},
		{"foreign", "https://evil.example", 403},
		{"missing", "", 403},
		{"lookalike", testOrigin + ".evil.example", 403},
	}
	for _, tc := range cases {
		t.Run("polling "+tc.name, func(t *testing.T) {
			if status, _ := do(t, "GET", url, tc.origin, ""); status != tc.want {
				t.Fatalf("status %d, want %d", status, tc.want)
			}
		})
		t.Run("websocket "+tc.name, func(t *testing.T) {
			h := http.Header{}
			if tc.origin != "" {
				h.Set("Origin", tc.origin)
			}
			wsURL := "ws" + strings.TrimPrefix(base, "http") + "/socket.io/?EIO=4&transport=websocket"
			ws, resp, err := websocket.DefaultDialer.Dial(wsURL, h)
			if ws != nil {
				_ = ws.Close()
			}
			if resp != nil && resp.Body != nil {
				_ = resp.Body.Close()
			}
			got := 101
			if err != nil {
				got = resp.StatusCode
			}
			if got != map[int]int{200: 101, 403: 403}[tc.want] {
				t.Fatalf("websocket handshake status %d (%v)", got, err)
			}
		})
	}
}

func TestSameOriginRequestWithoutOriginHeader(t *testing.T) {
	srv, err := gateway.New(gateway.Options{AllowedOrigins: []string{"https://edge.example"}})
	if err != nil {
		t.Fatal(err)
	}
	srv.Handle("/", referenceHandler{})
	t.Cleanup(func() { _ = srv.Close() })
	cases := []struct {
		name, host, site string
		tls              bool
		want             int
	}{
		{"same-origin fetch of an allowed host", "edge.example", "same-origin", true, 200},
		{"same-origin fetch of another host", "other.example", "same-origin", true, 403},
		{"same host without tls", "edge.example", "same-origin", false, 403},
		{"cross-site no-cors fetch", "edge.example", "cross-site", true, 403},
		{"no fetch metadata", "edge.example", "", true, 403},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "https://"+tc.host+"/socket.io/?EIO=4&transport=polling", nil)
			if !tc.tls {
				r.TLS = nil
			}
			if tc.site != "" {
				r.Header.Set("Sec-Fetch-Site", tc.site)
			}
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, r)
			if w.Code != tc.want {
				t.Fatalf("status %d, want %d", w.Code, tc.want)
			}
		})
	}
}

func TestMalformedPacketClosesOnlyItsConnection(t *testing.T) {
	_, base := startReference(t, gateway.Options{})
	bad, good := openRaw(t, base), openRaw(t, base)
	if status, _ := good.post("40"); status != 200 {
		t.Fatalf("connect on the good connection: %d", status)
	}
	if status, _ := bad.post(`42["unterminated`); status != 200 {
		t.Fatalf("the malformed payload itself is accepted at the HTTP layer, got %d", status)
	}
	_, _ = bad.post("40")
	// the worker validates packets: the close follows the POST's answer
	eventually(t, "close of the connection that sent a malformed packet", bad.gone)
	if status, body := good.get(); status != 200 || !strings.Contains(body, `40{"sid"`) {
		t.Fatalf("the other connection: %d %q", status, body)
	}
}

func TestMalformedPackets(t *testing.T) {
	_, base := startReference(t, gateway.Options{})
	cases := map[string]string{
		"unknown engine.io type":   "9",
		"unknown socket.io type":   "49",
		"event without a name":     `40\x1e42[]`,
		"event name not a string":  "40\x1e42[1]",
		"bad attachment count":     "40\x1e451x-[]",
		"stray attachment":         "40\x1ebAQID",
		"placeholder out of range": "40\x1e451-[\"e\",{\"_placeholder\":true,\"num\":5}]\x1ebAQ==",
		"connect with non-object":  "40[1]",
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			c := openRaw(t, base)
			_, _ = c.post(strings.ReplaceAll(body, `\x1e`, "\x1e"))
			eventually(t, "close", c.gone)
		})
	}
}

func TestMaxPayload(t *testing.T) {
	_, base := startReference(t, gateway.Options{MaxPayload: 100})
	c := openRaw(t, base)
	if status, _ := c.post("4" + strings.Repeat("x", 200)); status != 413 {
		t.Fatalf("oversized body: status %d, want 413", status)
	}
	if !c.gone() {
		t.Fatal("connection still open after an oversized payload")
	}
}

func TestMaxPayloadOnWebSocket(t *testing.T) {
	srv, base := startReference(t, gateway.Options{MaxPayload: 100})
	ws := dialWS(t, base)
	expectMessage(t, ws, "0{")
	if err := ws.WriteMessage(websocket.TextMessage, []byte("4"+strings.Repeat("x", 200))); err != nil {
		t.Fatal(err)
	}
	var err error
	for err == nil {
		_, _, err = ws.ReadMessage()
	}
	if !websocket.IsCloseError(err, websocket.CloseMessageTooBig) {
		t.Fatalf("closed with %v, want 1009", err)
	}
	eventually(t, "connection dropped", func() bool { return srv.ConnCount() == 0 })
}

func TestConnectTimeout(t *testing.T) {
	_, base := startReference(t, gateway.Options{ConnectTimeout: 200 * time.Millisecond})
	idle, joined := openRaw(t, base), openRaw(t, base)
	_, _ = joined.post("40")
	time.Sleep(400 * time.Millisecond)
	// the closed connection hands its close packet to the next poll, then is
	// forgotten
	if status, body := idle.get(); status != 200 || body != "1" {
		t.Fatalf("poll after the connect timeout: %d %q, want the close packet", status, body)
	}
	if !idle.gone() {
		t.Fatal("a connection that joined no namespace outlived the connect timeout")
	}
	if joined.gone() {
		t.Fatal("a connected client was closed by the connect timeout")
	}
}

// TestServerCloseReachesPollingClientBetweenPolls closes a long-polling
// connection from the server while no poll waits: the client's next poll
// still receives the DISCONNECT and the close packet, and only then is the
// connection forgotten. Packets posted meanwhile are dropped.
func TestServerCloseReachesPollingClientBetweenPolls(t *testing.T) {
	_, base := startReference(t, gateway.Options{})
	c := openRaw(t, base)
	_, _ = c.post("40")
	if status, body := c.get(); status != 200 || !strings.Contains(body, `40{"sid"`) {
		t.Fatalf("connect reply: %d %q", status, body)
	}
	if status, _ := c.post(`42["disconnect-me"]`); status != 200 {
		t.Fatalf("posting the event: %d", status)
	}
	time.Sleep(100 * time.Millisecond) // the handler runs; no poll waits
	if status, _ := c.post(`42["message","late"]`); status != 200 {
		t.Fatalf("a post to the closing connection: %d, want it accepted and dropped", status)
	}
	// the DISCONNECT, then the close packet alone (see takePending)
	for _, want := range []string{"41", "1"} {
		if status, body := c.get(); status != 200 || body != want {
			t.Fatalf("poll after the server's close: %d %q, want %q", status, body, want)
		}
	}
	if !c.gone() {
		t.Fatal("the connection is still known after its last packets were taken")
	}
}

// TestClosedPollingConnectionIsForgottenWithoutPoll checks that a closed
// long-polling connection whose client never comes back is forgotten after
// ping_timeout.
func TestClosedPollingConnectionIsForgottenWithoutPoll(t *testing.T) {
	srv, base := startReference(t, gateway.Options{PingTimeout: 200 * time.Millisecond})
	c := openRaw(t, base)
	_, _ = c.post("40")
	_, _ = c.get()
	_, _ = c.post(`42["disconnect-me"]`)
	eventually(t, "forgotten", func() bool { return srv.ConnCount() == 0 })
	if !c.gone() {
		t.Fatal("the connection is still known")
	}
}

// TestClientCloseEndsTheWaitOfAClosedConnection: a client that answers a
// DISCONNECT with a close packet will not poll again, so the connection is
// forgotten at once.
func TestClientCloseEndsTheWaitOfAClosedConnection(t *testing.T) {
	srv, base := startReference(t, gateway.Options{})
	c := openRaw(t, base)
	_, _ = c.post("40")
	_, _ = c.get()
	_, _ = c.post(`42["disconnect-me"]`)
	if status, body := c.get(); status != 200 || body != "41" {
		t.Fatalf("poll after the server's close: %d %q", status, body)
	}
	if status, _ := c.post("1"); status != 200 {
		t.Fatalf("the client's close packet: %d", status)
	}
	if n := srv.ConnCount(); n != 0 {
		t.Fatalf("%d connections after the client's close packet", n)
	}
}

func TestPingTimeout(t *testing.T) {
	_, base := startReference(t, gateway.Options{
		PingInterval: 100 * time.Millisecond, PingTimeout: 100 * time.Millisecond,
	})
	c := openRaw(t, base)
	_, _ = c.post("40")
	eventually(t, "ping timeout", c.gone)
}

func TestSlowClientDisconnected(t *testing.T) {
	srv, base := startReference(t, gateway.Options{SendQueue: 4})
	c := openRaw(t, base)
	_, _ = c.post("40")
	_, _ = c.get() // the CONNECT reply: the socket exists
	for i := 0; i < 10; i++ {
		_ = srv.Of("/").Broadcast(context.Background(), gateway.Broadcast{Event: "tick"})
	}
	eventually(t, "slow client close", c.gone)
}

// TestEventFloodDisconnected sends one event more than the burst at once,
// with an event queue that holds them all, so that only the rate limiter
// can end the connection: with the reason "event flood" and close 1008.
func TestEventFloodDisconnected(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := gateway.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	_, ws, _ := startGated(t, gateway.Options{EventRate: 1, EventBurst: 3, EventQueue: 100, Metrics: m})
	for i := 0; i < 4; i++ {
		if err := ws.WriteMessage(websocket.TextMessage, []byte(`42["message"]`)); err != nil {
			t.Fatal(err)
		}
	}
	var ce *websocket.CloseError
	for !errors.As(err, &ce) {
		_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, _, err = ws.ReadMessage(); err != nil && !errors.As(err, &ce) {
			t.Fatalf("reading until the close frame: %v", err)
		}
	}
	if ce.Code != websocket.ClosePolicyViolation || ce.Text != gateway.ReasonEventFlood {
		t.Errorf("close %d %q, want %d %q", ce.Code, ce.Text, websocket.ClosePolicyViolation,
			gateway.ReasonEventFlood)
	}
	if n := labelled(t, reg, "kernelwork_gateway_disconnects_total", "reason", gateway.ReasonEventFlood); n != 1 {
		t.Errorf("%q disconnects = %v", gateway.ReasonEventFlood, n)
	}
}

func TestOverlappingPollsClose(t *testing.T) {
	_, base := startReference(t, gateway.Options{})
	c := openRaw(t, base)
	_, _ = c.post("40")
	_, _ = c.get() // the CONNECT reply
	done := make(chan struct{})
	go func() {
		_, _ = c.get()
		close(done)
	}()
	time.Sleep(100 * time.Millisecond)
	if status, _ := c.get(); status != 400 {
		t.Fatalf("second concurrent poll: status %d, want 400", status)
	}
	<-done
	if !c.gone() {
		t.Fatal("connection open after overlapping polls")
	}
}

func TestBadHandshakes(t *testing.T) {
	_, base := startReference(t, gateway.Options{Transports: []string{"polling"}})
	cases := []struct{ name, method, query, code string }{
		{"engine.io v3", "GET", "EIO=3&transport=polling", `"code":5`},
		{"unknown transport", "GET", "EIO=4&transport=flash", `"code":0`},
		{"websocket not offered", "GET", "EIO=4&transport=websocket", `"code":0`},
		{"unknown sid", "GET", "EIO=4&transport=polling&sid=nope", `"code":1`},
		{"post handshake", "POST", "EIO=4&transport=polling", `"code":2`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := do(t, tc.method, base+"/socket.io/?"+tc.query, testOrigin, "")
			if status != 400 || !strings.Contains(body, tc.code) {
				t.Fatalf("%d %q, want 400 with %s", status, body, tc.code)
			}
		})
	}
}

func TestOptionsRefused(t *testing.T) {
	cases := map[string]gateway.Options{
		"origin with a path": {AllowedOrigins: []string{"https://a.example/x"}},
		"unknown transport":  {Transports: []string{"flash"}},
		"tiny max payload":   {MaxPayload: 10},
		"path without slash": {Path: "socket.io"},
	}
	for name, o := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := gateway.New(o); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

// TestOpenPacket checks the Engine.IO open packet on both transports.
func TestOpenPacket(t *testing.T) {
	_, base := startReference(t, gateway.Options{})
	type open struct {
		SID          string   `json:"sid"`
		Upgrades     []string `json:"upgrades"`
		PingInterval int      `json:"pingInterval"`
		PingTimeout  int      `json:"pingTimeout"`
		MaxPayload   int      `json:"maxPayload"`
	}
	check := func(transport, body string, upgrades []string) {
		t.Helper()
		var o open
		if err := json.Unmarshal([]byte(strings.TrimPrefix(body, "0")), &o); err != nil {
			t.Fatalf("%s open packet %q: %v", transport, body, err)
		}
		if len(o.SID) != 20 || o.PingInterval != 25000 || o.PingTimeout != 20000 ||
			o.MaxPayload != 1000000 || strings.Join(o.Upgrades, ",") != strings.Join(upgrades, ",") {
			t.Fatalf("%s open packet: %+v", transport, o)
		}
	}
	status, body := do(t, "GET", base+"/socket.io/?EIO=4&transport=polling", testOrigin, "")
	if status != 200 {
		t.Fatalf("polling handshake: %d", status)
	}
	check("polling", body, []string{"websocket"})
	check("websocket", string(expectMessage(t, dialWS(t, base), "0{")), nil)
}

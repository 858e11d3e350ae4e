package gateway_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kernelwork/kernelwork/gateway"
	"github.com/kernelwork/kernelwork/gateway/e2e"
)

// referenceHandler behaves as the reference server of the Socket.IO protocol
// test suite: it emits "auth" with the handshake's auth payload, answers
// "message" with "message-back" and acknowledges "message-with-ack" with the
// same arguments.
type referenceHandler struct{}

func (referenceHandler) Connect(_ context.Context, s *gateway.Socket, auth map[string]any) error {
	if auth == nil {
		auth = map[string]any{}
	}
	return s.Emit("auth", auth)
}

func (referenceHandler) Event(_ context.Context, s *gateway.Socket, e *gateway.Event) {
	switch e.Name {
	case "message":
		_ = s.Emit("message-back", e.Args...)
	case "message-with-ack":
		_ = e.Ack(e.Args...)
	case "please-ask":
		// an acknowledgement from the client to the server
		_ = s.EmitWithAck(func(args []any) {
			_ = s.Emit("client-answered", args...)
		}, "question", "q", []byte{4, 2})
	case "disconnect-me":
		// a disconnect the server decides, as a revocation is
		s.Disconnect(true)
	}
}

func (referenceHandler) Disconnect(*gateway.Socket, string) {}

const testOrigin = "https://app.example"

// startReference serves the reference handler on "/" and "/custom".
func startReference(t testing.TB, opts gateway.Options) (*gateway.Server, string) {
	t.Helper()
	if opts.AllowedOrigins == nil {
		opts.AllowedOrigins = []string{testOrigin}
	}
	srv, err := gateway.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv.Handle("/", referenceHandler{})
	srv.Handle("/custom", referenceHandler{})
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		_ = srv.Close()
		hs.Close()
	})
	return srv, hs.URL
}

func TestOfficialClientExchange(t *testing.T) {
	_, url := startReference(t, gateway.Options{})
	cases := []struct {
		name       string
		transports string
		upgrade    string
		want       string
	}{
		{"upgrade from polling", "polling,websocket", "1", "websocket"},
		{"polling only", "polling", "0", "polling"},
		{"websocket only", "websocket", "0", "websocket"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e2e.Run(t, "client.mjs", map[string]string{
				"KW_URL": url, "KW_ORIGIN": testOrigin, "KW_TRANSPORTS": tc.transports,
				"KW_UPGRADE": tc.upgrade, "KW_TOKEN": "t0k", "KW_ASK": "1",
			}, "exchange")
			checkExchange(t, r, tc.want)
		})
	}
}

func checkExchange(t *testing.T, r e2e.Result, transport string) {
	t.Helper()
	if r["transport"] != transport {
		t.Errorf("transport = %v, want %s", r["transport"], transport)
	}
	auth, _ := r["auth"].(map[string]any)
	if auth["hello"] != "world" {
		t.Errorf("auth emitted on connect = %v", r["auth"])
	}
	back, _ := r["messageBack"].([]any)
	if len(back) != 3 || back[0] != float64(1) || back[1] != "two" {
		t.Errorf("message-back = %v", r["messageBack"])
	}
	ack, _ := r["ack"].([]any)
	if len(ack) != 2 || ack[0] != "x" || ack[1].(map[string]any)["binary"] != "010203" {
		t.Errorf("binary ack = %v", r["ack"])
	}
	bin, _ := r["binaryBack"].([]any)
	if len(bin) != 2 || bin[0].(map[string]any)["binary"] != "090807" {
		t.Errorf("binary event back = %v", r["binaryBack"])
	}
	if ans := fmt.Sprint(r["clientAnswered"]); ans != "[answer map[binary:0402]]" {
		t.Errorf("client's ack to a server emit = %s", ans)
	}
	if after, _ := r["afterUpgrade"].([]any); len(after) != 1 || after[0] != "after-upgrade" {
		t.Errorf("ack after upgrade = %v", r["afterUpgrade"])
	}
}

func TestUnknownNamespaceRefused(t *testing.T) {
	_, url := startReference(t, gateway.Options{})
	r := e2e.Run(t, "client.mjs", map[string]string{
		"KW_URL": url, "KW_ORIGIN": testOrigin, "KW_NSP": "/nope",
	}, "connectOnly")
	if r["connected"] != false || r["message"] != "Invalid namespace" {
		t.Fatalf("connect to an unknown namespace: %v", r)
	}
	r = e2e.Run(t, "client.mjs", map[string]string{
		"KW_URL": url, "KW_ORIGIN": testOrigin, "KW_NSP": "/custom",
	}, "connectOnly")
	if r["connected"] != true {
		t.Fatalf("connect to /custom: %v", r)
	}
}

func TestReconnectAfterTransportClose(t *testing.T) {
	_, url := startReference(t, gateway.Options{PingInterval: time.Second})
	r := e2e.Run(t, "client.mjs", map[string]string{
		"KW_URL": url, "KW_ORIGIN": testOrigin,
	}, "reconnect")
	if r["recovered"] != true {
		t.Fatalf("reconnect: %v", r)
	}
}

// TestServerDisconnectReachesOfficialClient disconnects a socket from the
// server, as a revocation does, on every transport: the official client
// sees the event emitted before and an "io server disconnect", whether its
// long-polling connection had a poll waiting or not.
func TestServerDisconnectReachesOfficialClient(t *testing.T) {
	srv, url := startReference(t, gateway.Options{})
	for _, transports := range []string{"websocket", "polling", "polling,websocket"} {
		t.Run(transports, func(t *testing.T) {
			for i := range 3 {
				l := e2e.Start(t, "client.mjs", map[string]string{
					"KW_URL": url, "KW_ORIGIN": testOrigin, "KW_TRANSPORTS": transports,
					"KW_EXPECT": "100",
				}, "listen")
				id, _ := l.Next(t)["id"].(string)
				// the first time at once, while the client may be between
				// two polls or upgrading; then once it is settled
				time.Sleep(time.Duration(i) * 100 * time.Millisecond)
				s := srv.Of("/").Socket(id)
				if s == nil {
					t.Fatalf("no socket %q", id)
				}
				_ = s.Emit("revoked")
				s.Disconnect(true)
				r := l.Wait(t)
				events, _ := r["events"].([]any)
				if r["disconnect"] != "io server disconnect" || len(events) != 1 ||
					events[0].(map[string]any)["event"] != "revoked" {
					t.Fatalf("run %d: client saw %v, want the event then an io server disconnect", i, r)
				}
			}
		})
	}
}

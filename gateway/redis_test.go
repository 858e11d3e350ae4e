package gateway_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/kernelwork/kernelwork/core/coretest"
	"github.com/kernelwork/kernelwork/gateway"
	"github.com/kernelwork/kernelwork/gateway/e2e"
	"github.com/kernelwork/kernelwork/gateway/emitter"
)

// stackRedis returns a client of the local stack's Redis and its URL.
func stackRedis(t *testing.T) (*redis.Client, string) {
	t.Helper()
	url := coretest.StackEnv(t)["KW_REDIS_URL"]
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { _ = rdb.Close() })
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("redis: %v", err)
	}
	return rdb, url
}

// roomHandler is the reference handler that also joins the room named in
// the auth payload.
type roomHandler struct{ referenceHandler }

func (roomHandler) Connect(_ context.Context, s *gateway.Socket, auth map[string]any) error {
	if r, ok := auth["room"].(string); ok {
		s.Join(r)
	}
	return nil
}

// startEdge serves roomHandler with a Redis adapter on prefix.
func startEdge(t *testing.T, rdb *redis.Client, prefix string) (*gateway.Server, string) {
	t.Helper()
	srv, err := gateway.New(gateway.Options{AllowedOrigins: []string{testOrigin}})
	if err != nil {
		t.Fatal(err)
	}
	srv.Handle("/", roomHandler{})
	a := gateway.NewRedisAdapter(srv, rdb, prefix)
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		_ = a.Close()
		_ = srv.Close()
		hs.Close()
	})
	return srv, hs.URL
}

func TestRedisFanOut(t *testing.T) {
	rdb, redisURL := stackRedis(t)
	prefix := "kwtest-" + coretest.RandomSlug("fanout")
	edgeA, _ := startEdge(t, rdb, prefix)
	_, urlB := startEdge(t, rdb, prefix)

	listener := e2e.Start(t, "client.mjs", map[string]string{
		"KW_URL": urlB, "KW_ORIGIN": testOrigin, "KW_EXPECT": "4",
	}, "listen")
	ready := listener.Next(t)
	id, _ := ready["id"].(string)
	ctx := context.Background()
	em := emitter.New(rdb).WithPrefix(prefix)

	// from another edge, to the socket's own room
	if err := edgeA.Of("/").Broadcast(ctx, gateway.Broadcast{
		Selector: gateway.Selector{Rooms: []string{id}}, Event: "from-edge", Args: []any{"a"},
	}); err != nil {
		t.Fatal(err)
	}
	// from the Go emitter: one excluded, then one delivered with binary
	if err := em.Except(id).Emit(ctx, "excluded"); err != nil {
		t.Fatal(err)
	}
	if err := em.To(id).Emit(ctx, "from-go", []byte{1, 2}, map[string]any{"n": 1}); err != nil {
		t.Fatal(err)
	}
	// from the official Node emitter, to everyone
	e2e.Run(t, "emit.mjs", map[string]string{
		"KW_REDIS_URL": redisURL, "KW_PREFIX": prefix,
		"KW_EVENT": "from-node",
	})
	// a join requested through the emitter, then a broadcast to that room
	if err := em.To(id).SocketsJoin(ctx, "joined-remotely"); err != nil {
		t.Fatal(err)
	}
	if err := em.To("joined-remotely").Emit(ctx, "to-joined"); err != nil {
		t.Fatal(err)
	}
	checkFanOut(t, listener.Wait(t))
}

func checkFanOut(t *testing.T, r e2e.Result) {
	t.Helper()
	events, _ := r["events"].([]any)
	var names []string
	for _, e := range events {
		names = append(names, e.(map[string]any)["event"].(string))
	}
	want := []string{"from-edge", "from-go", "from-node", "to-joined"}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Fatalf("events %v, want %v", names, want)
	}
	goArgs := events[1].(map[string]any)["args"].([]any)
	if goArgs[0].(map[string]any)["binary"] != "0102" {
		t.Errorf("binary from the Go emitter: %v", goArgs)
	}
	nodeArgs := events[2].(map[string]any)["args"].([]any)
	if nodeArgs[0] != "from-node" || nodeArgs[1] != float64(42) ||
		nodeArgs[2].(map[string]any)["binary"] != "cafe" {
		t.Errorf("arguments from @socket.io/redis-emitter: %v", nodeArgs)
	}
}

// TestNodeServerOnTheSameRedis runs a Node socket.io 4.8 server with the
// official Redis adapter beside an edge, on the same prefix: each delivers
// the other's broadcasts, binary included.
func TestNodeServerOnTheSameRedis(t *testing.T) {
	rdb, redisURL := stackRedis(t)
	prefix := "kwtest-" + coretest.RandomSlug("node")
	edge, url := startEdge(t, rdb, prefix)
	listener := e2e.Start(t, "client.mjs", map[string]string{
		"KW_URL": url, "KW_ORIGIN": testOrigin, "KW_EXPECT": "2",
	}, "listen")
	listener.Next(t)
	node := e2e.Start(t, "nodeserver.mjs", map[string]string{"KW_REDIS_URL": redisURL, "KW_PREFIX": prefix})
	node.Next(t)
	if err := edge.Of("/").Broadcast(context.Background(), gateway.Broadcast{
		Event: "from-edge", Args: []any{"yo", []byte{0xab}},
	}); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(node.Wait(t)["fromEdge"]); got != "[yo map[binary:ab]]" {
		t.Errorf("the Node server's client got %s", got)
	}
	events := fmt.Sprint(listener.Wait(t)["events"])
	if !strings.Contains(events, "map[args:[hi map[binary:beef]] event:from-node-server]") {
		t.Errorf("the edge's client got %s", events)
	}
}

package gateway_test

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/kernelwork/kernelwork/gateway"
)

// BenchmarkIdleSessionStacks opens b.N WebSocket sessions that joined "/"
// with an auth payload, as clients do, lets them go idle, and reports the
// goroutines and the goroutine stack bytes the server keeps per session.
// The clients live in the same process but keep no goroutine, so the
// figures are the server's. Run it with:
//
//	go test -run '^$' -bench BenchmarkIdleSessionStacks -benchtime 2000x ./gateway/
func BenchmarkIdleSessionStacks(b *testing.B) {
	srv, base := startReference(b, gateway.Options{})
	hello := []byte(`40{"token":"` + strings.Repeat("t", 600) + `"}`)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	g0 := runtime.NumGoroutine()
	for i := 0; i < b.N; i++ {
		ws := dialWS(b, base)
		expectMessage(b, ws, "0{")
		if err := ws.WriteMessage(websocket.TextMessage, hello); err != nil {
			b.Fatal(err)
		}
		expectMessage(b, ws, "40{")
		expectMessage(b, ws, `42["auth"`)
	}
	b.StopTimer()
	time.Sleep(200 * time.Millisecond) // the workers and writers exit
	for i := 0; i < 4; i++ {
		runtime.GC() // each collection halves the stacks that use under a quarter
	}
	runtime.ReadMemStats(&after)
	if srv.ConnCount() != b.N {
		b.Fatalf("%d connections, want %d", srv.ConnCount(), b.N)
	}
	b.ReportMetric(float64(runtime.NumGoroutine()-g0)/float64(b.N), "goroutines/session")
	b.ReportMetric(float64(after.StackInuse-before.StackInuse)/float64(b.N), "stack-B/session")
}

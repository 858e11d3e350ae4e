package main

import (
	"fmt"
	"io"
	"net"
	"testing"
)

// BenchmarkLoopbackFrameWrites measures what a WebSocket server pays per
// frame on loopback when it writes queued frames one system call each
// (batch=1, what melody's write pump does) or several per call
// (coalescing). A frame is an unmasked text frame carrying a tick, as a
// server sends it.
//
//	go test -run ^$ -bench LoopbackFrameWrites ./gateway/bench/loadgen
func BenchmarkLoopbackFrameWrites(b *testing.B) {
	payload := []byte(`42/bench,["tick",1000123,1733250000000000]`)
	frame := append([]byte{0x81, byte(len(payload))}, payload...)
	for _, batch := range []int{1, 4, 16} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			w := loopbackPair(b)
			buf := make([]byte, 0, len(frame)*batch)
			for range batch {
				buf = append(buf, frame...)
			}
			b.SetBytes(int64(len(buf)))
			b.ResetTimer()
			for b.Loop() {
				if _, err := w.Write(buf); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/frame")
		})
	}
}

// loopbackPair returns the writing end of a loopback TCP connection whose
// other end is drained until the benchmark ends.
func loopbackPair(b *testing.B) net.Conn {
	b.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			close(accepted)
			return
		}
		accepted <- c
		_, _ = io.Copy(io.Discard, c)
	}()
	w, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	r, ok := <-accepted
	if !ok {
		b.Fatal("accept failed")
	}
	b.Cleanup(func() { _ = w.Close(); _ = r.Close() })
	return w
}

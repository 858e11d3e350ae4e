package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// profiler saves the go target's pprof profiles: the heap and the runtime
// memory statistics once the idle sessions are open, and a CPU profile of
// the load.
type profiler struct {
	addr string // loopback host:port of the target's pprof server
	dir  string
}

// heap saves heap.pb.gz, of the live heap after a collection, heap.txt
// (which ends with runtime.MemStats) and goroutines.txt; it runs after the
// resident memory was read.
func (p *profiler) heap(ctx context.Context) error {
	if err := p.fetch(ctx, "heap?gc=1", "heap.pb.gz", 30*time.Second); err != nil {
		return err
	}
	if err := p.fetch(ctx, "heap?debug=1", "heap.txt", 30*time.Second); err != nil {
		return err
	}
	return p.fetch(ctx, "goroutine?debug=1", "goroutines.txt", 30*time.Second)
}

// cpu starts a CPU profile of d in the background; wait for it with the
// returned function.
func (p *profiler) cpu(ctx context.Context, d time.Duration) func() error {
	done := make(chan error, 1)
	secs := max(int(d/time.Second), 1)
	go func() {
		done <- p.fetch(ctx, fmt.Sprintf("profile?seconds=%d", secs), "cpu.pb.gz", d+30*time.Second)
	}()
	return func() error { return <-done }
}

func (p *profiler) fetch(ctx context.Context, path, file string, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+p.addr+"/debug/pprof/"+path, nil)
	if err != nil {
		return fmt.Errorf("profile request: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("fetching profile %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("fetching profile %s: status %d", path, resp.StatusCode)
	}
	f, err := os.Create(filepath.Join(p.dir, file))
	if err != nil {
		return fmt.Errorf("saving profile: %w", err)
	}
	defer f.Close()
	if _, err := io.Copy(f, resp.Body); err != nil {
		return fmt.Errorf("saving profile %s: %w", path, err)
	}
	return nil
}

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// workerEnv names the environment variable that turns the loadgen binary
// into a worker process; its value is the JSON of a workerConfig.
const workerEnv = "KW_BENCH_WORKER"

// loadSeqBase separates the broadcasts: ticks below it are latency probes
// whose delivery times are kept, ticks from it on are saturation load that
// is only counted.
const loadSeqBase = 1_000_000

// ringSize bounds the broadcasts a worker tracks at once.
const ringSize = 4096

// workerConfig is what a worker process is told by the coordinator.
type workerConfig struct {
	URL         string        `json:"url"`
	Sessions    int           `json:"sessions"`
	Source      string        `json:"source"`
	KeyFile     string        `json:"key_file"`
	Tenant      string        `json:"tenant"`
	Concurrency int           `json:"concurrency"`
	Timeout     time.Duration `json:"timeout"`
	Lifetime    time.Duration `json:"lifetime"`
}

// event is one line a worker prints.
type event struct {
	Ev        string            `json:"ev"`
	Connected int               `json:"connected,omitempty"`
	Failed    int               `json:"failed,omitempty"`
	Error     string            `json:"error,omitempty"`
	Seq       int64             `json:"seq,omitempty"`
	Delivered int64             `json:"delivered,omitempty"`
	Lost      int64             `json:"lost,omitempty"`
	Latency   map[int64][]int64 `json:"latency,omitempty"`
	worker    int
}

// worker holds the sessions of one worker process.
type worker struct {
	cfg WorkerOptions
	out *json.Encoder
	mu  sync.Mutex // guards out, lat, sessions

	lat       map[int64][]int64
	sessions  []*session
	alive     atomic.Int64
	lost      atomic.Int64
	delivered atomic.Int64
	closing   atomic.Bool
	counts    [ringSize]atomic.Int64
}

// WorkerOptions is a parsed workerConfig.
type WorkerOptions struct {
	workerConfig
	src    net.IP
	minter *minter
}

// runWorker runs a worker process: it opens its sessions, reports, then
// obeys the commands "report" and "close" read from in.
func runWorker(raw string, in io.Reader, out io.Writer) error {
	opts, err := parseWorkerConfig(raw)
	if err != nil {
		return err
	}
	w := &worker{cfg: opts, out: json.NewEncoder(out), lat: map[int64][]int64{}}
	ctx, cancel := context.WithTimeout(context.Background(), opts.Lifetime)
	defer cancel()
	w.connectAll(ctx)
	cmds := make(chan string)
	go readCommands(in, cmds)
	for {
		select {
		case <-ctx.Done():
			w.closeAll()
			return fmt.Errorf("worker lifetime of %s is over", opts.Lifetime)
		case cmd, ok := <-cmds:
			if !ok || cmd == "close" {
				w.closeAll()
				w.emit(event{Ev: "closed"})
				return nil
			}
			if cmd == "report" {
				w.report()
			}
		}
	}
}

func parseWorkerConfig(raw string) (WorkerOptions, error) {
	var c workerConfig
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		return WorkerOptions{}, fmt.Errorf("parsing %s: %w", workerEnv, err)
	}
	src := net.ParseIP(c.Source)
	if src == nil || !src.IsLoopback() {
		return WorkerOptions{}, fmt.Errorf("source %q is not a loopback address", c.Source)
	}
	key, err := readPrivateKey(c.KeyFile)
	if err != nil {
		return WorkerOptions{}, err
	}
	m := &minter{key: key, tenant: c.Tenant, now: time.Now}
	return WorkerOptions{workerConfig: c, src: src, minter: m}, nil
}

func readCommands(in io.Reader, cmds chan<- string) {
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		cmds <- sc.Text()
	}
	close(cmds)
}

// emit prints one event line.
func (w *worker) emit(e event) {
	w.mu.Lock()
	defer w.mu.Unlock()
	_ = w.out.Encode(e)
}

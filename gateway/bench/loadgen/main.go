// Command loadgen is the realtime benchmark of KernelWork: it starts each
// server under test as a fresh process (the Node.js socket.io 4.8 baseline
// in gateway/bench/node, and the Go edge), opens idle authenticated
// WebSocket sessions to it from several worker processes leaving from
// distinct loopback addresses, and measures, side by side:
//
//   - resident memory per idle session (VmRSS of /proc/PID/status after the
//     sessions opened, minus before, divided by the sessions);
//   - the delivery latency of one broadcast to every session (p50, p99);
//   - CPU time (utime + stime of /proc/PID/stat) per delivered message while
//     a window of broadcasts in flight saturates the server.
//
// Every broadcast comes from the same source for both servers: a message
// published on Redis in the wire format of @socket.io/redis-adapter, which
// each server's Redis adapter delivers to its sockets. gateway/bench/run.sh
// (make bench-realtime) runs it with the figures of
// docs/HOSTING_STRATEGY_REPORT.md; -quick is a small run for smoke tests.
//
// The same executable is the worker: with KW_BENCH_WORKER set it opens the
// sessions described there and obeys its coordinator on stdin.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	if raw := os.Getenv(workerEnv); raw != "" {
		if err := runWorker(raw, os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "loadgen worker:", err)
			os.Exit(1)
		}
		return
	}
	if err := runMain(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

// runMain parses the flags, measures each target and prints the comparison.
func runMain(args []string) error {
	o, err := parseFlags(args)
	if err != nil {
		return err
	}
	if err := o.check(); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	results, err := benchmark(ctx, o)
	printResults(os.Stdout, results)
	if o.JSONOut != "" {
		if werr := writeJSON(o.JSONOut, results); werr != nil && err == nil {
			err = werr
		}
	}
	return err
}

// options are the command-line settings.
type options struct {
	Config
	Targets []string
	Repo    string
	Caddy   string
	GoEdge  string
	JSONOut string
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	quick := fs.Bool("quick", false, "small run (2,000 sessions, 2 probes, 2s of load) for smoke tests")
	targets := fs.String("targets", "node,go,caddy", "servers to measure, in order: node, go, caddy")
	fs.IntVar(&o.Sessions, "sessions", 15000, "idle sessions")
	fs.IntVar(&o.Procs, "procs", 4, "worker processes (each opens at most its share of the sessions)")
	fs.IntVar(&o.Concurrency, "concurrency", 32, "connects in flight per worker")
	fs.IntVar(&o.Probes, "probes", 5, "single broadcasts timed for latency")
	fs.DurationVar(&o.LoadFor, "load", 20*time.Second, "how long broadcasts saturate the server")
	fs.IntVar(&o.Window, "window", 16, "broadcasts in flight during the load")
	fs.DurationVar(&o.Settle, "settle", 3*time.Second, "pause before reading resident memory")
	fs.DurationVar(&o.Timeout, "timeout", 60*time.Second, "bound on any single wait")
	fs.StringVar(&o.Prefix, "prefix", "socket.io", "Redis channel prefix of both adapters")
	fs.StringVar(&o.Repo, "repo", ".", "repository root")
	fs.StringVar(&o.Caddy, "caddy", "bin/caddy", "edge binary with the kw_socketio module")
	fs.StringVar(&o.GoEdge, "goedge", "bin/kwbench-goedge", "the standalone Go edge (gateway/bench/goedge)")
	fs.StringVar(&o.Profiles, "profiles", "",
		"save the go and caddy targets' heap and CPU profiles in this folder")
	fs.StringVar(&o.Pprof, "pprof", "127.0.0.1:16060",
		"loopback address of the go and caddy targets' pprof server (with -profiles)")
	fs.StringVar(&o.JSONOut, "json", "", "also write the results as JSON to this file")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if *quick {
		o.Sessions, o.Procs, o.Probes, o.LoadFor, o.Settle = 2000, 2, 2, 2*time.Second, 500*time.Millisecond
	}
	o.Targets = strings.Split(*targets, ",")
	o.RedisURL = os.Getenv("KW_REDIS_URL")
	return o, nil
}

func (o options) check() error {
	if o.RedisURL == "" {
		return fmt.Errorf("KW_REDIS_URL is not set (source .data/local.env)")
	}
	perProc := (o.Sessions + o.Procs - 1) / max(o.Procs, 1)
	switch {
	case o.Sessions < 1 || o.Procs < 1 || o.Procs > 250 || o.Probes < 1 || o.Window < 1:
		return fmt.Errorf("sessions, procs (1-250), probes and window must be positive")
	case perProc > 18000:
		return fmt.Errorf("%d sessions per worker exceed the open-file limit; add -procs", perProc)
	case o.LoadFor <= 0 || o.LoadFor > 10*time.Minute:
		return fmt.Errorf("-load must be between 0 and 10m")
	}
	for _, t := range o.Targets {
		if t != "node" && t != "go" && t != "caddy" {
			return fmt.Errorf("unknown target %q (node, go, caddy)", t)
		}
	}
	return nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// Config is one benchmark run.
type Config struct {
	Sessions    int           // idle sessions held during the measurements
	Procs       int           // worker processes sharing them
	Concurrency int           // connects in flight per worker
	Probes      int           // single broadcasts timed one after the other
	LoadFor     time.Duration // how long broadcasts saturate the server
	Window      int           // broadcasts in flight during the load
	Settle      time.Duration // pause before reading resident memory
	Timeout     time.Duration // bound on any one wait
	RedisURL    string
	Prefix      string // Redis channel prefix of the adapters
	TmpDir      string
	Profiles    string // folder for the Go targets' profiles; empty: none
	Pprof       string // loopback address of the Go targets' pprof server
}

// Result holds what one target measured.
type Result struct {
	Target        string        `json:"target"`
	Sessions      int           `json:"sessions"`
	Failed        int           `json:"failed"`
	FirstError    string        `json:"first_error,omitempty"`
	Lost          int64         `json:"lost"`
	RSSBefore     int64         `json:"rss_before_bytes"`
	RSSAfter      int64         `json:"rss_after_bytes"`
	BytesPerSess  float64       `json:"bytes_per_session"`
	Probes        int           `json:"probes"`
	LatencyCount  int           `json:"latency_samples"`
	LatencyP50    time.Duration `json:"latency_p50_ns"`
	LatencyP99    time.Duration `json:"latency_p99_ns"`
	LatencyMax    time.Duration `json:"latency_max_ns"`
	Broadcasts    int64         `json:"load_broadcasts"`
	Deliveries    int64         `json:"load_deliveries"`
	LoadWall      time.Duration `json:"load_wall_ns"`
	LoadCPU       time.Duration `json:"load_cpu_ns"`
	CPUPerDeliver time.Duration `json:"cpu_per_delivery_ns"`
}

// run is one target's measurement in progress.
type run struct {
	cfg  Config
	keys keyFiles
	srv  *server
	pub  *publisher
	pool *pool
	prof *profiler // nil unless profiling this target
	res  Result
}

// measure starts t fresh, loads it and returns its figures.
func measure(ctx context.Context, cfg Config, keys keyFiles, t target) (Result, error) {
	srv, err := startServer(ctx, t)
	if err != nil {
		return Result{}, err
	}
	defer srv.stop()
	pub, err := newPublisher(cfg.RedisURL, cfg.Prefix)
	if err != nil {
		return Result{}, err
	}
	defer pub.close()
	r := &run{cfg: cfg, keys: keys, srv: srv, pub: pub, res: Result{Target: t.Name}}
	if t.Name != "node" && cfg.Profiles != "" {
		dir := filepath.Join(cfg.Profiles, t.Name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return Result{}, fmt.Errorf("creating the profile folder: %w", err)
		}
		r.prof = &profiler{addr: cfg.Pprof, dir: dir}
	}
	url := fmt.Sprintf("ws://127.0.0.1:%d/socket.io/", t.Port)
	if err := r.steps(ctx, url); err != nil {
		return r.res, fmt.Errorf("%s (server log %s): %w", t.Name, t.Log, err)
	}
	return r.res, nil
}

func (r *run) steps(ctx context.Context, url string) error {
	if err := r.warmUp(ctx, url); err != nil {
		return fmt.Errorf("warming up: %w", err)
	}
	defer func() {
		if r.pool != nil {
			r.pool.stop()
		}
	}()
	if err := r.idleMemory(ctx, url); err != nil {
		return fmt.Errorf("idle sessions: %w", err)
	}
	if err := r.latency(ctx); err != nil {
		return fmt.Errorf("latency probes: %w", err)
	}
	if err := r.load(ctx); err != nil {
		return fmt.Errorf("load: %w", err)
	}
	return r.collect()
}

// warmUp connects one session and waits until a broadcast reaches it, which
// proves the server and its Redis subscription ready, then closes it.
func (r *run) warmUp(ctx context.Context, url string) error {
	priv, err := readPrivateKey(r.keys.Private)
	if err != nil {
		return err
	}
	m := &minter{key: priv, tenant: newUUID(), now: time.Now}
	cctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	s, err := connect(cctx, dialer(net.IPv4(127, 0, 0, 1), r.cfg.Timeout), url, m.mint())
	if err != nil {
		return err
	}
	got := make(chan struct{}, 1)
	go func() {
		_ = s.run(func(tick) {
			select {
			case got <- struct{}{}:
			default:
			}
		})
	}()
	defer s.close()
	for range int(r.cfg.Timeout / (200 * time.Millisecond)) {
		if err := r.pub.tick(ctx, 0); err != nil {
			return err
		}
		select {
		case <-got:
			return nil
		case <-time.After(200 * time.Millisecond):
		}
	}
	return errors.New("no broadcast reached the warm-up session")
}

// idleMemory reads resident memory, opens the sessions and reads it again.
func (r *run) idleMemory(ctx context.Context, url string) error {
	time.Sleep(r.cfg.Settle)
	before, err := rss(r.srv.pid())
	if err != nil {
		return err
	}
	r.pool, err = startPool(ctx, r.workerConfigs(url))
	if err != nil {
		return err
	}
	limit := r.cfg.Timeout + time.Duration(r.cfg.Sessions)*10*time.Millisecond
	ready, err := r.pool.collect("ready", limit)
	if err != nil {
		return err
	}
	for _, e := range ready {
		r.res.Sessions += e.Connected
		r.res.Failed += e.Failed
		if r.res.FirstError == "" {
			r.res.FirstError = e.Error
		}
	}
	if r.res.Sessions == 0 {
		return fmt.Errorf("no session connected: %s", r.res.FirstError)
	}
	time.Sleep(r.cfg.Settle)
	after, err := rss(r.srv.pid())
	r.res.RSSBefore, r.res.RSSAfter = before, after
	r.res.BytesPerSess = float64(after-before) / float64(r.res.Sessions)
	if err == nil && r.prof != nil {
		err = r.prof.heap(ctx)
	}
	return err
}

// workerConfigs spreads the sessions over the workers, each worker leaving
// from its own loopback address (127.0.0.2, 127.0.0.3, ...).
func (r *run) workerConfigs(url string) []workerConfig {
	procs := max(r.cfg.Procs, 1)
	tenant := newUUID()
	out := make([]workerConfig, 0, procs)
	for i := range procs {
		n := r.cfg.Sessions / procs
		if i < r.cfg.Sessions%procs {
			n++
		}
		out = append(out, workerConfig{
			URL: url, Sessions: n, Source: fmt.Sprintf("127.0.0.%d", 2+i),
			KeyFile: r.keys.Private, Tenant: tenant, Concurrency: r.cfg.Concurrency,
			Timeout: r.cfg.Timeout, Lifetime: time.Hour,
		})
	}
	return out
}

// percentile returns the p-th percentile (0 < p <= 100) of sorted samples.
func percentile(sorted []int64, p float64) int64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p/100+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func sortInt64(s []int64) { sort.Slice(s, func(i, j int) bool { return s[i] < s[j] }) }

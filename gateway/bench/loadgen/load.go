package main

import (
	"context"
	"fmt"
	"os"
	"time"
)

// maxLoadBroadcasts bounds the broadcasts of one load phase, whatever its
// duration.
const maxLoadBroadcasts = 200_000

// latency publishes Probes single broadcasts, each after the previous one
// reached every session.
func (r *run) latency(ctx context.Context) error {
	for i := range r.cfg.Probes {
		seq := int64(i + 1)
		if err := r.pub.tick(ctx, seq); err != nil {
			return err
		}
		if err := r.awaitComplete(seq); err != nil {
			return fmt.Errorf("probe %d: %w", seq, err)
		}
		time.Sleep(300 * time.Millisecond)
	}
	r.res.Probes = r.cfg.Probes
	return nil
}

// awaitComplete waits until broadcast seq has reached every session.
func (r *run) awaitComplete(seq int64) error {
	deadline := time.Now().Add(r.cfg.Timeout)
	for {
		e, err := r.pool.next(time.Until(deadline))
		if err != nil {
			return err
		}
		if e.Ev == "complete" && e.Seq == seq {
			return nil
		}
	}
}

// load keeps Window broadcasts in flight for LoadFor and reads the
// server's CPU time around it. A broadcast is in flight until it has
// reached every session.
func (r *run) load(ctx context.Context) error {
	pid := r.srv.pid()
	cpu0, err := cpuTime(pid)
	if err != nil {
		return err
	}
	start := time.Now()
	if r.prof != nil {
		wait := r.prof.cpu(ctx, r.cfg.LoadFor)
		defer func() {
			if err := wait(); err != nil {
				fmt.Fprintln(os.Stderr, "loadgen: cpu profile:", err)
			}
		}()
	}
	seq, inflight, completed := int64(loadSeqBase), 0, int64(0)
	for {
		for inflight < r.cfg.Window && time.Since(start) < r.cfg.LoadFor &&
			seq < loadSeqBase+maxLoadBroadcasts {
			if err := r.pub.tick(ctx, seq); err != nil {
				return err
			}
			seq++
			inflight++
		}
		if inflight == 0 {
			break
		}
		e, err := r.pool.next(r.cfg.Timeout)
		if err != nil {
			return fmt.Errorf("%d broadcasts in flight: %w", inflight, err)
		}
		if e.Ev == "complete" && e.Seq >= loadSeqBase {
			inflight--
			completed++
		}
	}
	r.res.LoadWall = time.Since(start)
	cpu1, err := cpuTime(pid)
	r.res.LoadCPU, r.res.Broadcasts = cpu1-cpu0, completed
	return err
}

// collect asks the workers for their counters and delivery times.
func (r *run) collect() error {
	r.pool.send("report")
	reps, err := r.pool.collect("report", r.cfg.Timeout)
	if err != nil {
		return err
	}
	var lat []int64
	for _, e := range reps {
		r.res.Deliveries += e.Delivered
		r.res.Lost += e.Lost
		for _, v := range e.Latency {
			lat = append(lat, v...)
		}
	}
	sortInt64(lat)
	r.res.LatencyCount = len(lat)
	r.res.LatencyP50 = time.Duration(percentile(lat, 50)) * time.Microsecond
	r.res.LatencyP99 = time.Duration(percentile(lat, 99)) * time.Microsecond
	r.res.LatencyMax = time.Duration(percentile(lat, 100)) * time.Microsecond
	if r.res.Deliveries > 0 {
		r.res.CPUPerDeliver = r.res.LoadCPU / time.Duration(r.res.Deliveries)
	}
	return nil
}

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

// pool is the coordinator's handle on its worker processes.
type pool struct {
	cmds   []*exec.Cmd
	stdins []io.WriteCloser
	stderr []*strings.Builder
	events chan event
	done   map[int64]int // "done" events received per broadcast
	quit   chan struct{} // closed by stop: readers stop forwarding
}

// startPool starts one worker process per config, each a copy of this
// executable with workerEnv set.
func startPool(ctx context.Context, cfgs []workerConfig) (*pool, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("locating the loadgen executable: %w", err)
	}
	p := &pool{events: make(chan event, 1024), done: map[int64]int{}, quit: make(chan struct{})}
	for i, c := range cfgs {
		if err := p.start(ctx, exe, i, c); err != nil {
			p.stop()
			return nil, err
		}
	}
	return p, nil
}

func (p *pool) start(ctx context.Context, exe string, i int, c workerConfig) error {
	raw, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("encoding worker config: %w", err)
	}
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), workerEnv+"="+string(raw))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return fmt.Errorf("worker stdin: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("worker stdout: %w", err)
	}
	errb := &strings.Builder{}
	cmd.Stderr = errb
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting worker %d: %w", i, err)
	}
	p.cmds, p.stdins, p.stderr = append(p.cmds, cmd), append(p.stdins, stdin), append(p.stderr, errb)
	go p.read(i, stdout)
	return nil
}

// read forwards a worker's events to p.events.
func (p *pool) read(i int, r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 64*1024*1024)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			e = event{Ev: "garbage", Error: sc.Text()}
		}
		e.worker = i
		if !p.forward(e) {
			return
		}
	}
	p.forward(event{Ev: "exit", worker: i})
}

// forward hands e to the coordinator, or drops it once the pool stops.
func (p *pool) forward(e event) bool {
	select {
	case p.events <- e:
		return true
	case <-p.quit:
		return false
	}
}

// send writes a command line to every worker.
func (p *pool) send(cmd string) {
	for _, w := range p.stdins {
		_, _ = io.WriteString(w, cmd+"\n")
	}
}

// next returns the next event that is not "done" bookkeeping: a "done"
// event is counted, and returned as event{Ev: "complete"} once every
// worker has sent it for that broadcast.
func (p *pool) next(timeout time.Duration) (event, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		select {
		case e := <-p.events:
			if e.Ev == "exit" || e.Ev == "garbage" {
				return e, fmt.Errorf("worker %d ended or misbehaved: %s %s",
					e.worker, e.Error, p.stderr[e.worker].String())
			}
			if e.Ev != "done" {
				return e, nil
			}
			p.done[e.Seq]++
			if p.done[e.Seq] == len(p.cmds) {
				delete(p.done, e.Seq)
				return event{Ev: "complete", Seq: e.Seq}, nil
			}
		case <-t.C:
			return event{}, errTimeout
		}
	}
}

var errTimeout = errors.New("timed out waiting for the workers")

// collect waits for one event of kind ev from every worker.
func (p *pool) collect(ev string, timeout time.Duration) ([]event, error) {
	deadline := time.Now().Add(timeout)
	var out []event
	for len(out) < len(p.cmds) {
		e, err := p.next(time.Until(deadline))
		if err != nil {
			return out, fmt.Errorf("waiting for %q: %w", ev, err)
		}
		if e.Ev == ev {
			out = append(out, e)
		}
	}
	return out, nil
}

// stop closes every worker and waits a little for them to exit.
func (p *pool) stop() {
	p.send("close")
	close(p.quit)
	for _, w := range p.stdins {
		_ = w.Close()
	}
	for _, c := range p.cmds {
		exited := make(chan struct{})
		go func() { _ = c.Wait(); close(exited) }()
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			_ = c.Process.Kill()
			<-exited
		}
	}
}

package main

import (
	"context"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// connectAll opens the worker's sessions, at most Concurrency at a time,
// and prints a "ready" event with the outcome.
func (w *worker) connectAll(ctx context.Context) {
	d := dialer(w.cfg.src, w.cfg.Timeout)
	sem := make(chan struct{}, max(w.cfg.Concurrency, 1))
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		failed   int
		firstErr string
	)
	for range w.cfg.Sessions {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := w.open(ctx, d); err != nil {
				mu.Lock()
				failed++
				if firstErr == "" {
					firstErr = err.Error()
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	w.emit(event{Ev: "ready", Connected: int(w.alive.Load()), Failed: failed, Error: firstErr})
}

// open connects one session and starts its reader.
func (w *worker) open(ctx context.Context, d *websocket.Dialer) error {
	cctx, cancel := context.WithTimeout(ctx, w.cfg.Timeout)
	defer cancel()
	s, err := connect(cctx, d, w.cfg.URL, w.cfg.minter.mint())
	if err != nil {
		return err
	}
	w.mu.Lock()
	w.sessions = append(w.sessions, s)
	w.mu.Unlock()
	w.alive.Add(1)
	go func() {
		_ = s.run(w.onTick)
		if !w.closing.Load() {
			w.lost.Add(1)
			w.alive.Add(-1)
		}
	}()
	return nil
}

// onTick counts one delivery and prints "done" when every live session of
// the worker has received that broadcast.
func (w *worker) onTick(t tick) {
	if t.seq < loadSeqBase {
		lat := time.Now().UnixMicro() - t.sent
		w.mu.Lock()
		w.lat[t.seq] = append(w.lat[t.seq], lat)
		w.mu.Unlock()
	} else {
		w.delivered.Add(1)
	}
	slot := &w.counts[t.seq%ringSize]
	if slot.Add(1) == w.alive.Load() {
		slot.Store(0)
		w.emit(event{Ev: "done", Seq: t.seq})
	}
}

// report prints the counters and the latency probes' delivery times.
func (w *worker) report() {
	w.mu.Lock()
	lat := make(map[int64][]int64, len(w.lat))
	for k, v := range w.lat {
		lat[k] = append([]int64(nil), v...)
	}
	w.mu.Unlock()
	w.emit(event{Ev: "report", Delivered: w.delivered.Load(), Lost: w.lost.Load(), Latency: lat})
}

// closeAll ends every session.
func (w *worker) closeAll() {
	w.closing.Store(true)
	w.mu.Lock()
	ss := w.sessions
	w.sessions = nil
	w.mu.Unlock()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for _, s := range ss {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			s.close()
		})
	}
	wg.Wait()
}

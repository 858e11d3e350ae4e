package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"
)

// printResults writes one column per target and, when node was measured,
// the ratio of every other target to it.
func printResults(w io.Writer, rs []Result) {
	fmt.Fprintf(w, "%-28s", "")
	for _, r := range rs {
		fmt.Fprintf(w, "%14s", r.Target)
	}
	node := find(rs, "node")
	var others []Result
	for _, r := range rs {
		if r.Target != "node" && node != nil {
			others = append(others, r)
			fmt.Fprintf(w, "%14s", r.Target+"/node")
		}
	}
	fmt.Fprintln(w)
	rows := []struct {
		name string
		f    func(Result) float64
		unit string
	}{
		{"sessions", func(r Result) float64 { return float64(r.Sessions) }, ""},
		{"failed / lost", func(r Result) float64 { return float64(int64(r.Failed) + r.Lost) }, ""},
		{"memory per session", func(r Result) float64 { return r.BytesPerSess / 1024 }, "KiB"},
		{"cpu per delivery", func(r Result) float64 { return us(r.CPUPerDeliver) }, "us"},
		{"deliveries per second", func(r Result) float64 { return perSec(r) }, ""},
		{"server cpu under load", func(r Result) float64 { return cores(r) }, "cores"},
		{"broadcast latency p50", func(r Result) float64 { return ms(r.LatencyP50) }, "ms"},
		{"broadcast latency p99", func(r Result) float64 { return ms(r.LatencyP99) }, "ms"},
		{"broadcast latency max", func(r Result) float64 { return ms(r.LatencyMax) }, "ms"},
	}
	for _, row := range rows {
		fmt.Fprintf(w, "%-28s", row.name+unit(row.unit))
		for _, r := range rs {
			fmt.Fprintf(w, "%14.2f", row.f(r))
		}
		for _, o := range others {
			if row.f(*node) != 0 {
				fmt.Fprintf(w, "%14.2f", row.f(o)/row.f(*node))
			}
		}
		fmt.Fprintln(w)
	}
}

func unit(u string) string {
	if u == "" {
		return ""
	}
	return " (" + u + ")"
}

func find(rs []Result, name string) *Result {
	for i := range rs {
		if rs[i].Target == name {
			return &rs[i]
		}
	}
	return nil
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func perSec(r Result) float64 {
	if r.LoadWall <= 0 {
		return 0
	}
	return float64(r.Deliveries) / r.LoadWall.Seconds()
}

// cores is the server's CPU time over wall time during the load: 1.0 is
// one core kept busy.
func cores(r Result) float64 {
	if r.LoadWall <= 0 {
		return 0
	}
	return r.LoadCPU.Seconds() / r.LoadWall.Seconds()
}

// writeJSON writes the results to path.
func writeJSON(path string, rs []Result) error {
	b, err := json.MarshalIndent(rs, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding results: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("writing results: %w", err)
	}
	return nil
}

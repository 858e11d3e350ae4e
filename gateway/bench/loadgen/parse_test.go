package main

import (
	"fmt"
	"os"
	"testing"
	"time"
)

func TestParseTick(t *testing.T) {
	cases := []struct {
		name string
		msg  string
		want tick
		ok   bool
	}{
		{"tick", `42/bench,["tick",7,1733250000000000]`, tick{7, 1733250000000000}, true},
		{"other event", `42/bench,["other",7,1]`, tick{}, false},
		{"other namespace", `42/,["tick",7,1]`, tick{}, false},
		{"missing time", `42/bench,["tick",7]`, tick{}, false},
		{"not a number", `42/bench,["tick","7",1]`, tick{}, false},
		{"ping", `2`, tick{}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := parseTick([]byte(c.msg))
			if ok != c.ok || got != c.want {
				t.Errorf("parseTick(%q) = %+v, %v; want %+v, %v", c.msg, got, ok, c.want, c.ok)
			}
		})
	}
}

// FuzzParseTick checks that parseTick never panics and accepts only what
// re-encodes to the same packet.
func FuzzParseTick(f *testing.F) {
	f.Add([]byte(`42/bench,["tick",1000000,1733250000000000]`))
	f.Add([]byte(`42/bench,["tick",,]`))
	f.Add([]byte(`0{"sid":"x"}`))
	f.Fuzz(func(t *testing.T, msg []byte) {
		tk, ok := parseTick(msg)
		if !ok {
			return
		}
		again, ok := parseTick(fmt.Appendf(nil, `42/bench,["tick",%d,%d]`, tk.seq, tk.sent))
		if !ok || again != tk {
			t.Fatalf("%q parsed as %+v, which does not round-trip", msg, tk)
		}
	})
}

func TestPercentile(t *testing.T) {
	s := []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, c := range []struct {
		p    float64
		want int64
	}{{50, 5}, {99, 10}, {100, 10}, {1, 1}} {
		if got := percentile(s, c.p); got != c.want {
			t.Errorf("percentile(%v) = %d, want %d", c.p, got, c.want)
		}
	}
	if percentile(nil, 50) != 0 {
		t.Error("percentile of nothing is not 0")
	}
}

// TestProcReaders reads this process's own memory and CPU time.
func TestProcReaders(t *testing.T) {
	pid := os.Getpid()
	before, err := cpuTime(pid)
	if err != nil {
		t.Fatal(err)
	}
	sink := 0
	for i := range 200_000_000 {
		sink += i & 3
	}
	after, err := cpuTime(pid)
	if err != nil || after <= before {
		t.Fatalf("cpu time %s then %s (%v); sink %d", before, after, err, sink)
	}
	m, err := rss(pid)
	if err != nil || m < 1<<20 {
		t.Fatalf("rss %d bytes (%v)", m, err)
	}
	if _, err := rss(-1); err == nil {
		t.Error("rss of no process succeeded")
	}
}

func TestCheckRefusesBadRuns(t *testing.T) {
	base := options{Config: Config{
		Sessions: 100, Procs: 1, Probes: 1, Window: 1, LoadFor: 1e9, RedisURL: "redis://x",
	}, Targets: []string{"node"}}
	bad := map[string]func(*options){
		"no redis":            func(o *options) { o.RedisURL = "" },
		"too many per worker": func(o *options) { o.Sessions = 20000 },
		"unknown target":      func(o *options) { o.Targets = []string{"java"} },
		"no probes":           func(o *options) { o.Probes = 0 },
	}
	if err := base.check(); err != nil {
		t.Fatalf("base options refused: %v", err)
	}
	for name, mutate := range bad {
		t.Run(name, func(t *testing.T) {
			o := base
			mutate(&o)
			if err := o.check(); err == nil {
				t.Error("accepted")
			}
		})
	}
}

func TestParseStatCPU(t *testing.T) {
	stat := "4242 (a (weird) name) S 1 4242 4242 0 -1 4194560 500 0 0 0 250 130 0 0 20 0 9 0 1 2 3"
	got, err := parseStatCPU([]byte(stat))
	if err != nil || got != 3800*time.Millisecond {
		t.Fatalf("parseStatCPU = %s, %v; want 3.8s", got, err)
	}
	for _, bad := range []string{"", "1 (x) S 1 2", "1 (x) S 1 1 1 0 -1 0 0 0 0 0 x 1"} {
		if _, err := parseStatCPU([]byte(bad)); err == nil {
			t.Errorf("parseStatCPU(%q) succeeded", bad)
		}
	}
}

func TestParseVmRSS(t *testing.T) {
	got, err := parseVmRSS([]byte("Name:\tnode\nVmRSS:\t  123456 kB\nThreads:\t7\n"))
	if err != nil || got != 123456*1024 {
		t.Fatalf("parseVmRSS = %d, %v", got, err)
	}
	for _, bad := range []string{"", "VmRSS: lots kB", "VmHWM: 1 kB"} {
		if _, err := parseVmRSS([]byte(bad)); err == nil {
			t.Errorf("parseVmRSS(%q) succeeded", bad)
		}
	}
}

// FuzzParseProc checks that the /proc parsers never panic nor return a
// negative figure.
func FuzzParseProc(f *testing.F) {
	f.Add([]byte("1 (x) S 1 1 1 0 -1 0 0 0 0 0 250 130 0"))
	f.Add([]byte("VmRSS:\t1 kB\n"))
	f.Add([]byte(")))"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if d, err := parseStatCPU(b); err == nil && d < 0 {
			t.Fatalf("negative cpu time %s from %q", d, b)
		}
		if n, err := parseVmRSS(b); err == nil && n < 0 {
			t.Fatalf("negative rss %d from %q", n, b)
		}
	})
}

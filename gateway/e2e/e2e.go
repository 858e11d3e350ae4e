// Package e2e runs the Node programs of this folder (the official
// socket.io-client, @socket.io/redis-emitter, a headless Chromium driven by
// playwright-core) from Go tests. `npm ci` in this folder installs them;
// deploy/local/test.sh does it before `go test`.
package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Dir returns this folder's path.
func Dir(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("e2e: cannot locate the package folder")
	}
	dir := filepath.Dir(file)
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "socket.io-client")); err != nil {
		t.Fatalf("e2e: node modules missing (%v); run `npm ci` in %s", err, dir)
	}
	return dir
}

// Result is the JSON object a scenario printed last.
type Result map[string]any

// Run runs `node <script> <args...>` with env added to the environment and
// returns the last JSON line it printed. The test fails if node fails.
func Run(t testing.TB, script string, env map[string]string, args ...string) Result {
	t.Helper()
	p := Start(t, script, env, args...)
	return p.Wait(t)
}

// Process is a running Node program.
type Process struct {
	cmd   *exec.Cmd
	lines chan string
	last  string
	errb  strings.Builder
}

// Start starts a Node program; read its lines with Next, end with Wait.
func Start(t testing.TB, script string, env map[string]string, args ...string) *Process {
	t.Helper()
	dir := Dir(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, "node", append([]string{filepath.Join(dir, script)}, args...)...)
	cmd.Dir = dir
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &Process{cmd: cmd, lines: make(chan string, 64)}
	cmd.Stderr = &p.errb
	if err := cmd.Start(); err != nil {
		t.Fatalf("e2e: starting node: %v", err)
	}
	go p.read(out)
	return p
}

func (p *Process) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		p.lines <- sc.Text()
	}
	close(p.lines)
}

// Next returns the next JSON line the program printed.
func (p *Process) Next(t testing.TB) Result {
	t.Helper()
	select {
	case line, ok := <-p.lines:
		if !ok {
			t.Fatalf("e2e: node ended early; stderr: %s", p.errb.String())
		}
		p.last = line
		return decode(t, line)
	case <-time.After(30 * time.Second):
		t.Fatal("e2e: no output from node within 30s")
	}
	return nil
}

// Wait waits for the program to end and returns its last JSON line. The
// test fails if the program failed.
func (p *Process) Wait(t testing.TB) Result {
	t.Helper()
	res, err := p.Outcome(t)
	if err != nil {
		t.Fatalf("e2e: node failed: %v; result %v; stderr: %s", err, res, p.errb.String())
	}
	return res
}

// Outcome waits for the program to end and returns its last JSON line and
// its exit error, for scenarios expected to fail.
func (p *Process) Outcome(t testing.TB) (Result, error) {
	t.Helper()
	for line := range p.lines {
		p.last = line
	}
	err := p.cmd.Wait()
	return decode(t, p.last), err
}

func decode(t testing.TB, line string) Result {
	t.Helper()
	var r Result
	if err := json.Unmarshal([]byte(line), &r); err != nil {
		t.Fatalf("e2e: node printed %q, not JSON: %v", line, err)
	}
	return r
}

package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTicks is the unit of utime and stime in /proc/PID/stat (USER_HZ,
// 100 on every Linux architecture Go supports).
const clockTicks = 100

// target is one server under test, started fresh for each measurement.
type target struct {
	Name string   // "node" or "go"
	Args []string // command line
	Dir  string   // working directory
	Env  []string // added to the environment
	Port int      // loopback port it listens on
	Log  string   // file receiving its stdout and stderr

	cleanup func() // stops what the target needs beside it; may be nil
}

// server is a running target.
type server struct {
	cmd    *exec.Cmd
	exited chan struct{}
	log    *os.File
}

// startServer starts t and waits until its port accepts connections.
func startServer(ctx context.Context, t target) (*server, error) {
	logf, err := os.Create(t.Log)
	if err != nil {
		return nil, fmt.Errorf("creating server log: %w", err)
	}
	cmd := exec.Command(t.Args[0], t.Args[1:]...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = t.Dir, logf, logf
	cmd.Env = append(os.Environ(), t.Env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		_ = logf.Close()
		return nil, fmt.Errorf("starting %s: %w", t.Name, err)
	}
	s := &server{cmd: cmd, exited: make(chan struct{}), log: logf}
	go func() { _ = cmd.Wait(); close(s.exited) }()
	if err := s.waitListening(ctx, t.Port, 60*time.Second); err != nil {
		s.stop()
		return nil, fmt.Errorf("%s server (log %s): %w", t.Name, t.Log, err)
	}
	return s, nil
}

func (s *server) waitListening(ctx context.Context, port int, limit time.Duration) error {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return fmt.Errorf("exited before listening: %s", s.cmd.ProcessState)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			_ = c.Close()
			return nil
		}
	}
	return fmt.Errorf("not listening on %s after %s", addr, limit)
}

// pid returns the server's process id.
func (s *server) pid() int { return s.cmd.Process.Pid }

// stop ends the server's process group: SIGTERM, then SIGKILL after 10s.
func (s *server) stop() {
	pgid := -s.cmd.Process.Pid
	_ = syscall.Kill(pgid, syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(pgid, syscall.SIGKILL)
		<-s.exited
	}
	_ = s.log.Close()
}

// rss returns the resident memory of pid in bytes (VmRSS).
func rss(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("reading process status: %w", err)
	}
	return parseVmRSS(b)
}

// parseVmRSS reads VmRSS from the text of /proc/PID/status.
func parseVmRSS(status []byte) (int64, error) {
	for line := range strings.SplitSeq(string(status), "\n") {
		v, ok := strings.CutPrefix(line, "VmRSS:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
		if err != nil || kb < 0 {
			return 0, fmt.Errorf("malformed VmRSS %q", v)
		}
		return kb * 1024, nil
	}
	return 0, fmt.Errorf("no VmRSS in the process status")
}

// cpuTime returns the user plus system CPU time pid has used.
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("reading process stat: %w", err)
	}
	return parseStatCPU(b)
}

// parseStatCPU reads utime + stime from the text of /proc/PID/stat. The
// command name (field 2) may hold spaces and parentheses; the fields after
// its last ')' are plain.
func parseStatCPU(stat []byte) (time.Duration, error) {
	i := strings.LastIndexByte(string(stat), ')')
	if i < 0 {
		return 0, fmt.Errorf("malformed process stat")
	}
	f := strings.Fields(string(stat)[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("malformed process stat")
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil || utime < 0 || stime < 0 {
		return 0, fmt.Errorf("malformed utime or stime in the process stat")
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// freePort returns a loopback port nobody listens on right now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

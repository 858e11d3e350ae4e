package server_test

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kernelwork/kernelwork/core/coretest"
)

// TestStackSecretsArePrivate checks the files in which the local stack keeps
// its generated secrets are readable by their owner only.
func TestStackSecretsArePrivate(t *testing.T) {
	data := os.Getenv("KW_DATA_DIR")
	if data == "" {
		data = filepath.Join(coretest.RepoRoot(t), ".data")
	}
	for _, name := range []string{"secrets.env", "local.env", "livekit.yaml", "turnserver.conf"} {
		st, err := os.Stat(filepath.Join(data, name))
		if err != nil {
			t.Fatalf("%s: %v (run `make services`)", name, err)
		}
		if st.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v; want no access for group and others", name, st.Mode().Perm())
		}
	}
}

// TestStackExplainsTakenPort starts the stack script with Redis's port held by
// another program: it must stop with one line that names the port and the fix.
func TestStackExplainsTakenPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	cmd := exec.Command(filepath.Join(coretest.RepoRoot(t), "deploy", "local", "stack.sh"), "start")
	cmd.Env = append(os.Environ(), "KW_DATA_DIR="+t.TempDir(), "REDIS_PORT="+port,
		"KW_EXTERNAL_DATABASE_URL=postgres://unused@127.0.0.1:1/unused")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("stack.sh start succeeded over a taken port:\n%s", out)
	}
	want := "port " + port + " for redis is taken by another program"
	if !strings.Contains(string(out), want) || !strings.Contains(string(out), "ports.env") {
		t.Fatalf("output lacks %q and the fix:\n%s", want, out)
	}
}

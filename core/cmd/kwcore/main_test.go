package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kernelwork/kernelwork/core/coretest"
)

// build compiles kwcore into a temporary folder.
func build(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "kwcore")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// run executes bin with exactly env (plus PATH and HOME) and returns its
// output and exit code.
func run(t *testing.T, bin string, env map[string]string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), code
}

func TestStartupErrorsAreClearLines(t *testing.T) {
	bin := build(t)
	good := coretest.StackEnv(t)
	cfg := coretest.Config(t, nil)
	good["KW_TLS_CERT_FILE"], good["KW_TLS_KEY_FILE"] = cfg.Server.CertFile, cfg.Server.KeyFile
	good["KW_EDGE_CA_FILE"] = cfg.Server.EdgeCAFile
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for kk, vv := range good {
			m[kk] = vv
		}
		m[k] = v
		return m
	}
	cases := []struct {
		name string
		env  map[string]string
		args []string
		want []string
	}{
		{
			"empty environment",
			map[string]string{},
			[]string{"serve"},
			[]string{"KW_DATABASE_URL is required", "KW_REDIS_URL is required"},
		},
		{
			"malformed duration", with("KW_ACCESS_TOKEN_TTL", "forever"),
			[]string{"serve"},
			[]string{"KW_ACCESS_TOKEN_TTL must be a duration"},
		},
		{
			"ttl above 15 minutes", with("KW_ACCESS_TOKEN_TTL", "1h"),
			[]string{"serve"},
			[]string{"KW_ACCESS_TOKEN_TTL must be a duration from 1m0s to 15m0s"},
		},
		{
			"postgres unreachable", with("KW_DATABASE_URL",
				"postgres://u:secretpw@127.0.0.1:1/db?sslmode=disable"),
			[]string{"migrate"},
			[]string{"postgresql at 127.0.0.1:1 is not reachable", "make services"},
		},
		{
			"redis unreachable", with("KW_REDIS_URL", "redis://:secretpw@127.0.0.1:1/0"),
			[]string{"serve"},
			[]string{"redis at 127.0.0.1:1 is not reachable"},
		},
		{"unknown command", good, []string{"frobnicate"}, []string{`unknown command "frobnicate"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, code := run(t, bin, tc.env, tc.args...)
			if code == 0 {
				t.Fatalf("exit code 0; output:\n%s", out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if strings.Contains(out, "goroutine ") || strings.Contains(out, "panic:") {
				t.Errorf("output has a stack trace:\n%s", out)
			}
			if strings.Contains(out, "secretpw") {
				t.Errorf("output echoes a password:\n%s", out)
			}
		})
	}
}

func TestInventoryNamesEveryComponent(t *testing.T) {
	bin := build(t)
	env := coretest.StackEnv(t)
	cfg := coretest.Config(t, nil)
	env["KW_TLS_CERT_FILE"], env["KW_TLS_KEY_FILE"] = cfg.Server.CertFile, cfg.Server.KeyFile
	env["KW_EDGE_CA_FILE"] = cfg.Server.EdgeCAFile
	out, code := run(t, bin, env, "inventory")
	if code != 0 {
		t.Fatalf("inventory exit %d:\n%s", code, out)
	}
	for _, w := range []string{
		`"kwcore"`, `"postgresql"`, `"redis"`, `"s3"`, `"livekit"`,
		`"coturn"`, `"plane": "storage"`, `"plane": "media"`, `"version": "15.`,
	} {
		if !strings.Contains(out, w) {
			t.Errorf("inventory lacks %s:\n%s", w, out)
		}
	}
	for _, secret := range []string{
		env["KW_S3_SECRET_KEY"], env["KW_LIVEKIT_API_SECRET"],
		env["KW_TURN_SECRET"],
	} {
		if secret != "" && strings.Contains(out, secret) {
			t.Fatal("inventory prints a secret")
		}
	}
}
